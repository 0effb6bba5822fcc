// Cryptographic primitives used across planes. Everything goes through libsodium (sodium-universal),
// which runs unchanged under Node and Bare. Sizes are validated before calling into sodium so that
// hostile input never reaches the native code with a wrong length (spec §9 B23).
import sodium from 'sodium-universal'
import b4a from 'b4a'

export const PUBLIC_KEY_BYTES = 32
export const SECRET_KEY_BYTES = 64
export const SIGNATURE_BYTES = 64

export interface KeyPair {
  publicKey: Uint8Array
  secretKey: Uint8Array
}

const HEX_RE = /^[0-9a-fA-F]*$/

/** True when `s` is a string of exactly `bytes` bytes written as hex (either case). */
export function isHex(s: unknown, bytes?: number): s is string {
  if (typeof s !== 'string' || s.length % 2 !== 0 || !HEX_RE.test(s)) return false
  return bytes === undefined || s.length === bytes * 2
}

export function toHex(buf: Uint8Array): string {
  return b4a.toString(buf, 'hex')
}

/** Hex to bytes; throws a TypeError on anything that is not even-length hex. */
export function fromHex(hex: string): Uint8Array {
  if (!isHex(hex)) throw new TypeError('not a hex string')
  return b4a.from(hex, 'hex')
}

export function utf8(s: string): Uint8Array {
  return b4a.from(s, 'utf8')
}

export function sha256(data: Uint8Array | string): Uint8Array {
  const out = b4a.allocUnsafe(32)
  sodium.crypto_hash_sha256(out, typeof data === 'string' ? utf8(data) : data)
  return out
}

export function keyPairFromSeed(seed: Uint8Array): KeyPair {
  if (seed.byteLength !== 32) throw new TypeError('ed25519 seed must be 32 bytes')
  const publicKey = b4a.alloc(PUBLIC_KEY_BYTES)
  const secretKey = b4a.alloc(SECRET_KEY_BYTES)
  sodium.crypto_sign_seed_keypair(publicKey, secretKey, seed)
  return { publicKey, secretKey }
}

export function randomBytes(n: number): Uint8Array {
  const b = b4a.alloc(n)
  sodium.randombytes_buf(b)
  return b
}

export function sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  if (secretKey.byteLength !== SECRET_KEY_BYTES) throw new TypeError('ed25519 secret key must be 64 bytes')
  const sig = b4a.alloc(SIGNATURE_BYTES)
  sodium.crypto_sign_detached(sig, message, secretKey)
  return sig
}

/** Verifies an ed25519 detached signature; malformed sizes simply return false (no logging). */
export function verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.byteLength !== SIGNATURE_BYTES || publicKey.byteLength !== PUBLIC_KEY_BYTES) return false
  try {
    return sodium.crypto_sign_verify_detached(signature, message, publicKey)
  } catch {
    return false
  }
}

/** Verifies hex-encoded signature and key over a UTF-8 string, as the reference wallet does. */
export function verifyHex(sigHex: unknown, message: string | Uint8Array, publicKeyHex: unknown): boolean {
  if (!isHex(sigHex, SIGNATURE_BYTES) || !isHex(publicKeyHex, PUBLIC_KEY_BYTES)) return false
  const msg = typeof message === 'string' ? utf8(message) : message
  return verify(fromHex(sigHex), msg, fromHex(publicKeyHex))
}
