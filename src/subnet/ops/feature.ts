// `feature` (spec §4.3, §7.4): an admin-signed data feed handed to the contract.
import { executeContract } from '../execution.js'
import { signedText, verifyText } from '../signing.js'
import { APPLIED, jsonByteLength, markSignatureUsed, readAdmin, signatureUsed, skip, type OpHandler } from './common.js'
import { isFeatureOp } from './schemas.js'

/**
 * Only `dispatch.value` and `dispatch.nonce` are signed (not `op.key`, `dispatch.type`, `.key`, `.address`),
 * and the signature is single-use through `sh/<dispatch.hash>`. The contract's return value is ignored (it
 * may return false, e.g. for a missing `dispatch.address`, and the op still counts as applied).
 */
export const feature: OpHandler = async (op, { store, ctx }) => {
  if (jsonByteLength(op) > ctx.limits.featMaxBytes) return skip(`op is over ${ctx.limits.featMaxBytes} bytes`)
  if (!isFeatureOp(op)) return skip('schema')
  const admin = await readAdmin(store)
  if (!admin.exists) return skip('no admin')
  const { dispatch } = op.value
  if (await signatureUsed(store, dispatch.hash)) return skip('replayed signature')
  if (!verifyText(dispatch.hash, signedText(dispatch.value, dispatch.nonce), admin.key))
    return skip('not signed by the admin')
  // Deviation: without a contract the reference crashes apply (null contract); we skip.
  if (ctx.contract === null) return skip('no contract')
  await executeContract(ctx.contract, op, store, { log: ctx.log })
  await markSignatureUsed(store, dispatch.hash)
  return APPLIED
}
