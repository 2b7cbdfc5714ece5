// Requests to another node that stop waiting when that node dies or restarts: what its old
// process held died with it, so its answer cannot come. Without this, an XEP-0198
// `<resume/>` sent to one node while the node holding the session was SIGKILLed waited the
// whole handoff timeout (11 s) for an answer that could not come, and the client, which gave
// up after 10 s, never got its `<failed/>` (cluster soak, seed 1454274731, 01:18 and 01:24 UTC).
import type { ClusterLink } from "./ClusterLink.js"

/** The pending asks of one node, by the node asked. */
export class NodeAsks {
  private readonly waiting = new Map<string, Set<() => void>>()

  constructor(private readonly link: ClusterLink) {}

  /**
   * `link.request` to `node`; undefined after `timeoutMs`, or at once when `gone(node)` runs
   * meanwhile. Example: `await asks.ask("n2", subject, encode(header), 5000)`.
   */
  async ask(
    node: string,
    subject: string,
    data: Uint8Array,
    timeoutMs: number,
  ): Promise<Uint8Array | undefined> {
    let abandon = (): void => undefined
    const abandoned = new Promise<undefined>((resolve) => {
      abandon = () => resolve(undefined)
    })
    let asks = this.waiting.get(node)
    if (asks === undefined) {
      asks = new Set()
      this.waiting.set(node, asks)
    }
    asks.add(abandon)
    try {
      return await Promise.race([this.link.request(subject, data, timeoutMs), abandoned])
    } finally {
      asks.delete(abandon)
      if (asks.size === 0 && this.waiting.get(node) === asks) this.waiting.delete(node)
    }
  }

  /** `node` died, left or restarted: every ask still waiting for it answers undefined now. */
  gone(node: string): void {
    const asks = this.waiting.get(node)
    if (asks === undefined) return
    this.waiting.delete(node)
    for (const abandon of asks) abandon()
  }
}
