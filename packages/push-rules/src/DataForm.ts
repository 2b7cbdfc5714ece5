// XEP-0004 data forms, as far as XEP-0357 uses them: the publish-options form given at enable time
// (§5) and the `urn:xmpp:push:summary` form of a notification (§7).
import xml, { type Element } from "@xmpp/xml"
import type { ElementCodec } from "./ElementCodec.js"
import { DATA_FORMS_NS } from "./Namespaces.js"
import { type ParseResult, parsed, refused } from "./PushRequestError.js"

/** XEP-0004 §3.1 form types. */
export type DataFormType = "cancel" | "form" | "result" | "submit"

/** One field: its `var`, optional `type`, and values in document order. */
export interface DataFormField {
  /** The field name (`var` attribute). */
  readonly var: string
  /** The field type (`type` attribute), when given. */
  readonly type?: string
  /** The `<value/>` texts in order. */
  readonly values: readonly string[]
}

/** A data form: plain data, so that it can be stored as JSON and compared structurally. */
export interface DataForm {
  /** The form type (`type` attribute). */
  readonly type: DataFormType
  /** The fields in document order, FORM_TYPE included. */
  readonly fields: readonly DataFormField[]
}

const formTypes: ReadonlySet<string> = new Set(["cancel", "form", "result", "submit"])

/** The first value of field `name`, if the form has it. */
export const fieldValue = (form: DataForm, name: string): string | undefined =>
  form.fields.find((field) => field.var === name)?.values[0]

/** The FORM_TYPE of a form (XEP-0068), if it has one. */
export const formTypeOf = (form: DataForm): string | undefined => fieldValue(form, "FORM_TYPE")

const parseField = (element: Element): DataFormField | undefined => {
  const name = element.attrs.var
  if (typeof name !== "string" || name.length === 0) return undefined
  const values = element.getChildren("value").map((value) => value.getText())
  const type = element.attrs.type
  return typeof type === "string" ? { var: name, type, values } : { var: name, values }
}

const parseDataForm = (element: Element): ParseResult<DataForm> => {
  const type = element.attrs.type
  if (typeof type !== "string" || !formTypes.has(type)) {
    return refused("malformed-form", `data form type '${String(type)}' is not a XEP-0004 type`)
  }
  const fields: DataFormField[] = []
  for (const child of element.getChildren("field")) {
    const field = parseField(child)
    if (field === undefined) return refused("malformed-form", "a data form field has no 'var'")
    fields.push(field)
  }
  return parsed({ type: type as DataFormType, fields })
}

const serializeField = (field: DataFormField): Element =>
  xml(
    "field",
    field.type === undefined ? { var: field.var } : { var: field.var, type: field.type },
    ...field.values.map((value) => xml("value", {}, value)),
  )

/** `<x xmlns='jabber:x:data'/>`: a XEP-0004 data form. */
export const dataFormCodec: ElementCodec<DataForm> = {
  name: "x",
  xmlns: DATA_FORMS_NS,
  parse: parseDataForm,
  serialize: (form) =>
    xml("x", { xmlns: DATA_FORMS_NS, type: form.type }, ...form.fields.map(serializeField)),
}

/** A `submit` form with a hidden FORM_TYPE and one single-valued field per entry of `values`. */
export const submitForm = (
  formType: string,
  values: Readonly<Record<string, string | undefined>>,
): DataForm => ({
  type: "submit",
  fields: [
    { var: "FORM_TYPE", type: "hidden", values: [formType] },
    ...Object.entries(values).flatMap(([name, value]) =>
      value === undefined ? [] : [{ var: name, values: [value] }],
    ),
  ],
})
