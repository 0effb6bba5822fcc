// The MSB's stored record of a confirmed subnet transaction (spec §10.2): protobuf `apply.operations.Operation`
// holding a `TxOperation` in field 9 (`txo`). Only what `tx` apply reads is declared; protobuf skips the other
// `oneof value` members (cao, aco, bio, tro, rao, bdo) as unknown fields, and an enum decodes as its int32.
import protobuf from 'protobufjs/light.js'

const TX_OPERATION_FIELDS = ['tx', 'txv', 'iw', 'ch', 'bs', 'mbs', 'in', 'is', 'va', 'vn', 'vs'] as const
type TxOperationField = typeof TX_OPERATION_FIELDS[number]

export type MsbTxOperation = Record<TxOperationField, Uint8Array>

export interface MsbOperationRecord {
  /** `OperationType`; 12 (TX) for subnet transactions. */
  type: number
  /** The requester's bech32m address as ASCII bytes. */
  address: Uint8Array
  txo: MsbTxOperation | null
}

function buildOperationType (): protobuf.Type {
  const txOperation = new protobuf.Type('TxOperation')
  TX_OPERATION_FIELDS.forEach((name, i) => txOperation.add(new protobuf.Field(name, i + 1, 'bytes')))
  const operation = new protobuf.Type('Operation')
    .add(new protobuf.Field('type', 1, 'int32'))
    .add(new protobuf.Field('address', 2, 'bytes'))
    .add(new protobuf.Field('txo', 9, 'TxOperation'))
  const root = new protobuf.Root()
  root.define('apply.operations').add(txOperation).add(operation)
  root.resolveAll()
  return operation
}

let operationType: protobuf.Type | null = null
function Operation (): protobuf.Type {
  operationType ??= buildOperationType()
  return operationType
}

const EMPTY = new Uint8Array(0)
// protobufjs leaves absent bytes fields at a shared default (an empty array, not a Uint8Array).
const bytesOf = (v: unknown): Uint8Array => v instanceof Uint8Array ? v : EMPTY

/** Decodes a stored Operation; null when the bytes are not a valid encoding. */
export function decodeMsbOperation (bytes: Uint8Array): MsbOperationRecord | null {
  let decoded: Record<string, unknown>
  try {
    decoded = Operation().decode(bytes) as unknown as Record<string, unknown>
  } catch {
    return null
  }
  const rawTxo = decoded.txo as Record<string, unknown> | null | undefined
  let txo: MsbTxOperation | null = null
  if (rawTxo !== null && rawTxo !== undefined) {
    txo = {} as MsbTxOperation
    for (const name of TX_OPERATION_FIELDS) txo[name] = bytesOf(rawTxo[name])
  }
  return { type: typeof decoded.type === 'number' ? decoded.type : 0, address: bytesOf(decoded.address), txo }
}

/** Encodes an Operation with a TxOperation (the MSB side's job; used here to build fixtures and stubs). */
export function encodeMsbOperation (record: { type: number, address: Uint8Array, txo: Partial<MsbTxOperation> }): Uint8Array {
  const type = Operation()
  return type.encode(type.fromObject({ type: record.type, address: record.address, txo: record.txo })).finish()
}
