// Inviter-signed channel invites (spec §5.2, §5.5).
import { sign, toHex, utf8, verifyHex, type KeyPair } from '../../crypto/index.js'
import { canonicalJson } from './canonical.js'
import { normHex } from './payload.js'
import { hasPayloadObject, isObject } from './shape.js'
import { normalizeVersion } from './welcome.js'

export const INVITE_VERSION = 1
/** How far in the future an invite's issuedAt may lie when lifetime limits are enforced. */
export const INVITE_CLOCK_SKEW_MS = 10 * 60 * 1000

/** The signed fields in the order the reference writes them. */
export interface InvitePayload {
  channel: string
  inviteePubKey: string
  inviterPubKey: string
  inviterAddress: unknown
  issuedAt: number
  expiresAt: number
  nonce: string
  version: number
}

/** `welcome` is carried along but NOT covered by the invite signature (it has its own). */
export interface InviteObject {
  payload: InvitePayload
  sig: string
  welcome?: unknown
  /** Our extension: the channel's base64 message key (sealed channels). Not signed; never sent on the wire. */
  channelKey?: string
}

export interface NormalizedInvite extends InvitePayload {
  sig: string | null
}

export interface CreateInviteOptions {
  channel: string
  inviteePubKey: string
  keyPair: KeyPair
  inviterAddress: string | null
  issuedAt: number
  ttlMs: number
  /** Caller-drawn random text, 8 base36 characters in the reference (see randomSuffix). */
  nonce: string
  welcome?: unknown
  /** base64 channel key handed to the invitee (sealed channels). */
  channelKey?: string
}

/**
 * Signs an invite. The channel is trimmed first: verifiers compare it untrimmed with the channel
 * name, which is always trimmed, so an untrimmed channel would make the invite useless.
 */
export function createInvite(opts: CreateInviteOptions): InviteObject {
  const payload: InvitePayload = {
    channel: String(opts.channel).trim(),
    inviteePubKey: normHex(opts.inviteePubKey) ?? '',
    inviterPubKey: toHex(opts.keyPair.publicKey),
    inviterAddress: opts.inviterAddress ?? null,
    issuedAt: opts.issuedAt,
    expiresAt: opts.issuedAt + opts.ttlMs,
    nonce: String(opts.nonce),
    version: INVITE_VERSION
  }
  const sig = toHex(sign(utf8(inviteSigningString(payload)), opts.keyPair.secretKey))
  const invite: InviteObject = { payload, sig }
  if (opts.welcome !== undefined && opts.welcome !== null) invite.welcome = opts.welcome
  if (opts.channelKey) invite.channelKey = opts.channelKey
  return invite
}

/** Reads `{payload:{…}, sig}` (or the flat form); `signature` is accepted for `sig`. */
export function normalizeInvite(inv: unknown): NormalizedInvite | null {
  if (!isObject(inv)) return null
  const fields = hasPayloadObject(inv) ? inv.payload : inv
  const sig = inv.sig || inv.signature
  return {
    channel: String(fields.channel ?? ''),
    inviteePubKey: normHex(fields.inviteePubKey) ?? '',
    inviterPubKey: normHex(fields.inviterPubKey) ?? '',
    inviterAddress: fields.inviterAddress ?? null,
    issuedAt: Number(fields.issuedAt),
    expiresAt: Number(fields.expiresAt),
    nonce: String(fields.nonce ?? ''),
    version: normalizeVersion(fields.version),
    sig: typeof sig === 'string' && sig !== '' ? sig : null
  }
}

/** Canonical string of the eight signed fields. */
export function inviteSigningString(n: InvitePayload): string {
  return canonicalJson({
    channel: n.channel,
    inviteePubKey: n.inviteePubKey,
    inviterPubKey: n.inviterPubKey,
    inviterAddress: n.inviterAddress,
    issuedAt: n.issuedAt,
    expiresAt: n.expiresAt,
    nonce: n.nonce,
    version: n.version
  })
}

export interface VerifyInviteOptions {
  /** Trusted inviters (lowercase hex); null accepts any inviter, as the reference does without a list. */
  inviterKeys: Set<string> | null
  now: number
  /**
   * Local hardening (B10), off when absent: refuse invites living longer than this and invites
   * issued more than INVITE_CLOCK_SKEW_MS in the future. Reference peers do not check either.
   */
  maxLifetimeMs?: number
}

export type InviteVerdict = { ok: true; expiresAt: number } | { ok: false; reason: string }

/**
 * §5.5 `verifyInviteForKey`: the invite is for `channel` (compared untrimmed), addressed to
 * `inviteeKeyHex`, issued by a trusted inviter, unexpired at `now`, and signed by its inviter.
 * Pure and never throws; remembering the result is the caller's job.
 */
export function verifyInvite(
  inv: unknown,
  channel: string,
  inviteeKeyHex: string,
  opts: VerifyInviteOptions
): InviteVerdict {
  try {
    const n = normalizeInvite(inv)
    if (n === null) return fail('not an object')
    if (n.sig === null) return fail('missing signature')
    if (n.channel !== String(channel)) return fail('wrong channel')
    if (n.inviteePubKey !== (normHex(inviteeKeyHex) ?? '') || n.inviteePubKey === '') return fail('wrong invitee')
    if (n.inviterPubKey === '') return fail('missing inviter')
    if (opts.inviterKeys !== null && !opts.inviterKeys.has(n.inviterPubKey)) return fail('untrusted inviter')
    if (!Number.isFinite(n.issuedAt) || !Number.isFinite(n.expiresAt)) return fail('bad timestamps')
    if (n.expiresAt <= opts.now) return fail('expired')
    if (opts.maxLifetimeMs !== undefined) {
      if (n.expiresAt - n.issuedAt > opts.maxLifetimeMs) return fail('lifetime too long')
      if (n.issuedAt > opts.now + INVITE_CLOCK_SKEW_MS) return fail('issued in the future')
    }
    if (!verifyHex(n.sig, utf8(inviteSigningString(n)), n.inviterPubKey)) return fail('bad signature')
    return { ok: true, expiresAt: n.expiresAt }
  } catch {
    return fail('malformed')
  }
}

function fail(reason: string): InviteVerdict {
  return { ok: false, reason }
}
