// XEP-0077 registration limits (issue 25): how many accounts an address, and its network, may
// create or probe per hour. Kept apart from the registration handling so the server's shared
// state (sm/SmRuntime.ts) can hold one without depending on the request handling.
import { setBounded } from "../core/boundedMap.js"
import { addressKey, networkKey } from "../limits/AddressKey.js"
import type { RegisterSettings } from "./RegisterSettings.js"

const hour = 3_600_000

/**
 * Remembers recent registration attempts (an account created, or a username found taken) per
 * address and per network (sliding hour). Counting the "taken" answers stops an address from
 * probing which usernames exist; counting per network stops 30 neighbouring addresses from
 * getting 30 times the share.
 */
export class RegistrationLimiter {
  private readonly recent = new Map<string, Array<number>>()

  constructor(
    private readonly settings: Pick<
      RegisterSettings,
      "registrations_per_hour" | "registrations_per_hour_per_network"
    >,
    private readonly ipv6PrefixLength = 64,
  ) {}

  /** True when `address` (or its network) used its hourly share of attempts already. */
  exhausted(address: string, now: number): boolean {
    const [host, network] = this.keys(address)
    return (
      this.count(host, now) >= this.settings.registrations_per_hour ||
      this.count(network, now) >= this.settings.registrations_per_hour_per_network
    )
  }

  /** Counts an attempt by `address` that reached the account store. */
  attempted(address: string, now: number): void {
    for (const key of this.keys(address)) {
      const times = this.recent.get(key) ?? []
      times.push(now)
      setBounded(this.recent, key, times, 100_000)
    }
  }

  private keys(address: string): readonly [string, string] {
    return [`host ${addressKey(address, this.ipv6PrefixLength)}`, `net ${networkKey(address)}`]
  }

  private count(key: string, now: number): number {
    const times = (this.recent.get(key) ?? []).filter((time) => now - time < hour)
    if (times.length === 0) this.recent.delete(key)
    else this.recent.set(key, times)
    return times.length
  }
}
