// A token bucket (the shaper of Prosody's mod_limits and ejabberd's shapers): `rate` tokens
// per second flow into a bucket of `burst` tokens; spending takes them out. Plain numbers,
// no allocation per call, time passed in by the caller (milliseconds).

/** A token bucket that starts full. */
export class TokenBucket {
  private tokens: number
  private last: number
  private readonly perMs: number

  constructor(
    rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.perMs = rate / 1000
    this.tokens = burst
    this.last = now
  }

  private refill(now: number): void {
    const elapsed = now - this.last
    if (elapsed <= 0) return
    this.last = now
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.perMs)
  }

  /** Takes one token when there is one. Example: `if (bucket.take(Date.now())) handle()`. */
  take(now: number): boolean {
    this.refill(now)
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }

  /** Takes `amount` tokens, even into debt (paid back by the rate). Example: `bucket.spend(1500, now)`. */
  spend(amount: number, now: number): void {
    this.refill(now)
    this.tokens -= amount
  }

  /** Milliseconds until one token is available (0 when one is). */
  msUntilToken(now: number): number {
    this.refill(now)
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.perMs)
  }

  /** True when the bucket would be full at `now` (nothing spent recently). */
  isFull(now: number): boolean {
    this.refill(now)
    return this.tokens >= this.burst
  }
}
