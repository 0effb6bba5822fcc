// The sidechannel plane's orchestrator: the channel registry, the send pipeline and the receive pipeline,
// which calls the pure gates (gates.ts) in order and counts every drop by reason. Who may talk lives in
// access.ts (welcomes, invites, channel keys, persisted), the Protomux sessions in sessions.ts, forwarding in
// relay.ts; wire formats in codec/. This file only wires them.
import ReadyResource from 'ready-resource'
import type Hyperswarm from 'hyperswarm'
import type { SwarmConnection } from 'hyperswarm'
import type { KeyPair } from '../crypto/index.js'
import {
  ENTRY_CHANNEL,
  normalizeChannelName,
  channelTopic,
  buildPayload,
  createWelcome,
  createInvite,
  authControl,
  welcomeControl,
  openChannelControl,
  readControl,
  isSealed,
  sealMessage,
  openSealed,
  encodeChannelKey,
  withoutChannelKey
} from './codec/index.js'
import { type ChannelPolicyConfig, requiredPowBits, policyFromSection } from './policy.js'
import type { SidechannelSection } from '../config/index.js'
import { RateLimiter } from './rate-limiter.js'
import { SeenCache } from './seen-cache.js'
import {
  checkShape,
  checkChannelBinding,
  checkFreshness,
  checkInviteGate,
  checkPowGate,
  checkSignature,
  checkOwnerOnly,
  checkWelcomeControl,
  checkWelcomeGate,
  sendDecision,
  decideOpenRequest,
  extractWelcome,
  nextRelayTtl,
  AutoJoinLimiter,
  type ControlKind,
  type InboundPayload,
  type PipelineDropReason
} from './gates.js'
import { serializePayload, isRecord as isJsonObject, type InboundFrame } from '../common/index.js'
import { SidechannelStateStore } from './state-store.js'
import { bounded } from '../net/index.js'
import { InlineVerifier, WorkerPoolVerifier, defaultVerifyWorkers, type SignatureVerifier } from './verifier.js'
import { ChannelAccess } from './access.js'
import { SessionTable, type Connection, type ChannelSession } from './sessions.js'
import { relay } from './relay.js'

// Remote JSON, read loosely after the shape check (its members are checked where they are used).
const isRecord = isJsonObject as (v: unknown) => v is Record<string, any>

export interface SidechannelIdentity {
  publicKeyHex: string
  keyPair: KeyPair
  address: string | null
}

/**
 * What the plane is built from besides its flag section: the swarm and identity it runs on, where its state
 * persists, and the settings that are not flags (a protocol cap, timeouts and clocks for tests).
 */
export interface SidechannelComponents {
  swarm: Hyperswarm
  identity: SidechannelIdentity
  /** Decoded --sidechannel-welcome values: stored even if they do not verify (reference rule). */
  configWelcomes?: Map<string, unknown>
  /** Where held invites, trusted welcomes and channel keys persist; null keeps them in memory. */
  statePath?: string | null
  log?: (line: string) => void
  /** Inbound frames above this are dropped before their JSON is parsed (default 1,000,000). */
  maxInboundBytes?: number
  /** How long a join or leave waits for the swarm flush (reference: 10 s). */
  flushTimeoutMs?: number
  now?: () => number
  random?: () => number
}

export interface DeliveredMessage {
  channel: string
  /** The payload as received, except that a sealed `message` this peer can open is replaced by its plaintext. */
  payload: Record<string, any>
  remoteKey: string
  /** True when the message arrived sealed and was decrypted with the channel key. */
  sealed?: boolean
}

export interface SendResult {
  ok: boolean
  /** Connections the message was sent or queued to. */
  recipients: number
  reason?: string
}

interface ChannelEntry {
  name: string
  topic: Uint8Array
  joined: boolean
}

/** Per connection: messages waiting for an asynchronous signature check, delivered in arrival order. */
interface VerifyQueue {
  slots: VerifySlot[]
  head: number
}

interface VerifySlot {
  s: ChannelSession
  p: InboundPayload
  control: ControlKind | null
  done: boolean
  ok: boolean
}

const SWEEP_INTERVAL_MS = 30_000
/** The inbound frame cap (not a flag): the reference's send-side limit, so every legal message fits. */
const MAX_INBOUND_BYTES = 1_000_000
const FLUSH_TIMEOUT_MS = 10_000

export class SidechannelManager extends ReadyResource {
  readonly swarm: Hyperswarm
  readonly identity: SidechannelIdentity
  readonly policy: ChannelPolicyConfig
  readonly entryChannel: string
  /** Who may talk on which channel: welcomes, invites, channel keys. */
  readonly access: ChannelAccess
  started = false

  /** The plane's flag section (`--sidechannel-*`), as parsed: its defaults are the flag table's. */
  readonly options: SidechannelSection
  private readonly maxInboundBytes: number
  private readonly flushTimeoutMs: number
  private readonly log: (line: string) => void
  private readonly now: () => number
  private readonly random: () => number
  private readonly channels = new Map<string, ChannelEntry>()
  private readonly sessions: SessionTable
  private readonly verifyQueues = new WeakMap<Connection, VerifyQueue>()
  private readonly limiter: RateLimiter | null
  private readonly seen: SeenCache
  private readonly autoJoins = new AutoJoinLimiter({})
  private readonly encryptChannels: Set<string>
  private readonly extraChannels: string[]
  private readonly configWelcomes: Map<string, unknown>
  private sweepTimer: ReturnType<typeof setInterval> | null = null
  private verifier: SignatureVerifier = new InlineVerifier()
  private readonly onConnectionBound: (conn: SwarmConnection) => void
  readonly drops = new Map<PipelineDropReason, number>()
  readonly counters = { received: 0, delivered: 0, relayed: 0, sent: 0 }

  constructor(components: SidechannelComponents, options: SidechannelSection) {
    super()
    this.swarm = components.swarm
    this.identity = components.identity
    this.options = options
    this.entryChannel = ENTRY_CHANNEL
    this.policy = policyFromSection(options, components.identity.publicKeyHex, this.entryChannel)
    this.maxInboundBytes = components.maxInboundBytes ?? MAX_INBOUND_BYTES
    this.flushTimeoutMs = components.flushTimeoutMs ?? FLUSH_TIMEOUT_MS
    this.log = components.log ?? ((line) => console.log(line))
    this.now = components.now ?? Date.now
    this.random = components.random ?? Math.random
    this.limiter =
      options.rateBytes > 0
        ? new RateLimiter({
            rateBytesPerSecond: options.rateBytes,
            burstBytes: options.rateBurst,
            maxStrikes: options.maxStrikes,
            blockMs: options.rateBlockSec * 1000
          })
        : null
    // Seen entries outlive the freshness window, so a replay is either stale or still remembered.
    const seenTtl = Math.max(120_000, options.maxAgeSec * 1000 + 60_000)
    this.seen = new SeenCache({ ttlMs: seenTtl, maxEntries: 50_000 })
    this.access = new ChannelAccess({
      policy: this.policy,
      identity: this.identity,
      store: new SidechannelStateStore(components.statePath ?? null, 200, (m) => this.log(m)),
      now: this.now,
      log: this.log,
      debug: (line) => this.debug(line)
    })
    this.sessions = new SessionTable({
      maxInboundBytes: this.maxInboundBytes,
      now: this.now,
      isRegistered: (name) => this.channels.has(name),
      closing: () => this.closing !== null,
      onFrame: (c, s, frame) => this.onFrame(c, s, frame),
      onOpen: (c, s) => {
        this.maybeSendWelcome(c, s)
        this.maybeSendAuth(c, s)
      },
      drop: (reason, channel, remoteKey, count) => this.drop(reason, channel, remoteKey, count)
    })
    this.extraChannels = options.channels.filter((c) => c !== this.entryChannel)
    this.encryptChannels = new Set(
      (options.encryptChannels ?? []).map((c) => c.trim()).filter((c) => c && c !== this.entryChannel)
    )
    this.configWelcomes = components.configWelcomes ?? new Map()
    this.onConnectionBound = (conn) => this.attachConnection(conn)
  }

  // ---------------------------------------------------------------- lifecycle

  protected override async _open(): Promise<void> {
    const workers = this.options.verifyWorkers < 0 ? await defaultVerifyWorkers() : this.options.verifyWorkers
    const pool = await WorkerPoolVerifier.create(workers)
    if (pool) this.verifier = pool
    await this.access.load(this.configWelcomes)
    this.register(this.entryChannel)
    for (const name of this.extraChannels) this.register(name)

    this.swarm.on('connection', this.onConnectionBound)
    for (const conn of this.swarm.connections) this.attachConnection(conn)

    const joins = [...this.channels.values()].map((entry) => this.joinTopic(entry))
    await bounded(Promise.all(joins), this.flushTimeoutMs)
    this.started = true
    for (const c of this.sessions.connections()) this.openAllOn(c)

    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS)
    ;(this.sweepTimer as any).unref?.()
  }

  protected override async _close(): Promise<void> {
    this.started = false
    if (this.sweepTimer) clearInterval(this.sweepTimer)
    this.swarm.off('connection', this.onConnectionBound)
    this.sessions.closeAll()
    await this.verifier.close()
    await this.access.flush()
  }

  // ---------------------------------------------------------------- public API

  /** Registered channel names, entry first. */
  channelNames(): string[] {
    return [...this.channels.keys()]
  }

  hasChannel(name: string): boolean {
    const n = normalizeChannelName(name)
    return n !== null && this.channels.has(n)
  }

  /** Remote keys with which `channel` is open right now. */
  openPeers(channel: string): string[] {
    const n = normalizeChannelName(channel)
    return n === null ? [] : this.sessions.openPeers(n)
  }

  connectionCount(): number {
    return this.swarm.connections.size
  }

  stats() {
    return { channels: this.channelNames(), connectionCount: this.connectionCount() }
  }

  detailedStats() {
    return {
      ...this.stats(),
      sessions: this.sessions.sessionCount(),
      counters: { ...this.counters },
      drops: Object.fromEntries(this.drops),
      seen: this.seen.size,
      welcomed: this.access.welcomedChannels()
    }
  }

  /** Joins a channel's topic and opens it on every connection (TTY /sc_join, bridge `join`). */
  async join(name: string, opts: { invite?: unknown; welcome?: unknown } = {}): Promise<boolean> {
    const n = normalizeChannelName(name)
    if (n === null) return false
    if (opts.invite !== undefined && opts.invite !== null) this.access.acceptInvite(opts.invite, n)
    if (opts.welcome !== undefined && opts.welcome !== null) this.access.acceptWelcome(opts.welcome, n)
    const entry = this.register(n)
    if (!entry) return false
    if (this.started) {
      await bounded(this.joinTopic(entry), this.flushTimeoutMs)
      this.sessions.openEverywhere(n)
    }
    return true
  }

  /** Leaves a channel: closes its sessions, stops accepting re-opens (B13), forgets its state. */
  async leave(name: string): Promise<boolean> {
    const n = normalizeChannelName(name)
    if (n === null || n === this.entryChannel) return false
    const entry = this.channels.get(n)
    if (!entry) return false
    this.channels.delete(n)
    this.sessions.closeChannel(n)
    this.access.forget(n)
    // An auto-joined channel that is left frees its slot, or a long-running peer stops auto-joining for good
    // once it has auto-joined 32 channels in its life.
    this.autoJoins.forget(n)
    if (entry.joined) await bounded(this.swarm.leave(entry.topic), this.flushTimeoutMs)
    return true
  }

  /**
   * Sends `message` on a channel (reference `broadcast`): registers the channel and opens it on every
   * connection, but does not join its topic. Returns how many connections it went to.
   */
  send(name: string, message: unknown, opts: { invite?: unknown } = {}): SendResult {
    const n = normalizeChannelName(name)
    if (n === null) return { ok: false, recipients: 0, reason: 'invalid channel' }
    const control = readControl(message)
    const allowed = sendDecision(this.policy, n, control === 'auth')
    if (!allowed.ok) return { ok: false, recipients: 0, reason: allowed.reason }
    let invite: Record<string, any> | undefined
    if (opts.invite !== undefined && opts.invite !== null) {
      this.access.acceptInvite(opts.invite, n)
      if (isRecord(opts.invite)) invite = withoutChannelKey(opts.invite)
    }
    if (!this.register(n)) return { ok: false, recipients: 0, reason: 'invite required' }
    if (control === null && this.encryptChannels.has(n)) {
      const key = this.access.channelKey(n)
      if (!key) return { ok: false, recipients: 0, reason: 'no channel key' }
      message = sealMessage(key, n, message)
    }
    this.sessions.openEverywhere(n)

    let payload: Record<string, any>
    try {
      payload = this.buildPayload(n, message, invite)
    } catch {
      this.log(`[sidechannel:${n}] message rejected (non-serializable payload).`)
      return { ok: false, recipients: 0, reason: 'non-serializable' }
    }
    const bytes = serializePayload(payload)
    if (bytes.byteLength > this.options.maxBytes) {
      this.log(`[sidechannel:${n}] message too large (${bytes.byteLength} bytes > ${this.options.maxBytes}).`)
      return { ok: false, recipients: 0, reason: 'too-large' }
    }
    this.seen.add(n, payload.id, this.now())
    let recipients = 0
    for (const c of this.sessions.connections()) {
      if (control !== 'auth' && !this.access.isAuthorized(n, c.remoteKey)) {
        this.debug(`[sidechannel:${n}] skip (unauthorized) ${c.remoteKey}`)
        continue
      }
      const s = c.sessions.get(n)
      if (!s) continue
      if (this.sessions.deliver(s, bytes)) recipients++
    }
    this.counters.sent++
    return { ok: true, recipients }
  }

  /** Asks peers on `via` (default: entry) to open `target` (reference `requestOpen`). */
  requestOpen(target: string, via?: string | null, invite?: unknown, welcome?: unknown): SendResult {
    const t = normalizeChannelName(target)
    const v = normalizeChannelName(via || this.entryChannel)
    if (t === null || v === null) return { ok: false, recipients: 0, reason: 'invalid channel' }
    let inv: Record<string, any> | undefined
    if (isRecord(invite)) {
      this.access.acceptInvite(invite, t)
      inv = invite
    }
    const w = isRecord(welcome) ? welcome : isRecord(inv?.welcome) ? inv!.welcome : undefined
    if (w) this.access.acceptWelcome(w, t)
    return this.send(
      v,
      openChannelControl({
        channel: t,
        ...(inv ? { invite: withoutChannelKey(inv) } : {}),
        ...(w ? { welcome: w } : {})
      })
    )
  }

  /** Verifies an invite addressed to this peer and remembers it for `channel` (defaults to its own). */
  acceptInvite(invite: unknown, channel?: string): boolean {
    return this.access.acceptInvite(invite, channel)
  }

  /** Verifies a welcome against the configured owner and stores it; marks the channel welcomed. */
  acceptWelcome(welcome: unknown, channel: string): boolean {
    return this.access.acceptWelcome(welcome, channel)
  }

  storedWelcome(channel: string): unknown {
    return this.access.storedWelcome(channel)
  }

  isWelcomed(channel: string): boolean {
    return this.access.isWelcomed(channel)
  }

  channelKey(channel: string, create = false): Uint8Array | null {
    return this.access.channelKey(channel, create)
  }

  /** Signs a welcome for a channel this peer owns. */
  signWelcome(channel: string, text: string) {
    const ch = normalizeChannelName(channel) ?? ''
    const welcome = createWelcome({ channel: ch, text, keyPair: this.identity.keyPair, issuedAt: this.now() })
    // Kept (so /sc_open and /sc_invite embed it by default, and it is auto-sent) only when this peer is
    // the channel's configured owner, as with the reference: a welcome no one is configured to trust is
    // printed for the user to hand out, not attached to invites.
    this.access.acceptWelcome(welcome, ch)
    return welcome
  }

  signInvite(channel: string, inviteeKeyHex: string, ttlMs: number, welcome?: unknown) {
    return createInvite({
      channel,
      inviteePubKey: inviteeKeyHex,
      keyPair: this.identity.keyPair,
      inviterAddress: this.identity.address,
      issuedAt: this.now(),
      ttlMs,
      nonce: this.random().toString(36).slice(2, 10),
      ...(welcome !== undefined && welcome !== null ? { welcome } : {}),
      ...(this.encryptChannels.has(channel.trim())
        ? { channelKey: encodeChannelKey(this.access.channelKey(channel.trim(), true)!) }
        : {})
    })
  }

  // ---------------------------------------------------------------- registry

  private register(name: string): ChannelEntry | null {
    const existing = this.channels.get(name)
    if (existing) return existing
    if (!this.access.mayRegister(name)) {
      this.log(`[sidechannel:${name}] join denied (invite required).`)
      return null
    }
    const entry: ChannelEntry = { name, topic: channelTopic(name), joined: false }
    this.channels.set(name, entry)
    return entry
  }

  private async joinTopic(entry: ChannelEntry): Promise<void> {
    if (entry.joined) return
    const discovery = this.swarm.join(entry.topic, { server: true, client: true })
    entry.joined = true
    await discovery.flushed()
    // Peers that announce at the same moment can miss each other's lookups; one refresh after
    // our announce closes that window instead of waiting for the 10-minute refresh.
    discovery.refresh().catch(() => {})
  }

  // ---------------------------------------------------------------- sessions

  private attachConnection(conn: SwarmConnection): void {
    if (this.closing) return
    const c = this.sessions.attach(conn)
    if (c !== null && this.started) this.openAllOn(c)
  }

  private openAllOn(c: Connection): void {
    for (const name of this.channels.keys()) this.sessions.open(c, name)
  }

  private buildPayload(channel: string, message: unknown, invite?: Record<string, any>): Record<string, any> {
    return buildPayload({
      channel,
      message,
      keyPair: this.identity.keyPair,
      ts: this.now(),
      random: this.random,
      ttl: this.options.relayTtl,
      ...(invite ? { invite } : {}),
      powDifficulty: requiredPowBits(this.policy, channel)
    }) as Record<string, any>
  }

  private sendDirect(s: ChannelSession, message: unknown): void {
    try {
      const payload = this.buildPayload(s.name, message)
      this.seen.add(s.name, payload.id, this.now())
      this.sessions.deliver(s, serializePayload(payload))
    } catch (err: any) {
      this.debug(`[sidechannel:${s.name}] control send failed: ${err?.message ?? err}`)
    }
  }

  /** §5.6 plus B11: the owner sends its welcome to every authorized peer that opens the channel. */
  private maybeSendWelcome(c: Connection, s: ChannelSession): void {
    if (s.welcomeSent) return
    const welcome = this.access.welcomeFor(s.name, c.remoteKey)
    if (welcome === null) return
    s.welcomeSent = true
    this.sendDirect(s, welcomeControl(welcome))
  }

  /** §5.5 auth handshake with B15 fixed: our invite goes only to peers entitled to see it (`shouldSendAuth`). */
  private maybeSendAuth(c: Connection, s: ChannelSession): void {
    if (s.authSent) return
    const invite = this.access.authFor(s.name, c.remoteKey)
    if (invite === null) return
    s.authSent = true
    this.sendDirect(s, authControl(withoutChannelKey(invite)))
  }

  // ---------------------------------------------------------------- receive pipeline

  private onFrame(c: Connection, s: ChannelSession, frame: InboundFrame): void {
    try {
      this.receive(c, s, frame)
    } catch (err: any) {
      // Never let one message take the connection down (Protomux would destroy it on a throw).
      this.drop('internal-error', s.name, c.remoteKey)
      this.debug(`[sidechannel:${s.name}] receive error: ${err?.stack ?? err}`)
    }
  }

  private receive(c: Connection, s: ChannelSession, frame: InboundFrame): void {
    const C = s.name
    const rk = c.remoteKey
    const now = this.now()
    this.counters.received++

    // Cheapest checks first, and tokens are charged before any hashing or signature work (B7).
    if (this.limiter) {
      const verdict = this.limiter.check(rk, frame.bytes, now)
      if (!verdict.ok) {
        if (verdict.blockedNow) this.debug(`[sidechannel] rate-limit block ${rk}`)
        return this.drop(verdict.reason === 'blocked' ? 'blocked' : 'rate-limit', C, rk)
      }
    }
    if (frame.kind === 'too-large') return this.drop('too-large', C, rk)
    if (frame.kind === 'malformed') return this.drop(frame.reason as PipelineDropReason, C, rk)
    this.debug(`[sidechannel:${C}] recv ${frame.bytes} bytes from ${rk}`)

    const shape = checkShape(frame.value, this.maxInboundBytes)
    if (!shape.ok) return this.drop(shape.reason, C, rk)
    const p = shape.payload
    const binding = checkChannelBinding(p, { channel: C, remoteKey: rk, now, frameBytes: frame.bytes })
    if (!binding.ok) return this.drop(binding.reason, C, rk)
    const fresh = checkFreshness(p, now, this.options.maxAgeSec * 1000)
    if (!fresh.ok) return this.drop(fresh.reason, C, rk)
    if (this.seen.has(C, p.id, now)) return this.drop('duplicate', C, rk)

    const message = p.message
    const control = readControl(message)

    // §3 step 3: invite-only channels accept nothing unless both sides are invited/inviters.
    let newlyAuthorized = false
    const invite = checkInviteGate({
      policy: this.policy,
      channel: C,
      remoteKey: rk,
      selfHoldsValidLocalInvite: this.access.holdsInvite(C),
      remoteInviteExpiry: this.access.remoteInviteExpiry(C, rk),
      now,
      verifyCarriedInvite: () => {
        const carried = isRecord(p.invite) ? p.invite : isRecord(message) ? message.invite : undefined
        newlyAuthorized = this.access.verifyCarriedInvite(carried, C, rk)
        return newlyAuthorized
      }
    })
    if (!invite.ok) return this.drop(invite.reason, C, rk)
    // B11: once the remote is authorized, the owner can hand it the welcome; a remote that showed us its
    // invite gets ours in return (what a reference relay needs before it accepts and relays our traffic).
    if (newlyAuthorized) {
      this.maybeSendWelcome(c, s)
      this.maybeSendAuth(c, s)
    }

    const pow = checkPowGate(p, requiredPowBits(this.policy, C))
    if (!pow.ok) return this.drop(pow.reason, C, rk)

    const signed = checkSignature(p)
    if (!signed.ok) return this.drop(signed.reason, C, rk)
    const verdict = this.verifier.verify(signed.job)
    if (typeof verdict === 'boolean') {
      if (!verdict) return this.drop('bad-signature', C, rk)
      return this.accept(c, s, p, control)
    }
    // Checked on a worker: keep this connection's messages in arrival order while results come back.
    let q = this.verifyQueues.get(c)
    if (!q) this.verifyQueues.set(c, (q = { slots: [], head: 0 }))
    const slot: VerifySlot = { s, p, control, done: false, ok: false }
    q.slots.push(slot)
    verdict.then(
      (ok) => {
        slot.ok = ok
        slot.done = true
        this.drainVerified(c, q)
      },
      () => {
        slot.done = true
        this.drainVerified(c, q)
      }
    )
  }

  private drainVerified(c: Connection, q: VerifyQueue): void {
    while (q.head < q.slots.length && q.slots[q.head]!.done) {
      const slot = q.slots[q.head]!
      q.slots[q.head++] = undefined as any
      if (this.closing || c.closed) continue
      try {
        if (slot.ok) this.accept(c, slot.s, slot.p, slot.control)
        else this.drop('bad-signature', slot.s.name, c.remoteKey)
      } catch (err: any) {
        this.drop('internal-error', slot.s.name, c.remoteKey)
        this.debug(`[sidechannel:${slot.s.name}] receive error: ${err?.stack ?? err}`)
      }
    }
    if (q.head === q.slots.length) {
      q.slots = []
      q.head = 0
    }
  }

  /** The part of the receive pipeline after a valid signature: §3 steps 7–13. */
  private accept(c: Connection, s: ChannelSession, p: InboundPayload, control: ControlKind | null): void {
    const C = s.name
    const rk = c.remoteKey
    const now = this.now()
    const message = p.message
    const owner = checkOwnerOnly(this.policy, C, p, control)
    if (!owner.ok) return this.drop(owner.reason, C, rk)

    // Another copy may have been accepted while this one was being verified.
    if (this.seen.has(C, p.id, now)) return this.drop('duplicate', C, rk)
    this.seen.add(C, p.id, now, p.ts)

    // §3 steps 9-10: a welcome carried anywhere in the payload; the awaiting-welcome gate.
    const w = extractWelcome(p)
    const welcomeOk = w !== undefined && w !== null && this.access.acceptWelcome(w, C)
    const wc = checkWelcomeControl(control, w !== undefined && w !== null, welcomeOk)
    if (!wc.ok) return this.drop(wc.reason, C, rk)
    const wg = checkWelcomeGate(this.policy, C, this.access.isWelcomed(C), welcomeOk)
    if (!wg.ok) return this.drop(wg.reason, C, rk)

    const decision = decideOpenRequest({
      policy: this.policy,
      control,
      message,
      allowRemoteOpen: this.options.allowRemoteOpen,
      autoJoin: this.options.autoJoin,
      verifyWelcome: (tw: unknown, target: string) => this.access.acceptWelcome(tw, target),
      verifyInvite: (inv: unknown, target: string) => this.access.verifyRemoteInvite(inv, target, rk) !== null,
      autoJoinAllowed: (target: string) => this.channels.has(target) || this.autoJoins.allow(target, now)
    })
    switch (decision.action) {
      case 'deny':
        this.debug(`[sidechannel] open denied (${decision.reason})`)
        return this.drop(decision.reason, C, rk)
      case 'join':
        if (!this.channels.has(decision.target)) {
          this.join(decision.target).then(
            (ok) => {
              if (ok) this.log(`[sidechannel] auto-joined channel: ${decision.target}`)
            },
            () => {}
          )
        }
        this.emit('open-request', { channel: decision.target, remoteKey: rk })
        break
      case 'notify':
        if (decision.reason) this.debug(`[sidechannel] auto-join limit reached; not joining ${decision.target}`)
        this.log(`[sidechannel] channel request received: ${decision.target}`)
        this.emit('open-request', { channel: decision.target, remoteKey: rk })
        break
      case 'ignore':
        break
      case 'deliver': {
        if (control === 'auth') return
        let delivered: DeliveredMessage = { channel: C, payload: p, remoteKey: rk }
        const key = isSealed(message) ? this.access.channelKey(C) : null
        if (key) {
          const opened = openSealed(key, C, message)
          if (!opened.ok) return this.drop('undecryptable', C, rk)
          delivered = { channel: C, payload: { ...p, message: opened.message }, remoteKey: rk, sealed: true }
        }
        this.counters.delivered++
        this.emit('message', delivered)
      }
    }
    this.counters.relayed += relay(c, C, p, nextRelayTtl(p, control, this.options.relayTtl), {
      connections: this.sessions.connections(),
      relayedBy: this.identity.publicKeyHex,
      isAuthorized: (ch, remoteKey) => this.access.isAuthorized(ch, remoteKey),
      deliver: (session, bytes) => this.sessions.deliver(session, bytes)
    })
  }

  // ---------------------------------------------------------------- housekeeping

  private sweep(): void {
    const now = this.now()
    this.seen.purge(now)
    this.limiter?.sweep(now)
    this.access.sweep(now)
  }

  private drop(reason: PipelineDropReason, channel: string, remoteKey: string, count = 1): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + count)
    this.debug(`[sidechannel:${channel}] drop (${reason}) from ${remoteKey}`)
  }

  private debug(line: string): void {
    if (this.options.debug) this.log(line)
  }
}

export { ENTRY_CHANNEL }
