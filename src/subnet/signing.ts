// What a subnet op's signature covers (spec §4.2). Shared by the builders (signing) and apply (verifying),
// so the two can never disagree. Signatures are ed25519 over the raw UTF-8 bytes of the text, lowercase hex.
import { sign, toHex, utf8, verifyHex } from '../crypto/index.js'

/** `JSON.stringify(payload) + nonce`: the signed text of every signed subnet op. Key order matters. */
export function signedText(payload: unknown, nonce: string): string {
  return JSON.stringify(payload) + nonce
}

/** Ops of the "msg layout": the signature covers `JSON.stringify(value.msg) + nonce`. */
export const MSG_LAYOUT_TYPES: ReadonlySet<string> = new Set([
  'addWriter',
  'addIndexer',
  'removeWriter',
  'setAutoAddWriters',
  'setChatStatus'
])

/** Unsigned ops (their authority is the appending writer, the view state, or the MSB record). */
export const UNSIGNED_TYPES: ReadonlySet<string> = new Set(['addAdmin', 'autoAddWriter', 'tx'])

/**
 * The text whose signature an op carries, derived from the op itself, or null for unsigned ops and shapes
 * that carry no signed payload:
 * msg layout → `value.msg` + `nonce`; `feature` → `value.dispatch.value` + `value.dispatch.nonce`;
 * every other signed op (dispatch layout) → `value` + `nonce`.
 */
export function signedMessageOf(op: unknown): string | null {
  if (typeof op !== 'object' || op === null) return null
  const { type, value, nonce } = op as { type?: unknown; value?: unknown; nonce?: unknown }
  if (typeof type !== 'string' || UNSIGNED_TYPES.has(type)) return null
  if (typeof value !== 'object' || value === null) return null
  if (type === 'feature') {
    const dispatch = (value as { dispatch?: unknown }).dispatch
    if (typeof dispatch !== 'object' || dispatch === null) return null
    const d = dispatch as { value?: unknown; nonce?: unknown }
    return typeof d.nonce === 'string' ? signedText(d.value, d.nonce) : null
  }
  if (typeof nonce !== 'string') return null
  if (MSG_LAYOUT_TYPES.has(type)) return signedText((value as { msg?: unknown }).msg, nonce)
  return signedText(value, nonce)
}

/** Lowercase hex ed25519 signature of the UTF-8 bytes of `text`. */
export function signTextHex(text: string, secretKey: Uint8Array): string {
  return toHex(sign(utf8(text), secretKey))
}

/** Whether `signatureHex` is `publicKeyHex`'s signature of `text`; false for any malformed input. */
export function verifyText(signatureHex: unknown, text: string, publicKeyHex: unknown): boolean {
  if (text.length === 0) return false
  return verifyHex(signatureHex, text, publicKeyHex)
}
