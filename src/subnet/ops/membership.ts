// Autobase membership (spec §4.3): addWriter / addIndexer / removeWriter (admin-signed, msg layout) and the
// unsigned autoAddWriter of the writer-invite handshake.
import { fromHex } from '../../crypto/index.js'
import { signedText, verifyText } from '../signing.js'
import { APPLIED, isWriterKeyHex, markSignatureUsed, readAdmin, signatureUsed, skip, type OpHandler } from './common.js'
import { isKeyOp, isMembershipOp } from './schemas.js'

type MembershipKind = 'addWriter' | 'addIndexer' | 'removeWriter'

const LOG_PREFIX: Record<MembershipKind, string> = {
  addWriter: 'Writer added',
  addIndexer: 'Indexer added',
  removeWriter: 'Writer removed'
}

function membershipOp(kind: MembershipKind): OpHandler {
  return async (op, { store, host, ctx }) => {
    // The terminal adds an `op: 'append_writer' | 'remove_writer'` field; apply ignores it.
    if (!isMembershipOp(op)) return skip('schema')
    const admin = await readAdmin(store)
    if (!admin.exists) return skip('no admin')
    const { msg } = op.value
    if (msg.key !== op.key) return skip('value.msg.key differs from key')
    // The signature covers value.msg only, so msg.type is what binds it to this op type.
    if (msg.type !== op.type) return skip('value.msg.type differs from type')
    if (await signatureUsed(store, op.hash)) return skip('replayed signature')
    if (!verifyText(op.hash, signedText(msg, op.nonce), admin.key)) return skip('not signed by the admin')
    // Deviation: is_hex has no length check, and the reference would hand Autobase a key of any length. A key
    // that is not 32 bytes cannot name a writer core; we skip the op rather than fail inside Autobase.
    if (!isWriterKeyHex(op.key)) return skip('writer key is not 32 bytes')
    const key = fromHex(op.key)
    if (kind === 'removeWriter') {
      // Deviation: Autobase throws "Not allowed to remove the last indexer", which crashes the reference's
      // apply. We skip the op instead (no `sh/` mark either), the same way on every node.
      if (!host.removeable(key)) return skip('would remove the last indexer')
      await host.removeWriter(key)
    } else {
      await host.addWriter(key, { indexer: kind === 'addIndexer' })
    }
    await markSignatureUsed(store, op.hash)
    ctx.log(`${LOG_PREFIX[kind]}: ${op.key}`)
    return APPLIED
  }
}

export const addWriter = membershipOp('addWriter')
export const addIndexer = membershipOp('addIndexer')
export const removeWriter = membershipOp('removeWriter')

/**
 * Unsigned and accepted from any writer while `auto_add_writers` is 'on' and `bnd/<key>` is absent (nothing
 * writes `bnd/`). Like the reference it logs "Writer auto added" whether or not anything happened.
 */
export const autoAddWriter: OpHandler = async (op, { store, host, ctx }) => {
  if (!isKeyOp(op)) return skip('schema')
  let outcome = APPLIED
  if (await store.has('bnd/' + op.key)) outcome = skip('writer is banned')
  else if ((await store.get('auto_add_writers')) !== 'on') outcome = skip('auto_add_writers is not on')
  else if (!isWriterKeyHex(op.key))
    outcome = skip('writer key is not 32 bytes') // deviation, as above
  else await host.addWriter(fromHex(op.key), { indexer: false })
  ctx.log(`Writer auto added: ${op.key}`)
  return outcome
}
