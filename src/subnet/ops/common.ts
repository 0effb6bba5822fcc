// What every op handler receives, and the small reads and writes they share.
import { utf8 } from '../../crypto/index.js'
import type { ApplyContext, ApplyNode, ApplyOutcome, MembershipHost, ViewStore } from '../types.js'

export interface OpEnv {
  /** Staged: nothing reaches the real view unless the handler returns (see overlay.ts). */
  store: ViewStore
  /** Staged the same way; `removeable` answers from the real host. */
  host: MembershipHost
  ctx: ApplyContext
  node: ApplyNode
}

/** One op type's apply logic. `op` is the node value, already known to be an object with a string `type`. */
export type OpHandler = (op: Record<string, unknown>, env: OpEnv) => Promise<ApplyOutcome>

export const APPLIED: ApplyOutcome = Object.freeze({ applied: true })

export function skip(reason: string): ApplyOutcome {
  return { applied: false, reason }
}

/** The reference checks sizes as the UTF-8 byte length of `JSON.stringify(op)`. */
export function jsonByteLength(value: unknown): number {
  return utf8(JSON.stringify(value) ?? '').byteLength
}

export interface AdminEntry {
  /** The key exists (its value may be null: the admin was given up for good). */
  exists: boolean
  /** The admin public key hex, or null when absent or given up (or, after a bad write, not a string). */
  key: string | null
}

export async function readAdmin(store: ViewStore): Promise<AdminEntry> {
  if (!(await store.has('admin'))) return { exists: false, key: null }
  const value = await store.get('admin')
  return { exists: true, key: typeof value === 'string' ? value : null }
}

/** `mod/<pub>` is exactly `true`. */
export async function isMod(store: ViewStore, pub: string): Promise<boolean> {
  return (await store.get('mod/' + pub)) === true
}

/** Replay protection: a signature is accepted once; `sh/<signature>` marks it used. */
export async function signatureUsed(store: ViewStore, signatureHex: string): Promise<boolean> {
  return await store.has('sh/' + signatureHex)
}

export async function markSignatureUsed(store: ViewStore, signatureHex: string): Promise<void> {
  await store.put('sh/' + signatureHex, '')
}

/**
 * Reads a counter (`msgl`, `umsgl/<a>`, `txl`, ...) as the reference does: the stored value, or 0 when absent.
 * Apply only ever stores integers here, but `umsgl/` is not a reserved key, so a contract could store anything;
 * the value is then used exactly as JavaScript would (`${n}` in keys, `n + 1` via `nextCount`), which is what
 * every other node does too.
 */
export async function readCount(store: ViewStore, key: string): Promise<unknown> {
  return (await store.get(key)) ?? 0
}

/** `n + 1` with JavaScript's `+` (numbers add; anything else follows the reference's coercion). */
export function nextCount(n: unknown): unknown {
  return (n as number) + 1
}

/** A writer key Autobase can take: 32 bytes. `is_hex` alone lets any even-length hex through. */
export function isWriterKeyHex(key: string): boolean {
  return key.length === 64
}
