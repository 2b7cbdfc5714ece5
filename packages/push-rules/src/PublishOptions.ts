// XEP-0357 §5: the optional publish-options form of `<enable/>`, echoed in every publish (§7).

import type { Element } from "@xmpp/xml"
import { type DataForm, dataFormCodec, formTypeOf } from "./DataForm.js"
import { DATA_FORMS_NS, PUBLISH_OPTIONS_FORM_TYPE } from "./Namespaces.js"
import { type ParseResult, parsed, refused } from "./PushRequestError.js"

/** Reads the at most one publish-options form among `parent`'s children (none gives undefined). */
export const parsePublishOptions = (parent: Element): ParseResult<DataForm | undefined> => {
  const forms = parent.getChildren("x", DATA_FORMS_NS)
  const [element] = forms
  if (element === undefined) return parsed(undefined)
  if (forms.length > 1) return refused("too-many-forms", "at most one publish-options form")
  const form = dataFormCodec.parse(element)
  if (!form.ok) return form
  if (form.value.type !== "submit") {
    return refused("form-not-submit", "the publish-options form must be of type 'submit'")
  }
  if (formTypeOf(form.value) !== PUBLISH_OPTIONS_FORM_TYPE) {
    return refused(
      "wrong-form-type",
      `publish-options FORM_TYPE must be '${PUBLISH_OPTIONS_FORM_TYPE}'`,
    )
  }
  return form
}
