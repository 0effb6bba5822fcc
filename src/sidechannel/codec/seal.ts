// Sealed messages (fix for B16): end-to-end encryption of the `message` of a sidechannel payload with
// a per-channel key, as a message-level convention that needs no change to the wire format. The
// payload stays a normal signed payload whose `message` is `{enc, n, c}`: relays forward it
// unchanged, reference peers deliver it as an opaque object, and peers holding the channel key (given
// to invitees inside their invite) read the plaintext. XSalsa20-Poly1305 via libsodium's secretbox.
import sodium from 'sodium-universal'
import b4a from 'b4a'
import { randomBytes } from '../../crypto/index.js'

export const SEAL_VERSION = 'intercom-seal-v1'
export const CHANNEL_KEY_BYTES = 32
const NONCE_BYTES = 24
const MAC_BYTES = 16

export interface SealedMessage {
  enc: typeof SEAL_VERSION
  /** base64 nonce (24 bytes) */
  n: string
  /** base64 ciphertext of the JSON `{ch, m}` */
  c: string
}

export function newChannelKey(): Uint8Array {
  return randomBytes(CHANNEL_KEY_BYTES)
}

export function encodeChannelKey(key: Uint8Array): string {
  return b4a.toString(key, 'base64')
}

/** A base64 channel key, or null when the value is not exactly 32 bytes of base64. */
export function decodeChannelKey(value: unknown): Uint8Array | null {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]{43}=$/.test(value)) return null
  const key = b4a.from(value, 'base64')
  return key.byteLength === CHANNEL_KEY_BYTES ? key : null
}

export function isSealed(message: unknown): message is SealedMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    !Array.isArray(message) &&
    (message as Record<string, unknown>).enc === SEAL_VERSION
  )
}

/** Encrypts `message` for `channel`; the channel name is sealed inside so a copy cannot be moved. */
export function sealMessage(key: Uint8Array, channel: string, message: unknown): SealedMessage {
  const plain = b4a.from(JSON.stringify({ ch: channel, m: message ?? null }), 'utf8')
  const nonce = randomBytes(NONCE_BYTES)
  const cipher = b4a.alloc(plain.byteLength + MAC_BYTES)
  sodium.crypto_secretbox_easy(cipher, plain, nonce, key)
  return { enc: SEAL_VERSION, n: b4a.toString(nonce, 'base64'), c: b4a.toString(cipher, 'base64') }
}

/** Decrypts a sealed message for `channel`; never throws. */
export function openSealed(
  key: Uint8Array,
  channel: string,
  sealed: unknown
): { ok: true; message: unknown } | { ok: false } {
  if (!isSealed(sealed) || typeof sealed.n !== 'string' || typeof sealed.c !== 'string') return { ok: false }
  try {
    const nonce = b4a.from(sealed.n, 'base64')
    const cipher = b4a.from(sealed.c, 'base64')
    if (nonce.byteLength !== NONCE_BYTES || cipher.byteLength < MAC_BYTES) return { ok: false }
    const plain = b4a.alloc(cipher.byteLength - MAC_BYTES)
    if (!sodium.crypto_secretbox_open_easy(plain, cipher, nonce, key)) return { ok: false }
    const inner = JSON.parse(b4a.toString(plain, 'utf8'))
    if (typeof inner !== 'object' || inner === null || inner.ch !== channel) return { ok: false }
    return { ok: true, message: inner.m }
  } catch {
    return { ok: false }
  }
}

/** A copy of an invite without its channel key, for anything that goes on the wire. */
export function withoutChannelKey<T>(invite: T): T {
  if (typeof invite !== 'object' || invite === null || !('channelKey' in invite)) return invite
  const { channelKey: _omit, ...rest } = invite as Record<string, unknown>
  return rest as T
}
