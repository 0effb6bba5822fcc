// The seam between the subnet and the MSB (spec §8): what a subnet needs from settlement, and what apply reads
// of the MSB's confirmed state. The subnet depends on these interfaces only; the MSB client implements them,
// and src/settlement/ is the one adapter that wires one to the other.

/** A contract call: `type` names the contract function, `value` is its argument (any JSON, null allowed). */
export interface TxDispatch {
  type: string
  value: unknown
}

/** An externally signed tx (RPC wallet flow, spec §8.3): the invoker is `address`, not this peer. */
export interface TxSurrogate {
  tx: string
  nonce: string
  signature: string
  /** Invoker public key, lowercase hex. */
  address: string
}

/** A tx built and preflighted against the MSB. */
export interface PreparedTx {
  /** MSB tx hash, lowercase hex; becomes `contract.tx` and the subnet op key. */
  tx: string
  /** Invoker public key hex. */
  ipk: string
  /** The MSB payload (`{ type: 12, address, txo }`), returned to the caller after a broadcast. */
  payload: unknown
}

/**
 * MSB settlement (spec §8.2): the MSB client provides it. `prepare` builds the payload (tx hash, content
 * hash, signature, or the surrogate's) and runs the MSB preflight, throwing its reason; `broadcast` sends it
 * and queues the tx for the observer that appends the subnet `tx` op once the MSB confirms it.
 */
export interface TxSettlement {
  prepare(dispatch: TxDispatch, surrogate: TxSurrogate | null): Promise<PreparedTx>
  broadcast(prepared: PreparedTx, dispatch: TxDispatch): Promise<unknown>
}

/** Read access to the confirmed MSB view that `tx` ops are checked against (issue 5 provides it). */
export interface MsbView {
  /** Current confirmed (indexer-signed) length of the MSB view. */
  signedLength(): number
  /**
   * Resolves true once the confirmed length is at least `length`, or false when it gives up first (timeout or
   * the view closing). Apply passes `timeoutMs = Infinity` (see ops/tx.ts): that means no deadline at all, so do
   * not hand it to `setTimeout` (which treats it as 1 ms).
   */
  waitForSignedLength(length: number, timeoutMs: number): Promise<boolean>
  /** The raw protobuf `Operation` bytes stored under `key` in the confirmed view at `length`, or null. */
  getAt(key: string, length: number): Promise<Uint8Array | null>
  bootstrapHex: string
  addressPrefix: string
}
