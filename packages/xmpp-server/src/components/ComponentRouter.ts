// XEP-0114 routing: the configured components and the ones connected now, by domain. Stanzas
// for a component domain (from clients, modules or other components) are written to its
// stream; IQs the server sends to a component wait here for their result (`request`).
import { randomBytes } from "node:crypto"
import type { ComponentEntry } from "../config/ServerConfig.js"
import { type XmlElement, xml } from "../xml/Xml.js"

/** XEP-0114 content namespace. */
export const NS_COMPONENT = "jabber:component:accept"

/** A connected component stream, as the router writes to it. */
export interface ComponentLink {
  readonly domain: string
  /** Writes a stanza; false when the stream is gone. */
  write(stanza: XmlElement): boolean
}

/**
 * The components connected to other cluster nodes (src/cluster/ClusterNode.ts): a component
 * connects to one node and is reachable from all (spec/cluster.md guarantee 1).
 */
export interface RemoteComponents {
  /** Writes to the component on the node that has it; false when no node has it. */
  write(domain: string, stanza: XmlElement): boolean
  /** Hands an IQ result/error to the node whose request it answers; false when none. */
  settle(reply: XmlElement): boolean
  /** A local component connected (true) or left (false). */
  changed(domain: string, connected: boolean): void
  /** The prefix of this node's IQ ids (`n1~`), so that answers find their way back. */
  readonly idPrefix: string
}

interface Pending {
  readonly resolve: (reply: XmlElement) => void
  readonly reject: (error: Error) => void
  readonly timer: NodeJS.Timeout
}

/** The components of one server. */
export class ComponentRouter {
  private readonly entries = new Map<string, ComponentEntry>()
  private readonly connected = new Map<string, ComponentLink>()
  private readonly pending = new Map<string, Pending>()
  private remote: RemoteComponents | undefined = undefined

  constructor(entries: ReadonlyArray<ComponentEntry>) {
    for (const entry of entries) this.entries.set(entry.domain.toLowerCase(), entry)
  }

  /** True when `domain` is a configured component (connected or not). */
  serves(domain: string): boolean {
    return this.entries.has(domain)
  }

  /** Number of configured components. */
  get configured(): number {
    return this.entries.size
  }

  /** The `[[components]]` entry of a configured component (secret, stanza rate). */
  entryOf(domain: string): ComponentEntry | undefined {
    return this.entries.get(domain)
  }

  /** Makes the components of other cluster nodes reachable (a cluster node, at start). */
  attachRemote(remote: RemoteComponents): void {
    this.remote = remote
  }

  /** Registers an authenticated stream; false when the domain is connected already. */
  attach(link: ComponentLink): boolean {
    if (this.connected.has(link.domain)) return false
    this.connected.set(link.domain, link)
    this.remote?.changed(link.domain, true)
    return true
  }

  /** Forgets a stream that ended. */
  detach(link: ComponentLink): void {
    if (this.connected.get(link.domain) !== link) return
    this.connected.delete(link.domain)
    this.remote?.changed(link.domain, false)
  }

  /** Writes `stanza` to a component connected to this node; false when it is not. */
  writeLocal(domain: string, stanza: XmlElement): boolean {
    return this.connected.get(domain)?.write(stanza) ?? false
  }

  /**
   * Writes `stanza` to the component serving `domain`, here or on another cluster node; false
   * when it is not connected anywhere.
   */
  write(domain: string, stanza: XmlElement): boolean {
    const local = this.connected.get(domain)
    if (local !== undefined) return local.write(stanza)
    return this.remote?.write(domain, stanza) ?? false
  }

  /**
   * Sends an IQ get/set to a component and resolves with its result or error stanza; rejects
   * when the component is not connected or does not answer within `timeoutMs`.
   */
  request(iq: XmlElement, timeoutMs = 10_000): Promise<XmlElement> {
    const domain = (iq.attrs.to ?? "").split("/")[0]?.split("@").pop() ?? ""
    // In a cluster the id names this node, so that the answer finds its way back here.
    const id = `${this.remote?.idPrefix ?? ""}${iq.attrs.id ?? randomBytes(8).toString("base64url")}`
    const sent = xml(iq.name, { ...iq.attrs, id }, ...iq.children)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`${domain} did not answer IQ ${id} within ${timeoutMs} ms`))
      }, timeoutMs)
      timer.unref()
      this.pending.set(id, { resolve, reject, timer })
      if (!this.write(domain, sent)) {
        clearTimeout(timer)
        this.pending.delete(id)
        reject(new Error(`component ${domain} is not connected`))
      }
    })
  }

  /** Delivers an IQ result/error addressed to the server; false when nobody waits for it. */
  settle(reply: XmlElement): boolean {
    const waiting = this.pending.get(reply.attrs.id ?? "")
    if (waiting === undefined) return this.remote?.settle(reply) ?? false
    this.pending.delete(reply.attrs.id ?? "")
    clearTimeout(waiting.timer)
    waiting.resolve(reply)
    return true
  }
}
