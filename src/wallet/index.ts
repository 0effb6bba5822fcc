export { DEFAULT_HRP, decodeAddress, encodeAddress, isAddress, isValidHrp } from './address.js'
export { WalletFileError } from './errors.js'
export {
  DEFAULT_DERIVATION_PATH,
  TESTNET_DERIVATION_PATH,
  DERIVATION_PATH_RE,
  fullDerivationPath,
  generateMnemonic,
  isDerivationPath,
  keyPairFromMnemonic,
  normalizeMnemonic,
  parseDerivationPath,
  validateMnemonic,
  type DerivationOptions
} from './mnemonic.js'
export { keyPairProblem } from './keys.js'
export {
  KEYPAIR_FILE_ALG_ARGON2I13,
  KEYPAIR_FILE_MEMLIMIT,
  KEYPAIR_FILE_NONCE_BYTES,
  KEYPAIR_FILE_OPSLIMIT,
  KEYPAIR_FILE_SALT_BYTES,
  decryptKeypairFile,
  deriveKeypairFileKey,
  encryptKeypairFile,
  keypairFileSalt,
  openKeypairFile,
  parseKeypairPlaintext,
  sealKeypairFile,
  serializeKeypairPlaintext,
  type DecodedKeypairFile,
  type EncryptOptions,
  type KeypairFileData,
  type WalletPassword
} from './keystore.js'
export {
  Wallet,
  type WalletFromMnemonicOptions,
  type WalletFromSecretKeyOptions,
  type WalletInit,
  type WalletOptions
} from './wallet.js'
export {
  loadOrCreateWallet,
  loadWallet,
  saveWallet,
  type LoadOrCreateWalletOptions,
  type LoadWalletOptions,
  type SaveWalletOptions
} from './file.js'
