// The MSB `network/v1` envelope (spec msb.md §2.5): the protobuf `network.v1.MessageHeader` carried on the
// `network/v1` Protomux channel, and the signatures over it. Every message is signed by the sender's Noise
// (connection) key over blake3 of a type-specific preimage; the receiver checks it against the key the
// connection authenticated. Pure: no I/O. Decoding never throws (bytes come from untrusted peers).
import protobuf from 'protobufjs/light.js'
import b4a from 'b4a'
import { blake3 } from '@noble/hashes/blake3.js'
import { randomBytes, sign, verify } from '../../crypto/index.js'
import { bytesOf } from '../../common/index.js'

export const V1_PROTOCOL = 'network/v1'
/** Largest encoded envelope a validator accepts; bigger ones get the connection dropped. */
export const MAX_V1_MESSAGE_BYTES = 4096
/** Largest `data` (the partial Operation) of a broadcast request. */
export const MAX_V1_DATA_BYTES = 3072
export const V1_NONCE_BYTES = 32
export const V1_SIGNATURE_BYTES = 64
/** What the reference advertises; covered by every signature. */
export const NETWORK_CAPABILITIES: readonly string[] = Object.freeze(['protocols:v1:legacy'])

export const V1MessageType = {
  LIVENESS_REQUEST: 1,
  LIVENESS_RESPONSE: 2,
  BROADCAST_TRANSACTION_REQUEST: 3,
  BROADCAST_TRANSACTION_RESPONSE: 4
} as const

/** `network.v1.ResultCode` (the RESULT_CODE_ prefix dropped). */
export const V1ResultCode = {
  UNSPECIFIED: 0,
  OK: 1,
  INVALID_PAYLOAD: 2,
  RATE_LIMITED: 3,
  SIGNATURE_INVALID: 4,
  UNEXPECTED_ERROR: 5,
  TIMEOUT: 6,
  NODE_HAS_NO_WRITE_ACCESS: 7,
  TX_ACCEPTED_PROOF_UNAVAILABLE: 8,
  NODE_OVERLOADED: 9,
  TX_ALREADY_PENDING: 10,
  OPERATION_TYPE_UNKNOWN: 11,
  SCHEMA_VALIDATION_FAILED: 12,
  REQUESTER_ADDRESS_INVALID: 13,
  REQUESTER_PUBLIC_KEY_INVALID: 14,
  TX_HASH_MISMATCH: 15,
  TX_SIGNATURE_INVALID: 16,
  TX_EXPIRED: 17,
  TX_ALREADY_EXISTS: 18,
  OPERATION_ALREADY_COMPLETED: 19,
  REQUESTER_NOT_FOUND: 20,
  INSUFFICIENT_FEE_BALANCE: 21,
  EXTERNAL_BOOTSTRAP_EQUALS_MSB_BOOTSTRAP: 22,
  SELF_VALIDATION_FORBIDDEN: 23,
  ROLE_NODE_ENTRY_NOT_FOUND: 24,
  ROLE_NODE_ALREADY_WRITER: 25,
  ROLE_NODE_NOT_WHITELISTED: 26,
  ROLE_NODE_NOT_WRITER: 27,
  ROLE_NODE_IS_INDEXER: 28,
  ROLE_ADMIN_ENTRY_MISSING: 29,
  ROLE_INVALID_RECOVERY_CASE: 30,
  ROLE_UNKNOWN_OPERATION: 31,
  ROLE_INVALID_WRITER_KEY: 32,
  ROLE_INSUFFICIENT_FEE_BALANCE: 33,
  MSB_BOOTSTRAP_MISMATCH: 34,
  EXTERNAL_BOOTSTRAP_NOT_DEPLOYED: 35,
  EXTERNAL_BOOTSTRAP_TX_MISSING: 36,
  EXTERNAL_BOOTSTRAP_MISMATCH: 37,
  BOOTSTRAP_ALREADY_EXISTS: 38,
  TRANSFER_RECIPIENT_ADDRESS_INVALID: 39,
  TRANSFER_RECIPIENT_PUBLIC_KEY_INVALID: 40,
  TRANSFER_AMOUNT_TOO_LARGE: 41,
  TRANSFER_SENDER_NOT_FOUND: 42,
  TRANSFER_INSUFFICIENT_BALANCE: 43,
  TRANSFER_RECIPIENT_BALANCE_OVERFLOW: 44,
  TX_HASH_INVALID_FORMAT: 45,
  INTERNAL_ENQUEUE_VALIDATION_FAILED: 46,
  TX_COMMITTED_RECEIPT_MISSING: 47,
  VALIDATOR_RESPONSE_TX_TYPE_INVALID: 48,
  VALIDATOR_RESPONSE_TX_TYPE_UNKNOWN: 49,
  VALIDATOR_RESPONSE_TX_TYPE_UNSUPPORTED: 50,
  VALIDATOR_RESPONSE_SCHEMA_INVALID: 51,
  PENDING_REQUEST_MISSING_TX_DATA: 52,
  PROOF_PAYLOAD_MISMATCH: 53,
  VALIDATOR_WRITER_KEY_NOT_REGISTERED: 54,
  VALIDATOR_ADDRESS_MISMATCH: 55,
  VALIDATOR_NODE_ENTRY_NOT_FOUND: 56,
  VALIDATOR_NODE_NOT_WRITER: 57,
  VALIDATOR_WRITER_KEY_MISMATCH: 58,
  VALIDATOR_TX_OBJECT_INVALID: 59,
  VALIDATOR_VA_MISSING: 60,
  TX_INVALID_PAYLOAD: 61
} as const

export type V1ResultName = keyof typeof V1ResultCode

const RESULT_NAMES: Map<number, V1ResultName> = new Map(
  (Object.entries(V1ResultCode) as Array<[V1ResultName, number]>).map(([k, n]) => [n, k])
)

/** `TX_EXPIRED` for 17, `RESULT_<n>` for a code this build does not know. */
export function resultName(code: number): string {
  return RESULT_NAMES.get(code) ?? `RESULT_${String(code)}`
}

/**
 * Codes after which a reference validator closes the connection (spec §2.5): everything except OK, TIMEOUT,
 * TX_ACCEPTED_PROOF_UNAVAILABLE, TX_ALREADY_PENDING and the 45–60 range.
 */
export function validatorClosesAfter(code: number): boolean {
  if (code === 1 || code === 6 || code === 8 || code === 10) return false
  if (code >= 45 && code <= 60) return false
  return true
}

export interface V1LivenessRequest {
  nonce: Uint8Array
  signature: Uint8Array
}
export interface V1LivenessResponse {
  nonce: Uint8Array
  signature: Uint8Array
  result: number
}
export interface V1BroadcastRequest {
  data: Uint8Array
  nonce: Uint8Array
  signature: Uint8Array
}
export interface V1BroadcastResponse {
  nonce: Uint8Array
  signature: Uint8Array
  proof: Uint8Array
  timestamp: number
  result: number
}

export interface V1Message {
  type: number
  id: string
  /** Milliseconds since the epoch (uint64 on the wire; values above 2^53 do not occur and decode as invalid). */
  timestamp: number
  capabilities: string[]
  livenessRequest?: V1LivenessRequest
  livenessResponse?: V1LivenessResponse
  broadcastTransactionRequest?: V1BroadcastRequest
  broadcastTransactionResponse?: V1BroadcastResponse
}

export interface V1KeyPair {
  publicKey: Uint8Array
  secretKey: Uint8Array
}

function buildHeaderType(): protobuf.Type {
  const root = new protobuf.Root()
  const ns = root.define('network.v1')
  const bytes = (name: string, id: number): protobuf.Field => new protobuf.Field(name, id, 'bytes')
  ns.add(new protobuf.Type('LivenessRequest').add(bytes('nonce', 1)).add(bytes('signature', 2)))
  ns.add(
    new protobuf.Type('LivenessResponse')
      .add(bytes('nonce', 1))
      .add(bytes('signature', 2))
      .add(new protobuf.Field('result', 3, 'int32'))
  )
  ns.add(
    new protobuf.Type('BroadcastTransactionRequest')
      .add(bytes('data', 1))
      .add(bytes('nonce', 2))
      .add(bytes('signature', 3))
  )
  ns.add(
    new protobuf.Type('BroadcastTransactionResponse')
      .add(bytes('nonce', 1))
      .add(bytes('signature', 2))
      .add(bytes('proof', 3))
      .add(new protobuf.Field('timestamp', 4, 'uint64'))
      .add(new protobuf.Field('result', 5, 'int32'))
  )
  const header = new protobuf.Type('MessageHeader')
    .add(new protobuf.Field('type', 1, 'int32'))
    .add(new protobuf.Field('id', 2, 'string'))
    .add(new protobuf.Field('timestamp', 3, 'uint64'))
    .add(new protobuf.Field('livenessRequest', 4, 'LivenessRequest'))
    .add(new protobuf.Field('livenessResponse', 5, 'LivenessResponse'))
    .add(new protobuf.Field('broadcastTransactionRequest', 6, 'BroadcastTransactionRequest'))
    .add(new protobuf.Field('broadcastTransactionResponse', 7, 'BroadcastTransactionResponse'))
    .add(new protobuf.Field('capabilities', 8, 'string', 'repeated'))
  header.add(
    new protobuf.OneOf('field', [
      'livenessRequest',
      'livenessResponse',
      'broadcastTransactionRequest',
      'broadcastTransactionResponse'
    ])
  )
  ns.add(header)
  root.resolveAll()
  return header
}

let headerType: protobuf.Type | null = null
function Header(): protobuf.Type {
  headerType ??= buildHeaderType()
  return headerType
}

const EMPTY = new Uint8Array(0)
const PAYLOAD_KEYS = [
  'livenessRequest',
  'livenessResponse',
  'broadcastTransactionRequest',
  'broadcastTransactionResponse'
] as const

/** Encodes an envelope (fields in field-number order, zero scalars omitted, as proto3 encoders do). */
export function encodeV1(msg: V1Message): Uint8Array {
  const plain: Record<string, unknown> = {
    type: msg.type,
    id: msg.id,
    timestamp: msg.timestamp,
    capabilities: msg.capabilities
  }
  for (const k of PAYLOAD_KEYS) if (msg[k] !== undefined) plain[k] = msg[k]
  const t = Header()
  return t.encode(t.fromObject(plain)).finish()
}

function toSafeNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : null
  if (v !== null && typeof v === 'object' && 'low' in v && 'high' in v) {
    const { low, high } = v as { low: number; high: number }
    const n = (high >>> 0) * 2 ** 32 + (low >>> 0)
    return Number.isSafeInteger(n) ? n : null
  }
  return null
}

/** Decodes an envelope; null for anything that is not a well-formed MessageHeader. Never throws. */
export function decodeV1(bytes: Uint8Array): V1Message | null {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength === 0 || bytes.byteLength > MAX_V1_MESSAGE_BYTES) return null
  let raw: Record<string, unknown>
  try {
    raw = Header().decode(bytes) as unknown as Record<string, unknown>
  } catch {
    return null
  }
  const timestamp = toSafeNumber(raw.timestamp ?? 0)
  if (timestamp === null) return null
  const caps = Array.isArray(raw.capabilities) ? raw.capabilities.filter((c): c is string => typeof c === 'string') : []
  const out: V1Message = {
    type: typeof raw.type === 'number' ? raw.type : 0,
    id: typeof raw.id === 'string' ? raw.id : '',
    timestamp,
    capabilities: caps
  }
  const field = raw.field
  const body = typeof field === 'string' ? (raw[field] as Record<string, unknown> | undefined) : undefined
  if (body !== undefined && body !== null) {
    if (field === 'livenessRequest') {
      out.livenessRequest = { nonce: bytesOf(body.nonce), signature: bytesOf(body.signature) }
    } else if (field === 'livenessResponse') {
      out.livenessResponse = {
        nonce: bytesOf(body.nonce),
        signature: bytesOf(body.signature),
        result: typeof body.result === 'number' ? body.result : 0
      }
    } else if (field === 'broadcastTransactionRequest') {
      out.broadcastTransactionRequest = {
        data: bytesOf(body.data),
        nonce: bytesOf(body.nonce),
        signature: bytesOf(body.signature)
      }
    } else if (field === 'broadcastTransactionResponse') {
      const ts = toSafeNumber(body.timestamp ?? 0)
      if (ts === null) return null
      out.broadcastTransactionResponse = {
        nonce: bytesOf(body.nonce),
        signature: bytesOf(body.signature),
        proof: bytesOf(body.proof),
        timestamp: ts,
        result: typeof body.result === 'number' ? body.result : 0
      }
    }
  }
  return out
}

// --- signatures ---

const u32 = (n: number): Uint8Array => {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n >>> 0)
  return b
}
const u64 = (n: number): Uint8Array => {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(n))
  return b
}
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

/** `u16 BE(len) ‖ utf8` over the capabilities, sorted (code-unit order, as JavaScript's default sort). */
export function capabilitiesBytes(capabilities: readonly string[]): Uint8Array {
  const parts: Uint8Array[] = []
  for (const cap of [...capabilities].sort()) {
    const s = utf8(cap)
    const len = new Uint8Array(2)
    new DataView(len.buffer).setUint16(0, s.byteLength)
    parts.push(len, s)
  }
  return concat(parts)
}

const concat = (parts: Uint8Array[]): Uint8Array => b4a.concat(parts)

/** The bytes whose blake3 the sender signs; null when the message has no (or the wrong) payload for its type. */
export function v1SignedPreimage(msg: V1Message): Uint8Array | null {
  const head = [u32(msg.type), utf8(msg.id), u64(msg.timestamp)]
  const caps = capabilitiesBytes(msg.capabilities)
  switch (msg.type) {
    case V1MessageType.LIVENESS_REQUEST: {
      const p = msg.livenessRequest
      return p === undefined ? null : concat([...head, p.nonce, caps])
    }
    case V1MessageType.LIVENESS_RESPONSE: {
      const p = msg.livenessResponse
      return p === undefined ? null : concat([...head, p.nonce, u32(p.result), caps])
    }
    case V1MessageType.BROADCAST_TRANSACTION_REQUEST: {
      const p = msg.broadcastTransactionRequest
      return p === undefined ? null : concat([...head, p.data, p.nonce, caps])
    }
    case V1MessageType.BROADCAST_TRANSACTION_RESPONSE: {
      const p = msg.broadcastTransactionResponse
      return p === undefined ? null : concat([...head, p.nonce, p.proof, u64(p.timestamp), u32(p.result), caps])
    }
    default:
      return null
  }
}

function signatureOf(msg: V1Message): Uint8Array | undefined {
  return (
    msg.livenessRequest?.signature ??
    msg.livenessResponse?.signature ??
    msg.broadcastTransactionRequest?.signature ??
    msg.broadcastTransactionResponse?.signature
  )
}

/** True when the message's signature is the holder of `publicKey` signing blake3 of its preimage. */
export function verifyV1Signature(msg: V1Message, publicKey: Uint8Array): boolean {
  const preimage = v1SignedPreimage(msg)
  const sig = signatureOf(msg)
  if (preimage === null || sig === undefined || sig.byteLength !== V1_SIGNATURE_BYTES) return false
  return verify(sig, blake3(preimage), publicKey)
}

/**
 * A UUIDv7 (RFC 9562) request id: 48-bit millisecond time, version 7, variant 10, the rest random. Built here
 * because the `uuid` package loads Node's `crypto`, which Bare does not have; the bytes come from libsodium.
 */
export function uuidv7(now: number = Date.now()): string {
  const b = randomBytes(16)
  let t = now
  for (let i = 5; i >= 0; i--) {
    b[i] = t % 256
    t = Math.floor(t / 256)
  }
  b[6] = 0x70 | (b[6]! & 0x0f)
  b[8] = 0x80 | (b[8]! & 0x3f)
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

interface EnvelopeOptions {
  id?: string
  timestamp?: number
  nonce?: Uint8Array
  capabilities?: readonly string[]
}

function envelope(opts: EnvelopeOptions): { id: string; timestamp: number; capabilities: string[]; nonce: Uint8Array } {
  return {
    id: opts.id ?? uuidv7(),
    timestamp: opts.timestamp ?? Date.now(),
    capabilities: [...(opts.capabilities ?? NETWORK_CAPABILITIES)],
    nonce: opts.nonce ?? randomBytes(V1_NONCE_BYTES)
  }
}

function signInPlace(msg: V1Message, kp: V1KeyPair, set: (sig: Uint8Array) => void): V1Message {
  const preimage = v1SignedPreimage(msg)
  if (preimage === null) throw new Error('v1: message has no payload to sign')
  set(sign(blake3(preimage), kp.secretKey))
  return msg
}

export function buildLivenessRequest(kp: V1KeyPair, opts: EnvelopeOptions = {}): V1Message {
  const e = envelope(opts)
  const msg: V1Message = {
    type: V1MessageType.LIVENESS_REQUEST,
    id: e.id,
    timestamp: e.timestamp,
    capabilities: e.capabilities,
    livenessRequest: { nonce: e.nonce, signature: EMPTY }
  }
  return signInPlace(msg, kp, (s) => {
    msg.livenessRequest!.signature = s
  })
}

export function buildLivenessResponse(
  kp: V1KeyPair,
  id: string,
  result: number,
  opts: Omit<EnvelopeOptions, 'id'> = {}
): V1Message {
  const e = envelope(opts)
  const msg: V1Message = {
    type: V1MessageType.LIVENESS_RESPONSE,
    id,
    timestamp: e.timestamp,
    capabilities: e.capabilities,
    livenessResponse: { nonce: e.nonce, signature: EMPTY, result }
  }
  return signInPlace(msg, kp, (s) => {
    msg.livenessResponse!.signature = s
  })
}

export function buildBroadcastRequest(kp: V1KeyPair, data: Uint8Array, opts: EnvelopeOptions = {}): V1Message {
  if (data.byteLength === 0 || data.byteLength > MAX_V1_DATA_BYTES)
    throw new RangeError(`v1: broadcast data must be 1..${MAX_V1_DATA_BYTES} bytes`)
  const e = envelope(opts)
  const msg: V1Message = {
    type: V1MessageType.BROADCAST_TRANSACTION_REQUEST,
    id: e.id,
    timestamp: e.timestamp,
    capabilities: e.capabilities,
    broadcastTransactionRequest: { data, nonce: e.nonce, signature: EMPTY }
  }
  return signInPlace(msg, kp, (s) => {
    msg.broadcastTransactionRequest!.signature = s
  })
}

export function buildBroadcastResponse(
  kp: V1KeyPair,
  id: string,
  r: { proof: Uint8Array; ledgerTimestamp: number; result: number },
  opts: Omit<EnvelopeOptions, 'id'> = {}
): V1Message {
  const e = envelope(opts)
  const msg: V1Message = {
    type: V1MessageType.BROADCAST_TRANSACTION_RESPONSE,
    id,
    timestamp: e.timestamp,
    capabilities: e.capabilities,
    broadcastTransactionResponse: {
      nonce: e.nonce,
      signature: EMPTY,
      proof: r.proof,
      timestamp: r.ledgerTimestamp,
      result: r.result
    }
  }
  return signInPlace(msg, kp, (s) => {
    msg.broadcastTransactionResponse!.signature = s
  })
}

/**
 * Shape checks a receiver applies before acting (the reference's `$$strict` schema): id 1–64 chars, timestamp ≥ 1,
 * nonce 32 bytes, signature 64 bytes, broadcast data 1..3072 bytes, exactly the payload its type names.
 * Returns null when fine, else the reason.
 */
export function v1ShapeError(msg: V1Message): string | null {
  if (msg.id.length < 1 || msg.id.length > 64) return 'id must be 1-64 characters'
  if (msg.timestamp < 1) return 'timestamp must be positive'
  const present = PAYLOAD_KEYS.filter((k) => msg[k] !== undefined)
  const expected = PAYLOAD_KEYS[msg.type - 1]
  if (expected === undefined) return `unknown message type ${String(msg.type)}`
  if (present.length !== 1 || present[0] !== expected)
    return `type ${String(msg.type)} needs exactly the ${expected} payload`
  const body = msg[expected] as { nonce: Uint8Array; signature: Uint8Array; data?: Uint8Array }
  if (body.nonce.byteLength !== V1_NONCE_BYTES) return 'nonce must be 32 bytes'
  if (body.signature.byteLength !== V1_SIGNATURE_BYTES) return 'signature must be 64 bytes'
  if (expected === 'broadcastTransactionRequest') {
    const n = body.data?.byteLength ?? 0
    if (n < 1 || n > MAX_V1_DATA_BYTES) return `data must be 1..${MAX_V1_DATA_BYTES} bytes`
  }
  return null
}
