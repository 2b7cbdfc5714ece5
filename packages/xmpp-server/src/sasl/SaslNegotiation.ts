// RFC 6120 §6.4: the SASL exchange of one stream — `<auth/>`, `<challenge/>`/`<response/>`,
// `<success/>` or `<failure/>`, `<abort/>` — with the TLS policy, failed-auth throttling and
// a limit of three failed attempts per stream (§6.4.5), after which the stream is closed.
import type { ServerCore } from "../core/ServerCore.js"
import { offeredMechanisms, tlsMissing } from "../stream/Features.js"
import { NS_SASL } from "../stream/Namespaces.js"
import type { StreamErrorCondition } from "../stream/StreamError.js"
import type { Transport } from "../stream/Transport.js"
import type { XmlElement } from "../xml/Xml.js"
import { plain } from "./Plain.js"
import type {
  SaslExchange,
  SaslFailureCondition,
  SaslMechanism,
  SaslStep,
} from "./SaslMechanism.js"
import { scramSha1, scramSha256 } from "./Scram.js"

/** Every mechanism the server implements, strongest first. */
export const allMechanisms: ReadonlyArray<SaslMechanism> = [scramSha256, scramSha1, plain]

const maxFailuresPerStream = 3

/** What the negotiation needs from its stream. */
export interface SaslStreamHooks {
  readonly write: (text: string) => void
  readonly succeeded: (username: string) => void
  readonly fail: (condition: StreamErrorCondition, text: string) => void
}

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/

/** The SASL state of one stream. */
export class SaslNegotiation {
  readonly mechanisms = allMechanisms
  private exchange: SaslExchange | undefined
  private busy = false
  private failures = 0

  constructor(
    private readonly core: ServerCore,
    private readonly transport: Transport,
    private readonly stream: SaslStreamHooks,
  ) {}

  /** Handles one element in the SASL namespace. */
  handle(element: XmlElement): void {
    if (this.busy) {
      this.stream.fail("policy-violation", "SASL element while the previous one is being checked")
      return
    }
    if (element.name === "abort") {
      this.exchange = undefined
      this.failure("aborted", undefined)
      return
    }
    if (element.name === "auth") {
      this.start(element)
      return
    }
    if (element.name === "response") {
      if (this.exchange === undefined) {
        this.failure("malformed-request", undefined)
        return
      }
      this.step(this.exchange, element.text())
      return
    }
    this.stream.fail("unsupported-stanza-type", `<${element.name}/> is not a SASL element`)
  }

  private start(auth: XmlElement): void {
    if (tlsMissing(this.core, this.transport)) {
      this.failure("encryption-required", undefined)
      return
    }
    const name = auth.attrs.mechanism
    const mechanism = offeredMechanisms(this.core, this.transport, allMechanisms).find(
      (each) => each.name === name,
    )
    if (mechanism === undefined) {
      this.failure("invalid-mechanism", undefined)
      return
    }
    this.exchange = mechanism.start({ storage: this.core.storage, domain: this.core.domain })
    const initial = auth.text()
    if (initial === "") {
      this.stream.write(`<challenge xmlns='${NS_SASL}'/>`)
      return
    }
    this.step(this.exchange, initial)
  }

  private step(exchange: SaslExchange, encoded: string): void {
    const text = encoded.trim()
    if (!base64Pattern.test(text)) {
      this.failure("incorrect-encoding", undefined)
      return
    }
    const message = Buffer.from(text === "=" ? "" : text, "base64")
    let result: SaslStep | Promise<SaslStep>
    try {
      result = exchange.respond(message)
    } catch (error) {
      this.core.logger.error("sasl-exchange-failed", { error })
      this.failure("temporary-auth-failure", undefined)
      return
    }
    if (!(result instanceof Promise)) {
      this.answer(result)
      return
    }
    this.busy = true
    result.then(
      (step) => {
        this.busy = false
        this.answer(step)
      },
      (error: unknown) => {
        this.busy = false
        this.core.logger.error("sasl-exchange-failed", { error })
        this.failure("temporary-auth-failure", undefined)
      },
    )
  }

  private answer(step: SaslStep): void {
    if (step.kind === "challenge") {
      this.stream.write(`<challenge xmlns='${NS_SASL}'>${step.data.toString("base64")}</challenge>`)
      return
    }
    if (step.kind === "failure") {
      this.failure(step.condition, step.username)
      return
    }
    const key = this.throttleKey(step.username)
    if (this.core.throttle.isBlocked(key, Date.now())) {
      this.failure("temporary-auth-failure", step.username)
      return
    }
    this.core.throttle.recordSuccess(key)
    this.exchange = undefined
    const data = step.data === undefined ? "" : step.data.toString("base64")
    this.stream.write(`<success xmlns='${NS_SASL}'>${data}</success>`)
    this.core.logger.info("auth-succeeded", {
      user: step.username,
      address: this.transport.remoteAddress,
    })
    this.stream.succeeded(step.username)
  }

  private throttleKey(username: string | undefined): string {
    return `${this.transport.remoteAddress} ${username ?? ""}`
  }

  private failure(condition: SaslFailureCondition, username: string | undefined): void {
    this.exchange = undefined
    if (condition === "not-authorized") {
      this.core.throttle.recordFailure(this.throttleKey(username), Date.now())
      this.failures += 1
      this.core.logger.info("auth-failed", {
        user: username,
        address: this.transport.remoteAddress,
      })
    }
    this.stream.write(`<failure xmlns='${NS_SASL}'><${condition}/></failure>`)
    if (this.failures >= maxFailuresPerStream)
      this.stream.fail("policy-violation", "too many failed authentication attempts")
  }
}
