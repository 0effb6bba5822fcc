// The storage a simulated tx runs against (subnet spec §8.6): an in-memory overlay over a read-only
// view. The contract sees its own writes, the real view is never touched, and values come back as
// JSON copies, as they would from Hyperbee.
import { isReservedKey } from './contract.js'
import { ReservedKeyError } from './errors.js'
import { jsonStringify } from './numbers.js'
import type { ViewStore } from './types.js'

/** What a simulation reads through: normally the unconfirmed subnet view. */
export interface ViewReader {
  get(key: string): Promise<unknown>
  /** Whether the key exists even with a null value; without it, a null value counts as absent. */
  has?(key: string): Promise<boolean>
}

type Entry = { deleted: false; json: string } | { deleted: true }

export class SimStorage implements ViewStore {
  private readonly overlay = new Map<string, Entry>()

  constructor(private readonly base: ViewReader) {}

  async get(key: string): Promise<unknown> {
    const entry = this.overlay.get(key)
    if (entry !== undefined) return entry.deleted ? null : JSON.parse(entry.json)
    const value = await this.base.get(key)
    return value === undefined ? null : value
  }

  async has(key: string): Promise<boolean> {
    const entry = this.overlay.get(key)
    if (entry !== undefined) return !entry.deleted
    if (this.base.has) return this.base.has(key)
    const value = await this.base.get(key)
    return value !== null && value !== undefined
  }

  async put(key: string, value: unknown): Promise<void> {
    if (isReservedKey(key)) throw new ReservedKeyError(key)
    const json = jsonStringify(value)
    if (json === null) throw new TypeError(`Value for ${key} cannot be stored as JSON.`)
    this.overlay.set(key, { deleted: false, json })
  }

  async del(key: string): Promise<void> {
    if (isReservedKey(key)) throw new ReservedKeyError(key)
    this.overlay.set(key, { deleted: true })
  }

  /** What the simulation changed: key → new value, or null for a deletion. */
  changes(): Map<string, unknown> {
    const out = new Map<string, unknown>()
    for (const [key, entry] of this.overlay) out.set(key, entry.deleted ? null : JSON.parse(entry.json))
    return out
  }
}
