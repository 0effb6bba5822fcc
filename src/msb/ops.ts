// Client-side ("partial") MSB operations, spec msb.md §2.2-§2.4, §2.9-§2.11 and the stateless part of §3:
// TRANSFER (13), TX (12) and BOOTSTRAP_DEPLOYMENT (11). For each: the preimage, its BLAKE3 hash `tx`, the
// requester's ed25519 signature `is` over the 32 hash bytes, the JSON/hex form (exact key order of §2.3), the
// protobuf `apply.operations.Operation` encoding, and the checks a validator applies that need no state.
// Pure functions; the only randomness is the default nonce.
import { blake3 } from '@noble/hashes/blake3.js'
import { fromHex, isHex, randomBytes, sign, toHex, utf8, verify } from '../crypto/index.js'
import { subnetTopic } from '../common/index.js'
import { txPreimage, type TxPreimageInput } from '../common/index.js'
import { DEFAULT_HRP, decodeAddress } from '../wallet/index.js'
import { AMOUNT_BYTES, amountToHex } from './amount.js'
import { decodeOperation, encodeOperation, type MsbOperationMessage } from '../common/index.js'
import { V1ResultCode } from './v1/envelope.js'
import { MSB_OP, isRecord } from '../common/index.js'

export const OperationType = {
  BOOTSTRAP_DEPLOYMENT: 11,
  TX: 12,
  TRANSFER: 13
} as const

/** Field lists of each partial payload, in the order of the JSON form (§2.3) and of the protobuf field numbers. */
export const TRANSFER_PARTIAL_FIELDS = ['tx', 'txv', 'to', 'am', 'in', 'is'] as const
export const TX_PARTIAL_FIELDS = ['tx', 'txv', 'iw', 'ch', 'bs', 'mbs', 'in', 'is'] as const
export const BOOTSTRAP_DEPLOYMENT_PARTIAL_FIELDS = ['tx', 'txv', 'bs', 'ic', 'in', 'is'] as const

export type TransferPayload = Record<(typeof TRANSFER_PARTIAL_FIELDS)[number], string>
export type TxPayload = Record<(typeof TX_PARTIAL_FIELDS)[number], string>
export type BootstrapDeploymentPayload = Record<(typeof BOOTSTRAP_DEPLOYMENT_PARTIAL_FIELDS)[number], string>

/** JSON ("partial", hex) forms. All values are lowercase hex except `address` and `to` (bech32m strings). */
export interface TransferPartial {
  type: typeof MSB_OP.TRANSFER
  address: string
  tro: TransferPayload
}
export interface TxPartial {
  type: typeof MSB_OP.TX
  address: string
  txo: TxPayload
}
export interface BootstrapDeploymentPartial {
  type: typeof MSB_OP.BOOTSTRAP_DEPLOYMENT
  address: string
  bdo: BootstrapDeploymentPayload
}
export type PartialOperation = TransferPartial | TxPartial | BootstrapDeploymentPartial

/** What signs an op: a Wallet fits (its `address` must belong to `secretKey`). */
export interface MsbSigner {
  address: string
  secretKey: Uint8Array
}

const MEMBER_OF = { 11: 'bdo', 12: 'txo', 13: 'tro' } as const
const FIELDS_OF = {
  11: BOOTSTRAP_DEPLOYMENT_PARTIAL_FIELDS,
  12: TX_PARTIAL_FIELDS,
  13: TRANSFER_PARTIAL_FIELDS
} as const
type PartialType = keyof typeof MEMBER_OF

const isPartialType = (t: unknown): t is PartialType =>
  t === MSB_OP.BOOTSTRAP_DEPLOYMENT || t === MSB_OP.TX || t === MSB_OP.TRANSFER

// ---------------------------------------------------------------------------------------------- preimages

function u32be(n: number, what: string): Uint8Array {
  // createMessage silently drops numbers outside 1..2^32-1, which would shift the layout: refuse them.
  if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) throw new RangeError(`${what} must be an integer in 1..2^32-1`)
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n)
  return out
}

function hexBytes(hex: string, bytes: number, what: string): Uint8Array {
  if (!isHex(hex, bytes)) throw new TypeError(`${what} must be ${bytes} bytes of hex`)
  return fromHex(hex)
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}

function addressAscii(address: string, what: string): Uint8Array {
  if (typeof address !== 'string' || !/^[\x21-\x7e]+$/.test(address))
    throw new TypeError(`${what} must be an ASCII address string`)
  return utf8(address)
}

export interface TransferPreimageInput {
  networkId: number
  txv: string
  /** Recipient address; its ASCII bytes are hashed. */
  to: string
  /** `am`: 16-byte big-endian amount as 32 hex characters. */
  am: string
  nonce: string
}

/** `u32(networkId) ‖ txv ‖ to(ascii) ‖ am(16) ‖ in ‖ u32(13)`. */
export function transferPreimage(input: TransferPreimageInput): Uint8Array {
  return concat([
    u32be(input.networkId, 'networkId'),
    hexBytes(input.txv, 32, 'txv'),
    addressAscii(input.to, 'to'),
    hexBytes(input.am, AMOUNT_BYTES, 'am'),
    hexBytes(input.nonce, 32, 'nonce'),
    u32be(OperationType.TRANSFER, 'type')
  ])
}

export interface BootstrapDeploymentPreimageInput {
  networkId: number
  txv: string
  bs: string
  ic: string
  nonce: string
}

/** `u32(networkId) ‖ txv ‖ bs ‖ ic ‖ in ‖ u32(11)`. */
export function bootstrapDeploymentPreimage(input: BootstrapDeploymentPreimageInput): Uint8Array {
  return concat([
    u32be(input.networkId, 'networkId'),
    hexBytes(input.txv, 32, 'txv'),
    hexBytes(input.bs, 32, 'bs'),
    hexBytes(input.ic, 32, 'ic'),
    hexBytes(input.nonce, 32, 'nonce'),
    u32be(OperationType.BOOTSTRAP_DEPLOYMENT, 'type')
  ])
}

/** The subnet plane's tx preimage input, with the operation type fixed to TX (12). */
export type TxOpPreimageInput = Omit<TxPreimageInput, 'type'>

/** `u32(networkId) ‖ txv ‖ iw ‖ ch ‖ bs ‖ mbs ‖ in ‖ u32(12)` (the subnet plane's `txPreimage`). */
export function txOpPreimage(input: TxOpPreimageInput): Uint8Array {
  return txPreimage({ ...input, type: OperationType.TX })
}

/** The preimage of a partial op in JSON form (hex fields are not re-validated beyond what parsing needs). */
export function partialPreimage(op: PartialOperation, networkId: number): Uint8Array {
  switch (op.type) {
    case 13:
      return transferPreimage({ networkId, txv: op.tro.txv, to: op.tro.to, am: op.tro.am, nonce: op.tro.in })
    case 12:
      return txOpPreimage({
        networkId,
        txv: op.txo.txv,
        iw: op.txo.iw,
        ch: op.txo.ch,
        bs: op.txo.bs,
        mbs: op.txo.mbs,
        nonce: op.txo.in
      })
    case 11:
      return bootstrapDeploymentPreimage({ networkId, txv: op.bdo.txv, bs: op.bdo.bs, ic: op.bdo.ic, nonce: op.bdo.in })
  }
}

/** `tx`: BLAKE3-256 of a preimage, lowercase hex. */
export function operationHash(preimage: Uint8Array): string {
  return toHex(blake3(preimage))
}

/** `ic` of a deployment: the channel's UTF-8 bytes repeated and cut to 32 bytes (not a hash), as hex. */
export function channelToIc(channel: string): string {
  if (typeof channel !== 'string' || channel.length === 0) throw new TypeError('channel must be a non-empty string')
  return toHex(subnetTopic(channel))
}

// ---------------------------------------------------------------------------------------------- builders

function signerKey(signer: MsbSigner): Uint8Array {
  const { address, secretKey } = signer
  if (!(secretKey instanceof Uint8Array) || secretKey.byteLength !== 64)
    throw new TypeError('signer secretKey must be 64 bytes')
  const publicKey = decodeAddress(address)
  if (toHex(publicKey) !== toHex(secretKey.subarray(32)))
    throw new Error('signer address does not belong to its secret key')
  return secretKey
}

function hashAndSign(preimage: Uint8Array, secretKey: Uint8Array): { tx: string; is: string } {
  const hash = blake3(preimage)
  return { tx: toHex(hash), is: toHex(sign(hash, secretKey)) }
}

const nonceOf = (nonce: string | undefined): string => (nonce ?? toHex(randomBytes(32))).toLowerCase()

interface CommonBuildInput {
  signer: MsbSigner
  networkId: number
  /** Current indexer-set hash (RPC `GET /v1/txv`). */
  txv: string
  /** 32-byte hex nonce; random when omitted. */
  nonce?: string
}

export interface TransferBuildInput extends CommonBuildInput {
  to: string
  /** Base units (see parseAmount); 0 is allowed. */
  amount: bigint
}

export function buildTransfer(input: TransferBuildInput): TransferPartial {
  const secretKey = signerKey(input.signer)
  const txv = input.txv.toLowerCase()
  const am = amountToHex(input.amount)
  const nonce = nonceOf(input.nonce)
  const { tx, is } = hashAndSign(
    transferPreimage({ networkId: input.networkId, txv, to: input.to, am, nonce }),
    secretKey
  )
  return { type: MSB_OP.TRANSFER, address: input.signer.address, tro: { tx, txv, to: input.to, am, in: nonce, is } }
}

export interface TxBuildInput extends CommonBuildInput {
  /** Subnet writer key of the peer (trac-peer `writerLocalKey`). */
  iw: string
  /** Content hash of the command (see subnet/hash.ts `commandHash`). */
  ch: string
  /** Subnet bootstrap. */
  bs: string
  /** MSB bootstrap. */
  mbs: string
}

export function buildTxOperation(input: TxBuildInput): TxPartial {
  const secretKey = signerKey(input.signer)
  const [txv, iw, ch, bs, mbs] = [input.txv, input.iw, input.ch, input.bs, input.mbs].map((s) => s.toLowerCase())
  const nonce = nonceOf(input.nonce)
  const { tx, is } = hashAndSign(txOpPreimage({ networkId: input.networkId, txv, iw, ch, bs, mbs, nonce }), secretKey)
  return { type: MSB_OP.TX, address: input.signer.address, txo: { tx, txv, iw, ch, bs, mbs, in: nonce, is } }
}

export interface BootstrapDeploymentBuildInput extends CommonBuildInput {
  /** Subnet bootstrap (its Autobase key). */
  bs: string
  /** 32-byte channel as hex; give `channel` instead to derive it with channelToIc. */
  ic?: string
  channel?: string
}

export function buildBootstrapDeployment(input: BootstrapDeploymentBuildInput): BootstrapDeploymentPartial {
  const secretKey = signerKey(input.signer)
  if ((input.ic === undefined) === (input.channel === undefined))
    throw new TypeError('give exactly one of ic and channel')
  const ic = (input.ic ?? channelToIc(input.channel as string)).toLowerCase()
  const [txv, bs] = [input.txv, input.bs].map((s) => s.toLowerCase())
  const nonce = nonceOf(input.nonce)
  const { tx, is } = hashAndSign(
    bootstrapDeploymentPreimage({ networkId: input.networkId, txv, bs, ic, nonce }),
    secretKey
  )
  return { type: MSB_OP.BOOTSTRAP_DEPLOYMENT, address: input.signer.address, bdo: { tx, txv, bs, ic, in: nonce, is } }
}

// ---------------------------------------------------------------------------------------------- encodings

/** The JSON text of a partial op, keys in §2.3 order. */
export function partialToJson(op: PartialOperation): string {
  return JSON.stringify(canonicalPartial(op))
}

/** A copy of `op` with keys in §2.3 order (type, address, member; member fields in field-number order). */
export function canonicalPartial(op: PartialOperation): PartialOperation {
  const member = MEMBER_OF[op.type]
  const src = (op as unknown as Record<string, Record<string, string>>)[member]
  const payload: Record<string, string> = {}
  for (const f of FIELDS_OF[op.type]) payload[f] = src[f]
  return { type: op.type, address: op.address, [member]: payload } as unknown as PartialOperation
}

/** Protobuf `apply.operations.Operation` bytes of a partial op (va/vn/vs omitted; addresses as ASCII bytes). */
export function encodePartialOperation(op: PartialOperation): Uint8Array {
  const member = MEMBER_OF[op.type]
  const src = (op as unknown as Record<string, Record<string, string>>)[member]
  const payload: Record<string, Uint8Array> = {}
  for (const f of FIELDS_OF[op.type]) {
    payload[f] = f === 'to' ? addressAscii(src[f], 'to') : fromHex(src[f])
  }
  const message: MsbOperationMessage = {
    type: op.type,
    address: addressAscii(op.address, 'address'),
    [member]: payload
  }
  return encodeOperation(message)
}

const latin1 = (b: Uint8Array): string => String.fromCharCode(...b)

/**
 * The JSON form of a decoded Operation, unvalidated: every field present on the wire is kept (hex, or an
 * ASCII-read string for `address`/`to`), including va/vn/vs, so validatePartialOperation can judge it.
 */
export function operationToJson(message: MsbOperationMessage): Record<string, unknown> {
  const out: Record<string, unknown> = { type: message.type }
  if (message.address !== undefined) out.address = latin1(message.address)
  for (const member of ['tro', 'bdo', 'txo'] as const) {
    const payload = message[member] as Record<string, Uint8Array> | undefined
    if (payload === undefined) continue
    const fields: Record<string, string> = {}
    for (const [k, v] of Object.entries(payload)) fields[k] = k === 'to' ? latin1(v) : toHex(v)
    out[member] = fields
  }
  return out
}

/** Decodes protobuf bytes to a partial op that passes the §3 row-1 schema; null otherwise. */
export function decodePartialOperation(bytes: Uint8Array, hrp: string = DEFAULT_HRP): PartialOperation | null {
  const message = decodeOperation(bytes)
  if (message === null) return null
  const json = operationToJson(message)
  return schemaProblem(json, hrp) === null ? (json as unknown as PartialOperation) : null
}

// ---------------------------------------------------------------------------------------------- validation

/** The MSB result codes (spec §2.5/§3) that the stateless pre-checks can produce. */
const PRECHECK_RESULTS = [
  'UNEXPECTED_ERROR',
  'OPERATION_TYPE_UNKNOWN',
  'SCHEMA_VALIDATION_FAILED',
  'REQUESTER_ADDRESS_INVALID',
  'REQUESTER_PUBLIC_KEY_INVALID',
  'TX_HASH_MISMATCH',
  'TX_SIGNATURE_INVALID',
  'TX_EXPIRED',
  'OPERATION_ALREADY_COMPLETED',
  'EXTERNAL_BOOTSTRAP_EQUALS_MSB_BOOTSTRAP',
  'SELF_VALIDATION_FORBIDDEN',
  'MSB_BOOTSTRAP_MISMATCH',
  'TRANSFER_RECIPIENT_ADDRESS_INVALID',
  'TRANSFER_RECIPIENT_PUBLIC_KEY_INVALID',
  'TX_INVALID_PAYLOAD'
] as const

/** Their numbers, taken from the one `network.v1.ResultCode` table. */
export const MSB_RESULT_CODES = Object.freeze(
  Object.fromEntries(PRECHECK_RESULTS.map((name) => [name, V1ResultCode[name]]))
) as { readonly [K in (typeof PRECHECK_RESULTS)[number]]: (typeof V1ResultCode)[K] }
export type MsbResultName = keyof typeof MSB_RESULT_CODES

export type PartialValidation =
  | { ok: true; op: PartialOperation }
  | { ok: false; code: MsbResultName; status: number; error: string }

export interface PartialValidationOptions {
  networkId: number
  /** Address HRP; `trac` by default. */
  hrp?: string
  /** When known: the current indexer-set hash (row 7, TX_EXPIRED). */
  txv?: string
  /** When known: the MSB bootstrap (TX `mbs` must equal it; TX/deployment `bs` must differ). */
  msbBootstrap?: string
  /** When known: the target validator's address (the requester must differ). */
  validatorAddress?: string
}

const BECH32_DATA_RE = /^[qpzry9x8gf2tvdw0s3jn54khce6mua7l]+$/
const LOWER_HEX_RE = /^[0-9a-f]*$/
const VALIDATOR_FIELDS = ['va', 'vn', 'vs']

/** bech32m address length for a 32-byte key: hrp + "1" + 52 data characters + 6 checksum characters. */
export function addressLength(hrp: string = DEFAULT_HRP): number {
  return hrp.length + 1 + 52 + 6
}

const FIELD_BYTES: Record<string, number> = {
  tx: 32,
  txv: 32,
  iw: 32,
  ch: 32,
  bs: 32,
  mbs: 32,
  in: 32,
  ic: 32,
  is: 64,
  am: AMOUNT_BYTES
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return isRecord(v) && !(v instanceof Uint8Array)
}

/** Row 1 (`$$strict` schema) on the JSON form; a message, or null when it passes. */
function schemaProblem(op: unknown, hrp: string): string | null {
  if (!isPlainObject(op)) return 'operation must be an object'
  if (!isPartialType(op.type)) return `unsupported operation type ${JSON.stringify(op.type)}`
  const member = MEMBER_OF[op.type]
  const extra = Object.keys(op).filter((k) => k !== 'type' && k !== 'address' && k !== member)
  if (extra.length > 0) return `unexpected field(s) ${extra.join(', ')} (type ${op.type} carries ${member})`
  const addrLen = addressLength(hrp)
  if (typeof op.address !== 'string' || op.address.length !== addrLen)
    return `address must be a ${addrLen}-character string`
  const payload = op[member]
  if (!isPlainObject(payload)) return `${member} must be an object`
  const completed = VALIDATOR_FIELDS.filter((k) => k in payload)
  if (completed.length > 0) return `${member}.${completed.join('/')} must be absent (validator fields)`
  const fields: readonly string[] = FIELDS_OF[op.type]
  const unknown = Object.keys(payload).filter((k) => !fields.includes(k))
  if (unknown.length > 0) return `unexpected field(s) ${unknown.map((k) => `${member}.${k}`).join(', ')}`
  for (const f of fields) {
    const v = payload[f]
    if (f === 'to') {
      if (typeof v !== 'string' || v.length !== addrLen)
        return `${member}.to must be a ${addrLen}-character address string`
      continue
    }
    const bytes = FIELD_BYTES[f]
    if (typeof v !== 'string' || v.length !== bytes * 2 || !LOWER_HEX_RE.test(v))
      return `${member}.${f} must be ${bytes} bytes of lowercase hex`
    if (f !== 'am' && /^0+$/.test(v)) return `${member}.${f} must not be all zeros`
  }
  return null
}

/** Rows 3 / 9 of §3: 'format' for HRP/length/charset, 'key' for a bad checksum or payload, null when valid. */
function addressFault(address: string, hrp: string): { kind: 'format' | 'key'; error: string } | null {
  const prefix = `${hrp}1`
  if (!address.startsWith(prefix)) return { kind: 'format', error: `must start with "${prefix}"` }
  if (address.length !== addressLength(hrp))
    return { kind: 'format', error: `must be ${addressLength(hrp)} characters` }
  if (!BECH32_DATA_RE.test(address.slice(prefix.length)))
    return { kind: 'format', error: 'has characters outside the lowercase bech32 charset' }
  try {
    decodeAddress(address, hrp)
  } catch (err) {
    return { kind: 'key', error: (err as Error).message }
  }
  return null
}

const fail = (code: MsbResultName, error: string): PartialValidation => ({
  ok: false,
  code,
  status: MSB_RESULT_CODES[code],
  error
})

/**
 * The checks of §3 that need no ledger, in the validator's order: schema, self-validation, requester address,
 * tx hash, signature, then (when the options give them) txv and the MSB bootstrap rules, and for TRANSFER the
 * recipient address. `op` is the JSON form, or protobuf bytes as sent in a v1 broadcast's `data`.
 */
export function validatePartialOperation(op: unknown, options: PartialValidationOptions): PartialValidation {
  const hrp = options.hrp ?? DEFAULT_HRP
  u32be(options.networkId, 'networkId')
  let candidate = op
  if (op instanceof Uint8Array) {
    const message = decodeOperation(op)
    if (message === null) return fail('UNEXPECTED_ERROR', 'data does not decode as an apply.operations.Operation')
    candidate = operationToJson(message)
  }
  if (isPlainObject(candidate) && !isPartialType(candidate.type)) {
    return fail(
      'TX_INVALID_PAYLOAD',
      `operation type ${JSON.stringify(candidate.type)} is not a client operation (11, 12 or 13)`
    )
  }
  const schema = schemaProblem(candidate, hrp)
  if (schema !== null) return fail('SCHEMA_VALIDATION_FAILED', schema)
  const partial = candidate as unknown as PartialOperation
  const member = (partial as unknown as Record<string, Record<string, string>>)[MEMBER_OF[partial.type]]

  if (options.validatorAddress !== undefined && partial.address === options.validatorAddress) {
    return fail('SELF_VALIDATION_FORBIDDEN', "the requester address is the validator's own address")
  }
  const requester = addressFault(partial.address, hrp)
  if (requester !== null) {
    return requester.kind === 'format'
      ? fail('REQUESTER_ADDRESS_INVALID', `requester address ${requester.error}`)
      : fail('REQUESTER_PUBLIC_KEY_INVALID', `requester address does not decode to a public key: ${requester.error}`)
  }
  let hash: Uint8Array
  try {
    hash = blake3(partialPreimage(partial, options.networkId))
  } catch (err) {
    return fail('TX_HASH_MISMATCH', `cannot build the preimage: ${(err as Error).message}`)
  }
  if (toHex(hash) !== member.tx)
    return fail(
      'TX_HASH_MISMATCH',
      `tx is not the blake3 hash of the type ${partial.type} preimage for network ${options.networkId}`
    )
  if (!verify(fromHex(member.is), hash, decodeAddress(partial.address, hrp))) {
    return fail('TX_SIGNATURE_INVALID', 'is is not a valid ed25519 signature of tx by the requester address')
  }
  if (options.txv !== undefined && member.txv !== options.txv.toLowerCase()) {
    return fail('TX_EXPIRED', 'txv is not the current indexer-set hash; rebuild the operation with the new txv')
  }
  const msb = options.msbBootstrap?.toLowerCase()
  if (partial.type === MSB_OP.TX || partial.type === MSB_OP.BOOTSTRAP_DEPLOYMENT) {
    if (msb !== undefined && member.bs === msb)
      return fail('EXTERNAL_BOOTSTRAP_EQUALS_MSB_BOOTSTRAP', 'bs must not be the MSB bootstrap')
    if (partial.type === MSB_OP.TX && msb !== undefined && member.mbs !== msb)
      return fail('MSB_BOOTSTRAP_MISMATCH', 'mbs is not the MSB bootstrap')
  }
  if (partial.type === MSB_OP.TRANSFER) {
    const recipient = addressFault(partial.tro.to, hrp)
    if (recipient !== null) {
      return recipient.kind === 'format'
        ? fail('TRANSFER_RECIPIENT_ADDRESS_INVALID', `recipient address ${recipient.error}`)
        : fail(
            'TRANSFER_RECIPIENT_PUBLIC_KEY_INVALID',
            `recipient address does not decode to a public key: ${recipient.error}`
          )
    }
  }
  return { ok: true, op: canonicalPartial(partial) }
}
