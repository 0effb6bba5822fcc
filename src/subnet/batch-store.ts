// The ViewStore that one Autobase `apply` call hands to the op handlers: a Hyperbee batch plus a small memo of
// the primitive values read or written during this call.
//
// A chat post reads about nine keys (`sh/<sig>`, `chat_status`, `admin` twice, `mtd/<a>`, `wlst`, `msgl`,
// `umsgl/<a>`, `nick/<a>`) and most of them are the same for every op of a batch. Each Hyperbee get walks the
// tree with an await per key comparison; remembering the answers for the length of one apply call saves most
// of those walks (and the garbage they make) without holding anything once the call ends.
//
// Only primitives (strings, numbers, booleans, null) are memoized: they are immutable, so a handler cannot
// change a remembered value by mutating what it was given. Objects are read through every time, so each
// caller gets its own decoded copy, as before. Every write of the call goes through this store, which keeps
// the memo equal to what the batch would answer.
import type { ViewStore } from './types.js'

/** The part of a Hyperbee batch this store uses. */
export interface BeeBatchLike {
  get(key: string): Promise<{ value: unknown } | null>
  put(key: string, value: unknown): Promise<unknown>
  del(key: string): Promise<unknown>
}

type Primitive = string | number | boolean | null

interface Known {
  present: boolean
  value: Primitive
}

/** A value that reads back from a JSON Hyperbee exactly as it is (NaN, ±Infinity and -0 do not). */
function isPrimitive(v: unknown): v is Primitive {
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0)
  return v === null || typeof v === 'string' || typeof v === 'boolean'
}

export class BatchViewStore implements ViewStore {
  readonly #batch: BeeBatchLike
  readonly #known = new Map<string, Known>()
  /** Reads answered from the memo, and reads that went to the batch (for tests and stats). */
  hits = 0
  misses = 0

  constructor(batch: BeeBatchLike) {
    this.#batch = batch
  }

  async #load(key: string): Promise<{ present: boolean; value: unknown }> {
    const known = this.#known.get(key)
    if (known !== undefined) {
      this.hits++
      return known
    }
    this.misses++
    const node = await this.#batch.get(key)
    const present = node !== null
    const value = present ? node.value : null
    if (isPrimitive(value)) this.#known.set(key, { present, value })
    return { present, value }
  }

  async get(key: string): Promise<unknown> {
    return (await this.#load(key)).value ?? null
  }

  async has(key: string): Promise<boolean> {
    return (await this.#load(key)).present
  }

  async put(key: string, value: unknown): Promise<void> {
    // Forget first: if the batch write fails, the next read asks the batch again.
    this.#known.delete(key)
    await this.#batch.put(key, value)
    if (isPrimitive(value)) this.#known.set(key, { present: true, value })
  }

  async del(key: string): Promise<void> {
    this.#known.delete(key)
    await this.#batch.del(key)
    this.#known.set(key, { present: false, value: null })
  }
}
