// How apply reads what a contract returned (spec §7.1, Protocol.getError) and how it runs a contract.
import { UnknownContractOperationType } from './errors.js'
import type { ContractRuntime, ContractResult, ExecuteOptions, ViewStore } from './types.js'

// The error classes and the result reading are shared with the Contract base class (errors.ts), so apply and
// contracts agree on them by construction. `contractErrorOf` is the name apply has always exported.
export { UnknownContractOperationType, contractResultError as contractErrorOf } from './errors.js'

/**
 * Whether a contract error means "not a tx of this contract" (§8.5 step 8): our class, or, as the reference
 * tests it, any error whose constructor is named `UnknownContractOperationType`.
 */
export function isUnknownContractOperationType(err: unknown): boolean {
  if (err instanceof UnknownContractOperationType) return true
  const ctor = (err as { constructor?: { name?: unknown } } | null)?.constructor
  return ctor?.name === 'UnknownContractOperationType'
}

/**
 * The `err` field of a `txi/<n>` entry: `parseInt(message)` when that is a number (so "42" → 42, and, as
 * parseInt goes, "42 coins" → 42 and "0x1f" → 31), otherwise the message as a string. Only the "42" and the
 * plain-text cases are pinned by vectors (`tx/EDGE-contract-error-*`).
 */
export function txErrValue(err: Error | null): number | string | null {
  if (err === null) return null
  const message = (err as { message?: unknown }).message
  // biome-ignore lint/correctness/useParseIntRadix: the reference calls parseInt without a radix ('0x10' is 16 on every node)
  const n = parseInt(String(message))
  return Number.isNaN(n) ? String(message) : n
}

/** A contract threw (not an assertion, which contracts return): the op is skipped, its writes dropped. */
export class ContractThrew extends Error {
  constructor(cause: unknown) {
    super(`contract threw: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
    this.name = 'ContractThrew'
  }
}

/** Runs `contract.execute`, turning a throw into `ContractThrew` so apply can tell it from its own failures. */
export async function executeContract(
  contract: ContractRuntime,
  op: Record<string, unknown>,
  storage: ViewStore,
  options: ExecuteOptions = {}
): Promise<ContractResult> {
  try {
    return await contract.execute(op, storage, options)
  } catch (err) {
    throw new ContractThrew(err)
  }
}
