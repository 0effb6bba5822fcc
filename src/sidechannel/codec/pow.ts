// Proof of work over the canonical PoW base (spec §2.4) and a fast nonce search (fix B9).
import sodium from 'sodium-universal'
import b4a from 'b4a'
import { sha256, utf8 } from '../../crypto/index.js'
import { canonicalJson } from './canonical.js'

/** What a sender attaches as `pow`; receivers ignore `difficulty` and apply their own. */
export interface PowStamp {
  nonce: number
  difficulty: number
}

/** The payload members covered by the PoW (and, with `kind`, by the signature). */
export interface PayloadCore {
  id?: unknown
  channel?: unknown
  from?: unknown
  origin?: unknown
  message?: unknown
  ts?: unknown
}

const DIGEST_BYTES = 32
const MAX_DIFFICULTY = DIGEST_BYTES * 8
const ASCII_ZERO = 0x30

export function leadingZeroBits(digest: Uint8Array): number {
  let bits = 0
  for (let i = 0; i < digest.byteLength; i++) {
    const byte = digest[i]
    if (byte === 0) {
      bits += 8
      continue
    }
    return bits + Math.clz32(byte) - 24
  }
  return bits
}

/**
 * Canonical PoW base. `from`/`origin` are taken raw and `message` as given, matching what a receiver
 * hashes from the decoded payload; members missing on the payload count as null.
 */
export function powBaseString(p: PayloadCore, nonce: number): string {
  return canonicalJson({
    id: p.id ?? null,
    channel: p.channel ?? null,
    from: p.from ?? null,
    origin: p.origin ?? null,
    message: p.message ?? null,
    ts: p.ts ?? null,
    nonce
  })
}

export function powHash(p: PayloadCore, nonce: number): Uint8Array {
  return sha256(utf8(powBaseString(p, nonce)))
}

/**
 * Receiver check against OUR difficulty (the sender's claimed difficulty is irrelevant). Accepts any
 * numeric nonce, as the reference does. Never throws: hostile payloads (e.g. absurdly deep nesting)
 * simply fail.
 */
export function checkPow(p: unknown, difficulty: number): boolean {
  if (p === null || typeof p !== 'object') return false
  const pow = (p as { pow?: unknown }).pow
  if (pow === null || typeof pow !== 'object') return false
  const nonce = (pow as { nonce?: unknown }).nonce
  if (typeof nonce !== 'number') return false
  try {
    return leadingZeroBits(powHash(p as PayloadCore, nonce)) >= difficulty
  } catch {
    return false
  }
}

/**
 * SHA-256 of the PoW base for many nonces of one payload (fix B9). The sorted base is
 * `{"channel":…,"from":…,"id":…,"message":…,"nonce":N,"origin":…,"ts":…}`, so everything before the
 * digits of N, including the possibly huge message, is hashed once into a midstate; each nonce then
 * costs restoring that state and hashing its digits plus the short origin/ts suffix. Digests equal
 * `powHash(p, nonce)` for every non-negative safe-integer nonce.
 */
export class PowMidstate {
  private readonly midstate: Uint8Array
  private readonly state: Uint8Array
  private readonly suffix: Uint8Array
  /** Digits at the front, suffix right after them; safe integers have at most 16 decimal digits. */
  private readonly tail: Uint8Array
  private digits = 0
  private input: Uint8Array

  constructor(p: PayloadCore) {
    const prefix =
      '{"channel":' +
      canonicalJson(p.channel ?? null) +
      ',"from":' +
      canonicalJson(p.from ?? null) +
      ',"id":' +
      canonicalJson(p.id ?? null) +
      ',"message":' +
      canonicalJson(p.message ?? null) +
      ',"nonce":'
    this.suffix = utf8(',"origin":' + canonicalJson(p.origin ?? null) + ',"ts":' + canonicalJson(p.ts ?? null) + '}')
    this.midstate = b4a.alloc(sodium.crypto_hash_sha256_STATEBYTES)
    sodium.crypto_hash_sha256_init(this.midstate)
    sodium.crypto_hash_sha256_update(this.midstate, utf8(prefix))
    this.state = b4a.alloc(sodium.crypto_hash_sha256_STATEBYTES)
    this.tail = b4a.alloc(16 + this.suffix.byteLength)
    this.input = this.tail
  }

  /** Writes the digest for `nonce` into `out` (allocated if absent) and returns it. */
  digest(nonce: number, out: Uint8Array = b4a.alloc(DIGEST_BYTES)): Uint8Array {
    if (!Number.isSafeInteger(nonce) || nonce < 0) throw new RangeError('nonce must be a non-negative safe integer')
    if (out.byteLength !== DIGEST_BYTES) throw new RangeError('digest buffer must be 32 bytes')
    let digits = 1
    for (let limit = 10; nonce >= limit; limit *= 10) digits++
    if (digits !== this.digits) {
      this.digits = digits
      this.tail.set(this.suffix, digits)
      this.input = this.tail.subarray(0, digits + this.suffix.byteLength)
    }
    let rest = nonce
    for (let i = digits - 1; i >= 0; i--) {
      this.tail[i] = ASCII_ZERO + (rest % 10)
      rest = Math.floor(rest / 10)
    }
    this.state.set(this.midstate)
    sodium.crypto_hash_sha256_update(this.state, this.input)
    sodium.crypto_hash_sha256_final(this.state, out)
    return out
  }
}

/**
 * First nonce (0, 1, 2, ...) whose PoW hash has at least `difficulty` leading zero bits: the nonce
 * the reference's linear search finds, found without rebuilding the base per attempt.
 * Difficulty ≤ 0 needs no work and yields 0.
 */
export function findPowNonce(p: PayloadCore, difficulty: number): number {
  if (!(difficulty <= MAX_DIFFICULTY)) throw new RangeError('PoW difficulty must be at most 256 bits')
  if (difficulty <= 0) return 0
  const hasher = new PowMidstate(p)
  const digest = b4a.alloc(DIGEST_BYTES)
  for (let nonce = 0; nonce <= Number.MAX_SAFE_INTEGER; nonce++) {
    if (leadingZeroBits(hasher.digest(nonce, digest)) >= difficulty) return nonce
  }
  throw new RangeError('PoW nonce space exhausted')
}
