// One client-to-server stream (RFC 6120 §4) from the first header to the closed socket:
// header checks, STARTTLS (§5), SASL (§6), resource binding (§7), then the bound session
// whose stanzas go to the router. Any transport (TCP, TLS, WebSocket) fits under it.
import { randomBytes } from "node:crypto"
import type { OpenConnection, ServerCore } from "../core/ServerCore.js"
import { sessionEnded } from "../presence/SessionPresence.js"
import { dispatchStanza } from "../routing/Dispatch.js"
import { errorReply, iqResult } from "../routing/StanzaError.js"
import { SaslNegotiation } from "../sasl/SaslNegotiation.js"
import { streamFeatures } from "../stream/Features.js"
import { streamFooter, streamHeader } from "../stream/Framing.js"
import { NS_BIND, NS_CLIENT, NS_SASL, NS_SESSION, NS_TLS } from "../stream/Namespaces.js"
import { type StreamErrorCondition, streamErrorXml } from "../stream/StreamError.js"
import { checkStreamHeader } from "../stream/StreamHeader.js"
import { StreamParser } from "../stream/StreamParser.js"
import type { Transport } from "../stream/Transport.js"
import { type XmlElement, xml } from "../xml/Xml.js"
import { chooseResource } from "./ResourceBinding.js"
import type { Session, SessionCloseReason } from "./Session.js"

type Stage = "header" | "negotiating" | "bound" | "closing"

const stanzaNames = new Set(["message", "presence", "iq"])

/** A client connection; once bound it is also the account's `Session`. */
export class ClientConnection implements Session, OpenConnection {
  readonly id = randomBytes(9).toString("base64url")
  username = ""
  bare = ""
  resource = ""
  full = ""
  priority = 0
  available = false
  presence: XmlElement | undefined = undefined
  rosterRequested = false
  readonly directedPresence = new Set<string>()
  closed = false
  private stage: Stage = "header"
  private headerSent = false
  private authenticated = false
  private closeReason: SessionCloseReason = "closed"
  private unregistered = false
  private parser: StreamParser
  private readonly sasl: SaslNegotiation
  private authTimer: NodeJS.Timeout | undefined

  constructor(
    private readonly core: ServerCore,
    private readonly transport: Transport,
  ) {
    this.parser = this.newParser()
    this.sasl = new SaslNegotiation(core, transport, {
      write: (text) => this.write(text),
      succeeded: (username) => this.authenticatedAs(username),
      fail: (condition, text) => this.fail(condition, text),
    })
    core.connections.add(this)
    transport.attach(
      (text) => this.parser.write(text),
      () => this.transportClosed(),
    )
    this.authTimer = setTimeout(
      () => this.fail("connection-timeout", "authentication took too long"),
      core.config.server.auth_timeout_seconds * 1000,
    )
    this.authTimer.unref()
  }

  get remoteAddress(): string {
    return this.transport.remoteAddress
  }
  get transportName(): string {
    return this.transport.framing === "stream" ? "tcp" : "websocket"
  }
  get secure(): boolean {
    return this.transport.secure
  }

  send(stanza: XmlElement): boolean {
    return this.sendSerialized(stanza, stanza.toString())
  }

  sendSerialized(stanza: XmlElement, text: string): boolean {
    const hooks = this.core.modules.stanzaWritten
    if (this.closed || this.stage !== "bound") {
      this.notifyWritten(stanza, false)
      return false
    }
    const marker = this.core.writeFailureMarker
    if (
      marker !== "" &&
      stanza.name === "message" &&
      stanza.attrs.type !== "error" &&
      text.includes(marker)
    ) {
      this.notifyWritten(stanza, false)
      this.closeReason = "write-failed"
      this.stage = "closing"
      this.unregister()
      this.transport.destroy()
      return false
    }
    const written =
      hooks.length === 0
        ? this.transport.write(text)
        : this.transport.write(text, (ok) => {
            this.notifyWritten(stanza, ok)
          })
    if (!written && this.closeReason === "closed") this.closeReason = "write-failed"
    return written
  }

  close(reason: SessionCloseReason, condition?: string, text?: string): void {
    this.closeReason = reason
    if (condition !== undefined) {
      this.fail(condition as StreamErrorCondition, text)
      return
    }
    if (this.stage === "closing") return
    this.stage = "closing"
    this.unregister()
    this.write(streamFooter(this.transport.framing))
    this.transport.end()
  }

  shutdown(): void {
    this.closeReason = "shutdown"
    this.fail("system-shutdown")
  }

  destroy(): void {
    this.transport.destroy()
  }

  private write(text: string): void {
    this.transport.write(text)
  }

  private newParser(): StreamParser {
    return new StreamParser(
      {
        onOpen: (name, attrs) => this.opened(name, attrs),
        onElement: (element) => this.received(element),
        onClose: () => this.close("closed"),
        onError: (condition, text) => this.fail(condition, text),
      },
      this.transport.framing,
      this.core.config.server.max_stanza_bytes,
    )
  }

  /** RFC 6120 §4.9: header if none was sent, the error, the footer, then close. */
  private fail(condition: StreamErrorCondition, text?: string): void {
    if (this.stage === "closing" || this.closed) return
    if (this.closeReason === "closed") this.closeReason = "stream-error"
    this.core.logger.info("stream-error-sent", {
      stream: this.id,
      condition,
      text,
      address: this.remoteAddress,
    })
    if (!this.headerSent)
      this.write(streamHeader(this.transport.framing, this.core.domain, this.id))
    this.stage = "closing"
    this.unregister()
    this.write(streamErrorXml(condition, text))
    this.write(streamFooter(this.transport.framing))
    this.transport.end()
  }

  private opened(name: string, attrs: Readonly<Record<string, string>>): void {
    if (this.stage !== "header") {
      this.fail("bad-format", "unexpected stream header")
      return
    }
    const problem = checkStreamHeader(this.transport.framing, name, attrs, this.core.domain)
    if (problem !== undefined) {
      this.fail(problem.condition, problem.text)
      return
    }
    this.write(streamHeader(this.transport.framing, this.core.domain, this.id))
    this.headerSent = true
    this.stage = "negotiating"
    this.write(
      streamFeatures(
        this.core,
        this.transport,
        this.authenticated,
        this.sasl.mechanisms,
      ).toString(),
    )
  }

  private received(element: XmlElement): void {
    if (this.stage === "bound") {
      if (element.attrs.xmlns !== NS_CLIENT || !stanzaNames.has(element.name)) {
        this.fail("unsupported-stanza-type", `<${element.name}/> is not a stanza`)
        return
      }
      if (element.name === "iq" && element.getChild("session", NS_SESSION) !== undefined)
        return void this.send(iqResult(this.stamped(element)))
      try {
        dispatchStanza(this.core, this, element)
      } catch (error) {
        this.core.logger.error("stanza-handling-failed", { session: this.full, error })
        const reply = errorReply(element, "internal-server-error", { from: this.core.domain })
        if (reply !== undefined) this.send(reply)
      }
      return
    }
    if (this.stage === "header") {
      const framingElement = element.name === "open" || element.name === "close"
      this.fail(
        framingElement ? "invalid-namespace" : "bad-format",
        "the stream must be opened first",
      )
      return
    }
    if (this.stage !== "negotiating") return
    const namespace = element.attrs.xmlns
    if (namespace === NS_TLS && element.name === "starttls") {
      this.startTls()
      return
    }
    if (namespace === NS_SASL && !this.authenticated) {
      this.sasl.handle(element)
      return
    }
    if (this.authenticated && element.name === "iq" && namespace === NS_CLIENT) {
      const bind = element.getChild("bind", NS_BIND)
      if (bind !== undefined && element.attrs.type === "set") {
        this.bind(element, bind)
        return
      }
    }
    if (namespace === NS_CLIENT && stanzaNames.has(element.name)) {
      this.fail("not-authorized", "authenticate and bind a resource first")
      return
    }
    this.fail("unsupported-stanza-type", `<${element.name}/> is not expected here`)
  }

  private startTls(): void {
    if (!this.transport.canStartTls || this.authenticated) {
      this.write(`<failure xmlns='${NS_TLS}'/>`)
      this.stage = "closing"
      this.write(streamFooter(this.transport.framing))
      this.transport.end()
      return
    }
    this.write(`<proceed xmlns='${NS_TLS}'/>`)
    this.transport.startTls()
    this.restart()
  }

  private authenticatedAs(username: string): void {
    this.authenticated = true
    this.username = username
    this.bare = `${username}@${this.core.domain}`
    this.restart()
  }

  /** RFC 6120 §4.3.3: after STARTTLS and SASL both sides start a new stream. */
  private restart(): void {
    this.headerSent = false
    this.stage = "header"
    this.parser = this.newParser()
  }

  private stamped(iq: XmlElement): XmlElement {
    iq.attrs.from = this.full === "" ? undefined : this.full
    iq.attrs.to = undefined
    return iq
  }

  /** RFC 6120 §7.6–7.7: bind the requested resource (or a generated one). */
  private bind(iq: XmlElement, bind: XmlElement): void {
    const choice = chooseResource(this.core, this.bare, bind)
    if (choice.kind === "refuse") {
      const error = errorReply(this.stamped(iq), choice.condition, { text: choice.text })
      if (error !== undefined) this.write(error.toString())
      return
    }
    const resource = choice.resource
    this.resource = resource
    this.full = `${this.bare}/${resource}`
    this.stage = "bound"
    clearTimeout(this.authTimer)
    const replaced = this.core.sessions.add(this)
    if (replaced !== undefined) {
      sessionEnded(this.core, replaced)
      replaced.close("replaced", "conflict", "replaced by a new session")
    }
    const payload = xml("bind", { xmlns: NS_BIND }, xml("jid", {}, this.full))
    this.write(xml("iq", { xmlns: NS_CLIENT, type: "result", id: iq.attrs.id }, payload).toString())
    this.core.logger.info("session-opened", {
      session: this.full,
      stream: this.id,
      transport: this.transportName,
    })
    try {
      for (const hook of this.core.modules.sessionOpened) hook(this)
    } catch (error) {
      this.core.logger.error("module-hook-failed", { hook: "sessionOpened", error })
    }
  }

  private transportClosed(): void {
    if (this.closed) return
    this.closed = true
    this.stage = "closing"
    clearTimeout(this.authTimer)
    this.core.connections.delete(this)
    if (this.full === "") return
    this.unregister()
    this.sessionClosedHooks()
  }

  /**
   * Leaves routing as soon as the stream starts closing, so no stanza is routed to a session
   * that can no longer take it; broadcasts unavailable presence if it was available.
   */
  private unregister(): void {
    if (this.full === "" || this.unregistered) return
    this.unregistered = true
    if (this.core.sessions.remove(this)) sessionEnded(this.core, this)
  }

  private sessionClosedHooks(): void {
    this.core.logger.info("session-closed", {
      session: this.full,
      stream: this.id,
      reason: this.closeReason,
    })
    try {
      for (const hook of this.core.modules.sessionClosed) hook(this, this.closeReason)
    } catch (error) {
      this.core.logger.error("module-hook-failed", { hook: "sessionClosed", error })
    }
  }

  /** Module `stanzaWritten` hooks; a throwing module is logged, never fatal (socket callbacks). */
  private notifyWritten(stanza: XmlElement, ok: boolean): void {
    try {
      for (const hook of this.core.modules.stanzaWritten) hook(this, stanza, ok)
    } catch (error) {
      this.core.logger.error("module-hook-failed", { hook: "stanzaWritten", error })
    }
  }
}
