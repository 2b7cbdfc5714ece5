// Password-guessing defence for SASL and the XEP-0114 handshake (RFC 6120 §6.4.5 lets a server
// limit retries; ejabberd's mod_fail2ban, Prosody's mod_limit_auth). Two budgets:
//
// - Per address (IPv6 by prefix, AddressKey.ts): `auth_failures_per_ip` failures within
//   `auth_failure_window_seconds`, then the address is refused at stream open and at `<auth>`
//   until enough failures aged out. The refusal comes before any credential is looked at, so
//   no answer depends on the password (the old per-(address, user) lock answered the right
//   password with `temporary-auth-failure` and a wrong one with `not-authorized`: an oracle).
//   A success does not wipe an address's failures: an attacker holding one account of its own
//   could otherwise reset its budget between guesses.
// - Per account (distributed guessing, many addresses against one account): past
//   `auth_failures_per_account` failures within the window, every answer (success and failure
//   alike) for that account from an address without a good history waits for the account's
//   next slot; slots are `auth_account_delay_ms` apart, doubling with each further failure up
//   to `auth_account_max_delay_ms`. Slots are handed out in order, so parallel connections do
//   not multiply the rate: the account gets at most one such answer per interval in all.
//   Delaying both answers (not only failures) matters: were a success fast and a failure slow,
//   a guesser would stop waiting after a moment and read silence as "wrong". An address that
//   logged in to the account within `goodHistoryMs` is never delayed and its failures do not
//   count against the account: the owner's usual addresses keep working during an attack. An
//   attempt whose slot lies past its auth deadline is refused at once (temporary-auth-failure
//   with the seconds to wait), again without regard to the password.
//
// Plain numbers and maps, time passed in by the caller; bounded memory.
import type { LimitsSection } from "../config/ServerConfig.js"
import { setBounded } from "../core/boundedMap.js"
import type { ServerCore } from "../core/ServerCore.js"
import type { Transport } from "../stream/Transport.js"
import { addressKey } from "./AddressKey.js"

/** How long a successful login makes its address "known" for that account (30 days). */
const goodHistoryMs = 30 * 24 * 3_600_000
const capacity = 100_000
const maxRemembered = 1000

/** What an attempt for an account must do before its answer is written. */
export type AccountVerdict =
  | { readonly kind: "answer-now" }
  | { readonly kind: "wait"; readonly ms: number }
  | { readonly kind: "refuse"; readonly retryMs: number }

/** The failure bookkeeping of one server. */
export class AuthGuard {
  private readonly addressFailures = new Map<string, Array<number>>()
  private readonly accountFailures = new Map<string, Array<number>>()
  private readonly accountNextSlot = new Map<string, number>()
  /** `address account` → time of the last successful login from there. */
  private readonly goodHistory = new Map<string, number>()
  private readonly windowMs: number

  constructor(private readonly settings: LimitsSection) {
    this.windowMs = settings.auth_failure_window_seconds * 1000
  }

  /**
   * Milliseconds until `address` (as counted, AddressKey.ts) may try to log in again; 0 when
   * it may now. Example: `if (guard.addressRetryMs(address, Date.now()) > 0) refuse()`.
   */
  addressRetryMs(address: string, now: number): number {
    const budget = this.settings.auth_failures_per_ip
    if (budget === 0) return 0
    const times = this.recent(this.addressFailures, address, now)
    if (times.length < budget) return 0
    return Math.max(1, (times[times.length - budget] ?? now) + this.windowMs - now)
  }

  /**
   * When the answer of an attempt for `account` from `address` may be written: now, after a
   * wait (its slot), or never (refused: the slot would come after `deadline`). Call it once
   * per checked attempt, before counting its failure (`failed`), whatever the answer is: the
   * wait must not depend on whether the password was right.
   */
  accountVerdict(account: string, address: string, now: number, deadline: number): AccountVerdict {
    const budget = this.settings.auth_failures_per_account
    if (budget === 0 || this.knows(address, account, now)) return { kind: "answer-now" }
    const excess = this.recent(this.accountFailures, account, now).length - budget
    if (excess < 0) return { kind: "answer-now" }
    const interval = Math.min(
      this.settings.auth_account_max_delay_ms,
      this.settings.auth_account_delay_ms * 2 ** Math.min(excess, 30),
    )
    const slot = Math.max(now, this.accountNextSlot.get(account) ?? 0) + interval
    if (slot > deadline) return { kind: "refuse", retryMs: slot - now }
    setBounded(this.accountNextSlot, account, slot, capacity)
    return { kind: "wait", ms: slot - now }
  }

  /** Counts a failed login (`account` undefined when the name was unusable). */
  failed(account: string | undefined, address: string, now: number): void {
    if (this.settings.auth_failures_per_ip > 0) this.push(this.addressFailures, address, now)
    if (
      account !== undefined &&
      this.settings.auth_failures_per_account > 0 &&
      !this.knows(address, account, now)
    )
      this.push(this.accountFailures, account, now)
  }

  /** Remembers that `address` logged in to `account` (its later attempts are never delayed). */
  succeeded(account: string, address: string, now: number): void {
    setBounded(this.goodHistory, `${address} ${account}`, now, capacity)
  }

  private knows(address: string, account: string, now: number): boolean {
    const last = this.goodHistory.get(`${address} ${account}`)
    return last !== undefined && now - last < goodHistoryMs
  }

  private push(map: Map<string, Array<number>>, key: string, now: number): void {
    const times = this.recent(map, key, now)
    times.push(now)
    // Past this many the delay is at its maximum anyway; an address is refused long before.
    if (times.length > maxRemembered) times.shift()
    setBounded(map, key, times, capacity)
  }

  /** The failures of `key` still inside the window, oldest first (older ones dropped). */
  private recent(map: Map<string, Array<number>>, key: string, now: number): Array<number> {
    const times = map.get(key)
    if (times === undefined) return []
    let expired = 0
    while (expired < times.length && now - (times[expired] ?? 0) >= this.windowMs) expired += 1
    if (expired > 0) times.splice(0, expired)
    if (times.length === 0) map.delete(key)
    return times
  }
}

const byCore = new WeakMap<ServerCore, AuthGuard>()

/** The guard of one running server, made on first use from its `[limits]`. */
export const authGuardOf = (core: ServerCore): AuthGuard => {
  let guard = byCore.get(core)
  if (guard === undefined) {
    guard = new AuthGuard(core.config.limits)
    byCore.set(core, guard)
  }
  return guard
}

/** The address of `transport` as the per-address limits count it (an IPv6 address by prefix). */
export const limitsAddressOf = (core: ServerCore, transport: Transport): string =>
  addressKey(transport.remoteAddress, core.config.limits.ipv6_prefix_length)

/** Seconds to tell a refused client, rounded up. Example: `retrySeconds(1500) === 2`. */
export const retrySeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000))
