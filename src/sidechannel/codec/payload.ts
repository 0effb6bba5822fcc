// The sidechannel payload: id format, signature base, building a signed (and PoW-stamped) payload,
// verifying its signature and making relay copies (spec §2.1, §2.3, §3 step 13, §4).
import b4a from 'b4a'
import {
  isHex,
  PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
  sign,
  toHex,
  utf8,
  verifyHex,
  type KeyPair
} from '../../crypto/index.js'
import { canonicalJson } from './canonical.js'
import { findPowNonce, type PayloadCore, type PowStamp } from './pow.js'
import { normalizeChannelName } from './topic.js'

export type { PowStamp } from './pow.js'

/** A payload as a reference peer writes it; the member order of this type is the wire order. */
export interface SidechannelPayload {
  type: 'sidechannel'
  id: string
  channel: string
  from: string | null
  origin: string | null
  message: unknown
  ts: number
  ttl: number
  invite?: object
  pow?: PowStamp
  sig: string
  relayedBy?: string
}

export const PAYLOAD_TYPE = 'sidechannel'
export const SIGNATURE_KIND = 'sidechannel_message_v1'
export const DEFAULT_TTL = 3

/** Random part of message ids and invite nonces: up to 8 base36 characters (fewer if the draw is short). */
export function randomSuffix(random: () => number): string {
  return random().toString(36).slice(2, 10)
}

export function messageId(from: string | null, ts: number, random: () => number): string {
  return `${from || 'anon'}:${ts}:${randomSuffix(random)}`
}

/**
 * Key normalization used in the signature base and in welcomes/invites: null for falsy input, the
 * trimmed lowercase string for strings, hex for bytes and for JSON-serialized Buffers
 * (`{type:'Buffer', data:[…]}`). Anything else cannot be a key and yields null.
 */
export function normHex(x: unknown): string | null {
  if (!x) return null
  if (typeof x === 'string') return x.trim().toLowerCase()
  if (x instanceof Uint8Array) return toHex(x)
  if (typeof x === 'object') {
    const { type, data } = x as { type?: unknown; data?: unknown }
    if (type === 'Buffer' && Array.isArray(data) && data.every(isByte)) return toHex(b4a.from(data as number[]))
  }
  return null
}

function isByte(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255
}

/**
 * JSON round trip, the same one a receiver's decoder performs; null when the value cannot be
 * serialized (cycles, BigInt) or serializes to nothing (a bare function).
 */
function jsonRoundTrip(value: unknown): unknown {
  try {
    const text = JSON.stringify(value ?? null)
    return text === undefined ? null : JSON.parse(text)
  } catch {
    return null
  }
}

/**
 * Canonical signature base of §2.3 (all seven members present; message JSON-round-tripped). For a
 * payload that was itself decoded from JSON (`decoded`), the round trip is the identity and is skipped.
 * The members are written in their canonical (sorted) order directly: channel, from, id, kind,
 * message, origin, ts.
 */
export function signatureBaseString(p: PayloadCore, opts: { decoded?: boolean } = {}): string {
  const message = opts.decoded === true ? p.message : jsonRoundTrip(p.message)
  return (
    '{"channel":' +
    canonicalMember(p.channel) +
    ',"from":' +
    canonicalMember(normHex(p.from)) +
    ',"id":' +
    canonicalMember(p.id) +
    ',"kind":"' +
    SIGNATURE_KIND +
    '"' +
    ',"message":' +
    canonicalMember(message) +
    ',"origin":' +
    canonicalMember(normHex(p.origin)) +
    ',"ts":' +
    canonicalMember(p.ts) +
    '}'
  )
}

function canonicalMember(v: unknown): string {
  return v === undefined || v === null ? 'null' : canonicalJson(v)
}

export interface BuildPayloadOptions {
  channel: string
  message: unknown
  keyPair: KeyPair
  ts: number
  /** Source of the id suffix; defaults to Math.random like the reference. */
  random?: () => number
  ttl?: number
  invite?: object
  /** Bits of PoW to attach; 0 or undefined attaches none. */
  powDifficulty?: number
}

/**
 * Builds the exact object a reference sender would put on the wire. `message` (and `invite`) are
 * JSON-round-tripped first so that the PoW and signature cover precisely what receivers decode (fix
 * B1: absent members are dropped instead of being hashed as null). Throws a TypeError when the
 * channel name is empty or the message is not JSON-serializable.
 */
export function buildPayload(opts: BuildPayloadOptions): SidechannelPayload {
  const channel = normalizeChannelName(opts.channel)
  if (channel === null) throw new TypeError('channel name is empty')
  const message = toPureJson(opts.message, 'message')
  const from = toHex(opts.keyPair.publicKey)
  const ts = opts.ts
  const id = messageId(from, ts, opts.random ?? Math.random)

  const core = { id, channel, from, origin: from, message, ts }
  const payload: Omit<SidechannelPayload, 'sig'> & { sig?: string } = {
    type: PAYLOAD_TYPE,
    ...core,
    ttl: opts.ttl ?? DEFAULT_TTL
  }
  if (opts.invite) payload.invite = toPureJson(opts.invite, 'invite') as object
  const difficulty = opts.powDifficulty ?? 0
  if (difficulty > 0) payload.pow = { nonce: findPowNonce(core, difficulty), difficulty }
  payload.sig = toHex(sign(utf8(signatureBaseString(core)), opts.keyPair.secretKey))
  return payload as SidechannelPayload
}

function toPureJson(value: unknown, what: string): unknown {
  let text: string | undefined
  try {
    text = JSON.stringify(value ?? null)
  } catch {
    throw new TypeError(`${what} is not JSON-serializable`)
  }
  if (text === undefined) throw new TypeError(`${what} is not JSON-serializable`)
  return JSON.parse(text)
}

/**
 * True if the payload's `sig` (or `signature`) is a valid ed25519 signature of its signature base
 * under `publicKeyHex`. Never throws; malformed input of any kind is simply not valid.
 */
export function verifyPayloadSignature(p: unknown, publicKeyHex: string, opts: { decoded?: boolean } = {}): boolean {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return false
  const record = p as { sig?: unknown; signature?: unknown }
  const sig = record.sig || record.signature
  // Sizes are checked before any canonicalization work is spent on hostile input.
  if (!isHex(sig, SIGNATURE_BYTES) || !isHex(publicKeyHex, PUBLIC_KEY_BYTES)) return false
  try {
    return verifyHex(sig, utf8(signatureBaseString(p as PayloadCore, opts)), publicKeyHex)
  } catch {
    return false
  }
}

export type RelayedPayload = Record<string, unknown> & { ttl: number; relayedBy: string }

/**
 * The copy a relay forwards: TTL decremented (after capping it at `maxTtl`, fix B6) and `relayedBy`
 * set to our key, all other members and their order kept. Null when the budget is used up.
 */
export function relayCopy(p: unknown, selfKeyHex: string, maxTtl: number): RelayedPayload | null {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return null
  const raw = (p as { ttl?: unknown }).ttl
  let ttl = typeof raw === 'number' && Number.isFinite(raw) ? raw : 0
  ttl = Math.min(ttl, maxTtl)
  if (!(ttl > 0)) return null
  return { ...p, ttl: ttl - 1, relayedBy: selfKeyHex }
}

/** UTF-8 size of the JSON form, the measure both the send guard and the rate limiter use. */
export function encodedSize(p: unknown): number {
  const text = JSON.stringify(p)
  if (text === undefined) throw new TypeError('value has no JSON form')
  return b4a.byteLength(text, 'utf8')
}
