// How the push module reaches XEP-0357 app servers (§7): a publish IQ to a configured XEP-0114
// component goes through `api.request`; one to a local JID is delivered and its answer caught
// when the client sends it back to the server; a remote domain cannot be reached (this server
// has no s2s), which is answered at once with `remote-server-not-found`. In a cluster the local
// JID may be connected to another node: an answer to another node's publish (its id carries
// that node's prefix) is sent on over the cluster to the node that waits for it.
import { randomBytes } from "node:crypto"
import type { Element } from "@xmpp/xml"
import { parseJid } from "../jid/Jid.js"
import type { ModuleApi } from "../modules/ServerModule.js"
import type { Session } from "../session/Session.js"
import { parseElement } from "../xml/parseXml.js"
import { serialize, type XmlElement, xml } from "../xml/Xml.js"

const NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
/** Every node's publish ids start with this, then a prefix of the node's own. */
const ID_START = "push-"
/** The cluster topic of app server answers to another node's publish. */
const ANSWER_TOPIC = "push-answer"

const asXml = (element: Element): XmlElement => element as unknown as XmlElement
const asElement = (element: XmlElement): Element => element as unknown as Element

const errorAnswer = (iq: XmlElement, type: string, condition: string): Element =>
  asElement(
    xml(
      "iq",
      { type: "error", id: iq.attrs.id, from: iq.attrs.to },
      xml("error", { type }, xml(condition, { xmlns: NS_STANZAS })),
    ),
  )

interface Waiting {
  readonly resolve: (reply: Element) => void
  readonly timer: NodeJS.Timeout
}

/** Publishes to app servers and collects their answers; bounded by the push rules' in-flight limits. */
export class AppServerLink {
  private readonly prefix = `${ID_START}${randomBytes(6).toString("base64url")}-`
  private readonly waiting = new Map<string, Waiting>()
  private readonly stopListening: (() => void) | undefined

  constructor(private readonly api: ModuleApi) {
    this.stopListening = api.cluster?.listen(ANSWER_TOPIC, (message) => {
      const answer = typeof message === "string" ? parseElement(message) : undefined
      if (answer !== undefined) this.settle(answer)
    })
  }

  /** Sends the publish and resolves with the app server's answer; rejects on timeout. */
  publish(element: Element, timeoutMs: number): Promise<Element> {
    const iq = asXml(element)
    iq.attrs.id = this.prefix + (iq.attrs.id ?? "")
    const to = parseJid(iq.attrs.to ?? "")
    if (to === undefined) return Promise.resolve(errorAnswer(iq, "modify", "jid-malformed"))
    const component = this.api.config.components.some((entry) => entry.domain === to.domain)
    if (component) return this.api.request(iq, timeoutMs).then(asElement)
    if (to.domain !== this.api.domain)
      return Promise.resolve(errorAnswer(iq, "cancel", "remote-server-not-found"))
    return this.publishLocally(iq, timeoutMs)
  }

  private publishLocally(iq: XmlElement, timeoutMs: number): Promise<Element> {
    const id = iq.attrs.id ?? ""
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id)
        reject(new Error(`${iq.attrs.to} did not answer push ${id} within ${timeoutMs} ms`))
      }, timeoutMs)
      timer.unref()
      this.waiting.set(id, { resolve, timer })
      this.api.send(iq)
    })
  }

  /**
   * Takes an IQ answer a local session sent to the server for a publish of this node (or, in a
   * cluster, of another node: sent on to it); true when
   * it was one (the caller stops it there).
   */
  answered(session: Session, stanza: XmlElement): boolean {
    if (stanza.name !== "iq" || (stanza.attrs.type !== "result" && stanza.attrs.type !== "error"))
      return false
    const id = stanza.attrs.id ?? ""
    const cluster = this.api.cluster
    if (id.startsWith(this.prefix)) {
      stanza.attrs.from ??= session.full
      this.settle(stanza)
      return true
    }
    if (cluster === undefined || !id.startsWith(ID_START)) return false
    stanza.attrs.from ??= session.full
    cluster.broadcast(ANSWER_TOPIC, serialize(stanza))
    return true
  }

  /** Resolves the publish `answer` answers, when it is one of ours and still waiting. */
  private settle(answer: XmlElement): void {
    const id = answer.attrs.id ?? ""
    const waiting = this.waiting.get(id)
    if (waiting === undefined) return
    this.waiting.delete(id)
    clearTimeout(waiting.timer)
    waiting.resolve(asElement(answer))
  }

  /** Forgets every waiting publish (server stop). */
  close(): void {
    this.stopListening?.()
    for (const waiting of this.waiting.values()) clearTimeout(waiting.timer)
    this.waiting.clear()
  }
}
