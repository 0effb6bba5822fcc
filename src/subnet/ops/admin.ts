// addAdmin and updateAdmin (spec §4.3): who the subnet admin is.
import { signedText, verifyText } from '../signing.js'
import { APPLIED, markSignatureUsed, readAdmin, signatureUsed, skip, type OpHandler } from './common.js'
import { isKeyOp, isUpdateAdminOp } from './schemas.js'

/** Unsigned; only the subnet creator's writer may append it, and only while no `admin` entry exists. */
export const addAdmin: OpHandler = async (op, { store, ctx, node }) => {
  if (!isKeyOp(op)) return skip('schema')
  if (String(node.fromWriterHex).toLowerCase() !== ctx.subnetBootstrapHex.toLowerCase()) {
    return skip('not appended by the subnet bootstrap writer')
  }
  // An admin given up (stored as null) still counts: addAdmin never works again (`addAdmin/after-admin-given-up`).
  if (await store.has('admin')) return skip('admin already set')
  await store.put('admin', op.key)
  ctx.log(`Admin added: ${op.key}`)
  return APPLIED
}

/** Signed by the current admin; `admin: null` gives the role up for good. */
export const updateAdmin: OpHandler = async (op, { store, ctx }) => {
  if (!isUpdateAdminOp(op)) return skip('schema')
  const admin = await readAdmin(store)
  if (!admin.exists) return skip('no admin')
  if (await signatureUsed(store, op.hash)) return skip('replayed signature')
  if (!verifyText(op.hash, signedText(op.value, op.nonce), admin.key)) return skip('not signed by the admin')
  const next = op.value.dispatch.admin
  await store.put('admin', next)
  await markSignatureUsed(store, op.hash)
  ctx.log(`Changed admin ${String(admin.key)} to ${String(next)}`)
  return APPLIED
}
