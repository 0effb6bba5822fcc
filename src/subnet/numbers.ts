// Value helpers that contracts and protocols share (subnet spec §7.2): fixed-point number strings for
// token amounts, and JSON helpers that report failure with a sentinel instead of throwing.
// Amounts travel as decimal strings of base units because JSON numbers lose precision past 2^53.
import b4a from 'b4a'

export const DEFAULT_DECIMALS = 18

const DECIMAL_RE = /^(-?)(\d*)(?:\.(\d*))?$/
const INTEGER_RE = /^(-?)(\d+)$/

function validDecimals(decimals: number): boolean {
  return Number.isSafeInteger(decimals) && decimals >= 0
}

function stripLeadingZeros(digits: string): string {
  const s = digits.replace(/^0+/, '')
  return s === '' ? '0' : s
}

/**
 * A human amount to base units: `resolveNumberString('1.5', 18)` → `'1500000000000000000'`.
 * Fraction digits beyond `decimals` are cut (not rounded). Anything that is not a plain decimal
 * (exponents, spaces, several points, no digits at all) gives `'0'`.
 */
export function resolveNumberString(amount: string | number | bigint, decimals: number = DEFAULT_DECIMALS): string {
  if (!validDecimals(decimals)) return '0'
  const m = DECIMAL_RE.exec(String(amount))
  if (!m) return '0'
  const [, sign, whole = '', fraction = ''] = m
  if (whole === '' && fraction === '') return '0'
  const units = stripLeadingZeros(whole + fraction.slice(0, decimals).padEnd(decimals, '0'))
  return units === '0' ? '0' : sign + units
}

/**
 * Base units to a human amount: `formatNumberString('1500000000000000000', 18)` → `'1.5'`.
 * No trailing fraction zeros and no trailing point; anything that is not an integer string gives `'0'`.
 */
export function formatNumberString(units: string | number | bigint, decimals: number = DEFAULT_DECIMALS): string {
  if (!validDecimals(decimals)) return '0'
  const m = INTEGER_RE.exec(String(units))
  if (!m) return '0'
  const [, sign, raw = ''] = m
  const digits = stripLeadingZeros(raw)
  if (digits === '0') return '0'
  const padded = digits.padStart(decimals + 1, '0')
  const whole = padded.slice(0, padded.length - decimals)
  const fraction = removeTrailingZeros('.' + padded.slice(padded.length - decimals))
  return sign + whole + fraction
}

/** `'1.500'` → `'1.5'`, `'2.000'` → `'2'`; strings without a point are returned unchanged. */
export function removeTrailingZeros(s: string): string {
  if (!s.includes('.')) return s
  return s.replace(/0+$/, '').replace(/\.$/, '')
}

/** UTF-8 byte length: what size limits on ops and messages count. */
export function visibleLength(s: string): number {
  return b4a.byteLength(s, 'utf8')
}

/** `BigInt(value)`, or null when it cannot be converted. */
export function safeBigInt(value: unknown): bigint | null {
  try {
    return BigInt(value as string | number | bigint | boolean)
  } catch {
    return null
  }
}

/** `JSON.stringify`, or null when the value cannot be serialized (cycles, BigInt, undefined). */
export function jsonStringify(value: unknown): string | null {
  try {
    const s = JSON.stringify(value)
    return typeof s === 'string' ? s : null
  } catch {
    return null
  }
}

/** `JSON.parse`, or undefined when the text is not JSON. */
export function jsonParse(text: unknown): unknown {
  if (typeof text !== 'string') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** A deep copy through JSON (what a stored value looks like when read back), or undefined when impossible. */
export function safeClone<T>(value: T): T | undefined {
  const s = jsonStringify(value)
  return s === null ? undefined : (JSON.parse(s) as T)
}
