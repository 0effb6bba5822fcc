// Codecs for the values of the MSB state view (spec msb.md §1.2): the Hyperbee MSB's apply writes, keyed by
// ascii strings with binary values. Pure functions, no I/O. Decoders never throw: anything malformed decodes
// to null. Encoders throw a TypeError/RangeError on invalid input, so a local devnet can never write an entry
// that MSB's own decoders would reject.
//
// | key                         | value                                                                            |
// | --------------------------- | -------------------------------------------------------------------------------- |
// | `<address>`                 | node entry, 69 bytes: [role u8][writingKey 32][balance u128 BE][license u32 BE][stakedBalance u128 BE] |
// | `<txHash hex>`              | the Operation protobuf bytes, exactly as appended                                |
// | `deployment/<bootstrapHex>` | [deployment txHash 32][deployer address ascii]                                   |
// | `admin`                     | [admin address ascii][admin writingKey 32]                                       |
// | `wka/<writingKeyHex>`       | the owning address (ascii)                                                       |
// | `wrl`, `wri/<n>`            | writer count (u32 BE); the address of writer n (ascii)                           |
// | `lc`, `li/<n>`              | license count (u32 BE); the address holding license n (ascii)                    |
// | `init`                      | u32 BE: 1 while balance initialization is allowed, 0 once disabled               |
import b4a from 'b4a'
import { isHex, toHex } from '../crypto/index.js'
import { isAddress } from '../wallet/index.js'
import { AMOUNT_BYTES, amountFromBytes, amountToBytes } from './amount.js'

export const WRITING_KEY_BYTES = 32
export const HASH_BYTES = 32
export const LICENSE_BYTES = 4
/** 1 + 32 + 16 + 4 + 16. */
export const NODE_ENTRY_BYTES = 1 + WRITING_KEY_BYTES + AMOUNT_BYTES + LICENSE_BYTES + AMOUNT_BYTES

// Byte offsets inside a node entry.
export const NODE_ENTRY_OFFSETS = {
  role: 0,
  writingKey: 1,
  balance: 1 + WRITING_KEY_BYTES,
  license: 1 + WRITING_KEY_BYTES + AMOUNT_BYTES,
  stakedBalance: 1 + WRITING_KEY_BYTES + AMOUNT_BYTES + LICENSE_BYTES
} as const

// Role bitmask (MSB src/core/state/utils/roles.js).
export const WHITELISTED_MASK = 0x1
export const WRITER_MASK = 0x2
export const INDEXER_MASK = 0x4

export const ROLE_READER = 0x0
export const ROLE_WHITELISTED = 0x1
/** A validator: a whitelisted node that may append. */
export const ROLE_WRITER = 0x3
/** An Autobase indexer: a writer that also signs the view. */
export const ROLE_INDEXER = 0x7
export const NODE_ROLES = {
  READER: ROLE_READER,
  WHITELISTED: ROLE_WHITELISTED,
  WRITER: ROLE_WRITER,
  INDEXER: ROLE_INDEXER
} as const

// State keys (MSB EntryType).
export const ADMIN_KEY = 'admin'
export const WRITERS_LENGTH_KEY = 'wrl'
export const LICENSE_COUNT_KEY = 'lc'
export const INITIALIZATION_KEY = 'init'
export const DEPLOYMENT_PREFIX = 'deployment/'
export const WRITER_INDEX_PREFIX = 'wri/'
export const WRITER_ADDRESS_PREFIX = 'wka/'
export const LICENSE_INDEX_PREFIX = 'li/'

const MAX_U32 = 0xffffffff

export interface NodeEntry {
  /** Role byte; one of the ROLE_* values when written by MSB (decoding accepts any byte, as MSB does). */
  role: number
  /** The node's Autobase writer key (all zeros when it has none). */
  writingKey: Uint8Array
  /** Base units (18 decimals). */
  balance: bigint
  license: number
  stakedBalance: bigint
}

export interface DeploymentEntry {
  /** The BOOTSTRAP_DEPLOYMENT tx hash (32 bytes). */
  txHash: Uint8Array
  /** The deployer's address. */
  address: string
}

export interface AdminEntry {
  address: string
  writingKey: Uint8Array
}

function isBytes(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array
}

function isU32(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= MAX_U32
}

/** True for the four role values MSB writes (0, 1, 3, 7). */
export function isValidRole(role: unknown): role is number {
  return role === ROLE_READER || role === ROLE_WHITELISTED || role === ROLE_WRITER || role === ROLE_INDEXER
}

function roleOf(x: number | NodeEntry): number {
  return typeof x === 'number' ? x : x.role
}

/** Bit 0 of the role (the `isWhitelisted` flag of MSB's decoded node entry). */
export function isWhitelisted(x: number | NodeEntry): boolean {
  return (roleOf(x) & WHITELISTED_MASK) !== 0
}

/** Bit 1 of the role (the `isWriter` flag of MSB's decoded node entry: a validator or an indexer). */
export function isWriter(x: number | NodeEntry): boolean {
  return (roleOf(x) & WRITER_MASK) !== 0
}

/** Bit 2 of the role (the `isIndexer` flag of MSB's decoded node entry). */
export function isIndexer(x: number | NodeEntry): boolean {
  return (roleOf(x) & INDEXER_MASK) !== 0
}

/** 4 bytes big-endian (`wrl`, `lc`, `init`, and the license field of a node entry). */
export function encodeU32BE(n: number): Uint8Array {
  if (!isU32(n)) throw new RangeError('u32 value must be an integer in 0..2^32-1')
  const out = b4a.alloc(4)
  out[0] = (n >>> 24) & 0xff
  out[1] = (n >>> 16) & 0xff
  out[2] = (n >>> 8) & 0xff
  out[3] = n & 0xff
  return out
}

/** Reads exactly 4 bytes big-endian; null for anything else. */
export function decodeU32BE(bytes: unknown): number | null {
  if (!isBytes(bytes) || bytes.byteLength !== 4) return null
  return ((bytes[0] << 24) >>> 0) + (bytes[1] << 16) + (bytes[2] << 8) + bytes[3]
}

/** The 69-byte node entry. Throws on an invalid role, key size, amount or license. */
export function encodeNodeEntry(entry: NodeEntry): Uint8Array {
  if (entry === null || typeof entry !== 'object') throw new TypeError('node entry must be an object')
  if (!isValidRole(entry.role)) throw new RangeError(`invalid node role ${String(entry.role)}: expected 0, 1, 3 or 7`)
  if (!isBytes(entry.writingKey) || entry.writingKey.byteLength !== WRITING_KEY_BYTES) {
    throw new TypeError(`writingKey must be ${WRITING_KEY_BYTES} bytes`)
  }
  if (!isU32(entry.license)) throw new RangeError('license must be an integer in 0..2^32-1')
  const out = b4a.alloc(NODE_ENTRY_BYTES)
  out[NODE_ENTRY_OFFSETS.role] = entry.role
  out.set(entry.writingKey, NODE_ENTRY_OFFSETS.writingKey)
  out.set(amountToBytes(entry.balance), NODE_ENTRY_OFFSETS.balance)
  out.set(encodeU32BE(entry.license), NODE_ENTRY_OFFSETS.license)
  out.set(amountToBytes(entry.stakedBalance), NODE_ENTRY_OFFSETS.stakedBalance)
  return out
}

/**
 * Decodes a node entry; null unless it is exactly 69 bytes. Like MSB's decoder it accepts any role byte (use
 * `isValidRole` to check). The returned writing key is a copy.
 */
export function decodeNodeEntry(bytes: unknown): NodeEntry | null {
  if (!isBytes(bytes) || bytes.byteLength !== NODE_ENTRY_BYTES) return null
  const o = NODE_ENTRY_OFFSETS
  return {
    role: bytes[o.role],
    writingKey: b4a.from(bytes.subarray(o.writingKey, o.balance)),
    balance: amountFromBytes(bytes.subarray(o.balance, o.license)),
    license: decodeU32BE(bytes.subarray(o.license, o.stakedBalance)) as number,
    stakedBalance: amountFromBytes(bytes.subarray(o.stakedBalance, NODE_ENTRY_BYTES))
  }
}

function assertAddress(address: unknown, hrp: string | undefined): asserts address is string {
  if (!isAddress(address, hrp)) {
    throw new TypeError(`invalid address ${JSON.stringify(address)}${hrp === undefined ? '' : ` for prefix "${hrp}"`}`)
  }
}

/** ascii bytes of an address; null unless they form a valid bech32m address (with prefix `hrp` if given). */
function addressFromBytes(bytes: Uint8Array, hrp: string | undefined): string | null {
  for (const b of bytes) if (b < 0x21 || b > 0x7e) return null
  const s = b4a.toString(bytes, 'latin1')
  return isAddress(s, hrp) ? s : null
}

/** An address as stored under `wka/…`, `wri/<n>` and `li/<n>`: its ascii bytes. */
export function encodeAddressValue(address: string, hrp?: string): Uint8Array {
  assertAddress(address, hrp)
  return b4a.from(address, 'latin1')
}

/** The address stored under `wka/…`, `wri/<n>` or `li/<n>`; null unless it is a valid address. */
export function decodeAddressValue(bytes: unknown, hrp?: string): string | null {
  if (!isBytes(bytes) || bytes.byteLength === 0) return null
  return addressFromBytes(bytes, hrp)
}

/** `deployment/<bs>` value: [txHash 32][deployer address ascii]. */
export function encodeDeploymentEntry(entry: DeploymentEntry, hrp?: string): Uint8Array {
  if (entry === null || typeof entry !== 'object') throw new TypeError('deployment entry must be an object')
  if (!isBytes(entry.txHash) || entry.txHash.byteLength !== HASH_BYTES)
    throw new TypeError(`txHash must be ${HASH_BYTES} bytes`)
  assertAddress(entry.address, hrp)
  return b4a.concat([entry.txHash, b4a.from(entry.address, 'latin1')])
}

export function decodeDeploymentEntry(bytes: unknown, hrp?: string): DeploymentEntry | null {
  if (!isBytes(bytes) || bytes.byteLength <= HASH_BYTES) return null
  const address = addressFromBytes(bytes.subarray(HASH_BYTES), hrp)
  if (address === null) return null
  return { txHash: b4a.from(bytes.subarray(0, HASH_BYTES)), address }
}

/** `admin` value: [address ascii][writingKey 32]. */
export function encodeAdminEntry(entry: AdminEntry, hrp?: string): Uint8Array {
  if (entry === null || typeof entry !== 'object') throw new TypeError('admin entry must be an object')
  assertAddress(entry.address, hrp)
  if (!isBytes(entry.writingKey) || entry.writingKey.byteLength !== WRITING_KEY_BYTES) {
    throw new TypeError(`writingKey must be ${WRITING_KEY_BYTES} bytes`)
  }
  return b4a.concat([b4a.from(entry.address, 'latin1'), entry.writingKey])
}

export function decodeAdminEntry(bytes: unknown, hrp?: string): AdminEntry | null {
  if (!isBytes(bytes) || bytes.byteLength <= WRITING_KEY_BYTES) return null
  const split = bytes.byteLength - WRITING_KEY_BYTES
  const address = addressFromBytes(bytes.subarray(0, split), hrp)
  if (address === null) return null
  return { address, writingKey: b4a.from(bytes.subarray(split)) }
}

function hexKeyPart(hex: string, bytes: number, what: string): string {
  if (!isHex(hex, bytes)) throw new TypeError(`${what} must be ${bytes} bytes of hex`)
  return hex.toLowerCase()
}

function indexPart(n: number, what: string): string {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`${what} must be a non-negative safe integer`)
  return String(n)
}

/** `deployment/<subnet bootstrap hex, lowercase>`. */
export function deploymentKey(bootstrapHex: string): string {
  return DEPLOYMENT_PREFIX + hexKeyPart(bootstrapHex, 32, 'subnet bootstrap')
}

/** `wri/<n>` with n in decimal. */
export function writerIndexKey(n: number): string {
  return WRITER_INDEX_PREFIX + indexPart(n, 'writer index')
}

/** `wka/<writer key hex, lowercase>`. */
export function writerAddressKey(writingKeyHex: string): string {
  return WRITER_ADDRESS_PREFIX + hexKeyPart(writingKeyHex, WRITING_KEY_BYTES, 'writing key')
}

/** `li/<n>` with n in decimal. */
export function licenseIndexKey(n: number): string {
  return LICENSE_INDEX_PREFIX + indexPart(n, 'license id')
}

/** The key of an applied operation: its tx hash, lowercase hex. */
export function txKey(txHash: string | Uint8Array): string {
  if (typeof txHash === 'string') return hexKeyPart(txHash, HASH_BYTES, 'tx hash')
  if (!isBytes(txHash) || txHash.byteLength !== HASH_BYTES) throw new TypeError(`tx hash must be ${HASH_BYTES} bytes`)
  return toHex(txHash)
}

/** `init` value for "initialization allowed" (1) or "disabled" (0). */
export function encodeInitialization(allowed: boolean): Uint8Array {
  return encodeU32BE(allowed ? 1 : 0)
}

/** MSB's rule: initialization is disabled only when `init` is exactly u32 BE 0; absent or anything else is not disabled. */
export function isInitializationDisabled(bytes: unknown): boolean {
  return decodeU32BE(bytes) === 0
}

/** Hex helper for callers holding a writing key as bytes. */
export function writerAddressKeyOf(writingKey: Uint8Array): string {
  if (!isBytes(writingKey) || writingKey.byteLength !== WRITING_KEY_BYTES)
    throw new TypeError(`writing key must be ${WRITING_KEY_BYTES} bytes`)
  return writerAddressKey(toHex(writingKey))
}

/** The reverse of `deploymentKey` etc.: the part after a known prefix, or null. */
export function keySuffix(key: string, prefix: string): string | null {
  return typeof key === 'string' && key.startsWith(prefix) ? key.slice(prefix.length) : null
}
