// Errors that cross the seam between contracts and the apply engine, and the one function that decides
// what a contract's return value means. Every class sets `name` explicitly: bundlers may rename classes,
// so callers should test with `instanceof` and never with `constructor.name`.

import { IntercomError } from '../errors.js'

/**
 * The contract does not know the dispatched tx type, or the dispatch failed the type's schema.
 * Apply treats a tx whose result is this error as "not for this contract": it is skipped and not indexed.
 */
export class UnknownContractOperationType extends IntercomError {
  constructor(message = 'Unknown contract operation type.') {
    super('CONTRACT_UNKNOWN_OP', message)
    this.name = 'UnknownContractOperationType'
  }
}

/** Thrown by `Contract.assert`; `Contract.execute` returns it as the result, so the tx is indexed with its message. */
export class ContractAssertionError extends IntercomError {
  constructor(message = 'Assertion failed.') {
    super('CONTRACT_ASSERTION', message)
    this.name = 'ContractAssertionError'
  }
}

/**
 * What `Contract.execute` returns when a contract function throws something that is not an assertion.
 * The message is fixed on purpose: engine error texts (`Cannot read properties of undefined ...`) differ
 * between runtimes, and the indexed `err` must be the same on every node. The original error is `cause`.
 */
export class ContractExecutionError extends IntercomError {
  static readonly MESSAGE = 'Error in contract.'

  constructor(cause: unknown) {
    super('CONTRACT_EXECUTION', ContractExecutionError.MESSAGE, { cause })
    this.name = 'ContractExecutionError'
  }
}

/** A contract (or a simulation) tried to write a key owned by the subnet itself. */
export class ReservedKeyError extends IntercomError {
  constructor(readonly key: string) {
    super('RESERVED_KEY', `Reserved key: ${key}`)
    this.name = 'ReservedKeyError'
  }
}

/**
 * The view store failed underneath a contract (I/O, a closed Hyperbee). This is a local fault, not a
 * property of the tx, so `Contract.execute` lets it propagate instead of recording a failed tx that other
 * nodes would not record.
 */
export class ViewStorageError extends IntercomError {
  constructor(cause: unknown) {
    super('VIEW_STORAGE', `View storage failed: ${(cause as Error)?.message ?? String(cause)}`, { cause })
    this.name = 'ViewStorageError'
  }
}

/** `Protocol.tx` without `--sim` needs the MSB client, which this runtime does not have. */
export class SettlementUnavailableError extends IntercomError {
  constructor() {
    super(
      'SETTLEMENT_UNAVAILABLE',
      'Transaction settlement requires the MSB client, which this peer does not have yet. Use --sim 1 to run the contract locally.'
    )
    this.name = 'SettlementUnavailableError'
  }
}

/**
 * Reads a contract result the way trac-peer's `getError` does (subnet spec §7.1):
 * `false` → `Error('Error')`; `null`/`undefined` → no error; an object carrying both `stack` and `message`
 * → that error; anything else (strings, numbers, plain objects, `true`) → no error.
 * An error-like plain object is returned as a real `Error` with `String(message)`, which gives the same
 * indexed value (`parseInt`/`String` of the message) as the object itself.
 */
export function contractResultError(result: unknown): Error | null {
  if (result === false) return new Error('Error')
  if (result === null || typeof result !== 'object') return null
  const candidate = result as { stack?: unknown; message?: unknown }
  if (candidate.stack === undefined || candidate.message === undefined) return null
  if (result instanceof Error) return result
  return new Error(String(candidate.message))
}

/**
 * The subnet store was written in a storage format this peer cannot open. The subnet runs the reference's
 * storage (hypercore-storage 1, format 1) so that reference peers and ours can share stores and subnets;
 * intercom-ts before 0.2 wrote format 2, whose subnets reference peers could not read either.
 */
export class SubnetStoreFormatError extends IntercomError {
  readonly storeDir: string
  constructor(storeDir: string, cause: unknown) {
    super(
      'SUBNET_STORE_FORMAT',
      `The subnet store ${storeDir} was written in a newer storage format (by intercom-ts before 0.2, whose subnets ` +
        'reference peers cannot read). This peer keeps subnets in the reference format. Start with another ' +
        '--peer-store-name, or move that directory aside first; your wallet is its db/keypair.json, copy it into ' +
        "the new store's db/ to keep the same identity. Its data was left as it was.",
      { cause }
    )
    this.storeDir = storeDir
    this.name = 'SubnetStoreFormatError'
  }
}
