// A bounded memory of recently seen stanza ids, so that the push rules never push (or count) one
// stanza twice (project push spec, rule 6) while keeping memory per registration constant.

/** A 32-bit FNV-1a hash of `text`, to compare ids as integers before comparing strings. */
export const hashId = (text: string): number => {
  let hash = 0x811c9dc5
  for (let index = 0; index < text.length; index++) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193)
  }
  return hash | 0
}

/** The last `capacity` ids added, oldest forgotten first; lookups compare hashes first. */
export class RecentIds {
  private readonly ids: string[] = []
  private hashes: Int32Array | undefined
  private next = 0

  constructor(private readonly capacity: number) {}

  /** Whether `id` (whose `hashId` is `hash`) is among the remembered ids. */
  has(id: string, hash = hashId(id)): boolean {
    const { hashes, ids } = this
    if (hashes === undefined) return false
    for (let index = 0; index < ids.length; index++) {
      if (hashes[index] === hash && ids[index] === id) return true
    }
    return false
  }

  /** Remembers `id` (whose `hashId` is `hash`), forgetting the oldest id when full. */
  add(id: string, hash = hashId(id)): void {
    this.hashes ??= new Int32Array(this.capacity)
    this.ids[this.next] = id
    this.hashes[this.next] = hash
    this.next = (this.next + 1) % this.capacity
  }
}
