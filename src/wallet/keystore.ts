// keypair.json codec, byte-compatible with trac-wallet's exportToFile / importFromFile:
//   file      = JSON.stringify({ nonce: hex(24), salt: hex(16), ciphertext: hex })
//   key       = crypto_pwhash Argon2i13, opslimit 3, memlimit 256 MiB, 32 bytes, over the password (empty by default)
//   plaintext = JSON.stringify({ publicKey, secretKey, mnemonic, derivationPath }, null, 2) sealed with crypto_secretbox_easy
// With the default empty password the file is only obfuscated, so its permissions are what actually protect it.
import sodium from 'sodium-universal'
import b4a from 'b4a'
import { fromHex, isHex, randomBytes, toHex, utf8, PUBLIC_KEY_BYTES, SECRET_KEY_BYTES } from '../crypto/index.js'
import { decodeAddress, isValidHrp } from './address.js'
import { WalletFileError } from './errors.js'
import { isDerivationPath, normalizeMnemonic } from './mnemonic.js'
import { keyPairProblem } from './keys.js'

// Fixed by the file format (libsodium's "MODERATE" limits at the time the format was defined), not by
// whatever the installed libsodium calls moderate today.
export const KEYPAIR_FILE_OPSLIMIT = 3
export const KEYPAIR_FILE_MEMLIMIT = 268435456
export const KEYPAIR_FILE_ALG_ARGON2I13 = 1
export const KEYPAIR_FILE_SALT_BYTES = 16
export const KEYPAIR_FILE_NONCE_BYTES = 24
const KEY_BYTES = 32
const MAC_BYTES = 16

/** Contents of a keypair file: hex keys (lowercase), the mnemonic and path they came from if known. */
export interface KeypairFileData {
  publicKey: string
  secretKey: string
  mnemonic: string | null
  derivationPath: string | null
}

/** What a file decodes to; `addressPrefix` is only present in the trac-wallet 2.x plaintext shape. */
export interface DecodedKeypairFile extends KeypairFileData {
  addressPrefix: string | null
}

export type WalletPassword = string | Uint8Array

interface KeypairFileEnvelope {
  nonce: Uint8Array
  salt: Uint8Array
  ciphertext: Uint8Array
}

type PwhashAsync = (
  out: Uint8Array,
  passwd: Uint8Array,
  salt: Uint8Array,
  opslimit: number,
  memlimit: number,
  alg: number,
  callback: (err: Error | null) => void
) => unknown
// sodium-native runs Argon2 on its thread pool; sodium-javascript (browsers) has only the blocking call.
const pwhashAsync = (sodium as unknown as { crypto_pwhash_async?: PwhashAsync }).crypto_pwhash_async

function passwordBytes(password: WalletPassword | undefined): Uint8Array {
  if (password === undefined) return b4a.alloc(0)
  return typeof password === 'string' ? utf8(password) : password
}

/** The 32-byte secretbox key for `salt`. Takes about a second and 256 MiB; the event loop stays free when possible. */
export async function deriveKeypairFileKey(
  password: WalletPassword | undefined,
  salt: Uint8Array
): Promise<Uint8Array> {
  if (salt.byteLength !== KEYPAIR_FILE_SALT_BYTES) throw new TypeError(`salt must be ${KEYPAIR_FILE_SALT_BYTES} bytes`)
  const passwd = passwordBytes(password)
  const key = b4a.alloc(KEY_BYTES)
  if (typeof pwhashAsync === 'function') {
    await new Promise<void>((resolve, reject) => {
      pwhashAsync(
        key,
        passwd,
        salt,
        KEYPAIR_FILE_OPSLIMIT,
        KEYPAIR_FILE_MEMLIMIT,
        KEYPAIR_FILE_ALG_ARGON2I13,
        (err) => {
          if (err) reject(err)
          else resolve()
        }
      )
    })
  } else {
    sodium.crypto_pwhash(key, passwd, salt, KEYPAIR_FILE_OPSLIMIT, KEYPAIR_FILE_MEMLIMIT, KEYPAIR_FILE_ALG_ARGON2I13)
  }
  return key
}

/** The plaintext exactly as the reference writes it (key order and two-space indentation included). */
export function serializeKeypairPlaintext(data: KeypairFileData): string {
  let checked: DecodedKeypairFile
  try {
    checked = sanitizeKeypairData(data)
  } catch (err) {
    if (err instanceof WalletFileError) throw new TypeError(`cannot write keypair file: ${err.reason}`)
    throw err
  }
  // Reading drops an unusable mnemonic or path; writing one is a caller bug worth surfacing.
  if (data.mnemonic !== null && checked.mnemonic === null)
    throw new TypeError('cannot write keypair file: invalid mnemonic')
  if (data.derivationPath !== null && checked.derivationPath === null)
    throw new TypeError('cannot write keypair file: invalid derivationPath')
  return JSON.stringify(
    {
      publicKey: checked.publicKey,
      secretKey: checked.secretKey,
      mnemonic: checked.mnemonic,
      derivationPath: checked.derivationPath
    },
    null,
    2
  )
}

/** Parses and validates a decrypted plaintext (v1 or v2 shape); throws WalletFileError with the reason. */
export function parseKeypairPlaintext(text: string): DecodedKeypairFile {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new WalletFileError('decrypted contents are not valid JSON')
  }
  return sanitizeKeypairData(value)
}

function sanitizeKeypairData(value: unknown): DecodedKeypairFile {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WalletFileError('decrypted contents are not a JSON object')
  }
  const record = value as Record<string, unknown>
  if (!isHex(record.publicKey, PUBLIC_KEY_BYTES))
    throw new WalletFileError(`publicKey is not ${PUBLIC_KEY_BYTES} bytes of hex`)
  if (!isHex(record.secretKey, SECRET_KEY_BYTES))
    throw new WalletFileError(`secretKey is not ${SECRET_KEY_BYTES} bytes of hex`)
  const publicKey = fromHex(record.publicKey)
  const problem = keyPairProblem(publicKey, fromHex(record.secretKey))
  if (problem !== null) throw new WalletFileError(`keys do not match: ${problem}`)

  const addressPrefix = isValidHrp(record.addressPrefix) ? record.addressPrefix : null
  // v2 files also store the address; one that names another key means the file was assembled wrongly.
  if (record.address !== undefined && record.address !== null) {
    let addressKey: Uint8Array | null = null
    try {
      addressKey = decodeAddress(String(record.address), addressPrefix ?? undefined)
    } catch {}
    if (addressKey === null || !b4a.equals(addressKey, publicKey)) {
      throw new WalletFileError('stored address does not belong to publicKey')
    }
  }

  return {
    publicKey: record.publicKey.toLowerCase(),
    secretKey: record.secretKey.toLowerCase(),
    // Like the reference importer, an unusable mnemonic or path is dropped rather than rejected: the keys
    // themselves are what the file exists for.
    mnemonic: normalizeMnemonic(record.mnemonic),
    derivationPath: isDerivationPath(record.derivationPath) ? record.derivationPath : null,
    addressPrefix
  }
}

function parseEnvelope(text: string): KeypairFileEnvelope {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new WalletFileError('not JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new WalletFileError('not a JSON object')
  const { nonce, salt, ciphertext } = value as Record<string, unknown>
  if (!isHex(nonce, KEYPAIR_FILE_NONCE_BYTES))
    throw new WalletFileError(`nonce is not ${KEYPAIR_FILE_NONCE_BYTES} bytes of hex`)
  if (!isHex(salt, KEYPAIR_FILE_SALT_BYTES))
    throw new WalletFileError(`salt is not ${KEYPAIR_FILE_SALT_BYTES} bytes of hex`)
  if (!isHex(ciphertext) || ciphertext.length < MAC_BYTES * 2)
    throw new WalletFileError('ciphertext is missing, not hex, or too short')
  return { nonce: fromHex(nonce), salt: fromHex(salt), ciphertext: fromHex(ciphertext) }
}

/** The salt a keypair file was encrypted with (what deriveKeypairFileKey needs); throws WalletFileError. */
export function keypairFileSalt(text: string): Uint8Array {
  return parseEnvelope(text).salt
}

/** Encrypts with an already derived key; the salt is only recorded, so it must be the one the key came from. */
export function sealKeypairFile(data: KeypairFileData, key: Uint8Array, salt: Uint8Array, nonce: Uint8Array): string {
  if (key.byteLength !== KEY_BYTES) throw new TypeError(`key must be ${KEY_BYTES} bytes`)
  if (salt.byteLength !== KEYPAIR_FILE_SALT_BYTES) throw new TypeError(`salt must be ${KEYPAIR_FILE_SALT_BYTES} bytes`)
  if (nonce.byteLength !== KEYPAIR_FILE_NONCE_BYTES)
    throw new TypeError(`nonce must be ${KEYPAIR_FILE_NONCE_BYTES} bytes`)
  const plaintext = utf8(serializeKeypairPlaintext(data))
  const ciphertext = b4a.alloc(plaintext.byteLength + MAC_BYTES)
  sodium.crypto_secretbox_easy(ciphertext, plaintext, nonce, key)
  sodium.sodium_memzero(plaintext)
  return JSON.stringify({ nonce: toHex(nonce), salt: toHex(salt), ciphertext: toHex(ciphertext) })
}

/** Decrypts with an already derived key and validates the contents; throws WalletFileError. */
export function openKeypairFile(text: string, key: Uint8Array): DecodedKeypairFile {
  const { nonce, ciphertext } = parseEnvelope(text)
  if (key.byteLength !== KEY_BYTES) throw new TypeError(`key must be ${KEY_BYTES} bytes`)
  const plaintext = b4a.alloc(ciphertext.byteLength - MAC_BYTES)
  if (!sodium.crypto_secretbox_open_easy(plaintext, ciphertext, nonce, key)) {
    throw new WalletFileError('cannot decrypt: wrong password or corrupted ciphertext')
  }
  try {
    return parseKeypairPlaintext(b4a.toString(plaintext, 'utf8'))
  } finally {
    sodium.sodium_memzero(plaintext)
  }
}

export interface EncryptOptions {
  /** Fixed salt/nonce, for reproducible output in tests; fresh random bytes otherwise. */
  salt?: Uint8Array
  nonce?: Uint8Array
}

export async function encryptKeypairFile(
  data: KeypairFileData,
  password?: WalletPassword,
  opts: EncryptOptions = {}
): Promise<string> {
  serializeKeypairPlaintext(data) // reject bad data before spending a second on Argon2
  const salt = opts.salt ?? randomBytes(KEYPAIR_FILE_SALT_BYTES)
  const nonce = opts.nonce ?? randomBytes(KEYPAIR_FILE_NONCE_BYTES)
  const key = await deriveKeypairFileKey(password, salt)
  try {
    return sealKeypairFile(data, key, salt, nonce)
  } finally {
    sodium.sodium_memzero(key)
  }
}

/** Reads a keypair file's text; any problem (format, password, contents) is a WalletFileError. */
export async function decryptKeypairFile(text: string, password?: WalletPassword): Promise<DecodedKeypairFile> {
  const { salt } = parseEnvelope(text) // format errors surface before the expensive key derivation
  const key = await deriveKeypairFileKey(password, salt)
  try {
    return openKeypairFile(text, key)
  } finally {
    sodium.sodium_memzero(key)
  }
}
