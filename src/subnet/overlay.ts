// Per-op staging of writes and membership changes, so that an op is applied all or nothing.
//
// The reference writes straight into the apply batch and crashes apply on some ops (§15.2). We skip those ops
// instead, and a skipped op must leave no trace: every handler (and the contract it runs) works against a
// `StagedStore`, and `applyOp` commits the staged writes and host calls only when the handler returns.
// Failures of the underlying seams are remembered separately: they say nothing about the op, so they must
// not turn into a skip (that would fork this node's view), they must abort the apply run.
import type { MembershipHost, ViewStore } from './types.js'

/** A ViewStore or MembershipHost call threw: an infrastructure failure, never a property of the op. */
export class SeamFailure extends Error {
  constructor(what: string, cause: unknown) {
    super(`${what} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
    this.name = 'SeamFailure'
  }
}

type Staged = { text: string } | null

/**
 * Staged writes are replayed one by one, in the order the handler made them, repeated keys included: every
 * Hyperbee put or del is one block of the view core, so the block sequence (and with it the view core that
 * indexers sign) is the same as the reference's, which writes straight into the batch.
 */

export class StagedStore implements ViewStore {
  readonly #base: ViewStore
  /** key → the latest staged JSON text, or null for a staged delete (what reads see). */
  readonly #latest = new Map<string, Staged>()
  /** Every staged write in the order it was made (what commit replays). */
  readonly #log: Array<{ key: string; staged: Staged }> = []
  #failure: SeamFailure | null = null

  constructor(base: ViewStore) {
    this.#base = base
  }

  /** The first seam failure seen, even if the handler or contract caught the error it raised. */
  get failure(): SeamFailure | null {
    return this.#failure
  }

  async #read<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      const failure = new SeamFailure(what, err)
      this.#failure ??= failure
      throw failure
    }
  }

  async get(key: string): Promise<unknown> {
    const staged = this.#latest.get(key)
    if (staged !== undefined) return staged === null ? null : JSON.parse(staged.text)
    return await this.#read(`ViewStore.get(${key})`, () => this.#base.get(key))
  }

  async has(key: string): Promise<boolean> {
    const staged = this.#latest.get(key)
    if (staged !== undefined) return staged !== null
    return await this.#read(`ViewStore.has(${key})`, () => this.#base.has(key))
  }

  async put(key: string, value: unknown): Promise<void> {
    // Encode now, as Hyperbee's json encoding does: later changes to `value` must not leak into the view.
    const text = JSON.stringify(value)
    if (typeof text !== 'string') throw new TypeError(`value for ${key} is not JSON-encodable`)
    this.#stage(key, { text })
  }

  async del(key: string): Promise<void> {
    this.#stage(key, null)
  }

  #stage(key: string, staged: Staged): void {
    this.#latest.set(key, staged)
    this.#log.push({ key, staged })
  }

  /** Writes the staged changes through to the underlying store. */
  async commit(): Promise<void> {
    for (const { key, staged } of this.#log) {
      if (staged === null) await this.#read(`ViewStore.del(${key})`, () => this.#base.del(key))
      else await this.#read(`ViewStore.put(${key})`, () => this.#base.put(key, JSON.parse(staged.text)))
    }
    this.#log.length = 0
    this.#latest.clear()
  }
}

type HostCall = { add: true; key: Uint8Array; indexer: boolean } | { add: false; key: Uint8Array }

/** Defers addWriter/removeWriter until the op commits; `removeable` is a read and answers at once. */
export class StagedHost implements MembershipHost {
  readonly #base: MembershipHost
  readonly #calls: HostCall[] = []

  constructor(base: MembershipHost) {
    this.#base = base
  }

  async addWriter(key: Uint8Array, opts: { indexer: boolean }): Promise<void> {
    this.#calls.push({ add: true, key, indexer: opts.indexer })
  }

  async removeWriter(key: Uint8Array): Promise<void> {
    this.#calls.push({ add: false, key })
  }

  removeable(key: Uint8Array): boolean {
    try {
      return this.#base.removeable(key)
    } catch (err) {
      throw new SeamFailure('MembershipHost.removeable', err)
    }
  }

  async commit(): Promise<void> {
    for (const call of this.#calls) {
      try {
        if (call.add) await this.#base.addWriter(call.key, { indexer: call.indexer })
        else await this.#base.removeWriter(call.key)
      } catch (err) {
        throw new SeamFailure(call.add ? 'MembershipHost.addWriter' : 'MembershipHost.removeWriter', err)
      }
    }
    this.#calls.length = 0
  }
}
