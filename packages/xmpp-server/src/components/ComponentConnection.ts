// XEP-0114 §3: one external component's stream (`jabber:component:accept`): header for a
// configured domain, `<handshake/>` with SHA-1(stream id + shared secret), then stanzas both
// ways. Stanzas from the component must come from its domain (or a JID at it). Handshakes
// are guarded like SASL (src/limits/AuthGuard.ts): an address over its failed-login budget is
// refused at stream open, and answers for a domain under attack wait for a slot.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import type { OpenConnection, ServerCore } from "../core/ServerCore.js"
import { authGuardOf, limitsAddressOf, retrySeconds } from "../limits/AuthGuard.js"
import { connectionLimitsOf } from "../limits/ConnectionLimits.js"
import { InboundGate } from "../limits/InboundGate.js"
import { failedLoginsText } from "../limits/RefuseConnection.js"
import { NS_STREAM } from "../stream/Namespaces.js"
import { type StreamErrorCondition, streamErrorXml } from "../stream/StreamError.js"
import { StreamParser } from "../stream/StreamParser.js"
import type { Transport } from "../stream/Transport.js"
import { serialize, type XmlElement, xml } from "../xml/Xml.js"
import { type ComponentLink, NS_COMPONENT } from "./ComponentRouter.js"
import { fromComponent } from "./ComponentRouting.js"

const stanzaNames = new Set(["message", "presence", "iq"])

/** Handshake digest of XEP-0114 §3: lower-case hex SHA-1 of stream id + secret. */
export const handshakeDigest = (streamId: string, secret: string): string =>
  createHash("sha1").update(`${streamId}${secret}`, "utf8").digest("hex")

const sameDigest = (given: string, expected: string): boolean => {
  const a = Buffer.from(given.trim().toLowerCase())
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** A connected component, before and after its handshake. */
export class ComponentConnection implements ComponentLink, OpenConnection {
  readonly id = randomBytes(9).toString("base64url")
  domain = ""
  private stage: "header" | "handshake" | "checking" | "ready" | "closing" = "header"
  private readonly openedAt = Date.now()
  private headerSent = false
  private readonly parser: StreamParser
  private readonly timer: NodeJS.Timeout
  /** The component's stanza rate (`[[components]] stanzas_per_second`), once it is known. */
  private gate: InboundGate | undefined = undefined

  constructor(
    private readonly core: ServerCore,
    private readonly transport: Transport,
  ) {
    this.parser = new StreamParser(
      {
        onOpen: (name, attrs) => this.opened(name, attrs),
        onElement: (element) => this.received(element),
        onClose: () => this.afterInput(() => this.end()),
        onError: (condition, text) => this.afterInput(() => this.fail(condition, text)),
      },
      "stream",
      core.config.server.max_stanza_bytes,
    )
    transport.attach(
      (text) => (this.gate === undefined ? this.parser.write(text) : this.gate.received(text)),
      () => this.closed(),
      (reason) => this.fail("unsupported-encoding", reason),
    )
    this.timer = setTimeout(
      () => this.fail("connection-timeout", "handshake took too long"),
      core.config.server.auth_timeout_seconds * 1000,
    )
    this.timer.unref()
    core.connections.add(this)
  }

  write(stanza: XmlElement): boolean {
    if (this.stage !== "ready") return false
    const copy = xml(stanza.name, { ...stanza.attrs, xmlns: NS_COMPONENT }, ...stanza.children)
    return this.transport.write(serialize(copy))
  }

  /** Ends the stream with `system-shutdown`. */
  shutdown(): void {
    this.fail("system-shutdown")
  }

  /** Closes the socket at once. */
  destroy(): void {
    this.transport.destroy()
  }

  private header(): string {
    return `<?xml version='1.0'?><stream:stream xmlns:stream='${NS_STREAM}' xmlns='${NS_COMPONENT}' id='${this.id}'${this.domain === "" ? "" : ` from='${this.domain}'`}>`
  }

  private opened(name: string, attrs: Readonly<Record<string, string>>): void {
    if (this.stage !== "header") return void this.fail("bad-format", "unexpected stream header")
    const domain = (attrs.to ?? "").toLowerCase()
    if (this.core.components.serves(domain)) this.domain = domain
    this.transport.write(this.header())
    this.headerSent = true
    if (name !== "stream:stream" || attrs["xmlns:stream"] !== NS_STREAM)
      return void this.fail("invalid-namespace", `the stream namespace must be ${NS_STREAM}`)
    if (attrs.xmlns !== NS_COMPONENT)
      return void this.fail("invalid-namespace", `the content namespace must be ${NS_COMPONENT}`)
    const retryMs = authGuardOf(this.core).addressRetryMs(this.address, Date.now())
    if (retryMs > 0) return void this.fail("policy-violation", failedLoginsText(retryMs))
    if (this.domain === "")
      return void this.fail("host-unknown", `no component ${domain} is configured`)
    this.stage = "handshake"
  }

  private get address(): string {
    return limitsAddressOf(this.core, this.transport)
  }

  /**
   * XEP-0114 §3 handshake, guarded: the answer (right or wrong alike) waits for the domain's
   * slot when the domain is under attack; a failure is counted at once.
   */
  private handshake(element: XmlElement): void {
    if (element.name !== "handshake") return void this.fail("not-authorized", "handshake first")
    const secret = this.core.components.entryOf(this.domain)?.secret ?? ""
    const right = sameDigest(element.text(), handshakeDigest(this.id, secret))
    const guard = authGuardOf(this.core)
    const account = `component:${this.domain}`
    const now = Date.now()
    // The slot comes from the failures before this one: the same wait for a right or a wrong
    // digest.
    const deadline = this.openedAt + this.core.config.server.auth_timeout_seconds * 1000 - 1000
    const verdict = guard.accountVerdict(account, this.address, now, deadline)
    if (!right) {
      guard.failed(account, this.address, now)
      this.core.logger.info("component-handshake-failed", {
        domain: this.domain,
        address: this.transport.remoteAddress,
      })
    }
    if (verdict.kind === "refuse")
      return void this.fail(
        "policy-violation",
        `too many failed handshakes for ${this.domain}: try again in ${retrySeconds(verdict.retryMs)} seconds`,
      )
    const answer = (): void => {
      if (this.stage !== "checking") return
      if (right) this.accept()
      else this.fail("not-authorized", "wrong handshake")
    }
    this.stage = "checking"
    if (verdict.kind === "wait") setTimeout(answer, verdict.ms).unref()
    else answer()
  }

  private accept(): void {
    if (!this.core.components.attach(this))
      return void this.fail("conflict", `${this.domain} is connected already`)
    authGuardOf(this.core).succeeded(`component:${this.domain}`, this.address, Date.now())
    clearTimeout(this.timer)
    this.stage = "ready"
    this.gate = this.gateFor(this.domain)
    this.transport.write("<handshake/>")
    this.core.logger.info("component-connected", { domain: this.domain })
  }

  private received(element: XmlElement): void {
    if (this.stage === "handshake") return void this.handshake(element)
    if (this.stage === "checking")
      return void this.fail("not-authorized", "nothing may follow the handshake before its answer")
    if (this.stage !== "ready") return
    if (this.gate?.admit(element) === false) return
    this.handleReady(element)
  }

  /**
   * The component's stanza rate, like a client's (src/limits/InboundGate.ts): over it,
   * stanzas wait in order and the socket is not read; past `[limits] max_waiting_stanzas`
   * waiting, the stream ends with `policy-violation`. Undefined when it has no limit.
   */
  private gateFor(domain: string): InboundGate | undefined {
    const entry = this.core.components.entryOf(domain)
    if (entry === undefined || entry.stanzas_per_second === 0) return undefined
    const connection = this
    const settings = {
      ...this.core.config.limits,
      stanzas_per_second: entry.stanzas_per_second,
      stanza_burst: entry.stanza_burst,
      bytes_per_second_per_ip: 0,
    }
    return new InboundGate(settings, connectionLimitsOf(this.core), {
      // The byte rate is off for components: the address is never counted.
      limitsAddress: this.transport.remoteAddress,
      get accepting() {
        return connection.stage === "ready"
      },
      feed: (text) => this.parser.write(text),
      handle: (element) => this.handleReady(element),
      overflow: (text) => this.fail("policy-violation", text),
      pauseReading: () => this.transport.pause(),
      resumeReading: () => this.transport.resume(),
    })
  }

  /** Runs `action` now, or once the stanzas waiting for their turn were handled. */
  private afterInput(action: () => void): void {
    if (this.gate === undefined) action()
    else this.gate.afterInput(action)
  }

  private handleReady(element: XmlElement): void {
    if (!stanzaNames.has(element.name))
      return void this.fail("unsupported-stanza-type", `<${element.name}/> is not a stanza`)
    const from = (element.attrs.from ?? "").toLowerCase()
    const fromDomain = from.split("/")[0]?.split("@").pop() ?? ""
    if (fromDomain !== this.domain)
      return void this.fail("invalid-from", `stanzas must come from ${this.domain}`)
    element.attrs.xmlns = "jabber:client"
    try {
      fromComponent(this.core, element)
    } catch (error) {
      this.core.logger.error("component-stanza-failed", { domain: this.domain, error })
    }
  }

  private fail(condition: StreamErrorCondition, text?: string): void {
    if (this.stage === "closing") return
    if (!this.headerSent) this.transport.write(this.header())
    this.stage = "closing"
    this.core.components.detach(this)
    this.transport.write(`${streamErrorXml(condition, text)}</stream:stream>`)
    this.transport.end()
  }

  private end(): void {
    if (this.stage === "closing") return
    this.stage = "closing"
    this.core.components.detach(this)
    this.transport.write("</stream:stream>")
    this.transport.end()
  }

  private closed(): void {
    clearTimeout(this.timer)
    this.gate?.stop()
    this.stage = "closing"
    this.core.components.detach(this)
    this.core.connections.delete(this)
    if (this.domain !== "") this.core.logger.info("component-disconnected", { domain: this.domain })
  }
}
