// The "what this server supports" panel, from service discovery (XEP-0030, XEP-0079 §2.1.1).
import type { SupportLine } from "../model/ChatStore.js"
import { h } from "./dom.js"

/** Renders the panel; `lines` is undefined while discovery runs. */
export const renderSupportPanel = (lines: readonly SupportLine[] | undefined): HTMLElement =>
  h(
    "aside",
    { class: "support", "aria-labelledby": "support-title" },
    h("h2", { id: "support-title" }, "What this server supports"),
    lines === undefined
      ? h("p", { class: "muted" }, "Asking the server…")
      : h(
          "ul",
          {},
          ...lines.map((line) =>
            h(
              "li",
              { class: line.supported ? "yes" : "no" },
              h("span", { class: "mark", "aria-hidden": "true" }, line.supported ? "✓" : "–"),
              h(
                "span",
                {},
                h("span", { class: "feature" }, line.label),
                h(
                  "span",
                  { class: "visually-hidden" },
                  line.supported ? " (supported)" : " (not supported)",
                ),
                line.detail === undefined
                  ? undefined
                  : h("span", { class: "feature-detail" }, line.detail),
              ),
            ),
          ),
        ),
  )
