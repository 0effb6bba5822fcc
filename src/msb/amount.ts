// TNK amounts (spec msb.md §2.9): unsigned 128-bit integers of base units, 18 decimals, carried on the wire as
// 16 bytes big-endian (`am`, hex 32 characters in the JSON form). Pure functions, no I/O.
import { fromHex, isHex, toHex } from '../crypto/index.js'

export const TNK_DECIMALS = 18
export const AMOUNT_BYTES = 16
/** Base units in one TNK. */
export const UNITS_PER_TNK = 10n ** BigInt(TNK_DECIMALS)
/** The largest representable amount, 2^128 - 1 base units. */
export const MAX_AMOUNT = (1n << 128n) - 1n

const AMOUNT_RE = /^(\d+)(?:\.(\d+))?$/

/** Throws a RangeError/TypeError unless `units` is a bigint in 0..2^128-1. */
export function assertAmount(units: bigint): void {
  if (typeof units !== 'bigint') throw new TypeError('amount must be a bigint of base units')
  if (units < 0n) throw new RangeError('amount must not be negative')
  if (units > MAX_AMOUNT) throw new RangeError('amount exceeds the u128 maximum (2^128-1 base units)')
}

/**
 * Parses a decimal TNK amount ("1.5", "0.000000000000000001", "10") into base units. Surrounding whitespace is
 * ignored; signs, exponents, separators, a bare "." and more than 18 decimal places are rejected.
 */
export function parseAmount(text: string): bigint {
  if (typeof text !== 'string') throw new TypeError('amount must be a string')
  const s = text.trim()
  if (s.startsWith('-')) throw new RangeError('amount must not be negative')
  const m = AMOUNT_RE.exec(s)
  if (m === null)
    throw new TypeError(
      `invalid amount ${JSON.stringify(text)}: expected digits with an optional "." and up to ${TNK_DECIMALS} decimals`
    )
  const fraction = m[2] ?? ''
  if (fraction.length > TNK_DECIMALS) throw new RangeError(`amount has more than ${TNK_DECIMALS} decimal places`)
  const units = BigInt(m[1]) * UNITS_PER_TNK + BigInt(fraction.padEnd(TNK_DECIMALS, '0') || '0')
  assertAmount(units)
  return units
}

/** Formats base units as a decimal TNK string without trailing zeros ("1.5", "0", "2"). */
export function formatAmount(units: bigint): string {
  assertAmount(units)
  const whole = units / UNITS_PER_TNK
  const fraction = (units % UNITS_PER_TNK).toString().padStart(TNK_DECIMALS, '0').replace(/0+$/, '')
  return fraction === '' ? whole.toString() : `${whole}.${fraction}`
}

/** 16-byte big-endian encoding of an amount. */
export function amountToBytes(units: bigint): Uint8Array {
  assertAmount(units)
  const out = new Uint8Array(AMOUNT_BYTES)
  let v = units
  for (let i = AMOUNT_BYTES - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn)
    v >>= 8n
  }
  return out
}

/** Reads a 16-byte big-endian amount; throws on any other length. */
export function amountFromBytes(bytes: Uint8Array): bigint {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength !== AMOUNT_BYTES)
    throw new TypeError(`amount must be ${AMOUNT_BYTES} bytes`)
  let v = 0n
  for (const b of bytes) v = (v << 8n) | BigInt(b)
  return v
}

/** Lowercase hex (32 characters) of the 16-byte amount: the `am` field of the JSON form. */
export function amountToHex(units: bigint): string {
  return toHex(amountToBytes(units))
}

/** Parses an `am` hex field (exactly 32 hex characters). */
export function amountFromHex(hex: string): bigint {
  if (!isHex(hex, AMOUNT_BYTES)) throw new TypeError(`amount must be ${AMOUNT_BYTES} bytes of hex`)
  return amountFromBytes(fromHex(hex))
}
