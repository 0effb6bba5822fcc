// Receive- and send-pipeline decisions (spec §3, §4, §4.2) as pure functions: the single source of every
// decision. The manager holds the state (rate limiter, seen cache; invites and welcomes in access.ts) and calls
// these in this order, cheapest and crypto-free first (bug B7), counting drops by `PipelineDropReason`:
//   rate limiter (charged before any hashing) → frame size / malformed (json-frame.ts) → checkShape →
//   checkChannelBinding → checkFreshness → seen? (read only) → checkInviteGate → checkPowGate →
//   checkSignature (the `from` key signed it, B2) → checkOwnerOnly → seen? then remember →
//   checkWelcomeControl → checkWelcomeGate → decideOpenRequest → deliver (not for auth) → nextRelayTtl.
// An id is remembered only after the signature and PoW checks: remembering it before the message is proven
// would let a forged copy that arrives first shadow the genuine one.

import {
  type ChannelPolicyConfig,
  effectiveInviterKeys,
  inviteRequired,
  ownerKeyFor,
  ownerWriteOnly,
  selfIsInviter,
  selfIsOwner,
  welcomeRequired
} from './policy.js'
import { isRecord } from '../common/index.js'
import { fromHex, isHex, utf8 } from '../crypto/index.js'
import { checkPow, normHex, signatureBaseString } from './codec/index.js'

/** Freshness window and matching seen-cache TTL (bug B4): generous enough for unsynchronised clocks. */
export const DEFAULT_MAX_AGE_MS = 10 * 60 * 1000
/** Effective inbound maximum of a default reference receiver (its token bucket size, spec §2.7). */
export const DEFAULT_MAX_INBOUND_BYTES = 256_000
export const MAX_ID_LENGTH = 256

export type DropReason =
  | 'too-large'
  | 'not-object'
  | 'bad-id'
  | 'bad-channel'
  | 'bad-from'
  | 'bad-origin'
  | 'bad-ts'
  | 'bad-ttl'
  | 'bad-sig'
  | 'bad-pow'
  | 'bad-invite'
  | 'channel-mismatch'
  | 'stale'
  | 'invite'
  | 'owner-only'
  | 'invalid-welcome'
  | 'missing-welcome'
  | 'awaiting-welcome'
  | 'empty-channel'
  | 'invite-required'

/** Every reason the receive and send pipelines count a drop under (`--sidechannel-debug 1` logs each). */
export type PipelineDropReason =
  | DropReason
  | 'rate-limit'
  | 'blocked'
  | 'bad-length'
  | 'truncated'
  | 'invalid-json'
  | 'duplicate'
  | 'invalid-pow'
  | 'bad-signature'
  | 'open-welcome'
  | 'open-missing-welcome'
  | 'open-invite'
  | 'undecryptable'
  | 'queue-full'
  | 'unsent-channel-closed'
  | 'internal-error'

export type GateResult = { ok: true } | { ok: false; reason: DropReason; detail?: string }

const OK: GateResult = Object.freeze({ ok: true })

function drop(reason: DropReason, detail?: string): GateResult {
  return detail === undefined ? { ok: false, reason } : { ok: false, reason, detail }
}

export interface InboundContext {
  /** Channel the frame arrived on (the record's name, already trimmed). */
  channel: string
  /** Lowercase hex transport key of the connection, or `unknown`. */
  remoteKey: string
  now: number
  /** Size of the frame as received (or as re-measured when the decoder hides it). */
  frameBytes: number
}

/** A payload that passed `checkShape`. The object is the decoded one, untouched: PoW and relays need it verbatim. */
export interface InboundPayload {
  [key: string]: unknown
  id: string
  channel: string
  /** Raw as sent (any hex case); compare lowercased. Absent is treated like null. */
  from?: string | null
  origin?: string | null
  message?: unknown
  ts: number
  ttl?: number | null
  sig?: string | null
  signature?: string | null
  pow?: Record<string, unknown> | null
  invite?: Record<string, unknown> | null
}

export type ControlKind = 'open_channel' | 'auth' | 'welcome'

const KEY_HEX_RE = /^[0-9a-fA-F]{64}$/

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (!isRecord(v)) return false
  const proto: unknown = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

/** `obj[key]` when `obj` is an object, else undefined: the reference's property chains on remote data. */
function field(obj: unknown, key: string): unknown {
  return isRecord(obj) ? obj[key] : undefined
}

// `null` is accepted wherever a field may be absent: it carries nothing, and rejecting it would only risk
// dropping traffic from a sender that spells "absent" that way.
function absent(v: unknown): v is null | undefined {
  return v === undefined || v === null
}

export function checkFrameSize(frameBytes: number, maxBytes: number): GateResult {
  return Number.isFinite(frameBytes) && frameBytes >= 0 && frameBytes <= maxBytes ? OK : drop('too-large')
}

/**
 * Structural validation of a decoded payload. `frameBytes` may be omitted when the decoder already
 * enforced `maxBytes` on the raw frame (re-serializing here would only repeat that work).
 */
export function checkShape(
  p: unknown,
  maxBytes: number,
  frameBytes?: number
): { ok: true; payload: InboundPayload } | { ok: false; reason: DropReason; detail?: string } {
  if (frameBytes !== undefined) {
    const size = checkFrameSize(frameBytes, maxBytes)
    if (!size.ok) return size
  }
  if (!isPlainObject(p)) return { ok: false, reason: 'not-object' }
  const { id, channel, from, origin, ts, ttl, sig, signature, pow, invite } = p
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) return { ok: false, reason: 'bad-id' }
  if (typeof channel !== 'string') return { ok: false, reason: 'bad-channel' }
  if (!absent(from) && !(typeof from === 'string' && KEY_HEX_RE.test(from))) return { ok: false, reason: 'bad-from' }
  if (!absent(origin) && !(typeof origin === 'string' && KEY_HEX_RE.test(origin)))
    return { ok: false, reason: 'bad-origin' }
  if (typeof ts !== 'number' || !Number.isFinite(ts)) return { ok: false, reason: 'bad-ts' }
  if (!absent(ttl) && !(typeof ttl === 'number' && Number.isFinite(ttl))) return { ok: false, reason: 'bad-ttl' }
  if (!absent(sig) && typeof sig !== 'string') return { ok: false, reason: 'bad-sig' }
  if (!absent(signature) && typeof signature !== 'string') return { ok: false, reason: 'bad-sig' }
  if (!absent(pow) && !isRecord(pow)) return { ok: false, reason: 'bad-pow' }
  if (!absent(invite) && !isRecord(invite)) return { ok: false, reason: 'bad-invite' }
  return { ok: true, payload: p as InboundPayload }
}

/** Bug B3: the signed `channel` must name the channel the frame arrived on, or it is a cross-channel replay. */
export function checkChannelBinding(p: Pick<InboundPayload, 'channel'>, ctx: InboundContext): GateResult {
  return p.channel.trim() === ctx.channel ? OK : drop('channel-mismatch')
}

/** Bug B4: reject timestamps outside ±maxAgeMs of local time; maxAgeMs ≤ 0 disables the check. */
export function checkFreshness(p: Pick<InboundPayload, 'ts'>, now: number, maxAgeMs: number): GateResult {
  if (!(maxAgeMs > 0)) return OK
  return Math.abs(now - p.ts) > maxAgeMs ? drop('stale') : OK
}

export interface InviteGateInput {
  policy: ChannelPolicyConfig
  channel: string
  remoteKey: string
  /** Self holds an accepted, unexpired local invite for `channel`. */
  selfHoldsValidLocalInvite: boolean
  /** Expiry of the invite remembered for (channel, remoteKey), or null. */
  remoteInviteExpiry: number | null
  /**
   * Verifies `p.invite || p.message.invite` for (channel, remoteKey) and remembers it on success. Only
   * called when nothing cheaper admits the remote, so its signature check runs as rarely as possible.
   */
  verifyCarriedInvite: () => boolean
  now: number
}

/** Spec §3 step 3: on invite-only channels both ends must be inviters or invited. */
export function checkInviteGate(input: InviteGateInput): GateResult {
  const { policy, channel } = input
  if (!inviteRequired(policy, channel)) return OK
  if (!selfIsInviter(policy) && !input.selfHoldsValidLocalInvite) return drop('invite', 'self-not-invited')
  if (remoteIsTrusted(policy, input.remoteKey, input.remoteInviteExpiry, input.now)) return OK
  return input.verifyCarriedInvite() ? OK : drop('invite', 'remote-not-invited')
}

function remoteIsTrusted(
  cfg: ChannelPolicyConfig,
  remoteKey: string,
  rememberedExpiry: number | null,
  now: number
): boolean {
  if (effectiveInviterKeys(cfg)?.has(remoteKey.toLowerCase()) === true) return true
  return rememberedExpiry !== null && rememberedExpiry > now
}

/** Spec §4.2: may payloads for `ch` be sent or relayed to this remote? */
export function isAuthorized(
  cfg: ChannelPolicyConfig,
  ch: string,
  remoteKey: string,
  rememberedExpiry: number | null,
  now: number
): boolean {
  if (!inviteRequired(cfg, ch)) return true
  return remoteIsTrusted(cfg, remoteKey, rememberedExpiry, now)
}

/**
 * Whether to show our invite (the `auth` control) to this remote on an invite-only channel. The reference
 * sends it to every peer that opens the channel (B15); we send it only to peers entitled to see it:
 * - the inviters and the channel owner, who vouch for the channel (at channel open);
 * - a peer that showed us a valid invite for the same channel first (its own `auth`, or an invite it
 *   carried). Reference invitees send theirs at open, so a reference member that relays the channel gets ours
 *   in return and then accepts and relays our traffic; an uninvited peer never sees it.
 * Inviters never send one (they need none), and neither does a peer whose own invite is missing or expired.
 */
export interface AuthSendInput {
  policy: ChannelPolicyConfig
  channel: string
  remoteKey: string
  /** Self holds an accepted, unexpired local invite for `channel`. */
  selfHoldsValidLocalInvite: boolean
  /** Expiry of the invite the remote showed us for `channel`, or null. */
  remoteInviteExpiry: number | null
  now: number
}

export function shouldSendAuth(input: AuthSendInput): boolean {
  const { policy, channel } = input
  if (!inviteRequired(policy, channel) || selfIsInviter(policy) || !input.selfHoldsValidLocalInvite) return false
  const remote = input.remoteKey.toLowerCase()
  if (effectiveInviterKeys(policy)?.has(remote) === true || ownerKeyFor(policy, channel) === remote) return true
  return input.remoteInviteExpiry !== null && input.remoteInviteExpiry > input.now
}

/**
 * Spec §3 step 7, after `checkSignature` proved that `from` signed the payload: on an owner-only channel only
 * the owner's messages pass. Auth and welcome controls are exempt: invitees and the owner's welcome must reach
 * owner-only channels.
 */
export function checkOwnerOnly(
  cfg: ChannelPolicyConfig,
  ch: string,
  p: Pick<InboundPayload, 'from'>,
  control: ControlKind | null
): GateResult {
  if (!ownerWriteOnly(cfg, ch)) return OK
  if (control === 'auth' || control === 'welcome') return OK
  const owner = ownerKeyFor(cfg, ch)
  if (owner === null) return drop('owner-only', 'no-owner-key')
  const from = typeof p.from === 'string' ? p.from.trim().toLowerCase() : null
  return from === owner ? OK : drop('owner-only', 'not-owner')
}

/** §3 step 5: on a channel that needs `bits` of hashcash, the payload's PoW must meet it. */
export function checkPowGate(p: InboundPayload, bits: number): { ok: true } | { ok: false; reason: 'invalid-pow' } {
  return bits <= 0 || checkPow(p, bits) ? { ok: true } : { ok: false, reason: 'invalid-pow' }
}

/** What an ed25519 check of a payload needs: the signature, the signed bytes and the claimed signer. */
export interface SignatureJob {
  sig: Uint8Array
  msg: Uint8Array
  publicKey: Uint8Array
}

/**
 * §3 step 6 with B2 fixed: every message must be signed by its `from` key. Returns the check to run (inline or
 * on a worker); a payload without a well-formed key and signature is dropped here.
 */
export function checkSignature(
  p: InboundPayload
): { ok: true; job: SignatureJob } | { ok: false; reason: 'bad-signature' } {
  const from = normHex(p.from)
  const sig = p.sig || p.signature
  if (from === null || !isHex(from, 32) || !isHex(sig, 64)) return { ok: false, reason: 'bad-signature' }
  return {
    ok: true,
    job: { sig: fromHex(sig), msg: utf8(signatureBaseString(p as any, { decoded: true })), publicKey: fromHex(from) }
  }
}

/** Spec §3 step 9: the welcome candidate a payload carries, in the reference's lookup order. */
export function extractWelcome(p: InboundPayload): unknown {
  return (
    field(p.message, 'welcome') ||
    p.welcome ||
    field(p.invite, 'welcome') ||
    field(field(p.message, 'invite'), 'welcome') ||
    undefined
  )
}

/**
 * Spec §3 step 9: a welcome control must carry a welcome that verifies. Other messages pass whatever
 * their welcome's fate (`welcomeOk` then only feeds `checkWelcomeGate`).
 */
export function checkWelcomeControl(
  control: ControlKind | null,
  welcomePresent: boolean,
  welcomeOk: boolean
): GateResult {
  if (control !== 'welcome') return OK
  if (!welcomePresent) return drop('missing-welcome')
  return welcomeOk ? OK : drop('invalid-welcome')
}

/** Spec §3 step 10: nothing is delivered on a welcome-gated channel before some welcome for it verified. */
export function checkWelcomeGate(
  cfg: ChannelPolicyConfig,
  ch: string,
  channelWelcomed: boolean,
  welcomeOk: boolean
): GateResult {
  if (!welcomeRequired(cfg, ch)) return OK
  // The owner counts as welcomed on its own channel even before it signs a welcome.
  if (channelWelcomed || welcomeOk || selfIsOwner(cfg, ch)) return OK
  return drop('awaiting-welcome')
}

export interface OpenRequestInput {
  policy: ChannelPolicyConfig
  control: ControlKind | null
  /** `p.message` of the inbound payload. */
  message: unknown
  allowRemoteOpen: boolean
  autoJoin: boolean
  /** Verifies a welcome for the target channel (and stores it on success, as §5.4 does). */
  verifyWelcome: (welcome: unknown, target: string) => boolean
  /** Verifies an invite for (target, remote key). */
  verifyInvite: (invite: unknown, target: string) => boolean
  /** Auto-join budget (bug B20), e.g. `AutoJoinLimiter.allow`; consulted only when about to join. */
  autoJoinAllowed?: (target: string) => boolean
}

/**
 * - `deliver`: not an open request handled here; continue to delivery and relay.
 * - `ignore`: an open request with an empty target; not delivered, still relayed.
 * - `deny`: drop, neither delivered nor relayed.
 * - `join` / `notify`: accepted; join the target (auto-join) or just report it; relayed, not delivered.
 */
export type OpenDecision =
  | { action: 'deliver' }
  | { action: 'ignore' }
  | { action: 'deny'; reason: 'open-welcome' | 'open-missing-welcome' | 'open-invite' }
  | { action: 'join'; target: string }
  | { action: 'notify'; target: string; reason?: 'auto-join-limit' }

/** Spec §3 step 11. */
export function decideOpenRequest(input: OpenRequestInput): OpenDecision {
  if (input.control !== 'open_channel' || !input.allowRemoteOpen) return { action: 'deliver' }
  const requested = field(input.message, 'channel')
  if (typeof requested !== 'string') return { action: 'deliver' }
  const target = requested.trim()
  if (target.length === 0) return { action: 'ignore' }

  const invite = field(input.message, 'invite')
  const welcome = field(input.message, 'welcome') || field(invite, 'welcome')
  if (welcome) {
    if (!input.verifyWelcome(welcome, target)) return { action: 'deny', reason: 'open-welcome' }
  } else if (welcomeRequired(input.policy, target)) {
    return { action: 'deny', reason: 'open-missing-welcome' }
  }
  if (inviteRequired(input.policy, target) && !(invite && input.verifyInvite(invite, target))) {
    return { action: 'deny', reason: 'open-invite' }
  }
  if (!input.autoJoin) return { action: 'notify', target }
  if (input.autoJoinAllowed !== undefined && !input.autoJoinAllowed(target)) {
    return { action: 'notify', target, reason: 'auto-join-limit' }
  }
  return { action: 'join', target }
}

/**
 * Spec §1.6: may this peer register `ch`? Invite-only channels need self to be an inviter or to hold
 * a valid local invite.
 */
export function checkRegistration(
  cfg: ChannelPolicyConfig,
  ch: string,
  selfHoldsValidLocalInvite: boolean
): GateResult {
  const name = ch.trim()
  if (name.length === 0) return drop('empty-channel')
  if (inviteRequired(cfg, name) && !selfIsInviter(cfg) && !selfHoldsValidLocalInvite) return drop('invite-required')
  return OK
}

/** Spec §4 steps 1–2: only the owner writes to an owner-only channel, except for auth controls. */
export function sendDecision(cfg: ChannelPolicyConfig, ch: string, isAuthControl: boolean): GateResult {
  const name = ch.trim()
  if (name.length === 0) return drop('empty-channel')
  if (ownerWriteOnly(cfg, name) && !isAuthControl && !selfIsOwner(cfg, name)) return drop('owner-only')
  return OK
}

/**
 * Spec §3 step 13 with bug B6 fixed: the ttl a relayed copy carries, or 0 for "do not relay". The
 * unsigned ttl is capped at the local relay ttl so a relay cannot buy a message unlimited hops.
 */
export function nextRelayTtl(p: Pick<InboundPayload, 'ttl'>, control: ControlKind | null, maxRelayTtl: number): number {
  if (control === 'auth' || control === 'welcome') return 0
  const ttl = typeof p.ttl === 'number' && Number.isFinite(p.ttl) ? Math.min(p.ttl, maxRelayTtl) : 0
  return ttl > 0 ? ttl - 1 : 0
}

export interface AutoJoinLimiterOptions {
  /** Distinct channels that may be auto-joined in total (until `forget`). */
  maxChannels?: number
  /** New auto-joins allowed in any sliding 60 s window. */
  perMinute?: number
}

/** Bug B20: bounds how many channels remote open requests can make this peer join, and how fast. */
export class AutoJoinLimiter {
  readonly maxChannels: number
  readonly perMinute: number
  private readonly joined = new Set<string>()
  private recent: number[] = []

  constructor({ maxChannels = 32, perMinute = 10 }: AutoJoinLimiterOptions = {}) {
    this.maxChannels = maxChannels
    this.perMinute = perMinute
  }

  get size(): number {
    return this.joined.size
  }

  /** True when `channel` may be auto-joined now; records the join. Re-requests for a joined channel are free. */
  allow(channel: string, now: number): boolean {
    if (this.joined.has(channel)) return true
    if (this.joined.size >= this.maxChannels) return false
    this.recent = this.recent.filter((at) => now - at < 60_000)
    if (this.recent.length >= this.perMinute) return false
    this.recent.push(now)
    this.joined.add(channel)
    return true
  }

  /** Frees the channel's slot, e.g. after leaving it. */
  forget(channel: string): void {
    this.joined.delete(channel)
  }
}
