// The subnet's deterministic apply: one linearized Autobase node in, one outcome out (spec §4).
//
// Dispatch is a table from op type to handler (ops/*). Every handler works against staged copies of the store
// and the membership host (overlay.ts), which are committed only when the handler returns, so an op is applied
// all or nothing. Apply never throws because of what an op contains: where the reference would crash apply
// (ops against a missing admin, removing the last indexer, a throwing contract, a missing contract) the op is
// skipped with a reason, the same way on every node. Failures of the seams themselves are reported as `fatal`.
import { ContractThrew } from './execution.js'
import { SeamFailure, StagedHost, StagedStore } from './overlay.js'
import { addAdmin, updateAdmin } from './ops/admin.js'
import { deleteMessage, msg, pinMessage, unpinMessage } from './ops/chat.js'
import { skip, type OpHandler } from './ops/common.js'
import { feature } from './ops/feature.js'
import { addIndexer, addWriter, autoAddWriter, removeWriter } from './ops/membership.js'
import { muteStatus, setMod, setNick, setWhitelistStatus } from './ops/moderation.js'
import { isOpNode } from './ops/schemas.js'
import { enableTransactions, enableWhitelist, setAutoAddWriters, setChatStatus } from './ops/settings.js'
import { tx } from './ops/tx.js'
import type { ApplyContext, ApplyNode, ApplyOutcome, MembershipHost, ViewStore } from './types.js'

export { contractErrorOf, UnknownContractOperationType } from './execution.js'

/** Op type → handler. A Map, so that names like `__proto__` or `toString` find nothing. */
const TABLE: ReadonlyMap<string, OpHandler> = new Map<string, OpHandler>([
  ['tx', tx],
  ['msg', msg],
  ['feature', feature],
  ['addIndexer', addIndexer],
  ['addWriter', addWriter],
  ['removeWriter', removeWriter],
  ['setChatStatus', setChatStatus],
  ['setAutoAddWriters', setAutoAddWriters],
  ['autoAddWriter', autoAddWriter],
  ['addAdmin', addAdmin],
  ['updateAdmin', updateAdmin],
  ['setNick', setNick],
  ['muteStatus', muteStatus],
  ['deleteMessage', deleteMessage],
  ['unpinMessage', unpinMessage],
  ['pinMessage', pinMessage],
  ['setMod', setMod],
  ['setWhitelistStatus', setWhitelistStatus],
  ['enableWhitelist', enableWhitelist],
  ['enableTransactions', enableTransactions]
])

/** The 20 op types apply knows. */
export const OP_TYPES: readonly string[] = Object.freeze([...TABLE.keys()])

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

function fatal(failure: SeamFailure): ApplyOutcome {
  return { applied: false, reason: failure.message, fatal: true }
}

/**
 * Applies one node. Nodes whose value is null (Autobase acks), not an object with a string `type` of 1..256
 * characters, or of an unknown type are skipped. Never throws; see `ApplyOutcome.fatal` for seam failures.
 */
export async function applyOp(
  node: ApplyNode,
  store: ViewStore,
  host: MembershipHost,
  ctx: ApplyContext
): Promise<ApplyOutcome> {
  let value: unknown
  try {
    value = (node as { value?: unknown } | null | undefined)?.value
  } catch {
    return skip('unreadable node')
  }
  if (value === null || value === undefined) return skip('empty node')
  if (!isOpNode(value)) return skip('not an op (an object with a string type of 1..256 characters)')
  const op = value as Record<string, unknown> & { type: string }
  const handler = TABLE.get(op.type)
  if (handler === undefined) return skip('unknown op type')

  const staged = new StagedStore(store)
  const stagedHost = new StagedHost(host)
  // Log lines are informational; a failing logger must not change what apply decides.
  const log = (line: string, args?: readonly unknown[]): void => {
    try {
      ctx.log(line, args)
    } catch {}
  }
  let outcome: ApplyOutcome
  try {
    outcome = await handler(op, { store: staged, host: stagedHost, ctx: { ...ctx, log }, node })
  } catch (err) {
    if (staged.failure !== null) return fatal(staged.failure)
    if (err instanceof SeamFailure) return fatal(err)
    // Deviation: the reference re-throws non-assertion contract exceptions out of apply; we skip the op and
    // drop everything it staged, contract writes included.
    if (err instanceof ContractThrew) return skip(err.message)
    // Anything else is a property of the op (our handlers are deterministic), so every node skips it too.
    return skip(`handler error: ${errorText(err)}`)
  }
  // A seam failure that the contract caught and swallowed still taints this op's result.
  if (staged.failure !== null) return fatal(staged.failure)
  try {
    await stagedHost.commit()
    await staged.commit()
  } catch (err) {
    return fatal(err instanceof SeamFailure ? err : new SeamFailure('commit', err))
  }
  return { ...outcome }
}
