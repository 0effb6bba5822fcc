// The MSB apply-operation protobuf (`apply.operations.Operation`, spec msb.md §2.4), built with protobufjs
// reflection: the `Operation` envelope and every `oneof value` member of the reference proto, the admin ops
// (`cao` 3, `aco` 4, `bio` 5), TRANSFER (`tro`, 6), the role op (`rao`, 7), BOOTSTRAP_DEPLOYMENT (`bdo`, 8) and
// TX (`txo`, 9). The client only builds the last three; the devnet writes and applies all of them. `type` is the
// `OperationType` enum, read and written as its int32. protobufjs writes fields in field-number order, as the
// reference encoder does; absent fields are not written.
import protobuf from 'protobufjs/light.js'

export const TRANSFER_OPERATION_FIELDS = ['tx', 'txv', 'to', 'am', 'in', 'is', 'va', 'vn', 'vs'] as const
export const TX_OPERATION_FIELDS = ['tx', 'txv', 'iw', 'ch', 'bs', 'mbs', 'in', 'is', 'va', 'vn', 'vs'] as const
export const BOOTSTRAP_DEPLOYMENT_OPERATION_FIELDS = ['tx', 'txv', 'bs', 'ic', 'in', 'is', 'va', 'vn', 'vs'] as const

type TxOperationField = (typeof TX_OPERATION_FIELDS)[number]
export type TransferOperationField = (typeof TRANSFER_OPERATION_FIELDS)[number]
export type BootstrapDeploymentOperationField = (typeof BOOTSTRAP_DEPLOYMENT_OPERATION_FIELDS)[number]

/** Every payload member → its field names in field-number order (1, 2, …). */
export const OPERATION_MEMBER_FIELDS = {
  cao: ['tx', 'txv', 'iw', 'in', 'is'],
  aco: ['tx', 'txv', 'ia', 'in', 'is'],
  bio: ['tx', 'txv', 'ia', 'am', 'in', 'is'],
  tro: TRANSFER_OPERATION_FIELDS,
  rao: ['tx', 'txv', 'iw', 'in', 'is', 'va', 'vn', 'vs'],
  bdo: BOOTSTRAP_DEPLOYMENT_OPERATION_FIELDS,
  txo: TX_OPERATION_FIELDS
} as const

/** The Operation field number of each payload member. */
export const OPERATION_MEMBERS = { cao: 3, aco: 4, bio: 5, tro: 6, rao: 7, bdo: 8, txo: 9 } as const
export type OperationMember = keyof typeof OPERATION_MEMBERS

export type MsbTxOperation = Record<TxOperationField, Uint8Array>

export interface MsbOperationRecord {
  /** `OperationType`; 12 (TX) for subnet transactions. */
  type: number
  /** The requester's bech32m address as ASCII bytes. */
  address: Uint8Array
  txo: MsbTxOperation | null
}

/** A decoded or to-be-encoded Operation. Payload maps hold only the fields present on the wire. */
export interface MsbOperationMessage {
  type: number
  address?: Uint8Array
  tro?: Partial<Record<TransferOperationField, Uint8Array>>
  bdo?: Partial<Record<BootstrapDeploymentOperationField, Uint8Array>>
  txo?: Partial<Record<TxOperationField, Uint8Array>>
  cao?: Record<string, Uint8Array>
  aco?: Record<string, Uint8Array>
  bio?: Record<string, Uint8Array>
  rao?: Record<string, Uint8Array>
}

const MEMBER_FIELDS: Record<OperationMember, readonly string[]> = OPERATION_MEMBER_FIELDS
const MEMBER_TYPES: Record<OperationMember, string> = {
  cao: 'CoreAdminOperation',
  aco: 'AdminControlOperation',
  bio: 'BalanceInitializationOperation',
  tro: 'TransferOperation',
  rao: 'RoleAccessOperation',
  bdo: 'BootstrapDeploymentOperation',
  txo: 'TxOperation'
}

function buildOperationType(): protobuf.Type {
  const root = new protobuf.Root()
  const ns = root.define('apply.operations')
  const operation = new protobuf.Type('Operation')
    .add(new protobuf.Field('type', 1, 'int32'))
    .add(new protobuf.Field('address', 2, 'bytes'))
  for (const member of Object.keys(OPERATION_MEMBERS) as OperationMember[]) {
    const payload = new protobuf.Type(MEMBER_TYPES[member])
    MEMBER_FIELDS[member].forEach((name, i) => {
      payload.add(new protobuf.Field(name, i + 1, 'bytes'))
    })
    ns.add(payload)
    operation.add(new protobuf.Field(member, OPERATION_MEMBERS[member], MEMBER_TYPES[member]))
  }
  ns.add(operation)
  root.resolveAll()
  return operation
}

let operationType: protobuf.Type | null = null
function Operation(): protobuf.Type {
  operationType ??= buildOperationType()
  return operationType
}

const EMPTY = new Uint8Array(0)
/** A decoded protobufjs bytes field: protobufjs leaves absent ones at a shared default (an empty array, not a Uint8Array). */
export const bytesOf = (v: unknown): Uint8Array => (v instanceof Uint8Array ? v : EMPTY)
const has = (o: object, k: string): boolean => Object.hasOwn(o, k)

function decodeRaw(bytes: Uint8Array): Record<string, unknown> | null {
  try {
    return Operation().decode(bytes) as unknown as Record<string, unknown>
  } catch {
    return null
  }
}

/** Encodes an Operation; only the fields given (and not undefined) are written. */
export function encodeOperation(message: MsbOperationMessage): Uint8Array {
  const type = Operation()
  const plain: Record<string, unknown> = { type: message.type }
  if (message.address !== undefined) plain.address = message.address
  for (const member of Object.keys(OPERATION_MEMBERS) as OperationMember[]) {
    const payload = message[member] as Record<string, Uint8Array | undefined> | undefined
    if (payload === undefined) continue
    const out: Record<string, Uint8Array> = {}
    for (const name of MEMBER_FIELDS[member]) {
      const v = payload[name]
      if (v !== undefined) out[name] = v
    }
    plain[member] = out
  }
  return type.encode(type.fromObject(plain)).finish()
}

/**
 * Decodes an Operation, keeping presence: a payload map holds exactly the fields that were on the wire
 * (an empty `bytes` field on the wire is present with length 0). Null when the bytes are not a valid encoding.
 */
export function decodeOperation(bytes: Uint8Array): MsbOperationMessage | null {
  const decoded = decodeRaw(bytes)
  if (decoded === null) return null
  const out: MsbOperationMessage = { type: typeof decoded.type === 'number' ? decoded.type : 0 }
  if (has(decoded, 'address')) out.address = bytesOf(decoded.address)
  for (const member of Object.keys(OPERATION_MEMBERS) as OperationMember[]) {
    const raw = decoded[member] as Record<string, unknown> | null | undefined
    if (raw === null || raw === undefined || !has(decoded, member)) continue
    const payload: Record<string, Uint8Array> = {}
    for (const name of MEMBER_FIELDS[member]) if (has(raw, name)) payload[name] = bytesOf(raw[name])
    ;(out as unknown as Record<string, unknown>)[member] = payload
  }
  return out
}

/** Decodes a stored Operation (TX view: absent fields read as empty); null when the bytes are not a valid encoding. */
export function decodeMsbOperation(bytes: Uint8Array): MsbOperationRecord | null {
  const decoded = decodeRaw(bytes)
  if (decoded === null) return null
  const rawTxo = decoded.txo as Record<string, unknown> | null | undefined
  let txo: MsbTxOperation | null = null
  if (rawTxo !== null && rawTxo !== undefined) {
    txo = {} as MsbTxOperation
    for (const name of TX_OPERATION_FIELDS) txo[name] = bytesOf(rawTxo[name])
  }
  return { type: typeof decoded.type === 'number' ? decoded.type : 0, address: bytesOf(decoded.address), txo }
}

/** Encodes an Operation with a TxOperation (the MSB side's job; used here to build fixtures and stubs). */
export function encodeMsbOperation(record: {
  type: number
  address: Uint8Array
  txo: Partial<MsbTxOperation>
}): Uint8Array {
  return encodeOperation({ type: record.type, address: record.address, txo: record.txo })
}
