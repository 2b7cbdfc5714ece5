// A bounded memory of recently seen stanza ids, so that the push rules never push (or count) one
// stanza twice (project push spec, rule 6) while keeping memory per registration constant.

/** The last `capacity` ids added, oldest forgotten first. */
export class RecentIds {
  private readonly ids: string[] = []
  private next = 0

  constructor(private readonly capacity: number) {}

  /** Whether `id` is among the remembered ids. */
  has(id: string): boolean {
    return this.ids.includes(id)
  }

  /** Remembers `id`, forgetting the oldest id when full. */
  add(id: string): void {
    if (this.ids.length < this.capacity) {
      this.ids.push(id)
      return
    }
    this.ids[this.next] = id
    this.next = (this.next + 1) % this.capacity
  }
}
