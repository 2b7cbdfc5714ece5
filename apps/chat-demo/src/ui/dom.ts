// A tiny element builder for the views: `h("button", { type: "submit", onclick }, "Send")`.
// Attributes are set as attributes (so ARIA and data-* work), `on…` keys add listeners.

/** What may appear as a child: nodes, text, or nothing. */
export type Child = Node | string | false | null | undefined

/** Attribute values; `on…` keys take listeners. */
export type Props = Readonly<
  Record<string, string | number | boolean | undefined | ((event: Event) => void)>
>

/** Creates an element with attributes, listeners and children. */
export const h = <Tag extends keyof HTMLElementTagNameMap>(
  tag: Tag,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[Tag] => {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(props)) {
    if (typeof value === "function") element.addEventListener(name.slice(2), value)
    else if (value === true) element.setAttribute(name, "")
    else if (value !== false && value !== undefined) element.setAttribute(name, String(value))
  }
  for (const child of children) {
    if (child !== false && child !== null && child !== undefined) element.append(child)
  }
  return element
}

/** Replaces every child of `parent`. */
export const replaceChildren = (parent: Element, ...children: Child[]): void => {
  parent.replaceChildren(
    ...children.filter(
      (child): child is Node | string => child !== false && child !== null && child !== undefined,
    ),
  )
}

/** A time as "14:05" in the user's locale. */
export const timeOf = (at: number): string =>
  new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
