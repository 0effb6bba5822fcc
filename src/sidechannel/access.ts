// Who may talk on which channel: the membership and authorization state of the sidechannel plane, in one
// place. It holds the welcomes this peer trusts, the invites it holds and the ones remotes showed it, and the
// keys of sealed channels; it persists them (state-store.ts) and answers every access question through the
// pure gates (gates.ts, policy.ts), which stay the single source of each decision. No transport here.
import type { KeyPair } from '../crypto/index.js'
import { isRecord } from '../common/index.js'
import {
  normalizeChannelName,
  verifyWelcome,
  verifyInvite,
  newChannelKey,
  encodeChannelKey,
  decodeChannelKey
} from './codec/index.js'
import { type ChannelPolicyConfig, ownerKeyFor, effectiveInviterKeys, selfIsOwner } from './policy.js'
import { checkRegistration, isAuthorized, shouldSendAuth } from './gates.js'
import { emptyState, type PersistedSidechannelState, type SidechannelStateStore } from './state-store.js'

export interface ChannelAccessOptions {
  policy: ChannelPolicyConfig
  /** This peer's key: invites must be addressed to it. */
  identity: { publicKeyHex: string; keyPair: KeyPair }
  store: SidechannelStateStore
  now: () => number
  log: (line: string) => void
  debug: (line: string) => void
}

type Invite = Record<string, unknown>

export class ChannelAccess {
  readonly policy: ChannelPolicyConfig
  private readonly opts: ChannelAccessOptions
  private readonly welcomes = new Map<string, unknown>()
  private readonly welcomed = new Set<string>()
  private readonly localInvites = new Map<string, { invite: Invite; expiresAt: number }>()
  private readonly remoteInvites = new Map<string, Map<string, number>>()
  private readonly channelKeys = new Map<string, Uint8Array>()

  constructor(opts: ChannelAccessOptions) {
    this.opts = opts
    this.policy = opts.policy
  }

  // ---------------------------------------------------------------- persistence

  /** Restores the saved state (re-verifying it against today's policy), then the configured welcomes. */
  async load(configWelcomes: Map<string, unknown>): Promise<void> {
    this.restore(await this.opts.store.load())
    for (const [ch, w] of configWelcomes) this.storeConfigWelcome(ch, w)
  }

  async flush(): Promise<void> {
    await this.opts.store.flush()
  }

  private restore(state: PersistedSidechannelState): void {
    const now = this.opts.now()
    for (const [ch, w] of Object.entries(state.welcomes)) {
      // Owner configuration may have changed since: re-verify instead of trusting the file.
      if (verifyWelcome(w, ch, ownerKeyFor(this.policy, ch))) {
        this.welcomes.set(ch, w)
        this.welcomed.add(ch)
      }
    }
    for (const [ch, inv] of Object.entries(state.localInvites)) {
      const res = verifyInvite(inv, ch, this.opts.identity.publicKeyHex, {
        inviterKeys: effectiveInviterKeys(this.policy),
        now
      })
      if (res.ok && isRecord(inv)) this.localInvites.set(ch, { invite: inv, expiresAt: res.expiresAt })
    }
    for (const [ch, k] of Object.entries(state.channelKeys)) {
      const key = decodeChannelKey(k)
      if (key) this.channelKeys.set(ch, key)
    }
    for (const [ch, m] of Object.entries(state.remoteInvites)) {
      const keep = new Map<string, number>()
      for (const [k, exp] of Object.entries(m)) if (exp > now) keep.set(k, exp)
      if (keep.size > 0) this.remoteInvites.set(ch, keep)
    }
  }

  private snapshot(): PersistedSidechannelState {
    const s = emptyState()
    for (const ch of this.welcomed) {
      const w = this.welcomes.get(ch)
      if (w !== undefined) s.welcomes[ch] = w
    }
    for (const [ch, { invite }] of this.localInvites) s.localInvites[ch] = invite
    for (const [ch, m] of this.remoteInvites) s.remoteInvites[ch] = Object.fromEntries(m)
    for (const [ch, k] of this.channelKeys) s.channelKeys[ch] = encodeChannelKey(k)
    return s
  }

  private persist(): void {
    this.opts.store.schedule(() => this.snapshot())
  }

  // ---------------------------------------------------------------- registration

  /** Spec §1.6: may this peer register `ch` (invite-only channels need an inviter or a held invite)? */
  mayRegister(ch: string): boolean {
    return checkRegistration(this.policy, ch, this.holdsInvite(ch)).ok
  }

  /** Forgets everything about a channel this peer left. */
  forget(ch: string): void {
    this.welcomes.delete(ch)
    this.welcomed.delete(ch)
    this.localInvites.delete(ch)
    this.remoteInvites.delete(ch)
    this.persist()
  }

  // ---------------------------------------------------------------- invites

  /** Verifies an invite addressed to this peer and keeps it for `channel` (default: the channel it names). */
  acceptInvite(invite: unknown, channel?: string): boolean {
    if (!isRecord(invite)) return false
    const payload = isRecord(invite.payload) ? invite.payload : invite
    const ch = channel ?? (typeof payload.channel === 'string' ? payload.channel : '')
    const res = verifyInvite(invite, ch, this.opts.identity.publicKeyHex, {
      inviterKeys: effectiveInviterKeys(this.policy),
      now: this.opts.now()
    })
    if (!res.ok) {
      this.opts.debug(`[sidechannel:${ch}] local invite rejected (${res.reason})`)
      return false
    }
    this.localInvites.set(ch, { invite, expiresAt: res.expiresAt })
    const key = decodeChannelKey(invite.channelKey)
    if (key) this.channelKeys.set(ch, key)
    if (invite.welcome !== undefined) this.acceptWelcome(invite.welcome, ch)
    this.persist()
    return true
  }

  /** This peer holds an unexpired invite for `ch`. */
  holdsInvite(ch: string): boolean {
    const inv = this.localInvites.get(ch)
    return inv !== undefined && inv.expiresAt > this.opts.now()
  }

  /** Expiry of the invite `remoteKey` showed for `ch`, when still valid. */
  remoteInviteExpiry(ch: string, remoteKey: string): number | null {
    const exp = this.remoteInvites.get(ch)?.get(remoteKey)
    return exp !== undefined && exp > this.opts.now() ? exp : null
  }

  /** Verifies an invite a remote carried for (`ch`, its key); remembers it when valid. */
  verifyCarriedInvite(carried: unknown, ch: string, remoteKey: string): boolean {
    const res = this.verifyRemoteInvite(carried, ch, remoteKey)
    if (res !== null) {
      let m = this.remoteInvites.get(ch)
      if (!m) this.remoteInvites.set(ch, (m = new Map()))
      m.set(remoteKey, res)
      this.persist()
    }
    return res !== null
  }

  /** Verifies an invite for (`ch`, `remoteKey`) without remembering it; its expiry, or null. */
  verifyRemoteInvite(invite: unknown, ch: string, remoteKey: string): number | null {
    const res = verifyInvite(invite, ch, remoteKey, {
      inviterKeys: effectiveInviterKeys(this.policy),
      now: this.opts.now()
    })
    return res.ok ? res.expiresAt : null
  }

  /** Spec §4.2: may payloads for `ch` be sent or relayed to `remoteKey`? */
  isAuthorized(ch: string, remoteKey: string): boolean {
    return isAuthorized(this.policy, ch, remoteKey, this.remoteInviteExpiry(ch, remoteKey), this.opts.now())
  }

  /** The invite to show `remoteKey` in an `auth` control on `ch`, when `shouldSendAuth` says so; else null. */
  authFor(ch: string, remoteKey: string): Invite | null {
    const local = this.localInvites.get(ch)
    const send = shouldSendAuth({
      policy: this.policy,
      channel: ch,
      remoteKey,
      selfHoldsValidLocalInvite: this.holdsInvite(ch),
      remoteInviteExpiry: this.remoteInviteExpiry(ch, remoteKey),
      now: this.opts.now()
    })
    return send && local ? local.invite : null
  }

  // ---------------------------------------------------------------- welcomes

  /** Verifies a welcome against the configured owner and stores it; marks the channel welcomed. */
  acceptWelcome(welcome: unknown, channel: string): boolean {
    const ch = normalizeChannelName(channel)
    if (ch === null) return false
    if (!verifyWelcome(welcome, ch, ownerKeyFor(this.policy, ch))) return false
    const changed = !this.welcomed.has(ch) || !sameJson(this.welcomes.get(ch), welcome)
    this.welcomes.set(ch, welcome)
    this.welcomed.add(ch)
    if (changed) this.persist()
    return true
  }

  storedWelcome(channel: string): unknown {
    const ch = normalizeChannelName(channel)
    return ch === null ? undefined : this.welcomes.get(ch)
  }

  isWelcomed(channel: string): boolean {
    const ch = normalizeChannelName(channel)
    return ch !== null && (this.welcomed.has(ch) || selfIsOwner(this.policy, ch))
  }

  welcomedChannels(): string[] {
    return [...this.welcomed]
  }

  /** §5.6 plus B11: the welcome the owner hands an authorized peer on `ch`, or null. */
  welcomeFor(ch: string, remoteKey: string): unknown {
    if (!selfIsOwner(this.policy, ch)) return null
    const welcome = this.welcomes.get(ch)
    if (welcome === undefined || !this.isAuthorized(ch, remoteKey)) return null
    return welcome
  }

  private storeConfigWelcome(ch: string, w: unknown): void {
    const n = normalizeChannelName(ch)
    if (n === null || w === undefined || w === null) return
    if (!this.acceptWelcome(w, n)) {
      // Reference rule: a configured welcome is kept (and embedded by /sc_open, /sc_invite) even
      // when it does not verify; it just does not mark the channel welcomed.
      this.welcomes.set(n, w)
      this.opts.log(
        `[sidechannel:${n}] configured welcome does not verify against the channel owner; kept but not trusted.`
      )
    }
  }

  // ---------------------------------------------------------------- sealed channels

  /**
   * The key of a sealed channel: learned from an invite, or (`create`) made here by the inviter or
   * owner that hands out the invites. Persisted with the other channel state.
   */
  channelKey(channel: string, create = false): Uint8Array | null {
    const existing = this.channelKeys.get(channel)
    if (existing || !create) return existing ?? null
    const key = newChannelKey()
    this.channelKeys.set(channel, key)
    this.persist()
    return key
  }

  // ---------------------------------------------------------------- housekeeping

  /** Drops expired remote invites. */
  sweep(now: number): void {
    let changed = false
    for (const [ch, m] of this.remoteInvites) {
      for (const [k, exp] of m)
        if (exp <= now) {
          m.delete(k)
          changed = true
        }
      if (m.size === 0) this.remoteInvites.delete(ch)
    }
    if (changed) this.persist()
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  try {
    return JSON.stringify(a) === JSON.stringify(b)
  } catch {
    return false
  }
}
