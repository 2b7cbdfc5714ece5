// RFC 6120 §6.4: the SASL exchange of one stream — `<auth/>`, `<challenge/>`/`<response/>`,
// `<success/>` or `<failure/>`, `<abort/>` — with the TLS policy, the password-guessing
// defence of src/limits/AuthGuard.ts (an address over its failed-login budget gets a stream
// error before any credential is checked; answers for an account under attack wait for a
// slot, success and failure alike) and a limit of three failed attempts per stream (§6.4.5),
// after which the stream is closed.
import type { ServerCore } from "../core/ServerCore.js"
import { type AuthGuard, authGuardOf, limitsAddressOf, retrySeconds } from "../limits/AuthGuard.js"
import { failedLoginsText } from "../limits/RefuseConnection.js"
import { StorageError } from "../storage/Storage.js"
import { offeredMechanisms, tlsMissing } from "../stream/Features.js"
import { NS_SASL } from "../stream/Namespaces.js"
import type { StreamErrorCondition } from "../stream/StreamError.js"
import type { Transport } from "../stream/Transport.js"
import type { XmlElement } from "../xml/Xml.js"
import { fakeSaltSecretOf } from "./FakeSaltSecret.js"
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
  /**
   * Holds the stream's input while an answer is awaited (the account lookup, a delayed
   * answer): what arrives meanwhile is handled after it, in order. Returns the release.
   */
  readonly hold: () => () => void
}

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/

/** The SASL state of one stream. */
export class SaslNegotiation {
  readonly mechanisms = allMechanisms
  private exchange: SaslExchange | undefined
  private busy = false
  private failures = 0
  private readonly guard: AuthGuard
  /** Answers for an account under attack must come before this (the auth timeout, less 1 s). */
  private readonly deadline: number

  constructor(
    private readonly core: ServerCore,
    private readonly transport: Transport,
    private readonly stream: SaslStreamHooks,
  ) {
    this.guard = authGuardOf(core)
    this.deadline = Date.now() + core.config.server.auth_timeout_seconds * 1000 - 1000
  }

  /** The address as the limits count it (the real client's, behind a trusted proxy). */
  private get address(): string {
    return limitsAddressOf(this.core, this.transport)
  }

  /** True (and the stream ended) when the address is over its failed-login budget. */
  private refusedAddress(): boolean {
    const retryMs = this.guard.addressRetryMs(this.address, Date.now())
    if (retryMs === 0) return false
    this.exchange = undefined
    this.stream.fail("policy-violation", failedLoginsText(retryMs))
    return true
  }

  /** Handles one element in the SASL namespace. */
  handle(element: XmlElement): void {
    if (this.busy) {
      this.stream.fail("policy-violation", "SASL element while the previous one is being checked")
      return
    }
    if (element.name === "abort") {
      this.exchange = undefined
      this.failure("aborted")
      return
    }
    if (element.name === "auth") {
      this.start(element)
      return
    }
    if (element.name === "response") {
      if (this.exchange === undefined) {
        this.failure("malformed-request")
        return
      }
      this.step(this.exchange, element.text())
      return
    }
    this.stream.fail("unsupported-stanza-type", `<${element.name}/> is not a SASL element`)
  }

  private start(auth: XmlElement): void {
    if (this.refusedAddress()) return
    if (tlsMissing(this.core, this.transport)) {
      this.failure("encryption-required")
      return
    }
    const name = auth.attrs.mechanism
    const mechanism = offeredMechanisms(this.core, this.transport, allMechanisms).find(
      (each) => each.name === name,
    )
    if (mechanism === undefined) {
      this.failure("invalid-mechanism")
      return
    }
    this.exchange = mechanism.start({
      accounts: this.core.repositories.accounts,
      domain: this.core.domain,
      fakeSaltSecret: () => fakeSaltSecretOf(this.core),
    })
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
      this.failure("incorrect-encoding")
      return
    }
    const message = Buffer.from(text === "=" ? "" : text, "base64")
    let result: SaslStep | Promise<SaslStep>
    try {
      result = exchange.respond(message)
    } catch (error) {
      this.core.logger.error("sasl-exchange-failed", { error })
      this.failure("temporary-auth-failure")
      return
    }
    if (!(result instanceof Promise)) {
      this.answer(result)
      return
    }
    const release = this.wait()
    result.then(
      (step) => {
        this.busy = false
        this.answer(step)
        release()
      },
      (error: unknown) => {
        this.busy = false
        // RFC 6120 §6.5.12: storage failed, not the client; it may try again.
        if (error instanceof StorageError)
          this.core.logger.error("auth-storage-failed", {
            operation: error.operation,
            reason: error.reason,
            error: error.message,
            address: this.transport.remoteAddress,
          })
        else this.core.logger.error("sasl-exchange-failed", { error })
        this.failure("temporary-auth-failure")
        release()
      },
    )
  }

  private answer(step: SaslStep): void {
    if (step.kind === "challenge") {
      this.stream.write(`<challenge xmlns='${NS_SASL}'>${step.data.toString("base64")}</challenge>`)
      return
    }
    const checked = step.kind === "success" || step.condition === "not-authorized"
    if (!checked) return void this.failure(step.condition)
    // From here on nothing may depend on whether the password was right, until the answer.
    if (this.refusedAddress()) return
    const now = Date.now()
    const address = this.address
    // The slot comes from the failures before this attempt, so its wait is the same whether
    // this password is right or wrong; a wrong one is counted right after.
    const verdict =
      step.username === undefined
        ? ({ kind: "answer-now" } as const)
        : this.guard.accountVerdict(step.username, address, now, this.deadline)
    if (step.kind === "failure") this.recordFailure(step.username, address, now)
    if (verdict.kind === "answer-now") return void this.deliver(step)
    if (verdict.kind === "refuse") {
      this.core.logger.info("auth-delayed-refused", { user: step.username, address })
      return void this.failure(
        "temporary-auth-failure",
        `too many failed logins for this account: try again in ${retrySeconds(verdict.retryMs)} seconds`,
      )
    }
    const release = this.wait()
    setTimeout(() => {
      this.busy = false
      if (!this.refusedAddress()) this.deliver(step)
      release()
    }, verdict.ms).unref()
  }

  /** Marks the negotiation busy and holds the stream's input; answers the hold's release. */
  private wait(): () => void {
    this.busy = true
    return this.stream.hold()
  }

  /** Writes the answer of a checked attempt (a success, or `not-authorized`). */
  private deliver(step: SaslStep & { kind: "success" | "failure" }): void {
    if (step.kind === "failure") return void this.failure(step.condition)
    this.exchange = undefined
    const data = step.data === undefined ? "" : step.data.toString("base64")
    // A closed stream (the client left while its answer waited) is not logged in.
    if (!this.transport.write(`<success xmlns='${NS_SASL}'>${data}</success>`)) return
    this.guard.succeeded(step.username, this.address, Date.now())
    this.core.logger.info("auth-succeeded", {
      user: step.username,
      address: this.transport.remoteAddress,
    })
    this.stream.succeeded(step.username)
  }

  private recordFailure(username: string | undefined, address: string, now: number): void {
    this.guard.failed(username, address, now)
    this.core.logger.info("auth-failed", { user: username, address: this.transport.remoteAddress })
    const retryMs = this.guard.addressRetryMs(address, now)
    if (retryMs > 0)
      this.core.logger.warn("auth-address-refused", {
        address,
        retry_seconds: retrySeconds(retryMs),
        auth_failures_per_ip: this.core.config.limits.auth_failures_per_ip,
      })
  }

  private failure(condition: SaslFailureCondition, text?: string): void {
    this.exchange = undefined
    if (condition === "not-authorized") this.failures += 1
    const explanation = text === undefined ? "" : `<text xml:lang='en'>${text}</text>`
    this.stream.write(`<failure xmlns='${NS_SASL}'><${condition}/>${explanation}</failure>`)
    if (this.failures >= maxFailuresPerStream)
      this.stream.fail("policy-violation", "too many failed authentication attempts")
  }
}
