// BIP-39 mnemonics and the SLIP-10 ed25519 derivation used by trac-crypto-api: the address prefix (HRP) is
// folded into the path as one hardened child per UTF-8 byte, ahead of the configured derivation path, so the
// same mnemonic yields unrelated keys on mainnet (`trac`) and testnet (`testtrac`).
import * as bip39 from '@scure/bip39'
import { wordlist as english } from '@scure/bip39/wordlists/english.js'
import { HDKey, HARDENED_OFFSET } from 'micro-key-producer/slip10.js'
import { keyPairFromSeed, randomBytes, utf8, type KeyPair } from '../crypto/index.js'
import { DEFAULT_HRP, isValidHrp } from './address.js'

export const DEFAULT_DERIVATION_PATH = "m/918'/0'/0'/0'"
export const TESTNET_DERIVATION_PATH = "m/919'/0'/0'/0'"

/** Shape the keystore accepts for a stored path; non-hardened segments pass here but cannot be derived. */
export const DERIVATION_PATH_RE = /^m(\/[0-9]+'?)+$/

// The reference generates 24 words and restores 12 or 24.
const ACCEPTED_WORD_COUNTS = new Set([12, 24])
const GENERATED_ENTROPY_BYTES = 32

export function isDerivationPath(path: unknown): path is string {
  return typeof path === 'string' && DERIVATION_PATH_RE.test(path)
}

/**
 * Canonical form of a mnemonic (NFKD, lowercase, single spaces), or null when it is not a valid 12- or
 * 24-word English BIP-39 mnemonic (unknown word, bad checksum, other word count).
 */
export function normalizeMnemonic(mnemonic: unknown): string | null {
  if (typeof mnemonic !== 'string') return null
  let canonical: string
  try {
    canonical = mnemonic.normalize('NFKD').trim().toLowerCase().split(/\s+/).join(' ')
  } catch {
    return null
  }
  if (!ACCEPTED_WORD_COUNTS.has(canonical.split(' ').length)) return null
  return bip39.validateMnemonic(canonical, english) ? canonical : null
}

export function validateMnemonic(mnemonic: unknown): boolean {
  return normalizeMnemonic(mnemonic) !== null
}

/** A new 24-word mnemonic. Entropy comes from libsodium so this works where WebCrypto is absent (Bare). */
export function generateMnemonic(): string {
  return bip39.entropyToMnemonic(randomBytes(GENERATED_ENTROPY_BYTES), english)
}

/** Hardened child indices (offset included) of `path`; throws for malformed or non-hardened segments. */
export function parseDerivationPath(path: string): number[] {
  if (!isDerivationPath(path)) throw new Error(`invalid derivation path ${JSON.stringify(path)}: expected m/<n>'/...`)
  return path
    .slice(2)
    .split('/')
    .map((segment) => {
      if (!segment.endsWith("'")) {
        throw new Error(
          `invalid derivation path ${path}: segment ${segment} is not hardened (ed25519 SLIP-10 has only hardened children)`
        )
      }
      const index = Number(segment.slice(0, -1))
      if (!Number.isSafeInteger(index) || index >= HARDENED_OFFSET) {
        throw new Error(`invalid derivation path ${path}: index ${segment} is out of range`)
      }
      return HARDENED_OFFSET + index
    })
}

/** The complete SLIP-10 path actually walked for (hrp, derivationPath), e.g. m/116'/114'/97'/99'/918'/0'/0'/0'. */
export function fullDerivationPath(hrp: string, derivationPath: string): string {
  const hrpSegments = Array.from(utf8(hrp), (byte) => `${byte}'`)
  return ['m', ...hrpSegments, derivationPath.slice(2)].join('/')
}

export interface DerivationOptions {
  hrp?: string
  derivationPath?: string
}

export function keyPairFromMnemonic(mnemonic: string, opts: DerivationOptions = {}): KeyPair {
  const hrp = opts.hrp ?? DEFAULT_HRP
  const derivationPath = opts.derivationPath ?? DEFAULT_DERIVATION_PATH
  if (!isValidHrp(hrp)) throw new TypeError(`invalid address prefix ${JSON.stringify(hrp)}`)
  const canonical = normalizeMnemonic(mnemonic)
  if (canonical === null)
    throw new Error('invalid mnemonic: expected 12 or 24 English BIP-39 words with a valid checksum')

  const pathIndices = parseDerivationPath(derivationPath)
  const hrpIndices = Array.from(utf8(hrp), (byte) => HARDENED_OFFSET + byte)

  let node = HDKey.fromMasterSeed(bip39.mnemonicToSeedSync(canonical))
  for (const index of [...hrpIndices, ...pathIndices]) node = node.deriveChild(index)
  return keyPairFromSeed(node.privateKey)
}
