// The built-in chat (spec §4.3): msg, deleteMessage, pinMessage, unpinMessage.
import { contractErrorOf, executeContract } from '../execution.js'
import { signedText, verifyText } from '../signing.js'
import type { ViewStore } from '../types.js'
import {
  APPLIED,
  isMod,
  jsonByteLength,
  markSignatureUsed,
  nextCount,
  readAdmin,
  readCount,
  signatureUsed,
  skip,
  type AdminEntry,
  type OpHandler
} from './common.js'
import { isDeleteMessageOp, isMsgOp, isPinMessageOp, isUnpinMessageOp } from './schemas.js'

/**
 * A stored message (or pin) as an object we can update, or null. Apply only stores objects under `msg/` and
 * `pni/`, but `msg/` is not a reserved key, so a contract could have put anything there. For null and
 * primitives the reference's property writes throw (crashing apply); we skip those ops instead.
 */
function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null
}

/**
 * The reference reads `admin.value` without a null check in deleteMessage, pinMessage and unpinMessage (as in
 * muteStatus) and crashes apply when there is no admin entry. Deviation: we skip the op.
 */
const NO_ADMIN = 'no admin (the reference crashes apply here)'

const adminOrModSigned = async (
  store: ViewStore,
  admin: AdminEntry,
  hash: string,
  text: string,
  address: string
): Promise<boolean> =>
  verifyText(hash, text, admin.key) || ((await isMod(store, address)) && verifyText(hash, text, address))

/**
 * A chat message signed by its author. The admin is never muted and always whitelisted. The contract's
 * message handler runs last and can veto the message; writes it made stay even then (no rollback, like the
 * reference).
 */
export const msg: OpHandler = async (op, { store, ctx }) => {
  if (jsonByteLength(op) > ctx.limits.msgMaxBytes) return skip(`op is over ${ctx.limits.msgMaxBytes} bytes`)
  if (!isMsgOp(op)) return skip('schema')
  const { dispatch } = op.value
  const { address } = dispatch
  if (await signatureUsed(store, op.hash)) return skip('replayed signature')
  if (!verifyText(op.hash, signedText(op.value, op.nonce), address)) return skip('not signed by dispatch.address')
  if ((await store.get('chat_status')) !== 'on') return skip('chat is off')
  const admin = await readAdmin(store)
  if (address !== admin.key) {
    if ((await store.get('mtd/' + address)) === true) return skip('author is muted')
    if ((await store.get('wlst')) === true && (await store.get('wl/' + address)) !== true)
      return skip('author is not whitelisted')
  }
  // Deviation: without a contract the reference crashes apply (null contract); we skip.
  if (ctx.contract === null) return skip('no contract')
  const verdict = contractErrorOf(await executeContract(ctx.contract, op, store, { log: ctx.log }))
  if (verdict !== null) return skip(`rejected by the contract: ${String(verdict.message)}`)
  const n = await readCount(store, 'msgl')
  const u = await readCount(store, 'umsgl/' + address)
  await store.put(`msg/${String(n)}`, dispatch)
  await store.put(`umsg/${address}/${String(u)}`, `msg/${String(n)}`)
  await store.put('msgl', nextCount(n))
  await store.put('umsgl/' + address, nextCount(u))
  await markSignatureUsed(store, op.hash)
  const nick = await store.get('nick/' + address)
  ctx.log(`#${String(nextCount(n))} | ${String(nick ?? address)}: ${String(dispatch.msg)}`)
  return APPLIED
}

/** The admin deletes any message, a mod any message not by the admin, a plain user their own. */
export const deleteMessage: OpHandler = async (op, { store, ctx }) => {
  if (!isDeleteMessageOp(op)) return skip('schema')
  const admin = await readAdmin(store)
  if (!admin.exists) return skip(NO_ADMIN)
  if (await signatureUsed(store, op.hash)) return skip('replayed signature')
  const { id, address } = op.value.dispatch
  const message = asRecord(await store.get(`msg/${id}`))
  if (message === null) return skip('no such message')
  if (message.deleted_by !== null) return skip('message already deleted')
  const text = signedText(op.value, op.nonce)
  const byAdmin = verifyText(op.hash, text, admin.key)
  const addressIsMod = await isMod(store, address)
  const allowed =
    byAdmin ||
    (addressIsMod && message.address !== admin.key && verifyText(op.hash, text, address)) ||
    (!addressIsMod && address !== admin.key && message.address === address && verifyText(op.hash, text, address))
  if (!allowed) return skip('not signed by the admin, an allowed mod or the author')
  message.msg = null
  message.attachments = []
  message.deleted_by = byAdmin ? admin.key : address
  const k = await readCount(store, 'delml')
  await store.put(`msg/${id}`, message)
  await store.put(`delm/${String(k)}`, id)
  await store.put('delml', nextCount(k))
  await markSignatureUsed(store, op.hash)
  ctx.log(`Deleted message ${id} of user ${String(message.address)} by ${String(message.deleted_by)}`)
  return APPLIED
}

/** Admin or mod; a message keeps its pin slot (`pin_id`) once it has one. Deleted messages can be pinned. */
export const pinMessage: OpHandler = async (op, { store, ctx }) => {
  if (!isPinMessageOp(op)) return skip('schema')
  const admin = await readAdmin(store)
  if (!admin.exists) return skip(NO_ADMIN)
  if (await signatureUsed(store, op.hash)) return skip('replayed signature')
  const { id, pinned, address } = op.value.dispatch
  const message = asRecord(await store.get(`msg/${id}`))
  if (message === null) return skip('no such message')
  if (!(await adminOrModSigned(store, admin, op.hash, signedText(op.value, op.nonce), address))) {
    return skip('not signed by the admin or a mod')
  }
  if (message.pin_id === null) {
    const p = await readCount(store, 'pnl')
    message.pin_id = p
    await store.put(`pni/${String(p)}`, { msg: id, pinned })
    await store.put('pnl', nextCount(p))
  } else {
    await store.put(`pni/${String(message.pin_id)}`, { msg: id, pinned })
  }
  message.pinned = pinned
  await store.put(`msg/${id}`, message)
  await markSignatureUsed(store, op.hash)
  ctx.log(`Pinned message ${id} by ${address}`)
  return APPLIED
}

/** Admin or mod; `id` is the pin slot. The message (if it still exists) is marked unpinned and loses its slot. */
export const unpinMessage: OpHandler = async (op, { store, ctx }) => {
  if (!isUnpinMessageOp(op)) return skip('schema')
  const admin = await readAdmin(store)
  if (!admin.exists) return skip(NO_ADMIN)
  if (await signatureUsed(store, op.hash)) return skip('replayed signature')
  const { id, address } = op.value.dispatch
  const pin = await store.get(`pni/${id}`)
  if (pin === null) return skip('no such pin')
  if (!(await adminOrModSigned(store, admin, op.hash, signedText(op.value, op.nonce), address))) {
    return skip('not signed by the admin or a mod')
  }
  const messageId = (pin as { msg?: unknown }).msg
  const stored = await store.get(`msg/${String(messageId)}`)
  if (stored !== null) {
    const message = asRecord(stored)
    if (message === null) return skip('pinned message is not an object')
    message.pinned = false
    message.pin_id = null
    await store.put(`msg/${String(messageId)}`, message)
    await store.put(`pni/${id}`, { msg: messageId, pinned: false })
  }
  await markSignatureUsed(store, op.hash)
  ctx.log(`Unpinned message ${id} by ${address}`)
  return APPLIED
}
