/**
 * Raised for a keypair file that cannot be used: unreadable, not in the keystore format, not decryptable
 * with the given password, or decrypting to keys that are inconsistent. `path` is null when the error comes
 * from the pure codec (no file involved); the file helpers fill it in so the message names the file.
 */
import { IntercomError } from '../errors.js'

export class WalletFileError extends IntercomError {
  readonly path: string | null
  readonly reason: string

  constructor(reason: string, path: string | null = null, options?: { cause?: unknown }) {
    super('WALLET_FILE', path === null ? `invalid keypair file: ${reason}` : `wallet file ${path}: ${reason}`, options)
    this.name = 'WalletFileError'
    this.reason = reason
    this.path = path
  }

  /** The same failure, attributed to a file on disk. */
  withPath(path: string): WalletFileError {
    return new WalletFileError(this.reason, path, { cause: this.cause })
  }
}
