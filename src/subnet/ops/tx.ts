// `tx` (spec §8.5): a contract transaction settled on the MSB, checked against this node's own confirmed MSB
// view and then run through the contract and indexed.
import b4a from 'b4a'
import { toHex } from '../../crypto/index.js'
import { decodeAddress } from '../../wallet/index.js'
import { contractErrorOf, executeContract, isUnknownContractOperationType, txErrValue } from '../execution.js'
import { MSB_OP, commandHash } from '../../common/index.js'
import { decodeMsbOperation } from '../../common/index.js'
import { SeamFailure } from '../overlay.js'
import type { MsbView } from '../types.js'
import { APPLIED, jsonByteLength, nextCount, readCount, skip, type OpHandler } from './common.js'
import { isTxOp } from './schemas.js'

/**
 * How long apply waits for the local MSB view to reach the op's `msbsl`: without a deadline, like the
 * reference. A timeout cannot be turned into a skip (another node with a faster MSB would apply the op and
 * the views would fork), so the only bounds are the two stall guards, which do not wait at all. While it
 * waits, the whole subnet apply waits. If the wait gives up anyway (the MSB view closing), apply reports a
 * fatal outcome and the runtime must abort the apply run, to be retried later.
 */
export const MSB_WAIT_TIMEOUT_MS = Number.POSITIVE_INFINITY

const MAX_ADDRESS_CHARS = 90

/**
 * The 32-byte public key (hex) inside a bech32m address stored as ASCII bytes, or null. Decoding is the
 * wallet's (the reference's rules: lowercase only, HRP of letters). Strictly ASCII: a byte with the high bit
 * set makes the address invalid rather than being folded into some character.
 */
function pubKeyHexOfAddressBytes(bytes: Uint8Array): string | null {
  if (bytes.byteLength > MAX_ADDRESS_CHARS) return null
  for (const b of bytes) if (b > 0x7f) return null
  try {
    return toHex(decodeAddress(b4a.toString(bytes, 'utf8')))
  } catch {
    return null
  }
}

async function msbCall<T>(what: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    throw new SeamFailure(`MsbView.${what}`, err)
  }
}

/** Loads the MSB record the op points to, applying the stall guards first; a string is a skip reason. */
async function loadRecordBytes(
  msb: MsbView,
  key: string,
  msbsl: number,
  limits: { maxMsbSignedLength: number; maxMsbSignedLengthFutureDelta: number; maxMsbApplyOperationBytes: number }
): Promise<Uint8Array | string> {
  // Stall guards: refuse, without waiting, lengths this node could wait for forever. The second one depends on
  // how far this node's MSB view has synced (as in the reference); it only fires for absurd `msbsl` values.
  if (msbsl > limits.maxMsbSignedLength) return 'msbsl is over maxMsbSignedLength'
  const local = await msbCall('signedLength', () => msb.signedLength())
  if (local > 0 && msbsl > local + limits.maxMsbSignedLengthFutureDelta)
    return 'msbsl is too far ahead of the local MSB view'
  const reached = await msbCall('waitForSignedLength', () => msb.waitForSignedLength(msbsl, MSB_WAIT_TIMEOUT_MS))
  if (!reached) throw new SeamFailure('MsbView.waitForSignedLength', `gave up before signed length ${msbsl}`)
  const bytes = await msbCall('getAt', () => msb.getAt(key, msbsl))
  if (!(bytes instanceof Uint8Array)) return 'no MSB record at msbsl'
  if (bytes.byteLength > limits.maxMsbApplyOperationBytes) return 'MSB record is over maxMsbApplyOperationBytes'
  return bytes
}

export const tx: OpHandler = async (op, { store, ctx }) => {
  if (jsonByteLength(op) > ctx.limits.txMaxBytes) return skip(`op is over ${ctx.limits.txMaxBytes} bytes`)
  if (!isTxOp(op)) return skip('schema')
  // Deviation: the reference always has an MSB client. A node without an MSB view cannot check a tx; it skips
  // it, which forks its view from the nodes that can, so runtimes must always provide one.
  const msb = ctx.msb
  if (msb === null) return skip('no MSB view')
  const { msbsl, dispatch, ipk, wp } = op.value

  const bytes = await loadRecordBytes(msb, op.key, msbsl, ctx.limits)
  if (typeof bytes === 'string') return skip(bytes)
  const record = decodeMsbOperation(bytes)
  if (record === null) return skip('MSB record does not decode')
  const { txo } = record
  if (txo === null || record.type !== MSB_OP.TX) return skip('MSB record is not a subnet tx')
  if (toHex(txo.tx) !== op.key) return skip('MSB record tx differs from key')
  if (toHex(txo.bs) !== ctx.subnetBootstrapHex.toLowerCase()) return skip('MSB record is for another subnet')
  if (toHex(txo.mbs) !== msb.bootstrapHex.toLowerCase()) return skip('MSB record is for another MSB')
  if (toHex(txo.ch) !== commandHash(dispatch)) return skip('dispatch does not match the MSB record ch')
  if (pubKeyHexOfAddressBytes(record.address) !== ipk) return skip('ipk is not the MSB record requester')
  if (pubKeyHexOfAddressBytes(txo.va) !== wp) return skip('wp is not the MSB record validator')

  if ((await store.has('txen')) && (await store.get('txen')) !== true) return skip('transactions are disabled')
  if (await store.has('tx/' + op.key)) return skip('tx already indexed')
  // Deviation: without a contract the reference crashes apply (null contract); we skip.
  if (ctx.contract === null) return skip('no contract')
  const result = await executeContract(ctx.contract, op, store, { log: ctx.log })
  const err = contractErrorOf(result)
  // Not indexed; whatever the contract wrote before returning stays, as in the reference. (`result` is tested
  // too: contractErrorOf turns an error-like non-Error object into a plain Error, losing its class name.)
  if (err !== null && (isUnknownContractOperationType(err) || isUnknownContractOperationType(result))) {
    return skip(`unknown contract operation type: ${String(err.message)}`)
  }

  const n = await readCount(store, 'txl')
  await store.put(`txi/${String(n)}`, { val: dispatch, err: txErrValue(err), tx: op.key, ipk, wp })
  await store.put('txl', nextCount(n))
  await store.put('tx/' + op.key, n)
  const u = await readCount(store, 'utxl/' + ipk)
  await store.put(`utxi/${ipk}/${String(u)}`, n)
  await store.put('utxl/' + ipk, nextCount(u))
  return APPLIED
}
