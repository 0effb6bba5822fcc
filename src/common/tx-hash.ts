// Hashes of the subnet/MSB transaction path (spec §8.1). No I/O.
//
// `commandHash` reproduces trac-peer's `createHash(JSON.stringify(dispatch))`, which hands a JS *string* to a
// BLAKE3 build that copies its input element by element into a byte array. Each UTF-16 code unit becomes
// `Number(char)` coerced to a byte: the digit value for '0'..'9', and 0 for everything else (NaN and the
// whitespace characters that `Number` maps to 0). So the hashed message has `string.length` bytes and is NOT
// the UTF-8 text. Every peer and wallet of the network computes `ch` this way, so we must too, even though it
// binds the dispatch only weakly (two dispatches with the same length and digit positions collide).
import { blake3 } from '@noble/hashes/blake3.js'
import { fromHex, isHex, toHex } from '../crypto/index.js'
import { MSB_OP } from './msb-ops.js'

/** Standard BLAKE3-256 of `bytes`, lowercase hex. */
export function blake3Hex(bytes: Uint8Array): string {
  return toHex(blake3(bytes))
}

/** The bytes trac-peer's string-fed BLAKE3 actually hashes for `text` (one byte per UTF-16 code unit). */
export function digitBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0x30 && c <= 0x39) out[i] = c - 0x30
  }
  return out
}

/** `ch` of a JSON text exactly as trac-peer computes it (see the file comment). */
export function commandHashOfJson(json: string): string {
  return blake3Hex(digitBytes(json))
}

/** `ch` of a dispatch object `{ type, value }`: the digit-bytes BLAKE3 of `JSON.stringify(dispatch)`. */
export function commandHash(dispatch: unknown): string {
  // JSON.stringify(undefined) is undefined; the reference never hashes that (the schema requires an object).
  return commandHashOfJson(JSON.stringify(dispatch) ?? '')
}

export interface TxPreimageInput {
  networkId: number
  /** The hex fields are 32 bytes each (64 hex characters). */
  txv: string
  iw: string
  ch: string
  bs: string
  mbs: string
  nonce: string
  /** MSB operation type; 12 for subnet transactions. */
  type?: number
}

function u32be(n: number, what: string): Uint8Array {
  // trac-msb's createMessage writes integers in 1..2^32-1 as 4 bytes and silently drops anything else; a
  // dropped field would change the preimage layout, so we refuse such input instead.
  if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) throw new RangeError(`${what} must be an integer in 1..2^32-1`)
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n)
  return out
}

function bytes32(hex: string, what: string): Uint8Array {
  if (!isHex(hex, 32)) throw new TypeError(`${what} must be 32 bytes of hex`)
  return fromHex(hex)
}

/** `u32be(networkId) ‖ txv ‖ iw ‖ ch ‖ bs ‖ mbs ‖ nonce ‖ u32be(type)`: 200 bytes. */
export function txPreimage(input: TxPreimageInput): Uint8Array {
  const parts = [
    u32be(input.networkId, 'networkId'),
    bytes32(input.txv, 'txv'),
    bytes32(input.iw, 'iw'),
    bytes32(input.ch, 'ch'),
    bytes32(input.bs, 'bs'),
    bytes32(input.mbs, 'mbs'),
    bytes32(input.nonce, 'nonce'),
    u32be(input.type ?? MSB_OP.TX, 'type')
  ]
  const out = new Uint8Array(200)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}

/** The MSB tx hash (hex): standard BLAKE3 of the 200-byte preimage. The invoker signs its 32 raw bytes. */
export function txHash(input: TxPreimageInput): string {
  return blake3Hex(txPreimage(input))
}
