// One id per message for the push rules (project push spec rule 6: never push one stanza twice
// to one registration): the server's routing key when the message went through routing, so the
// copy queued to a session, the archived copy and the offline copy share it; otherwise an id of
// the stanza object itself.
import type { ModuleApi } from "../modules/ServerModule.js"
import type { XmlElement } from "../xml/Xml.js"

/** Gives every stanza the push rules see a stable id. */
export class StanzaIds {
  private readonly own = new WeakMap<XmlElement, string>()
  private next = 0

  constructor(private readonly api: ModuleApi) {}

  /** The id of `stanza`: its routing key, else one made for this object. */
  of(stanza: XmlElement): string {
    const key = this.api.messageKey(stanza)
    if (key !== undefined) return key
    const known = this.own.get(stanza)
    if (known !== undefined) return known
    this.next += 1
    const made = `push-stanza-${this.next}`
    this.own.set(stanza, made)
    return made
  }
}
