// The Hyperbee of the subnet view, with one change: what a truncation does to its caches.
//
// A non-indexer truncates its view whenever the indexer's order differs from the order it applied
// optimistically. On a truncation of more than 128 entries, Hyperbee 2 clears the bee's whole node and key
// caches. The shared Rache also keeps the cleared entries' slots until random eviction reaches them, so the
// store-wide cache holds fewer live entries after each clear. With three busy writers, a non-indexer then
// reads most tree nodes back from RocksDB. Here only the entries at or past the new length are dropped.
// Every cached entry is keyed by its sequence number, so the ones below the new length stay valid.
import Hyperbee from 'hyperbee'

interface SeqCache {
  keys?: { keys?: () => Iterable<unknown>; delete?: (k: unknown) => unknown }
  length?: number
}

/** Deletes the entries with a sequence number ≥ `length`; false when the cache is not shaped as expected. */
export function dropFrom(cache: SeqCache | null | undefined, length: number): boolean {
  const keys = cache?.keys
  if (
    cache == null ||
    typeof keys?.keys !== 'function' ||
    typeof keys.delete !== 'function' ||
    typeof cache.length !== 'number'
  )
    return false
  const doomed: number[] = []
  for (const k of keys.keys()) if (typeof k === 'number' && k >= length) doomed.push(k)
  for (const k of doomed) keys.delete(k)
  if (cache.length > length) cache.length = length
  return true
}

export class ViewBee extends Hyperbee {
  _ontruncate(length: number): void {
    // With the caches trimmed here, Hyperbee's own step finds nothing left to clear.
    const self = this as unknown as { _nodeCache?: SeqCache; _keyCache?: SeqCache }
    dropFrom(self._nodeCache, length)
    dropFrom(self._keyCache, length)
    ;(Hyperbee.prototype as unknown as { _ontruncate: (this: Hyperbee, n: number) => void })._ontruncate.call(
      this,
      length
    )
  }
}

/**
 * A value of an Autobase view: from the local linearized view, or with `confirmed` from a checkout at the
 * indexer-signed length. Null when absent.
 */
export async function readView(view: Hyperbee, key: string, confirmed: boolean): Promise<unknown> {
  if (!confirmed) return (await view.get(key))?.value ?? null
  const snapshot = view.checkout(view.core.signedLength)
  try {
    return (await snapshot.get(key))?.value ?? null
  } finally {
    await snapshot.close()
  }
}
