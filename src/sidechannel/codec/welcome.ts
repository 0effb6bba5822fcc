// Owner-signed channel welcomes (spec §5.1, §5.4).
import { sign, toHex, utf8, verifyHex, type KeyPair } from '../../crypto/index.js'
import { canonicalJson } from './canonical.js'
import { normHex } from './payload.js'
import { hasPayloadObject, isObject } from './shape.js'

export const WELCOME_VERSION = 1

/** The signed fields in the order the reference writes them. */
export interface WelcomePayload {
  channel: string
  ownerPubKey: string
  text: string
  issuedAt: number
  version: number
}

export interface WelcomeObject {
  payload: WelcomePayload
  sig: string
}

/** The normalized (signed) fields plus the signature found on the input, if any. */
export interface NormalizedWelcome extends WelcomePayload {
  sig: string | null
}

export interface CreateWelcomeOptions {
  channel: string
  text: string
  keyPair: KeyPair
  issuedAt: number
}

/**
 * Signs a welcome. The channel is trimmed before signing (fix B18: the reference signs it untrimmed
 * while every verifier trims, so an untrimmed welcome never verifies).
 */
export function createWelcome(opts: CreateWelcomeOptions): WelcomeObject {
  const payload: WelcomePayload = {
    channel: String(opts.channel).trim(),
    ownerPubKey: toHex(opts.keyPair.publicKey),
    text: String(opts.text),
    issuedAt: opts.issuedAt,
    version: WELCOME_VERSION
  }
  const sig = toHex(sign(utf8(welcomeSigningString(payload)), opts.keyPair.secretKey))
  return { payload, sig }
}

/** Reads either `{payload:{…}, sig}` or the flat form `{…fields, sig}`; `signature` is accepted for `sig`. */
export function normalizeWelcome(w: unknown): NormalizedWelcome | null {
  if (!isObject(w)) return null
  const fields = hasPayloadObject(w) ? w.payload : w
  const sig = w.sig || w.signature
  return {
    channel: String(fields.channel ?? '').trim(),
    ownerPubKey: normHex(fields.ownerPubKey) ?? '',
    text: String(fields.text ?? ''),
    issuedAt: Number(fields.issuedAt),
    version: normalizeVersion(fields.version),
    sig: typeof sig === 'string' && sig !== '' ? sig : null
  }
}

/** Canonical string of the five signed fields (sorted: channel, issuedAt, ownerPubKey, text, version). */
export function welcomeSigningString(n: WelcomePayload): string {
  return canonicalJson({
    channel: n.channel,
    ownerPubKey: n.ownerPubKey,
    text: n.text,
    issuedAt: n.issuedAt,
    version: n.version
  })
}

/**
 * §5.4: the welcome is for `channel` (after trimming both), its owner is the configured owner key,
 * and the owner signed it. Pure: storing the welcome and marking the channel is the caller's job.
 * Never throws.
 */
export function verifyWelcome(w: unknown, channel: string, ownerKeyHex: string | null): boolean {
  try {
    const n = normalizeWelcome(w)
    if (n === null || n.sig === null) return false
    if (n.channel !== String(channel).trim()) return false
    const owner = normHex(ownerKeyHex)
    if (owner === null || owner !== n.ownerPubKey) return false
    if (!Number.isFinite(n.issuedAt)) return false
    return verifyHex(n.sig, utf8(welcomeSigningString(n)), owner)
  } catch {
    return false
  }
}

/** A string `"2"` does not count: only a finite number is taken, anything else means version 1. */
export function normalizeVersion(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : WELCOME_VERSION
}
