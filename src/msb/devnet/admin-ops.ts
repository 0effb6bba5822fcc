// The complete `apply.operations.Operation` codec the devnet writes and applies (spec msb.md §2.4): every
// `oneof value` member of the reference proto, in its field layout — the admin ops (CoreAdminOperation `cao` 3,
// AdminControlOperation `aco` 4, BalanceInitializationOperation `bio` 5), the role op (RoleAccessOperation
// `rao` 7) and the client ops (`tro` 6, `bdo` 8, `txo` 9), over the shared codec of ../record.ts. Plus the preimages,
// builders of the admin-appended ops, and the validator co-signature that completes a partial op.
// Pure functions; the only randomness is the default nonces.
import { blake3 } from '@noble/hashes/blake3.js'
import b4a from 'b4a'
import { randomBytes, sign, utf8 } from '../../crypto/index.js'
import { amountToBytes } from '../amount.js'
import { OPERATION_MEMBER_FIELDS, decodeOperation, encodeOperation, type OperationMember } from '../../common/index.js'

export { OPERATION_MEMBER_FIELDS, type OperationMember }

export const MsbOpType = {
  ADD_ADMIN: 1,
  DISABLE_INITIALIZATION: 2,
  BALANCE_INITIALIZATION: 3,
  APPEND_WHITELIST: 4,
  ADD_WRITER: 5,
  REMOVE_WRITER: 6,
  ADMIN_RECOVERY: 7,
  ADD_INDEXER: 8,
  REMOVE_INDEXER: 9,
  BAN_VALIDATOR: 10,
  BOOTSTRAP_DEPLOYMENT: 11,
  TX: 12,
  TRANSFER: 13
} as const

const MEMBERS = Object.keys(OPERATION_MEMBER_FIELDS) as OperationMember[]

/** The member each operation type carries. */
export const MEMBER_OF_TYPE: Record<number, OperationMember> = {
  1: 'cao',
  2: 'cao',
  3: 'bio',
  4: 'aco',
  5: 'rao',
  6: 'rao',
  7: 'rao',
  8: 'aco',
  9: 'aco',
  10: 'aco',
  11: 'bdo',
  12: 'txo',
  13: 'tro'
}

/** A decoded (or to-be-encoded) Operation: exactly the fields present on the wire. */
export interface FullOperation {
  type: number
  address?: Uint8Array
  /** The payload members present on the wire (a valid op has exactly one). */
  members: Partial<Record<OperationMember, Record<string, Uint8Array>>>
}

/** Encodes an Operation (the shared codec of ../record.ts); fields in field-number order, only those given. */
export function encodeFullOperation(op: FullOperation): Uint8Array {
  return encodeOperation({ type: op.type, ...(op.address !== undefined ? { address: op.address } : {}), ...op.members })
}

/** Decodes an Operation keeping field presence; null when the bytes are not a valid encoding. Never throws. */
export function decodeFullOperation(bytes: Uint8Array): FullOperation | null {
  if (!(bytes instanceof Uint8Array)) return null
  const message = decodeOperation(bytes)
  if (message === null) return null
  const out: FullOperation = { type: message.type, members: {} }
  if (message.address !== undefined) out.address = message.address
  for (const m of MEMBERS) {
    const payload = message[m] as Record<string, Uint8Array> | undefined
    if (payload !== undefined) out.members[m] = payload
  }
  return out
}

/** The single payload of an op and its member name, or null when none or several are present. */
export function soleMember(op: FullOperation): { member: OperationMember; fields: Record<string, Uint8Array> } | null {
  const present = MEMBERS.filter((m) => op.members[m] !== undefined)
  if (present.length !== 1) return null
  const member = present[0]!
  return { member, fields: op.members[member]! }
}

// ---------------------------------------------------------------------------------------------- preimages

/** `createMessage` of the reference: byte strings as-is, numbers as u32 BE (only 1..2^32-1 are meaningful). */
export function createMessage(...parts: Array<Uint8Array | number>): Uint8Array {
  const chunks = parts.map((p) => {
    if (typeof p !== 'number') return p
    const b = new Uint8Array(4)
    new DataView(b.buffer).setUint32(0, p >>> 0)
    return b
  })
  return b4a.concat(chunks)
}

/** `vs` input: blake3(u32(networkId) ‖ tx ‖ vn ‖ u32(type)). */
export function validatorMessageHash(networkId: number, tx: Uint8Array, vn: Uint8Array, type: number): Uint8Array {
  return blake3(createMessage(networkId, tx, vn, type))
}

/** Requester preimage of an admin-appended or role op (types 1, 3, 4, 5, 8, 9), from its payload fields. */
export function adminOpPreimage(networkId: number, type: number, f: Record<string, Uint8Array>): Uint8Array | null {
  switch (type) {
    case MsbOpType.ADD_ADMIN:
    case MsbOpType.ADD_WRITER:
      return createMessage(networkId, f.txv!, f.iw!, f.in!, type)
    case MsbOpType.BALANCE_INITIALIZATION:
      return createMessage(networkId, f.txv!, f.ia!, f.am!, f.in!, type)
    case MsbOpType.APPEND_WHITELIST:
    case MsbOpType.ADD_INDEXER:
    case MsbOpType.REMOVE_INDEXER:
      return createMessage(networkId, f.txv!, f.ia!, f.in!, type)
    default:
      return null
  }
}

// ---------------------------------------------------------------------------------------------- builders

export interface OpSigner {
  address: string
  secretKey: Uint8Array
}

interface AdminBuildCommon {
  signer: OpSigner
  networkId: number
  txv: Uint8Array
  nonce?: Uint8Array
}

function signed(
  networkId: number,
  type: number,
  fields: Record<string, Uint8Array>,
  secretKey: Uint8Array
): Record<string, Uint8Array> {
  const pre = adminOpPreimage(networkId, type, fields)
  if (pre === null) throw new Error(`no preimage for type ${type}`)
  const tx = blake3(pre)
  return { tx, ...fields, is: sign(tx, secretKey) }
}

/** ADD_ADMIN (1): the bootstrap writer registers itself; `iw` = its writer key (= the bootstrap). */
export function buildAddAdmin(input: AdminBuildCommon & { writerKey: Uint8Array }): Uint8Array {
  const fields = signed(
    input.networkId,
    MsbOpType.ADD_ADMIN,
    { txv: input.txv, iw: input.writerKey, in: input.nonce ?? randomBytes(32) },
    input.signer.secretKey
  )
  return encodeFullOperation({
    type: MsbOpType.ADD_ADMIN,
    address: utf8(input.signer.address),
    members: { cao: fields }
  })
}

/** BALANCE_INITIALIZATION (3): the faucet. `to` is credited `amount` base units. */
export function buildBalanceInitialization(input: AdminBuildCommon & { to: string; amount: bigint }): Uint8Array {
  const fields = signed(
    input.networkId,
    MsbOpType.BALANCE_INITIALIZATION,
    { txv: input.txv, ia: utf8(input.to), am: amountToBytes(input.amount), in: input.nonce ?? randomBytes(32) },
    input.signer.secretKey
  )
  return encodeFullOperation({
    type: MsbOpType.BALANCE_INITIALIZATION,
    address: utf8(input.signer.address),
    members: { bio: fields }
  })
}

/** APPEND_WHITELIST (4), ADD_INDEXER (8) or REMOVE_INDEXER (9) for the address `target`. */
export function buildAdminControl(input: AdminBuildCommon & { type: 4 | 8 | 9; target: string }): Uint8Array {
  const fields = signed(
    input.networkId,
    input.type,
    { txv: input.txv, ia: utf8(input.target), in: input.nonce ?? randomBytes(32) },
    input.signer.secretKey
  )
  return encodeFullOperation({ type: input.type, address: utf8(input.signer.address), members: { aco: fields } })
}

/** ADD_WRITER (5) as the requester signs it (partial): `iw` = the requester's writer key. */
export function buildAddWriterPartial(input: AdminBuildCommon & { writerKey: Uint8Array }): FullOperation {
  const fields = signed(
    input.networkId,
    MsbOpType.ADD_WRITER,
    { txv: input.txv, iw: input.writerKey, in: input.nonce ?? randomBytes(32) },
    input.signer.secretKey
  )
  return { type: MsbOpType.ADD_WRITER, address: utf8(input.signer.address), members: { rao: fields } }
}

/**
 * Completes a partial op (rao, tro, bdo or txo) with the validator fields: `va` = the validator address (ASCII),
 * `vn` = a fresh nonce, `vs` = sign(blake3(u32(networkId) ‖ tx ‖ vn ‖ u32(type))). Returns the complete op bytes.
 */
export function completeOperation(
  op: FullOperation,
  validator: OpSigner,
  networkId: number,
  vn: Uint8Array = randomBytes(32)
): Uint8Array {
  const sole = soleMember(op)
  if (sole === null || !['rao', 'tro', 'bdo', 'txo'].includes(sole.member))
    throw new Error('not a partial op with a completable payload')
  const tx = sole.fields.tx
  if (tx === undefined || tx.byteLength !== 32) throw new Error('partial op has no 32-byte tx')
  const vs = sign(validatorMessageHash(networkId, tx, vn, op.type), validator.secretKey)
  const fields = { ...sole.fields, va: utf8(validator.address), vn, vs }
  return encodeFullOperation({ type: op.type, address: op.address, members: { [sole.member]: fields } })
}
