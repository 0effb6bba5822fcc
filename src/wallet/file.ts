// Loading and creating keypair.json on disk. An existing file is never replaced by these helpers unless the
// caller asks for it: losing it means losing the identity (and any funds on its address).
import fs from 'fs/promises'
import path from 'path'
import { randomBytes, toHex, utf8 } from '../crypto/index.js'
import { DEFAULT_HRP } from './address.js'
import { WalletFileError } from './errors.js'
import { decryptKeypairFile, encryptKeypairFile, type KeypairFileData, type WalletPassword } from './keystore.js'
import { DEFAULT_DERIVATION_PATH, generateMnemonic } from './mnemonic.js'
import { Wallet } from './wallet.js'

// Owner-only: with the default empty password the file is as good as the plaintext secret key.
const FILE_MODE = 0o600

interface FsError {
  code?: string
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? (err as FsError).code : undefined
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

export interface LoadWalletOptions {
  /** Address prefix for the wallet; the stored keys do not depend on it. Default `trac`. */
  hrp?: string
  password?: WalletPassword
}

export interface LoadOrCreateWalletOptions extends LoadWalletOptions {
  /** Path used to derive a newly created identity. Default m/918'/0'/0'/0'. */
  derivationPath?: string
  /** Called once, after the new file is safely on disk, so the mnemonic can be shown to the user. */
  onCreated?: (info: { mnemonic: string }) => void
}

export interface SaveWalletOptions {
  password?: WalletPassword
  /** Replace an existing file. Off by default so a stray save cannot destroy an identity. */
  overwrite?: boolean
}

/** Reads and decrypts an existing keypair file; every failure is a WalletFileError naming the file. */
export async function loadWallet(filePath: string, opts: LoadWalletOptions = {}): Promise<Wallet> {
  let text: string
  try {
    text = await fs.readFile(filePath, 'utf8')
  } catch (err) {
    throw new WalletFileError(`cannot read: ${describe(err)}`, filePath, { cause: err })
  }
  return walletFromFileText(text, filePath, opts)
}

async function walletFromFileText(text: string, filePath: string, opts: LoadWalletOptions): Promise<Wallet> {
  try {
    const data = await decryptKeypairFile(text, opts.password)
    return Wallet.fromKeypairFileData(data, { hrp: opts.hrp ?? DEFAULT_HRP })
  } catch (err) {
    if (err instanceof WalletFileError) throw err.withPath(filePath)
    throw new WalletFileError(describe(err), filePath, { cause: err })
  }
}

/**
 * Loads the wallet at `filePath`, or creates it (new 24-word mnemonic) when there is no file. A file that exists
 * but cannot be used is reported with WalletFileError and left exactly as it is.
 */
export async function loadOrCreateWallet(
  filePath: string,
  opts: LoadOrCreateWalletOptions = {}
): Promise<{ wallet: Wallet; created: boolean }> {
  const hrp = opts.hrp ?? DEFAULT_HRP
  const existing = await readIfExists(filePath)
  if (existing !== null) return { wallet: await walletFromFileText(existing, filePath, opts), created: false }

  const mnemonic = generateMnemonic()
  const derivationPath = opts.derivationPath ?? DEFAULT_DERIVATION_PATH
  const wallet = Wallet.fromMnemonic(mnemonic, { hrp, derivationPath })
  const written = await writeFileAtomic(
    filePath,
    await encryptKeypairFile(wallet.toKeypairFileData(), opts.password),
    false
  )
  if (!written) {
    // Another process created the file while we were deriving; its identity wins.
    return { wallet: await loadWallet(filePath, opts), created: false }
  }
  opts.onCreated?.({ mnemonic })
  return { wallet, created: true }
}

/** Encrypts `data` and writes it atomically; refuses to replace an existing file unless `overwrite` is set. */
export async function saveWallet(
  filePath: string,
  data: KeypairFileData | Wallet,
  opts: SaveWalletOptions = {}
): Promise<void> {
  const fileData = data instanceof Wallet ? data.toKeypairFileData() : data
  const refusal = new WalletFileError('already exists; refusing to overwrite it', filePath)
  // Fail before the second-long key derivation; the link in writeFileAtomic still guards the race.
  if (opts.overwrite !== true && (await readIfExists(filePath)) !== null) throw refusal
  const text = await encryptKeypairFile(fileData, opts.password)
  const written = await writeFileAtomic(filePath, text, opts.overwrite === true)
  if (!written) throw refusal
}

async function readIfExists(filePath: string): Promise<string | null> {
  try {
    return await fs.readFile(filePath, 'utf8')
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return null
    throw new WalletFileError(`cannot read: ${describe(err)}`, filePath, { cause: err })
  }
}

/**
 * Writes `<file>.tmp-<random>`, syncs it, then moves it into place so readers see either nothing or the whole
 * file. Without `overwrite` the move is a hard link, which fails instead of replacing a file that appeared in
 * the meantime; returns false in that case.
 */
async function writeFileAtomic(filePath: string, contents: string, overwrite: boolean): Promise<boolean> {
  const dir = path.dirname(filePath)
  try {
    await fs.mkdir(dir, { recursive: true })
  } catch (err) {
    throw new WalletFileError(`cannot create directory ${dir}: ${describe(err)}`, filePath, { cause: err })
  }
  const tmpPath = `${filePath}.tmp-${toHex(randomBytes(6))}`
  try {
    const bytes = utf8(contents)
    const handle = await fs.open(tmpPath, 'wx', FILE_MODE)
    try {
      // FileHandle.writeFile does not exist under Bare, and a single write may be partial.
      for (let offset = 0; offset < bytes.byteLength; ) {
        const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset, offset)
        if (bytesWritten <= 0) throw new Error('write made no progress')
        offset += bytesWritten
      }
      await handle.sync()
    } finally {
      await handle.close()
    }
    if (overwrite) {
      await fs.rename(tmpPath, filePath)
      return true
    }
    return await placeWithoutReplacing(tmpPath, filePath)
  } catch (err) {
    if (err instanceof WalletFileError) throw err
    throw new WalletFileError(`cannot write: ${describe(err)}`, filePath, { cause: err })
  } finally {
    // Gone already after a rename; after a link or a failure this removes the leftover.
    await fs.unlink(tmpPath).catch(() => {})
  }
}

async function placeWithoutReplacing(tmpPath: string, filePath: string): Promise<boolean> {
  try {
    await fs.link(tmpPath, filePath)
    return true
  } catch (err) {
    if (errorCode(err) === 'EEXIST') return false
    // Some filesystems have no hard links; fall back to a checked rename, which only has a tiny race window.
    if ((await readIfExists(filePath)) !== null) return false
    await fs.rename(tmpPath, filePath)
    return true
  }
}
