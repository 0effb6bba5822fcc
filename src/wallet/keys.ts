import b4a from 'b4a'
import { PUBLIC_KEY_BYTES, SECRET_KEY_BYTES, keyPairFromSeed } from '../crypto/index.js'

const SEED_BYTES = 32

/**
 * Why `secretKey` is not the libsodium secret key of `publicKey` (wrong size, embedded public half differs,
 * or the seed half derives another key), or null when the pair is consistent. Checking the seed matters:
 * signing uses the embedded public half, so a mismatched pair would produce signatures nobody can verify.
 */
export function keyPairProblem(publicKey: Uint8Array, secretKey: Uint8Array): string | null {
  if (publicKey.byteLength !== PUBLIC_KEY_BYTES)
    return `publicKey must be ${PUBLIC_KEY_BYTES} bytes, got ${publicKey.byteLength}`
  if (secretKey.byteLength !== SECRET_KEY_BYTES)
    return `secretKey must be ${SECRET_KEY_BYTES} bytes, got ${secretKey.byteLength}`
  if (!b4a.equals(secretKey.subarray(SEED_BYTES), publicKey)) return 'the last 32 bytes of secretKey are not publicKey'
  const derived = keyPairFromSeed(secretKey.subarray(0, SEED_BYTES))
  if (!b4a.equals(derived.publicKey, publicKey)) return 'the seed half of secretKey does not derive publicKey'
  return null
}
