// The ledger half of a validator's checks (spec msb.md §3, rows 4 and 9–12), run by the client before it
// spends a broadcast: a failure here is the reason the validator would give, without the round trip. It reads
// the confirmed state only (a light client sees nothing else), so it can pass an op that a validator then
// rejects on its fresher unconfirmed view; the validator's answer is authoritative. The texts for the
// checks a validator shares with us are the MSB validator's own, so a script sees the same words either way.
import b4a from 'b4a'
import { fromHex, toHex } from '../crypto/index.js'
import { MAX_AMOUNT, amountFromHex } from './amount.js'
import { decodeOperation } from '../common/index.js'
import type { PartialOperation } from './ops.js'
import { MSB_OP } from '../common/index.js'

/** 0.03 TNK in base units: a constant of the network, not stored in state (§1.4). */
export const MSB_FEE = 30_000_000_000_000_000n

export interface LedgerReader {
  /** Raw value under a key of the confirmed view, or null. */
  get(key: string): Promise<Uint8Array | null>
  /** Balance of an address's node entry, or null when the address has no entry. */
  balanceOf(address: string): Promise<bigint | null>
}

export type PrecheckResult = { ok: true } | { ok: false; code: number; name: string; error: string }

const fail = (code: number, name: string, error: string): PrecheckResult => ({ ok: false, code, name, error })

/** `deployment/<bs>` value: the deployment tx hash (32 bytes) then the deployer's address. */
function deploymentTxHex(value: Uint8Array): string | null {
  if (value.byteLength < 32) return null
  return toHex(value.subarray(0, 32))
}

export async function precheckAgainstLedger(
  op: PartialOperation,
  ledger: LedgerReader,
  fee: bigint = MSB_FEE
): Promise<PrecheckResult> {
  const member = op.type === MSB_OP.TRANSFER ? op.tro : op.type === MSB_OP.TX ? op.txo : op.bdo
  if ((await ledger.get(member.tx)) !== null)
    return fail(18, 'TX_ALREADY_EXISTS', `Transaction with hash ${member.tx} already exists in the state.`)
  const balance = await ledger.balanceOf(op.address)

  if (op.type === MSB_OP.TRANSFER) {
    const amount = amountFromHex(op.tro.am)
    if (balance === null)
      return fail(42, 'TRANSFER_SENDER_NOT_FOUND', `Sender ${op.address} has no MSB account (fund it first).`)
    const self = op.tro.to === op.address
    const cost = self ? fee : amount + fee
    if (balance < cost)
      return fail(
        43,
        'TRANSFER_INSUFFICIENT_BALANCE',
        `Insufficient balance: ${op.address} holds ${balance} base units, the transfer needs ${cost} (amount + fee).`
      )
    if (!self) {
      const recipient = (await ledger.balanceOf(op.tro.to)) ?? 0n
      if (recipient + amount > MAX_AMOUNT)
        return fail(44, 'TRANSFER_RECIPIENT_BALANCE_OVERFLOW', 'The recipient balance would overflow.')
    }
    return { ok: true }
  }

  if (balance === null) return fail(20, 'REQUESTER_NOT_FOUND', 'Requester address not found in state')
  if (balance < fee) return fail(21, 'INSUFFICIENT_FEE_BALANCE', 'Insufficient balance to cover transaction fee.')

  const bs = op.type === MSB_OP.TX ? op.txo.bs : op.bdo.bs
  const deployment = await ledger.get('deployment/' + bs)
  if (op.type === MSB_OP.BOOTSTRAP_DEPLOYMENT) {
    if (deployment !== null)
      return fail(
        38,
        'BOOTSTRAP_ALREADY_EXISTS',
        `Bootstrap with hash ${bs} already exists in the state. Bootstrap must be unique.`
      )
    return { ok: true }
  }
  if (deployment === null)
    return fail(
      35,
      'EXTERNAL_BOOTSTRAP_NOT_DEPLOYED',
      `External bootstrap with hash ${bs} is not registered as deployment entry.`
    )
  const depTx = deploymentTxHex(deployment)
  const depOp = depTx === null ? null : await ledger.get(depTx)
  if (depOp === null)
    return fail(36, 'EXTERNAL_BOOTSTRAP_TX_MISSING', `The deployment tx of subnet ${bs} is missing from the MSB state.`)
  const decoded = decodeOperation(depOp)
  const depBs = decoded?.bdo?.bs
  if (depBs === undefined || !b4a.equals(depBs, fromHex(bs))) {
    return fail(37, 'EXTERNAL_BOOTSTRAP_MISMATCH', `The deployment record of subnet ${bs} names another bootstrap.`)
  }
  return { ok: true }
}
