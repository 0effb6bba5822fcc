// The sidechannel manager: registry of channels, one Protomux session per (connection, channel),
// the receive pipeline (gates called in order), the send pipeline, relay, welcomes and invites.
// Wire formats live in ./codec, policy decisions in ./policy and ./gates; this file only wires them.
import ReadyResource from 'ready-resource'
import Protomux from 'protomux'
import type Hyperswarm from 'hyperswarm'
import type { SwarmConnection } from 'hyperswarm'
import { toHex, fromHex, isHex, utf8, type KeyPair } from '../crypto/index.js'
import {
  ENTRY_CHANNEL, normalizeChannelName, channelTopic, channelProtocol,
  buildPayload, signatureBaseString, normHex, checkPow,
  verifyWelcome, createWelcome, verifyInvite, createInvite,
  authControl, welcomeControl, openChannelControl, readControl,
  isSealed, sealMessage, openSealed, newChannelKey, encodeChannelKey, decodeChannelKey, withoutChannelKey
} from './codec/index.js'
import {
  type ChannelPolicyConfig, requiredPowBits, ownerKeyFor, effectiveInviterKeys, selfIsOwner
} from './policy.js'
import { RateLimiter } from './rate-limiter.js'
import { SeenCache } from './seen-cache.js'
import {
  checkShape, checkChannelBinding, checkFreshness, checkInviteGate, checkOwnerOnly, checkWelcomeControl,
  checkWelcomeGate, checkRegistration, sendDecision, decideOpenRequest, extractWelcome, nextRelayTtl,
  isAuthorized, shouldSendAuth, AutoJoinLimiter
} from './gates.js'
import { frameEncoding, serializePayload, type InboundFrame } from '../common/index.js'
import { SidechannelStateStore, emptyState, type PersistedSidechannelState } from './state-store.js'
import { bounded } from '../net/index.js'
import { InlineVerifier, WorkerPoolVerifier, defaultVerifyWorkers, type SignatureVerifier } from './verifier.js'

export interface SidechannelIdentity {
  publicKeyHex: string
  keyPair: KeyPair
  address: string | null
}

export interface SidechannelOptions {
  swarm: Hyperswarm
  identity: SidechannelIdentity
  policy: ChannelPolicyConfig
  extraChannels?: string[]
  /** Send-side size guard on the whole serialized payload (reference default 1,000,000). */
  maxMessageBytes?: number
  /** Inbound frames above this are dropped before their JSON is parsed. */
  maxInboundBytes?: number
  rateBytesPerSecond?: number
  rateBurstBytes?: number
  maxStrikes?: number
  /** How long a remote that used up its strikes stays blocked (reference: 30 s). */
  rateBlockMs?: number
  allowRemoteOpen?: boolean
  autoJoin?: boolean
  /** Freshness window for `ts` (B4); 0 disables the check. */
  maxAgeMs?: number
  relayTtl?: number
  /** Channels whose app messages are sealed with the channel key (B16; see codec/seal.ts). */
  encryptChannels?: string[]
  /** Worker threads for signature checks: 0 = inline on the main thread, -1 (default) = one per spare core. */
  verifyWorkers?: number
  /** Pre-signed welcomes from --sidechannel-welcome: stored even if they do not verify (reference rule). */
  configWelcomes?: Map<string, unknown>
  statePath?: string | null
  debug?: boolean
  log?: (line: string) => void
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
  protocol: string
  joined: boolean
}

interface ChannelRecord {
  name: string
  channel: Protomux.ProtomuxChannel
  message: Protomux.ProtomuxMessage<any>
  open: boolean
  queue: Uint8Array[]
  authSent: boolean
  welcomeSent: boolean
}

interface ConnState {
  conn: SwarmConnection
  mux: Protomux
  remoteKey: string
  records: Map<string, ChannelRecord>
  paired: Set<string>
  retries: Map<string, { count: number, lastAt: number }>
  closed: boolean
  /** Messages waiting for an asynchronous signature check, in arrival order. */
  ordered: VerifySlot[]
  orderedHead: number
}

interface VerifySlot {
  rec: ChannelRecord
  p: Record<string, any>
  control: ReturnType<typeof readControl>
  done: boolean
  ok: boolean
}

const MAX_QUEUED_PER_RECORD = 256
const OPEN_RETRY_LIMIT = 5
const SWEEP_INTERVAL_MS = 30_000

export class SidechannelManager extends ReadyResource {
  readonly swarm: Hyperswarm
  readonly identity: SidechannelIdentity
  readonly policy: ChannelPolicyConfig
  readonly entryChannel: string
  started = false

  private readonly opts: Required<Pick<SidechannelOptions, 'maxMessageBytes' | 'maxInboundBytes' | 'allowRemoteOpen' | 'autoJoin' | 'maxAgeMs' | 'relayTtl' | 'debug' | 'flushTimeoutMs'>>
  private readonly log: (line: string) => void
  private readonly now: () => number
  private readonly random: () => number
  private readonly channels = new Map<string, ChannelEntry>()
  private readonly conns = new Map<SwarmConnection, ConnState>()
  private readonly limiter: RateLimiter | null
  private readonly seen: SeenCache
  private readonly autoJoins = new AutoJoinLimiter({})
  private readonly welcomes = new Map<string, unknown>()
  private readonly welcomed = new Set<string>()
  private readonly localInvites = new Map<string, { invite: Record<string, any>, expiresAt: number }>()
  private readonly remoteInvites = new Map<string, Map<string, number>>()
  private readonly channelKeys = new Map<string, Uint8Array>()
  private readonly encryptChannels: Set<string>
  private readonly store: SidechannelStateStore
  private readonly encoding: ReturnType<typeof frameEncoding>
  private readonly extraChannels: string[]
  private readonly configWelcomes: Map<string, unknown>
  private sweepTimer: ReturnType<typeof setInterval> | null = null
  private verifier: SignatureVerifier = new InlineVerifier()
  private readonly verifyWorkers: number
  private readonly onConnectionBound: (conn: SwarmConnection) => void
  readonly drops = new Map<string, number>()
  readonly counters = { received: 0, delivered: 0, relayed: 0, sent: 0 }

  constructor (opts: SidechannelOptions) {
    super()
    this.swarm = opts.swarm
    this.identity = opts.identity
    this.policy = opts.policy
    this.entryChannel = opts.policy.entryChannel || ENTRY_CHANNEL
    this.opts = {
      maxMessageBytes: opts.maxMessageBytes ?? 1_000_000,
      maxInboundBytes: opts.maxInboundBytes ?? 1_000_000,
      allowRemoteOpen: opts.allowRemoteOpen ?? true,
      autoJoin: opts.autoJoin ?? false,
      maxAgeMs: opts.maxAgeMs ?? 600_000,
      relayTtl: opts.relayTtl ?? 3,
      debug: opts.debug ?? false,
      flushTimeoutMs: opts.flushTimeoutMs ?? 10_000
    }
    this.log = opts.log ?? ((line) => console.log(line))
    this.now = opts.now ?? Date.now
    this.random = opts.random ?? Math.random
    const rate = opts.rateBytesPerSecond ?? 64_000
    this.limiter = rate > 0
      ? new RateLimiter({ rateBytesPerSecond: rate, burstBytes: opts.rateBurstBytes ?? 256_000, maxStrikes: opts.maxStrikes ?? 3, blockMs: opts.rateBlockMs ?? 30_000 })
      : null
    // Seen entries outlive the freshness window, so a replay is either stale or still remembered.
    const seenTtl = Math.max(120_000, this.opts.maxAgeMs + 60_000)
    this.seen = new SeenCache({ ttlMs: seenTtl, maxEntries: 50_000 })
    this.verifyWorkers = opts.verifyWorkers ?? -1
    this.store = new SidechannelStateStore(opts.statePath ?? null, 200, (m) => this.log(m))
    this.encoding = frameEncoding(this.opts.maxInboundBytes)
    this.extraChannels = (opts.extraChannels ?? []).filter((c) => c !== this.entryChannel)
    this.encryptChannels = new Set((opts.encryptChannels ?? []).map((c) => c.trim()).filter((c) => c && c !== this.entryChannel))
    this.configWelcomes = opts.configWelcomes ?? new Map()
    this.onConnectionBound = (conn) => this.attachConnection(conn)
  }

  // ---------------------------------------------------------------- lifecycle

  protected override async _open (): Promise<void> {
    const workers = this.verifyWorkers < 0 ? await defaultVerifyWorkers() : this.verifyWorkers
    const pool = await WorkerPoolVerifier.create(workers)
    if (pool) this.verifier = pool
    await this.restoreState(await this.store.load())
    for (const [ch, w] of this.configWelcomes) this.storeConfigWelcome(ch, w)
    this.register(this.entryChannel)
    for (const name of this.extraChannels) this.register(name)

    this.swarm.on('connection', this.onConnectionBound)
    for (const conn of this.swarm.connections) this.attachConnection(conn)

    const joins = [...this.channels.values()].map((entry) => this.joinTopic(entry))
    await bounded(Promise.all(joins), this.opts.flushTimeoutMs)
    this.started = true
    for (const cs of this.conns.values()) this.openAllOn(cs)

    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS)
    ;(this.sweepTimer as any).unref?.()
  }

  protected override async _close (): Promise<void> {
    this.started = false
    if (this.sweepTimer) clearInterval(this.sweepTimer)
    this.swarm.off('connection', this.onConnectionBound)
    for (const cs of this.conns.values()) {
      for (const rec of cs.records.values()) rec.channel.close()
      for (const name of cs.paired) cs.mux.unpair({ protocol: channelProtocol(name) })
    }
    this.conns.clear()
    await this.verifier.close()
    await this.store.flush()
  }

  // ---------------------------------------------------------------- public API

  /** Registered channel names, entry first. */
  channelNames (): string[] {
    return [...this.channels.keys()]
  }

  hasChannel (name: string): boolean {
    const n = normalizeChannelName(name)
    return n !== null && this.channels.has(n)
  }

  /** Remote keys with which `channel` is open right now. */
  openPeers (channel: string): string[] {
    const n = normalizeChannelName(channel)
    const out: string[] = []
    if (n === null) return out
    for (const cs of this.conns.values()) if (cs.records.get(n)?.open) out.push(cs.remoteKey)
    return out
  }

  connectionCount (): number {
    return this.swarm.connections.size
  }

  stats () {
    return { channels: this.channelNames(), connectionCount: this.connectionCount() }
  }

  detailedStats () {
    return {
      ...this.stats(),
      sessions: [...this.conns.values()].reduce((n, cs) => n + cs.records.size, 0),
      counters: { ...this.counters },
      drops: Object.fromEntries(this.drops),
      seen: this.seen.size,
      welcomed: [...this.welcomed]
    }
  }

  /** Joins a channel's topic and opens it on every connection (TTY /sc_join, bridge `join`). */
  async join (name: string, opts: { invite?: unknown, welcome?: unknown } = {}): Promise<boolean> {
    const n = normalizeChannelName(name)
    if (n === null) return false
    if (opts.invite !== undefined && opts.invite !== null) this.acceptInvite(opts.invite, n)
    if (opts.welcome !== undefined && opts.welcome !== null) this.acceptWelcome(opts.welcome, n)
    const entry = this.register(n)
    if (!entry) return false
    if (this.started) {
      await bounded(this.joinTopic(entry), this.opts.flushTimeoutMs)
      for (const cs of this.conns.values()) this.openOn(cs, n)
    }
    return true
  }

  /** Leaves a channel: closes its sessions, stops accepting re-opens (B13), forgets its state. */
  async leave (name: string): Promise<boolean> {
    const n = normalizeChannelName(name)
    if (n === null || n === this.entryChannel) return false
    const entry = this.channels.get(n)
    if (!entry) return false
    this.channels.delete(n)
    for (const cs of this.conns.values()) {
      const rec = cs.records.get(n)
      cs.records.delete(n)
      cs.retries.delete(n)
      if (cs.paired.delete(n)) cs.mux.unpair({ protocol: entry.protocol })
      rec?.channel.close()
    }
    this.welcomes.delete(n)
    this.welcomed.delete(n)
    this.localInvites.delete(n)
    this.remoteInvites.delete(n)
    // An auto-joined channel that is left frees its slot, or a long-running peer stops auto-joining for good
    // once it has auto-joined 32 channels in its life.
    this.autoJoins.forget(n)
    this.persist()
    if (entry.joined) await bounded(this.swarm.leave(entry.topic), this.opts.flushTimeoutMs)
    return true
  }

  /**
   * Sends `message` on a channel (reference `broadcast`): registers the channel and opens it on every
   * connection, but does not join its topic. Returns how many connections it went to.
   */
  send (name: string, message: unknown, opts: { invite?: unknown } = {}): SendResult {
    const n = normalizeChannelName(name)
    if (n === null) return { ok: false, recipients: 0, reason: 'invalid channel' }
    const control = readControl(message)
    const allowed = sendDecision(this.policy, n, control === 'auth')
    if (!allowed.ok) return { ok: false, recipients: 0, reason: allowed.reason }
    let invite: Record<string, any> | undefined
    if (opts.invite !== undefined && opts.invite !== null) {
      this.acceptInvite(opts.invite, n)
      if (isPlainObject(opts.invite)) invite = withoutChannelKey(opts.invite)
    }
    if (!this.register(n)) return { ok: false, recipients: 0, reason: 'invite required' }
    if (control === null && this.encryptChannels.has(n)) {
      const key = this.channelKey(n)
      if (!key) return { ok: false, recipients: 0, reason: 'no channel key' }
      message = sealMessage(key, n, message)
    }
    for (const cs of this.conns.values()) this.openOn(cs, n)

    let payload: Record<string, any>
    try {
      payload = buildPayload({
        channel: n,
        message,
        keyPair: this.identity.keyPair,
        ts: this.now(),
        random: this.random,
        ttl: this.opts.relayTtl,
        ...(invite ? { invite } : {}),
        powDifficulty: requiredPowBits(this.policy, n)
      }) as Record<string, any>
    } catch {
      this.log(`[sidechannel:${n}] message rejected (non-serializable payload).`)
      return { ok: false, recipients: 0, reason: 'non-serializable' }
    }
    const bytes = serializePayload(payload)
    if (bytes.byteLength > this.opts.maxMessageBytes) {
      this.log(`[sidechannel:${n}] message too large (${bytes.byteLength} bytes > ${this.opts.maxMessageBytes}).`)
      return { ok: false, recipients: 0, reason: 'too-large' }
    }
    this.seen.add(n, payload.id, this.now())
    let recipients = 0
    for (const cs of this.conns.values()) {
      if (control !== 'auth' && !this.isAuthorized(n, cs.remoteKey)) {
        this.debug(`[sidechannel:${n}] skip (unauthorized) ${cs.remoteKey}`)
        continue
      }
      const rec = cs.records.get(n)
      if (!rec) continue
      if (this.deliverTo(rec, bytes)) recipients++
    }
    this.counters.sent++
    return { ok: true, recipients }
  }

  /** Asks peers on `via` (default: entry) to open `target` (reference `requestOpen`). */
  requestOpen (target: string, via?: string | null, invite?: unknown, welcome?: unknown): SendResult {
    const t = normalizeChannelName(target)
    const v = normalizeChannelName(via || this.entryChannel)
    if (t === null || v === null) return { ok: false, recipients: 0, reason: 'invalid channel' }
    let inv: Record<string, any> | undefined
    if (isPlainObject(invite)) {
      this.acceptInvite(invite, t)
      inv = invite
    }
    const w = isPlainObject(welcome) ? welcome : isPlainObject(inv?.welcome) ? inv!.welcome : undefined
    if (w) this.acceptWelcome(w, t)
    return this.send(v, openChannelControl({ channel: t, ...(inv ? { invite: withoutChannelKey(inv) } : {}), ...(w ? { welcome: w } : {}) }))
  }

  /** Verifies an invite addressed to this peer and remembers it for `channel` (defaults to its own). */
  acceptInvite (invite: unknown, channel?: string): boolean {
    if (!isPlainObject(invite)) return false
    const payload = isPlainObject(invite.payload) ? invite.payload : invite
    const ch = channel ?? (typeof payload.channel === 'string' ? payload.channel : '')
    const res = verifyInvite(invite, ch, this.identity.publicKeyHex, { inviterKeys: effectiveInviterKeys(this.policy), now: this.now() })
    if (!res.ok) {
      this.debug(`[sidechannel:${ch}] local invite rejected (${res.reason})`)
      return false
    }
    this.localInvites.set(ch, { invite, expiresAt: res.expiresAt })
    const key = decodeChannelKey(invite.channelKey)
    if (key) this.channelKeys.set(ch, key)
    if (invite.welcome !== undefined) this.acceptWelcome(invite.welcome, ch)
    this.persist()
    return true
  }

  /** Verifies a welcome against the configured owner and stores it; marks the channel welcomed. */
  acceptWelcome (welcome: unknown, channel: string): boolean {
    const ch = normalizeChannelName(channel)
    if (ch === null) return false
    if (!verifyWelcome(welcome, ch, ownerKeyFor(this.policy, ch))) return false
    const changed = !this.welcomed.has(ch) || !sameJson(this.welcomes.get(ch), welcome)
    this.welcomes.set(ch, welcome)
    this.welcomed.add(ch)
    if (changed) this.persist()
    return true
  }

  storedWelcome (channel: string): unknown {
    const ch = normalizeChannelName(channel)
    return ch === null ? undefined : this.welcomes.get(ch)
  }

  /** Signs a welcome for a channel this peer owns. */
  signWelcome (channel: string, text: string) {
    const ch = normalizeChannelName(channel) ?? ''
    const welcome = createWelcome({ channel: ch, text, keyPair: this.identity.keyPair, issuedAt: this.now() })
    // Kept (so /sc_open and /sc_invite embed it by default, and it is auto-sent) only when this peer is
    // the channel's configured owner, as with the reference: a welcome no one is configured to trust is
    // printed for the user to hand out, not attached to invites.
    this.acceptWelcome(welcome, ch)
    return welcome
  }

  signInvite (channel: string, inviteeKeyHex: string, ttlMs: number, welcome?: unknown) {
    const invite = createInvite({
      channel,
      inviteePubKey: inviteeKeyHex,
      keyPair: this.identity.keyPair,
      inviterAddress: this.identity.address,
      issuedAt: this.now(),
      ttlMs,
      nonce: this.random().toString(36).slice(2, 10),
      ...(welcome !== undefined && welcome !== null ? { welcome } : {}),
      ...(this.encryptChannels.has(channel.trim()) ? { channelKey: encodeChannelKey(this.channelKey(channel.trim(), true)!) } : {})
    })
    return invite
  }

  /**
   * The key of a sealed channel: learned from an invite, or (`create`) made here by the inviter or
   * owner that hands out the invites. Persisted with the other channel state.
   */
  channelKey (channel: string, create = false): Uint8Array | null {
    const existing = this.channelKeys.get(channel)
    if (existing || !create) return existing ?? null
    const key = newChannelKey()
    this.channelKeys.set(channel, key)
    this.persist()
    return key
  }

  isWelcomed (channel: string): boolean {
    const ch = normalizeChannelName(channel)
    return ch !== null && (this.welcomed.has(ch) || selfIsOwner(this.policy, ch))
  }

  // ---------------------------------------------------------------- registry

  private register (name: string): ChannelEntry | null {
    const existing = this.channels.get(name)
    if (existing) return existing
    if (!checkRegistration(this.policy, name, this.hasLocalInvite(name)).ok) {
      this.log(`[sidechannel:${name}] join denied (invite required).`)
      return null
    }
    const entry: ChannelEntry = { name, topic: channelTopic(name), protocol: channelProtocol(name), joined: false }
    this.channels.set(name, entry)
    return entry
  }

  private async joinTopic (entry: ChannelEntry): Promise<void> {
    if (entry.joined) return
    const discovery = this.swarm.join(entry.topic, { server: true, client: true })
    entry.joined = true
    await discovery.flushed()
    // Peers that announce at the same moment can miss each other's lookups; one refresh after
    // our announce closes that window instead of waiting for the 10-minute refresh.
    discovery.refresh().catch(() => {})
  }

  private hasLocalInvite (ch: string): boolean {
    const inv = this.localInvites.get(ch)
    return inv !== undefined && inv.expiresAt > this.now()
  }

  private rememberedInvite (ch: string, remoteKey: string): number | null {
    const exp = this.remoteInvites.get(ch)?.get(remoteKey)
    return exp !== undefined && exp > this.now() ? exp : null
  }

  private isAuthorized (ch: string, remoteKey: string): boolean {
    return isAuthorized(this.policy, ch, remoteKey, this.rememberedInvite(ch, remoteKey), this.now())
  }

  // ---------------------------------------------------------------- connections and sessions

  private attachConnection (conn: SwarmConnection): void {
    if (this.conns.has(conn) || this.closing) return
    const mux = Protomux.from(conn)
    const remoteKey = conn.remotePublicKey ? toHex(conn.remotePublicKey) : 'unknown'
    const cs: ConnState = { conn, mux, remoteKey, records: new Map(), paired: new Set(), retries: new Map(), closed: false, ordered: [], orderedHead: 0 }
    this.conns.set(conn, cs)
    conn.on('error', () => {})
    conn.once('close', () => {
      cs.closed = true
      this.conns.delete(conn)
    })
    if (this.started) this.openAllOn(cs)
  }

  private openAllOn (cs: ConnState): void {
    for (const name of this.channels.keys()) this.openOn(cs, name)
  }

  private openOn (cs: ConnState, name: string): void {
    if (cs.closed || cs.records.has(name) || !this.channels.has(name)) return
    const protocol = channelProtocol(name)
    if (!cs.paired.has(name)) {
      cs.paired.add(name)
      // Lets the remote open first: Protomux calls this when an open for the protocol arrives.
      cs.mux.pair({ protocol }, () => this.openOn(cs, name))
    }
    let rec: ChannelRecord | null = null
    const channel = cs.mux.createChannel({
      protocol,
      onopen: () => { if (rec) this.onRecordOpen(cs, rec) },
      onclose: () => { if (rec) this.onRecordClose(cs, rec) }
    })
    if (!channel) return
    const message = channel.addMessage({
      encoding: this.encoding as any,
      onmessage: (frame: InboundFrame) => { if (rec) this.onFrame(cs, rec, frame) }
    })
    rec = { name, channel, message, open: false, queue: [], authSent: false, welcomeSent: false }
    cs.records.set(name, rec)
    channel.open()
  }

  private onRecordOpen (cs: ConnState, rec: ChannelRecord): void {
    rec.open = true
    cs.retries.delete(rec.name)
    const queued = rec.queue
    rec.queue = []
    for (const bytes of queued) rec.message.send(bytes)
    this.maybeSendWelcome(cs, rec)
    this.maybeSendAuth(cs, rec)
  }

  private onRecordClose (cs: ConnState, rec: ChannelRecord): void {
    // B12: forget the record so the channel can be re-opened on this connection later.
    if (cs.records.get(rec.name) === rec) cs.records.delete(rec.name)
    if (rec.queue.length > 0) this.drop('unsent-channel-closed', rec.name, cs.remoteKey, rec.queue.length)
    rec.queue = []
    if (rec.open || cs.closed || this.closing || !this.channels.has(rec.name)) return
    // The remote refused (it has not joined yet): retry a few times with a growing delay.
    const now = this.now()
    const r = cs.retries.get(rec.name)
    const count = r && now - r.lastAt <= 2000 ? r.count + 1 : 1
    cs.retries.set(rec.name, { count, lastAt: now })
    if (count > OPEN_RETRY_LIMIT) return
    const t = setTimeout(() => this.openOn(cs, rec.name), 100 * count)
    ;(t as any).unref?.()
  }

  private deliverTo (rec: ChannelRecord, bytes: Uint8Array): boolean {
    if (rec.open) {
      rec.message.send(bytes)
      return true
    }
    if (rec.queue.length >= MAX_QUEUED_PER_RECORD) {
      this.drop('queue-full', rec.name, 'local')
      return false
    }
    rec.queue.push(bytes)
    return true
  }

  private sendDirect (rec: ChannelRecord, message: unknown): void {
    try {
      const payload = buildPayload({
        channel: rec.name,
        message,
        keyPair: this.identity.keyPair,
        ts: this.now(),
        random: this.random,
        ttl: this.opts.relayTtl,
        powDifficulty: requiredPowBits(this.policy, rec.name)
      }) as Record<string, any>
      this.seen.add(rec.name, payload.id, this.now())
      this.deliverTo(rec, serializePayload(payload))
    } catch (err: any) {
      this.debug(`[sidechannel:${rec.name}] control send failed: ${err?.message ?? err}`)
    }
  }

  /** §5.6 plus B11: the owner sends its welcome to every authorized peer that opens the channel. */
  private maybeSendWelcome (cs: ConnState, rec: ChannelRecord): void {
    if (rec.welcomeSent || !selfIsOwner(this.policy, rec.name)) return
    const welcome = this.welcomes.get(rec.name)
    if (welcome === undefined) return
    if (!this.isAuthorized(rec.name, cs.remoteKey)) return
    rec.welcomeSent = true
    this.sendDirect(rec, welcomeControl(welcome))
  }

  /**
   * §5.5 auth handshake with B15 fixed: our invite (and the welcome inside it) goes only to peers entitled to
   * see it, as `shouldSendAuth` decides: inviters and the owner when the channel opens, and any peer once it
   * has shown us a valid invite for the channel (reference members show theirs to everyone at open).
   */
  private maybeSendAuth (cs: ConnState, rec: ChannelRecord): void {
    if (rec.authSent) return
    const local = this.localInvites.get(rec.name)
    const send = shouldSendAuth({
      policy: this.policy,
      channel: rec.name,
      remoteKey: cs.remoteKey,
      selfHoldsValidLocalInvite: local !== undefined && local.expiresAt > this.now(),
      remoteInviteExpiry: this.rememberedInvite(rec.name, cs.remoteKey),
      now: this.now()
    })
    if (!send || !local) return
    rec.authSent = true
    this.sendDirect(rec, authControl(withoutChannelKey(local.invite)))
  }

  // ---------------------------------------------------------------- receive pipeline

  private onFrame (cs: ConnState, rec: ChannelRecord, frame: InboundFrame): void {
    try {
      this.receive(cs, rec, frame)
    } catch (err: any) {
      // Never let one message take the connection down (Protomux would destroy it on a throw).
      this.drop('internal-error', rec.name, cs.remoteKey)
      this.debug(`[sidechannel:${rec.name}] receive error: ${err?.stack ?? err}`)
    }
  }

  private receive (cs: ConnState, rec: ChannelRecord, frame: InboundFrame): void {
    const C = rec.name
    const rk = cs.remoteKey
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
    if (frame.kind === 'malformed') return this.drop(frame.reason, C, rk)
    this.debug(`[sidechannel:${C}] recv ${frame.bytes} bytes from ${rk}`)

    const shape = checkShape(frame.value, this.opts.maxInboundBytes)
    if (!shape.ok) return this.drop(shape.reason, C, rk)
    const p = frame.value as Record<string, any>
    const binding = checkChannelBinding(p as any, { channel: C, remoteKey: rk, now, frameBytes: frame.bytes })
    if (!binding.ok) return this.drop(binding.reason, C, rk)
    const fresh = checkFreshness(p as any, now, this.opts.maxAgeMs)
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
      selfHoldsValidLocalInvite: this.hasLocalInvite(C),
      remoteInviteExpiry: this.rememberedInvite(C, rk),
      now,
      verifyCarriedInvite: () => {
        const carried = isPlainObject(p.invite) ? p.invite : isPlainObject(message) ? message.invite : undefined
        const res = verifyInvite(carried, C, rk, { inviterKeys: effectiveInviterKeys(this.policy), now })
        if (res.ok) {
          this.rememberRemoteInvite(C, rk, res.expiresAt)
          newlyAuthorized = true
        }
        return res.ok
      }
    })
    if (!invite.ok) return this.drop(invite.reason, C, rk)
    // B11: once the remote is authorized, the owner can hand it the welcome; a remote that showed us its
    // invite gets ours in return (what a reference relay needs before it accepts and relays our traffic).
    if (newlyAuthorized) {
      this.maybeSendWelcome(cs, rec)
      this.maybeSendAuth(cs, rec)
    }

    const bits = requiredPowBits(this.policy, C)
    if (bits > 0 && !checkPow(p, bits)) return this.drop('invalid-pow', C, rk)

    // B2: every message is signed by its `from` key; forged or altered copies die here.
    const from = normHex(p.from)
    const sig = p.sig || p.signature
    if (from === null || !isHex(from, 32) || !isHex(sig, 64)) return this.drop('bad-signature', C, rk)
    const job = { sig: fromHex(sig), msg: utf8(signatureBaseString(p, { decoded: true })), publicKey: fromHex(from) }
    const verdict = this.verifier.verify(job)
    if (typeof verdict === 'boolean') {
      if (!verdict) return this.drop('bad-signature', C, rk)
      return this.accept(cs, rec, p, control)
    }
    // Checked on a worker: keep this connection's messages in arrival order while results come back.
    const slot: VerifySlot = { rec, p, control, done: false, ok: false }
    cs.ordered.push(slot)
    verdict.then((ok) => {
      slot.ok = ok
      slot.done = true
      this.drainVerified(cs)
    }, () => {
      slot.done = true
      this.drainVerified(cs)
    })
  }

  private drainVerified (cs: ConnState): void {
    while (cs.orderedHead < cs.ordered.length && cs.ordered[cs.orderedHead]!.done) {
      const slot = cs.ordered[cs.orderedHead]!
      cs.ordered[cs.orderedHead++] = undefined as any
      if (this.closing || cs.closed) continue
      try {
        if (slot.ok) this.accept(cs, slot.rec, slot.p, slot.control)
        else this.drop('bad-signature', slot.rec.name, cs.remoteKey)
      } catch (err: any) {
        this.drop('internal-error', slot.rec.name, cs.remoteKey)
        this.debug(`[sidechannel:${slot.rec.name}] receive error: ${err?.stack ?? err}`)
      }
    }
    if (cs.orderedHead === cs.ordered.length) {
      cs.ordered = []
      cs.orderedHead = 0
    }
  }

  /** The part of the receive pipeline after a valid signature: §3 steps 7–13. */
  private accept (cs: ConnState, rec: ChannelRecord, p: Record<string, any>, control: ReturnType<typeof readControl>): void {
    const C = rec.name
    const rk = cs.remoteKey
    const now = this.now()
    const message = p.message
    const owner = checkOwnerOnly(this.policy, C, p as any, control, () => true)
    if (!owner.ok) return this.drop(owner.reason, C, rk)

    // Another copy may have been accepted while this one was being verified.
    if (this.seen.has(C, p.id, now)) return this.drop('duplicate', C, rk)
    this.seen.add(C, p.id, now, p.ts)

    // §3 steps 9-10: a welcome carried anywhere in the payload; the awaiting-welcome gate.
    const w = extractWelcome(p as any)
    const welcomeOk = w !== undefined && w !== null && this.acceptWelcome(w, C)
    const wc = checkWelcomeControl(control, w !== undefined && w !== null, welcomeOk)
    if (!wc.ok) return this.drop(wc.reason, C, rk)
    const wg = checkWelcomeGate(this.policy, C, this.isWelcomed(C), welcomeOk)
    if (!wg.ok) return this.drop(wg.reason, C, rk)

    const decision = decideOpenRequest({
      policy: this.policy,
      control,
      message,
      allowRemoteOpen: this.opts.allowRemoteOpen,
      autoJoin: this.opts.autoJoin,
      verifyWelcome: (tw: unknown, target: string) => this.acceptWelcome(tw, target),
      verifyInvite: (inv: unknown, target: string) => verifyInvite(inv, target, rk, { inviterKeys: effectiveInviterKeys(this.policy), now }).ok,
      autoJoinAllowed: (target: string) => this.channels.has(target) || this.autoJoins.allow(target, now)
    })
    switch (decision.action) {
      case 'deny':
        this.debug(`[sidechannel] open denied (${decision.reason})`)
        return this.drop(decision.reason, C, rk)
      case 'join':
        if (!this.channels.has(decision.target)) {
          this.join(decision.target).then((ok) => { if (ok) this.log(`[sidechannel] auto-joined channel: ${decision.target}`) }, () => {})
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
        const key = isSealed(message) ? this.channelKeys.get(C) : undefined
        if (key) {
          const opened = openSealed(key, C, message)
          if (!opened.ok) return this.drop('undecryptable', C, rk)
          delivered = { channel: C, payload: { ...p, message: opened.message }, remoteKey: rk, sealed: true }
        }
        this.counters.delivered++
        this.emit('message', delivered)
      }
    }
    this.relay(cs, C, p, nextRelayTtl(p as any, control, this.opts.relayTtl))
  }

  private relay (from: ConnState, C: string, p: Record<string, any>, ttl: number): void {
    if (ttl <= 0) return
    const copy = { ...p, ttl, relayedBy: this.identity.publicKeyHex }
    let bytes: Uint8Array | null = null
    for (const cs of this.conns.values()) {
      if (cs === from || !this.isAuthorized(C, cs.remoteKey)) continue
      const rec = cs.records.get(C)
      if (!rec) continue
      bytes ??= serializePayload(copy)
      this.deliverTo(rec, bytes)
      this.counters.relayed++
    }
  }

  // ---------------------------------------------------------------- state

  private rememberRemoteInvite (ch: string, rk: string, expiresAt: number): void {
    let m = this.remoteInvites.get(ch)
    if (!m) this.remoteInvites.set(ch, (m = new Map()))
    m.set(rk, expiresAt)
    this.persist()
  }

  private storeConfigWelcome (ch: string, w: unknown): void {
    const n = normalizeChannelName(ch)
    if (n === null || w === undefined || w === null) return
    if (!this.acceptWelcome(w, n)) {
      // Reference rule: a configured welcome is kept (and embedded by /sc_open, /sc_invite) even
      // when it does not verify; it just does not mark the channel welcomed.
      this.welcomes.set(n, w)
      this.log(`[sidechannel:${n}] configured welcome does not verify against the channel owner; kept but not trusted.`)
    }
  }

  private async restoreState (state: PersistedSidechannelState): Promise<void> {
    const now = this.now()
    for (const [ch, w] of Object.entries(state.welcomes)) {
      // Owner configuration may have changed since: re-verify instead of trusting the file.
      if (verifyWelcome(w, ch, ownerKeyFor(this.policy, ch))) {
        this.welcomes.set(ch, w)
        this.welcomed.add(ch)
      }
    }
    for (const [ch, inv] of Object.entries(state.localInvites)) {
      const res = verifyInvite(inv, ch, this.identity.publicKeyHex, { inviterKeys: effectiveInviterKeys(this.policy), now })
      if (res.ok && isPlainObject(inv)) this.localInvites.set(ch, { invite: inv, expiresAt: res.expiresAt })
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

  private snapshot (): PersistedSidechannelState {
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

  private persist (): void {
    this.store.schedule(() => this.snapshot())
  }

  private sweep (): void {
    const now = this.now()
    this.seen.purge(now)
    this.limiter?.sweep(now)
    let changed = false
    for (const [ch, m] of this.remoteInvites) {
      for (const [k, exp] of m) if (exp <= now) { m.delete(k); changed = true }
      if (m.size === 0) this.remoteInvites.delete(ch)
    }
    if (changed) this.persist()
  }

  // ---------------------------------------------------------------- logging

  private drop (reason: string, channel: string, remoteKey: string, count = 1): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + count)
    this.debug(`[sidechannel:${channel}] drop (${reason}) from ${remoteKey}`)
  }

  private debug (line: string): void {
    if (this.opts.debug) this.log(line)
  }
}

function isPlainObject (v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function sameJson (a: unknown, b: unknown): boolean {
  try {
    return JSON.stringify(a) === JSON.stringify(b)
  } catch {
    return false
  }
}

export { ENTRY_CHANNEL }
