// A loaded identity: the ed25519 key pair that is at once the subnet identity, the Hyperswarm Noise key,
// the MSB account (bech32m address) and the transaction signer.
import b4a from 'b4a'
import {
  fromHex,
  isHex,
  keyPairFromSeed,
  sign,
  toHex,
  utf8,
  verifyHex,
  PUBLIC_KEY_BYTES,
  SECRET_KEY_BYTES,
  type KeyPair
} from '../crypto/index.js'
import { DEFAULT_HRP, encodeAddress, isValidHrp } from './address.js'
import { keyPairProblem } from './keys.js'
import type { KeypairFileData } from './keystore.js'
import {
  DEFAULT_DERIVATION_PATH,
  generateMnemonic,
  isDerivationPath,
  keyPairFromMnemonic,
  normalizeMnemonic
} from './mnemonic.js'

export interface WalletOptions {
  /** Address prefix: `trac` (mainnet, default) or `testtrac` (testnet1). */
  hrp?: string
}

export interface WalletInit extends WalletOptions {
  publicKey: Uint8Array
  secretKey: Uint8Array
  mnemonic?: string | null
  derivationPath?: string | null
}

export interface WalletFromSecretKeyOptions extends WalletOptions {
  mnemonic?: string | null
  derivationPath?: string | null
}

export interface WalletFromMnemonicOptions extends WalletOptions {
  derivationPath?: string
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom')

function messageBytes(message: Uint8Array | string): Uint8Array {
  return typeof message === 'string' ? utf8(message) : message
}

export class Wallet {
  readonly publicKey: Uint8Array
  readonly publicKeyHex: string
  readonly hrp: string
  readonly address: string
  readonly derivationPath: string | null
  // Private fields stay out of util.inspect, structured clones and JSON.stringify.
  readonly #secretKey: Uint8Array
  readonly #mnemonic: string | null

  constructor(init: WalletInit) {
    const hrp = init.hrp ?? DEFAULT_HRP
    if (!isValidHrp(hrp)) throw new TypeError(`invalid address prefix ${JSON.stringify(hrp)}`)
    const problem = keyPairProblem(init.publicKey, init.secretKey)
    if (problem !== null) throw new TypeError(`invalid key pair: ${problem}`)
    const mnemonic = init.mnemonic ?? null
    const normalizedMnemonic = mnemonic === null ? null : normalizeMnemonic(mnemonic)
    if (mnemonic !== null && normalizedMnemonic === null) throw new TypeError('invalid mnemonic')
    const derivationPath = init.derivationPath ?? null
    if (derivationPath !== null && !isDerivationPath(derivationPath))
      throw new TypeError(`invalid derivation path ${JSON.stringify(derivationPath)}`)

    this.publicKey = b4a.from(init.publicKey)
    this.#secretKey = b4a.from(init.secretKey)
    this.publicKeyHex = toHex(this.publicKey)
    this.hrp = hrp
    this.address = encodeAddress(this.publicKey, hrp)
    this.#mnemonic = normalizedMnemonic
    this.derivationPath = derivationPath
  }

  /** A fresh identity from a new 24-word mnemonic (read it from `mnemonic` to show it to the user once). */
  static generate(opts: WalletFromMnemonicOptions = {}): Wallet {
    return Wallet.fromMnemonic(generateMnemonic(), opts)
  }

  static fromMnemonic(mnemonic: string, opts: WalletFromMnemonicOptions = {}): Wallet {
    const derivationPath = opts.derivationPath ?? DEFAULT_DERIVATION_PATH
    const keyPair = keyPairFromMnemonic(mnemonic, { hrp: opts.hrp, derivationPath })
    return new Wallet({ ...keyPair, hrp: opts.hrp, mnemonic, derivationPath })
  }

  /** From a 64-byte libsodium secret key (seed ‖ publicKey), as bytes or hex. */
  static fromSecretKey(secretKey: Uint8Array | string, opts: WalletFromSecretKeyOptions = {}): Wallet {
    let bytes: Uint8Array
    if (typeof secretKey === 'string') {
      if (!isHex(secretKey, SECRET_KEY_BYTES))
        throw new TypeError(`secret key must be ${SECRET_KEY_BYTES} bytes of hex`)
      bytes = fromHex(secretKey)
    } else {
      bytes = secretKey
    }
    if (bytes.byteLength !== SECRET_KEY_BYTES) throw new TypeError(`secret key must be ${SECRET_KEY_BYTES} bytes`)
    return new Wallet({ ...opts, publicKey: bytes.subarray(SECRET_KEY_BYTES - PUBLIC_KEY_BYTES), secretKey: bytes })
  }

  /** From a 32-byte ed25519 seed. */
  static fromSeed(seed: Uint8Array, opts: WalletOptions = {}): Wallet {
    return new Wallet({ ...keyPairFromSeed(seed), hrp: opts.hrp })
  }

  static fromKeypairFileData(data: KeypairFileData, opts: WalletOptions = {}): Wallet {
    if (!isHex(data.publicKey, PUBLIC_KEY_BYTES))
      throw new TypeError(`publicKey must be ${PUBLIC_KEY_BYTES} bytes of hex`)
    if (!isHex(data.secretKey, SECRET_KEY_BYTES))
      throw new TypeError(`secretKey must be ${SECRET_KEY_BYTES} bytes of hex`)
    return new Wallet({
      hrp: opts.hrp,
      publicKey: fromHex(data.publicKey),
      secretKey: fromHex(data.secretKey),
      mnemonic: data.mnemonic,
      derivationPath: data.derivationPath
    })
  }

  /**
   * Verifies a hex ed25519 signature over `message` (a string is taken as UTF-8). Remote input goes through
   * here, so malformed sizes and an empty message give false without logging, unlike the reference.
   */
  static verify(signatureHex: unknown, message: Uint8Array | string, publicKeyHex: unknown): boolean {
    if (typeof message !== 'string' && !(message instanceof Uint8Array)) return false
    const bytes = messageBytes(message)
    // The reference rejects an empty message; keep that so both sides accept the same signatures.
    if (bytes.byteLength === 0) return false
    return verifyHex(signatureHex, bytes, publicKeyHex)
  }

  get secretKey(): Uint8Array {
    return this.#secretKey
  }

  get mnemonic(): string | null {
    return this.#mnemonic
  }

  /** The pair in the shape Hyperswarm / HyperDHT expect for `keyPair`. */
  get keyPair(): KeyPair {
    return { publicKey: this.publicKey, secretKey: this.#secretKey }
  }

  signBytes(message: Uint8Array | string): Uint8Array {
    return sign(messageBytes(message), this.#secretKey)
  }

  /** Lowercase hex of the ed25519 detached signature over the raw bytes (no pre-hash). */
  sign(message: Uint8Array | string): string {
    return toHex(this.signBytes(message))
  }

  verify(signatureHex: unknown, message: Uint8Array | string): boolean {
    return Wallet.verify(signatureHex, message, this.publicKeyHex)
  }

  /** Everything a keypair file stores. This includes the secret key, so only pass it to saveWallet. */
  toKeypairFileData(): KeypairFileData {
    return {
      publicKey: this.publicKeyHex,
      secretKey: toHex(this.#secretKey),
      mnemonic: this.#mnemonic,
      derivationPath: this.derivationPath
    }
  }

  toJSON(): { address: string; publicKey: string; hrp: string; derivationPath: string | null } {
    return { address: this.address, publicKey: this.publicKeyHex, hrp: this.hrp, derivationPath: this.derivationPath }
  }

  toString(): string {
    return `Wallet(${this.address})`
  }

  [INSPECT](): string {
    return this.toString()
  }
}
