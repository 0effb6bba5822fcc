// Trac addresses: bech32m over the 32-byte ed25519 public key, HRP `trac` (mainnet) or `testtrac` (testnet1).
import { bech32m } from '@scure/base'
import { PUBLIC_KEY_BYTES } from '../crypto/index.js'

export const DEFAULT_HRP = 'trac'

// The reference accepts HRPs of 1–31 lowercase ASCII letters only (no digits, unlike generic bech32).
const HRP_RE = /^[a-z]{1,31}$/

export function isValidHrp(hrp: unknown): hrp is string {
  return typeof hrp === 'string' && HRP_RE.test(hrp)
}

function assertHrp(hrp: unknown): asserts hrp is string {
  if (!isValidHrp(hrp))
    throw new TypeError(`invalid address prefix ${JSON.stringify(hrp)}: expected 1-31 lowercase letters a-z`)
}

export function encodeAddress(publicKey: Uint8Array, hrp: string = DEFAULT_HRP): string {
  assertHrp(hrp)
  if (!(publicKey instanceof Uint8Array) || publicKey.byteLength !== PUBLIC_KEY_BYTES) {
    throw new TypeError(`address payload must be a ${PUBLIC_KEY_BYTES}-byte public key`)
  }
  return bech32m.encode(hrp, bech32m.toWords(publicKey))
}

/** Decodes an address to its public key; throws an Error saying what is wrong with it. */
export function decodeAddress(address: string, expectedHrp?: string): Uint8Array {
  if (typeof address !== 'string') throw new TypeError('address must be a string')
  if (expectedHrp !== undefined) assertHrp(expectedHrp)
  // bech32 itself allows an all-uppercase form; the reference only ever produces and accepts lowercase.
  if (address !== address.toLowerCase()) throw new Error('invalid address: uppercase characters are not accepted')
  let prefix: string
  let words: number[]
  try {
    ;({ prefix, words } = bech32m.decode(address, 90))
  } catch (err) {
    throw new Error(`invalid address: ${(err as Error).message}`)
  }
  if (!isValidHrp(prefix)) throw new Error(`invalid address: prefix ${JSON.stringify(prefix)} is not 1-31 letters a-z`)
  if (expectedHrp !== undefined && prefix !== expectedHrp) {
    throw new Error(`invalid address: prefix is "${prefix}", expected "${expectedHrp}"`)
  }
  let payload: Uint8Array
  try {
    payload = bech32m.fromWords(words)
  } catch (err) {
    throw new Error(`invalid address: ${(err as Error).message}`)
  }
  if (payload.byteLength !== PUBLIC_KEY_BYTES) {
    throw new Error(`invalid address: payload is ${payload.byteLength} bytes, expected ${PUBLIC_KEY_BYTES}`)
  }
  return payload
}

export function isAddress(s: unknown, hrp?: string): s is string {
  if (typeof s !== 'string') return false
  try {
    decodeAddress(s, hrp)
    return true
  } catch {
    return false
  }
}
