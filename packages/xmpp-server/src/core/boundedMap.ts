// A bounded cache in a plain Map, for hot paths: when full, the entry set first goes. Reads do
// not reorder entries (an LRU would cost a delete and a set on every hit).

/** Sets `key` to `value`, first dropping the oldest entry when `map` already holds `capacity`. */
export const setBounded = <K, V>(map: Map<K, V>, key: K, value: V, capacity: number): void => {
  if (!map.has(key) && map.size >= capacity) {
    const oldest = map.keys().next()
    if (oldest.done !== true) map.delete(oldest.value)
  }
  map.set(key, value)
}
