// Admin-signed subnet switches (spec §4.3): setAutoAddWriters / setChatStatus (msg layout) and
// enableTransactions / enableWhitelist (dispatch layout).
import { signedText, verifyText } from '../signing.js'
import { APPLIED, markSignatureUsed, readAdmin, signatureUsed, skip, type OpHandler } from './common.js'
import { isEnableOp, isToggleOp } from './schemas.js'

function onOffSwitch(stateKey: 'auto_add_writers' | 'chat_status'): OpHandler {
  return async (op, { store, ctx }) => {
    if (!isToggleOp(op)) return skip('schema')
    const admin = await readAdmin(store)
    if (!admin.exists) return skip('no admin')
    const { msg } = op.value
    if (msg.key !== op.key) return skip('value.msg.key differs from key')
    if (msg.type !== op.type) return skip('value.msg.type differs from type')
    if (op.key !== 'on' && op.key !== 'off') return skip("key is not 'on' or 'off'")
    if (await signatureUsed(store, op.hash)) return skip('replayed signature')
    if (!verifyText(op.hash, signedText(msg, op.nonce), admin.key)) return skip('not signed by the admin')
    await store.put(stateKey, op.key)
    await markSignatureUsed(store, op.hash)
    ctx.log(`Set ${stateKey}: ${op.key}`)
    return APPLIED
  }
}

export const setAutoAddWriters = onOffSwitch('auto_add_writers')
export const setChatStatus = onOffSwitch('chat_status')

/**
 * Neither `dispatch.type` nor the op type is covered by anything that is checked, so an admin-signed
 * enableTransactions value appended as enableWhitelist sets `wlst` (and vice versa); the shared `sh/` mark lets
 * only one of the two copies through. `dispatch.address` is not compared with the signer. All as the reference.
 */
function enableSwitch(stateKey: 'txen' | 'wlst', label: string): OpHandler {
  return async (op, { store, ctx }) => {
    if (!isEnableOp(op)) return skip('schema')
    const admin = await readAdmin(store)
    if (!admin.exists) return skip('no admin')
    if (await signatureUsed(store, op.hash)) return skip('replayed signature')
    if (!verifyText(op.hash, signedText(op.value, op.nonce), admin.key)) return skip('not signed by the admin')
    const { enabled } = op.value.dispatch
    await store.put(stateKey, enabled)
    await markSignatureUsed(store, op.hash)
    ctx.log(`Changed ${label} enabled ${String(enabled)}`)
    return APPLIED
  }
}

export const enableTransactions = enableSwitch('txen', 'transactions')
export const enableWhitelist = enableSwitch('wlst', 'whitelist')
