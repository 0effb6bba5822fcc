// The seams of the subnet plane: what apply handlers, contracts and features see of the world.
// Handlers and contracts only touch the view through `ViewStore` and membership through
// `MembershipHost`, so they run the same inside Autobase's apply, in tests, and in a simulation.

import type { LogFn } from '../common/index.js'
export type { LogFn }

/** Key/value access to the subnet view (a Hyperbee batch during apply; an overlay when simulating). */
export interface ViewStore {
  /** The stored JSON value, or null when the key is absent. */
  get(key: string): Promise<unknown>
  /**
   * Whether `key` exists, even with a JSON `null` value (`get` cannot tell the two apart). Apply needs it for
   * exact reference semantics: `admin` given up (stored as null) still blocks `addAdmin`; `bnd/<key>` with any
   * value blocks `autoAddWriter`; `txen` stored as null disables transactions. Over Hyperbee: `(await bee.get(key)) !== null`.
   */
  has(key: string): Promise<boolean>
  put(key: string, value: unknown): Promise<void>
  del(key: string): Promise<void>
}

/** Autobase membership changes available during apply. */
export interface MembershipHost {
  addWriter(key: Uint8Array, opts: { indexer: boolean }): Promise<void>
  removeWriter(key: Uint8Array): Promise<void>
  /** False when removing this writer would remove the last indexer (the reference then crashes apply). */
  removeable(key: Uint8Array): boolean
}

/** One linearized Autobase node as apply sees it. */
export interface ApplyNode {
  /** The decoded JSON value appended by a writer (untrusted: any JSON). */
  value: unknown
  /** Hex key of the writer core that appended the node. */
  fromWriterHex: string
}

/** The result contract of `Contract.execute`, interpreted by `contractErrorOf`. */
export type ContractResult = unknown

/** What apply needs from the app's contract. */
export interface ExecuteOptions {
  /** Where the contract's `log` lines go for this run (apply: the peer's log; a simulation: its caller). */
  log?: LogFn | null
}

export interface ContractRuntime {
  execute(op: Record<string, unknown>, storage: ViewStore, options?: ExecuteOptions): Promise<ContractResult>
}

import type { MsbView } from '../common/index.js'
export type { MsbView }

export interface ApplyLimits {
  txMaxBytes: number
  msgMaxBytes: number
  featMaxBytes: number
  maxMsbSignedLength: number
  maxMsbSignedLengthFutureDelta: number
  maxMsbApplyOperationBytes: number
}

export const DEFAULT_APPLY_LIMITS: ApplyLimits = {
  txMaxBytes: 4096,
  msgMaxBytes: 8192,
  featMaxBytes: 4096,
  maxMsbSignedLength: 1_000_000_000,
  maxMsbSignedLengthFutureDelta: 1_000_000,
  maxMsbApplyOperationBytes: 1_048_576
}

export interface ApplyContext {
  /** Lowercase hex of the subnet bootstrap (the creator's writer key). */
  subnetBootstrapHex: string
  contract: ContractRuntime | null
  msb: MsbView | null
  limits: ApplyLimits
  /** Informational lines (`Admin added: …`, `#1 | nick: text`); never used for decisions. */
  log: LogFn
}

/** Why an op was skipped; apply never throws, it reports and moves on (same choice on every node). */
export interface ApplyOutcome {
  applied: boolean
  reason?: string
  /**
   * Set when the op could not be applied because a seam failed (ViewStore or MembershipHost threw, or the MSB
   * wait gave up), not because of anything in the op. Skipping would fork this node's view from the others', so
   * the runtime must abort the apply run (throw out of Autobase apply, which also discards the batch) and let it be
   * retried. Writes are buffered until the op succeeds, so usually nothing of the op reached the store; a failure
   * while flushing them can leave part of it in the batch, which is one more reason to throw the batch away.
   */
  fatal?: boolean
}
