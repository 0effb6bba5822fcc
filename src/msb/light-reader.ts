// MSB light state reader (spec msb-light-client.md §3, §4, §8, §10): reads the indexer-signed (confirmed) MSB
// Hyperbee view without running MSB's apply and without an Autobase instance.
//
// The caller's Corestore replicates with MSB peers. From the bootstrap key alone the reader follows Autobase's
// own replicated metadata:
//   indexer writer cores → `digest` of their last oplog block → system core → last `Info` → `views[0].key`
// and opens the view core by key as a plain Hypercore wrapped in a Hyperbee. Hypercore verifies every block
// and length upgrade of that core against its manifest (signers = the indexers, quorum = majority), so the
// core's length *is* the confirmed length and reads at it equal MSB's `getSigned`.
//
// Which system core to trust:
//   rule A  a quorum (majority) of the current indexers point their latest digest at it;
//   rule B  an indexer-set shrink: the candidate's signers are a non-empty subset of the current indexers, every
//           surviving indexer points at it, its prologue starts at or after our verified system length, and it
//           extends our verified system (equal tree hash at that length).
// Every view key is checked before use: ≥1 signer, signers = the indexers' writer-core signer keys, quorum =
// majority, namespace re-derived from (bootstrap, view name, entropy). A view failing the check is never read.
//
// Bare-safe: 'events' is mapped to bare-events by package.json; no Node-only globals.
import EventEmitter from 'events'
import Hyperbee from 'hyperbee'
import b4a from 'b4a'
import c from 'compact-encoding'
import sodium from 'sodium-universal'
import messages from 'autobase/lib/messages.js'
import type Corestore from 'corestore'
import { toHex } from '../crypto/index.js'
import { blake3Hex } from '../common/index.js'

/** The MSB view's core name (`TRAC_NAMESPACE` in MSB's constants). */
export const MSB_VIEW_NAME = 'TracNetwork'
/** Autobase's name for its system core, used in the system core's signer namespace. */
export const AUTOBASE_SYSTEM_NAME = '_system'

const DEFAULT_REFRESH_MS = 1000
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000
/** Delay that coalesces a burst of indexer oplog appends into one refresh. */
const APPEND_COALESCE_MS = 50
/** System-key hops followed in one refresh before yielding (a long chain continues on the next refresh). */
const MAX_HOPS_PER_REFRESH = 32
/** Longest delay setTimeout honours; longer waits are treated as "no deadline". */
const MAX_TIMER_MS = 0x7fffffff
/** Autobase's system Hyperbee key of the Info record (`\0\0info`). */
const INFO_KEY = b4a.from([0, 0, 0x69, 0x6e, 0x66, 0x6f])
/** How far back from the end of a system core to look for an Info record. */
const INFO_SCAN_LIMIT = 64

// ---------------------------------------------------------------------------------------------------------
// Typed views of the untyped Holepunch objects this file touches.

export interface CoreManifestSigner {
  signature: string
  namespace: Uint8Array
  publicKey: Uint8Array
}
export interface CoreManifest {
  version: number
  hash: string
  allowPatch?: boolean
  quorum: number
  signers: CoreManifestSigner[]
  prologue: { hash: Uint8Array; length: number } | null
  linked?: Uint8Array[] | null
}

interface Core<T = Uint8Array> {
  readonly key: Uint8Array
  readonly length: number
  readonly manifest: CoreManifest | null
  readonly closed: boolean
  ready(): Promise<void>
  close(): Promise<void>
  update(opts?: { wait?: boolean }): Promise<boolean>
  get(index: number, opts?: { wait?: boolean; timeout?: number }): Promise<T | null>
  treeHash(length?: number): Promise<Uint8Array>
  on(event: 'append', fn: () => void): unknown
  off(event: 'append', fn: () => void): unknown
}

interface BeeNode {
  seq: number
  key: unknown
  value: unknown
  type?: string
}
interface Bee {
  readonly core: Core
  ready(): Promise<void>
  close(): Promise<void>
  get(key: string, opts?: { timeout?: number }): Promise<BeeNode | null>
  getBySeq(seq: number, opts?: { timeout?: number }): Promise<BeeNode | null>
  checkout(version: number): Bee
  createHistoryStream(opts: { gte?: number; lt?: number; timeout?: number }): AsyncIterable<BeeNode>
}

type Oplog = messages.AutobaseOplogMessage
type Info = messages.AutobaseInfo

// ---------------------------------------------------------------------------------------------------------
// Pure helpers (exported for tests and for callers that verify pinned checkpoints).

function hash32(parts: Uint8Array[]): Uint8Array {
  const out = b4a.alloc(32)
  sodium.crypto_generichash(out, parts.length === 1 ? parts[0] : b4a.concat(parts))
  return out
}

// hypercore-crypto namespace('autobase', 1)[0]: H(H('autobase') || 0x00).
const NS_SIGNER_NAMESPACE = hash32([hash32([b4a.from('autobase')]), b4a.from([0])])
/** compact-encoding uint of Autobase's INDEX_VERSION (1). */
const INDEX_VERSION_BYTES = c.encode(c.uint, 1)

/**
 * The signer namespace Autobase gives a view core (autobase lib/store.js `_deriveNamespace`):
 * H(ns('autobase')[0], uint(1), bootstrap, H(encryptionKey || ''), entropy, name). MSB uses no encryption key.
 */
export function deriveViewNamespace(
  bootstrap: Uint8Array,
  name: string,
  entropy: Uint8Array,
  encryptionKey: Uint8Array | null = null
): Uint8Array {
  const encryptionId = hash32([encryptionKey ?? b4a.alloc(0)])
  return hash32([NS_SIGNER_NAMESPACE, INDEX_VERSION_BYTES, bootstrap, encryptionId, entropy, b4a.from(name)])
}

/** The majority quorum Autobase sets on signed cores: min(n, floor(n/2) + 1). */
export function majorityQuorum(n: number): number {
  return Math.min(n, (n >> 1) + 1)
}

export interface ManifestExpectation {
  bootstrap: Uint8Array
  /** Core name: 'TracNetwork' for the MSB view, '_system' for the system core. */
  name: string
  /** Writer-core manifest signer public keys of the indexers, in Info order. */
  signerKeys: Uint8Array[]
  /** `Info.entropy`, or (when null) the first indexer's writer-manifest signer namespace. */
  entropy: Uint8Array
}

/** Null when `manifest` is a signed core of exactly these indexers, else the reason it is not. */
export function checkSignedManifest(
  manifest: CoreManifest | null | undefined,
  expect: ManifestExpectation
): string | null {
  if (manifest === null || manifest === undefined) return 'no manifest'
  const signers = Array.isArray(manifest.signers) ? manifest.signers : []
  if (signers.length === 0) return `unsigned core (quorum ${String(manifest.quorum)}, no signers)`
  if (expect.signerKeys.length === 0) return 'no indexers to check the signers against'
  if (manifest.hash !== 'blake2b') return `unexpected tree hash ${String(manifest.hash)}`
  const got = signers.map((s) => toHex(s.publicKey)).sort()
  const want = expect.signerKeys.map((k) => toHex(k)).sort()
  if (got.length !== want.length || got.some((k, i) => k !== want[i])) {
    return `signers [${got.join(', ')}] are not the indexers' signer keys [${want.join(', ')}]`
  }
  const quorum = majorityQuorum(signers.length)
  if (manifest.quorum !== quorum) return `quorum ${manifest.quorum} is not the majority ${quorum} of ${signers.length}`
  const ns = deriveViewNamespace(expect.bootstrap, expect.name, expect.entropy)
  for (const s of signers) {
    if (s.signature !== 'ed25519') return `unexpected signature scheme ${String(s.signature)}`
    if (!b4a.equals(s.namespace, ns))
      return `signer namespace ${toHex(s.namespace)} is not the one derived for '${expect.name}' (${toHex(ns)})`
  }
  return null
}

// ---------------------------------------------------------------------------------------------------------

export interface MsbLightReaderOptions {
  /** The caller's Corestore, already replicating with MSB peers. The reader only opens sessions on it. */
  store: Corestore
  /** The MSB bootstrap key (32 bytes): the first indexer's writer core key. */
  bootstrap: Uint8Array
  /** Periodic refresh of the key chain (default 1000 ms). Refreshes also run when an indexer's oplog grows. */
  refreshIntervalMs?: number
  log?: (line: string) => void
  /** The view's core name (default 'TracNetwork'). Only the namespace check uses it. */
  viewName?: string
  /**
   * Refresh as soon as an indexer's oplog grows (default true). With false, only the timer and explicit
   * `refresh()` calls follow key changes; the confirmed length still grows by replication alone.
   */
  refreshOnIndexerAppend?: boolean
  /** Upper bound for one network wait during a refresh and for one block fetch of a read (default 10 s). */
  requestTimeoutMs?: number
}

export interface MsbLightReaderStatus {
  bootstrapHex: string
  systemKeyHex: string | null
  viewKeyHex: string | null
  signedLength: number
  indexers: string[]
  txv: string | null
  /** Epoch ms of the last growth of the confirmed length (or of adopting the first view); null before that. */
  lastGrowthAt: number | null
  /** ms since `lastGrowthAt`; null before the first view. */
  staleMs: number | null
  /** True when the view in use is the one the current system names and it passed the manifest check. */
  verified: boolean
  error: string | null
}

/** One confirmed put of the view. It is visible at confirmed length `seq + 1` and later. */
export interface MsbHistoryEntry {
  seq: number
  key: string
  value: Uint8Array
}

interface SystemState {
  key: Uint8Array
  core: Core
  bee: Bee
  info: Info
  /** System core length at which `info` was read. */
  infoLength: number
}

interface ViewState {
  key: Uint8Array
  core: Core
  bee: Bee
  onappend: () => void
}

interface Waiter {
  length: number
  resolve: (ok: boolean) => void
  timer: ReturnType<typeof setTimeout> | null
}

interface Candidate {
  key: Uint8Array
  core: Core
}

export class MsbLightReader extends EventEmitter {
  readonly bootstrap: Uint8Array
  readonly bootstrapHex: string
  readonly viewName: string
  readonly refreshIntervalMs: number
  readonly requestTimeoutMs: number
  readonly refreshOnIndexerAppend: boolean
  opened = false
  closed = false

  #store: Corestore
  #log: (line: string) => void
  #opening: Promise<void> | null = null
  #closing: Promise<void> | null = null
  #timer: ReturnType<typeof setInterval> | null = null
  #refreshing: Promise<void> | null = null
  #queued: Promise<void> | null = null
  #kickTimer: ReturnType<typeof setTimeout> | null = null

  /** The indexer writer keys trusted right now: [bootstrap] until the first Info is read, then Info.indexers. */
  #trusted: Uint8Array[]
  #writers = new Map<string, { core: Core<Oplog>; onappend: () => void }>()
  #system: SystemState | null = null
  #view: ViewState | null = null
  #error: string | null = null
  /** Error of the refresh in progress; becomes `#error` when it ends. */
  #roundError: string | null = null
  #rejectedViewHex: string | null = null
  #rejectedReason: string | null = null
  #pendingView: { key: Uint8Array; core: Core } | null = null
  /** Sessions of superseded systems and views, closed with the reader (readers may still be iterating them). */
  #retired: Array<{ close(): Promise<void> }> = []
  /** Candidate system sessions being examined by a refresh (closed at once if the reader closes meanwhile). */
  #inflight = new Set<Core>()
  #waiters = new Set<Waiter>()
  #lastLength = 0
  #lastGrowthAt: number | null = null

  constructor(opts: MsbLightReaderOptions) {
    super()
    if (opts === null || typeof opts !== 'object' || opts.store === null || typeof opts.store !== 'object') {
      throw new TypeError('MsbLightReader needs a Corestore')
    }
    if (!(opts.bootstrap instanceof Uint8Array) || opts.bootstrap.byteLength !== 32) {
      throw new TypeError('MSB bootstrap must be 32 bytes')
    }
    const interval = opts.refreshIntervalMs ?? DEFAULT_REFRESH_MS
    if (!(typeof interval === 'number' && interval > 0 && Number.isFinite(interval)))
      throw new RangeError('refreshIntervalMs must be a positive number')
    const timeout = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
    if (!(typeof timeout === 'number' && timeout > 0 && Number.isFinite(timeout)))
      throw new RangeError('requestTimeoutMs must be a positive number')
    this.#store = opts.store
    this.bootstrap = b4a.from(opts.bootstrap)
    this.bootstrapHex = toHex(this.bootstrap)
    this.viewName = opts.viewName ?? MSB_VIEW_NAME
    this.refreshIntervalMs = Math.min(interval, MAX_TIMER_MS)
    this.requestTimeoutMs = Math.min(timeout, MAX_TIMER_MS)
    this.refreshOnIndexerAppend = opts.refreshOnIndexerAppend !== false
    this.#log = opts.log ?? (() => {})
    this.#trusted = [this.bootstrap]
  }

  // ------------------------------------------------------------------------------------------------ lifecycle

  /** Opens the reader and runs the first refresh. Resolves even when no peer has answered yet. */
  ready(): Promise<void> {
    if (this.#opening === null) this.#opening = this.#open()
    return this.#opening
  }

  async #open(): Promise<void> {
    if (this.#closing !== null) throw new Error('MsbLightReader is closed')
    this.#timer = setInterval(() => this.refresh(), this.refreshIntervalMs)
    const t = this.#timer as unknown as { unref?: () => void }
    if (typeof t.unref === 'function') t.unref()
    this.opened = true
    await this.refresh()
  }

  close(): Promise<void> {
    if (this.#closing === null) this.#closing = this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
    if (this.#kickTimer !== null) clearTimeout(this.#kickTimer)
    this.#kickTimer = null
    for (const w of this.#waiters) {
      if (w.timer !== null) clearTimeout(w.timer)
      w.resolve(false)
    }
    this.#waiters.clear()
    // Closing the sessions makes any refresh stuck on the network fail fast; then wait for it to unwind.
    const sessions: Array<{ close(): Promise<void> }> = []
    for (const w of this.#writers.values()) {
      w.core.off('append', w.onappend)
      sessions.push(w.core)
    }
    this.#writers.clear()
    if (this.#view !== null) {
      this.#view.core.off('append', this.#view.onappend)
      sessions.push(this.#view.bee)
    }
    if (this.#pendingView !== null) sessions.push(this.#pendingView.core)
    if (this.#system !== null) sessions.push(this.#system.bee)
    sessions.push(...this.#retired, ...this.#inflight)
    this.#retired = []
    this.#inflight.clear()
    await Promise.allSettled(sessions.map((s) => s.close()))
    await Promise.allSettled([this.#refreshing, this.#queued])
    this.closed = true
  }

  get #stopped(): boolean {
    return this.#closing !== null
  }

  // ------------------------------------------------------------------------------------------------ reading

  /** The confirmed length of the MSB view (0 before the first verified view). */
  signedLength(): number {
    return this.#view === null ? 0 : this.#view.core.length
  }

  /**
   * Resolves true once the confirmed length is at least `length`; false on timeout or when the reader closes.
   * `timeoutMs` may be Infinity (no deadline).
   */
  waitForSignedLength(length: number, timeoutMs: number): Promise<boolean> {
    if (this.#stopped) return Promise.resolve(false)
    if (this.signedLength() >= length) return Promise.resolve(true)
    if (!(timeoutMs > 0)) return Promise.resolve(false)
    return new Promise((resolve) => {
      const w: Waiter = { length, resolve, timer: null }
      if (Number.isFinite(timeoutMs) && timeoutMs <= MAX_TIMER_MS) {
        w.timer = setTimeout(() => {
          this.#waiters.delete(w)
          resolve(this.signedLength() >= length)
        }, timeoutMs)
      }
      this.#waiters.add(w)
    })
  }

  /** The confirmed value under `key` at the current confirmed length, or null. */
  async get(key: string): Promise<Uint8Array | null> {
    const view = this.#view
    if (view === null) return null
    return await this.#readAt(view, key, view.core.length)
  }

  /**
   * The confirmed value under `key` as of confirmed length `length` (MSB `view.checkout(length).get(key)`).
   * Lengths continue across view key switches. Throws a RangeError for a length not confirmed yet.
   */
  async getAt(key: string, length: number): Promise<Uint8Array | null> {
    if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0)
      throw new RangeError('length must be a non-negative integer')
    const view = this.#view
    const current = view === null ? 0 : view.core.length
    if (length > current) throw new RangeError(`length ${length} is not confirmed yet (confirmed length ${current})`)
    if (view === null || length <= 1) return null
    return await this.#readAt(view, key, length)
  }

  async #readAt(view: ViewState, key: string, length: number): Promise<Uint8Array | null> {
    if (length <= 1) return null
    const snap = view.bee.checkout(length)
    try {
      const node = await snap.get(key, { timeout: this.requestTimeoutMs })
      return node === null ? null : asBytes(node.value)
    } finally {
      await snap.close().catch(() => {})
    }
  }

  /**
   * The confirmed puts with `seq >= fromSeq`, in order, up to the confirmed length at the time of the call.
   * Deletions are skipped. Pass the last seen `seq + 1` to continue.
   */
  async *historySince(fromSeq: number): AsyncGenerator<MsbHistoryEntry> {
    const view = this.#view
    if (view === null) return
    const length = view.core.length
    const gte = Math.max(1, Math.floor(Number.isFinite(fromSeq) ? fromSeq : 0))
    if (gte >= length) return
    const snap = view.bee.checkout(length)
    try {
      for await (const node of snap.createHistoryStream({ gte, lt: length, timeout: this.requestTimeoutMs })) {
        if (node.type !== undefined && node.type !== 'put') continue
        const value = asBytes(node.value)
        if (value === null) continue
        yield { seq: node.seq, key: asKey(node.key), value }
      }
    } finally {
      await snap.close().catch(() => {})
    }
  }

  /** Hex BLAKE3 of the current indexers' keys concatenated in Info order (MSB's `txv`); null before the first Info. */
  txv(): string | null {
    if (this.#system === null) return null
    return blake3Hex(b4a.concat(this.#system.info.indexers.map((i) => i.key)))
  }

  /** The current indexer writer keys (hex, Info order); empty before the first Info. */
  indexers(): string[] {
    return this.#system === null ? [] : this.#system.info.indexers.map((i) => toHex(i.key))
  }

  get viewKeyHex(): string | null {
    return this.#view === null ? null : toHex(this.#view.key)
  }

  get systemKeyHex(): string | null {
    return this.#system === null ? null : toHex(this.#system.key)
  }

  status(): MsbLightReaderStatus {
    return {
      bootstrapHex: this.bootstrapHex,
      systemKeyHex: this.systemKeyHex,
      viewKeyHex: this.viewKeyHex,
      signedLength: this.signedLength(),
      indexers: this.indexers(),
      txv: this.txv(),
      lastGrowthAt: this.#lastGrowthAt,
      staleMs: this.#lastGrowthAt === null ? null : Math.max(0, Date.now() - this.#lastGrowthAt),
      verified: this.#isVerified(),
      error: this.#error
    }
  }

  // ------------------------------------------------------------------------------------------------ refresh

  /**
   * Re-resolves the key chain (also runs on a timer and when an indexer's oplog grows). Passes never overlap:
   * a call during a pass queues one more pass (calls coalesce) and resolves when that pass ends. Never throws.
   */
  refresh(): Promise<void> {
    if (this.#stopped) return Promise.resolve()
    if (this.#refreshing === null) return this.#startPass()
    if (this.#queued === null) {
      this.#queued = this.#refreshing.then(() => {
        this.#queued = null
        if (this.#stopped) return
        return this.#refreshing ?? this.#startPass()
      })
    }
    return this.#queued
  }

  #startPass(): Promise<void> {
    const pass: Promise<void> = this.#refreshOnce()
      .catch((err) => {
        if (!this.#stopped) this.#setError(`refresh failed: ${(err as Error)?.message ?? String(err)}`)
      })
      .finally(() => {
        if (this.#refreshing === pass) this.#refreshing = null
      })
    this.#refreshing = pass
    return pass
  }

  /** Indexer appends come in bursts (acks); coalesce them into one refresh shortly after. */
  #kickSoon(): void {
    if (this.#kickTimer !== null || this.#stopped) return
    this.#kickTimer = setTimeout(() => {
      this.#kickTimer = null
      void this.refresh()
    }, APPEND_COALESCE_MS)
  }

  async #refreshOnce(): Promise<void> {
    this.#roundError = null
    try {
      await this.#refreshSteps()
    } finally {
      if (!this.#stopped) this.#error = this.#roundError
    }
  }

  async #refreshSteps(): Promise<void> {
    for (let hop = 0; hop < MAX_HOPS_PER_REFRESH && !this.#stopped; hop++) {
      if (!(await this.#followSystem())) break
    }
    if (this.#stopped) return
    if (this.#system === null) {
      if (this.#roundError === null)
        this.#setError("no system key yet: the indexers' oplogs have not replicated (no MSB peer?)")
      return
    }
    await this.#rereadInfo()
    if (this.#stopped) return
    await this.#syncView()
    if (this.#stopped) return
    // Growth normally arrives by replication alone; this nudges it when a peer's upgrade announcement was missed.
    if (this.#view !== null) await this.#bounded(this.#view.core.update({ wait: true }))
  }

  /** One hop: adopts a newer system key by rule A or rule B. True when the system changed. */
  async #followSystem(): Promise<boolean> {
    const votes = await this.#collectVotes()
    if (this.#stopped) return false
    const current = this.#system
    const tally = new Map<string, Uint8Array[]>()
    for (const [writerHex, sysKey] of votes) {
      if (sysKey === null) continue
      const k = toHex(sysKey)
      const list = tally.get(k) ?? []
      list.push(b4a.from(writerHex, 'hex'))
      tally.set(k, list)
    }
    const quorum = majorityQuorum(this.#trusted.length)
    const currentHex = current === null ? null : toHex(current.key)
    const candidates = [...tally.entries()].filter(([k]) => k !== currentHex).sort((a, b) => b[1].length - a[1].length)

    for (const [keyHex, voters] of candidates) {
      if (this.#stopped) return false
      const key = b4a.from(keyHex, 'hex')
      if (voters.length >= quorum) {
        if (await this.#adoptSystem(key, 'A')) return true
        continue
      }
      if (current !== null) {
        const cand = await this.#checkRuleB(current, key, votes)
        if (cand !== null && (await this.#adoptSystem(key, 'B', cand))) return true
      }
    }
    return false
  }

  /** For each trusted indexer: the system key its latest oplog digest points at (null when unknown). */
  async #collectVotes(): Promise<Map<string, Uint8Array | null>> {
    const out = new Map<string, Uint8Array | null>()
    await Promise.all(
      this.#trusted.map(async (key) => {
        const hex = toHex(key)
        let vote: Uint8Array | null = null
        try {
          vote = await this.#digestOf(this.#writer(key))
        } catch (err) {
          if (!this.#stopped)
            this.#log(
              `msb light reader: reading indexer ${hex.slice(0, 16)}… failed: ${(err as Error)?.message ?? String(err)}`
            )
        }
        out.set(hex, vote)
      })
    )
    return out
  }

  #writer(key: Uint8Array): Core<Oplog> {
    const hex = toHex(key)
    const known = this.#writers.get(hex)
    if (known !== undefined) return known.core
    if (this.#stopped) throw new Error('MsbLightReader is closed')
    const core = this.#store.get({ key, valueEncoding: messages.OplogMessage }) as Core<Oplog>
    const onappend = (): void => this.#kickSoon()
    if (this.refreshOnIndexerAppend) core.on('append', onappend)
    this.#writers.set(hex, { core, onappend })
    return core
  }

  async #digestOf(core: Core<Oplog>): Promise<Uint8Array | null> {
    await core.ready()
    await this.#bounded(core.update({ wait: true }))
    const length = core.length
    if (length === 0 || this.#stopped) return null
    const last = await core.get(length - 1, { timeout: this.requestTimeoutMs })
    const digest = last?.digest ?? null
    if (digest === null) return null
    if (digest.pointer === 0) return digest.key ?? null
    const at = length - 1 - digest.pointer
    if (!Number.isSafeInteger(at) || at < 0) return null
    const prev = await core.get(at, { timeout: this.requestTimeoutMs })
    return prev?.digest?.key ?? null
  }

  /** Writer-core manifest signer key of an indexer (null until its manifest has replicated). */
  async #signerKeyOf(key: Uint8Array): Promise<{ publicKey: Uint8Array; namespace: Uint8Array } | null> {
    const core = this.#writer(key)
    await core.ready()
    if (core.manifest === null && !this.#stopped) {
      await this.#bounded(core.update({ wait: true }))
      if (core.manifest === null && core.length > 0)
        await core.get(core.length - 1, { timeout: this.requestTimeoutMs }).catch(() => null)
    }
    const s = core.manifest?.signers?.[0]
    return s === undefined ? null : { publicKey: s.publicKey, namespace: s.namespace }
  }

  /** A session on system core `key`, updated; tracked in #inflight until adopted or released. */
  async #openSystemCore(key: Uint8Array): Promise<Core> {
    if (this.#stopped) throw new Error('MsbLightReader is closed')
    const core = this.#store.get({ key }) as Core
    this.#inflight.add(core)
    await core.ready()
    await this.#bounded(core.update({ wait: true }))
    return core
  }

  async #releaseSystemCore(core: Core, closer: { close(): Promise<void> } = core): Promise<void> {
    this.#inflight.delete(core)
    await closer.close().catch(() => {})
  }

  /** Rule B (spec §4): an indexer-set shrink attested by the surviving indexers. Returns the opened core or null. */
  async #checkRuleB(
    current: SystemState,
    key: Uint8Array,
    votes: Map<string, Uint8Array | null>
  ): Promise<Candidate | null> {
    const core = await this.#openSystemCore(key)
    let keep = false
    try {
      const m = core.manifest
      if (m === null || m.signers.length === 0) return null
      const signerOf = new Map<string, string>()
      for (const k of this.#trusted) {
        const s = await this.#signerKeyOf(k)
        if (s === null) return null
        signerOf.set(toHex(k), toHex(s.publicKey))
      }
      const trustedSigners = new Set(signerOf.values())
      const candSigners = new Set(m.signers.map((s) => toHex(s.publicKey)))
      for (const s of candSigners) if (!trustedSigners.has(s)) return null
      for (const [writerHex, signerHex] of signerOf) {
        if (!candSigners.has(signerHex)) continue
        const vote = votes.get(writerHex) ?? null
        if (vote === null || !b4a.equals(vote, key)) return null
      }
      const verifiedLength = current.core.length
      if (m.prologue === null || m.prologue.length < verifiedLength) return null
      if (core.length < verifiedLength) return null
      const [a, b] = await Promise.all([core.treeHash(verifiedLength), current.core.treeHash(verifiedLength)])
      if (!b4a.equals(a, b)) {
        this.#log(`msb light reader: rule B candidate ${toHex(key).slice(0, 16)}… does not extend the verified system`)
        return null
      }
      keep = true
      return { key, core }
    } finally {
      if (!keep) await this.#releaseSystemCore(core)
    }
  }

  /** Opens system `key`, reads its last Info and checks its manifest; on success makes it current. */
  async #adoptSystem(key: Uint8Array, rule: 'A' | 'B', opened?: Candidate): Promise<boolean> {
    const core = opened?.core ?? (await this.#openSystemCore(key))
    const bee = new Hyperbee(core, {
      extension: false,
      keyEncoding: 'binary',
      valueEncoding: 'binary'
    }) as unknown as Bee
    let adopted = false
    try {
      if (this.#stopped || core.length === 0) return false
      const info = await this.#readInfo(bee, core.length)
      if (info === null || this.#stopped) return false
      if (info.indexers.length === 0) {
        this.#setError(`system ${toHex(key).slice(0, 16)}… has no indexers yet (unsigned)`)
        return false
      }
      const reason = await this.#checkManifestAgainst(core.manifest, AUTOBASE_SYSTEM_NAME, info)
      if (reason !== null) {
        this.#setError(`system core ${toHex(key).slice(0, 16)}… rejected: ${reason}`)
        return false
      }
      if (this.#stopped) return false
      const previous = this.#system
      this.#system = { key, core, bee, info, infoLength: core.length }
      this.#inflight.delete(core)
      adopted = true
      if (previous !== null) this.#retired.push(previous.bee)
      this.#log(
        `msb light reader: system ${toHex(key).slice(0, 16)}… (rule ${rule}, length ${core.length}, ${info.indexers.length} indexer${info.indexers.length === 1 ? '' : 's'})`
      )
      this.#setIndexers(previous === null ? null : previous.info, info)
      return true
    } finally {
      if (!adopted) await this.#releaseSystemCore(core, bee)
    }
  }

  /** Re-reads Info when the current system core has grown (same key). */
  async #rereadInfo(): Promise<void> {
    const sys = this.#system
    if (sys === null || sys.core.length <= sys.infoLength) return
    const length = sys.core.length
    const info = await this.#readInfo(sys.bee, length)
    if (info === null || this.#system !== sys || this.#stopped) return
    const previous = sys.info
    sys.info = info
    sys.infoLength = length
    this.#setIndexers(previous, info)
  }

  async #readInfo(bee: Bee, length: number): Promise<Info | null> {
    for (let seq = length - 1; seq >= 1 && seq >= length - INFO_SCAN_LIMIT; seq--) {
      const node = await bee.getBySeq(seq, { timeout: this.requestTimeoutMs })
      if (node === null) return null
      const k = node.key
      if (!(k instanceof Uint8Array) || !b4a.equals(k, INFO_KEY)) continue
      const value = asBytes(node.value)
      if (value === null) return null
      try {
        return c.decode(messages.Info, value)
      } catch (err) {
        this.#setError(`undecodable system Info at ${seq}: ${(err as Error)?.message ?? String(err)}`)
        return null
      }
    }
    return null
  }

  /** Checks a signed core's manifest against the indexers of `info` (signers, quorum, namespace). */
  async #checkManifestAgainst(manifest: CoreManifest | null, name: string, info: Info): Promise<string | null> {
    const signerKeys: Uint8Array[] = []
    let firstNamespace: Uint8Array | null = null
    for (const ix of info.indexers) {
      const s = await this.#signerKeyOf(ix.key)
      if (s === null) return `manifest of indexer ${toHex(ix.key).slice(0, 16)}… not available yet`
      if (firstNamespace === null) firstNamespace = s.namespace
      signerKeys.push(s.publicKey)
    }
    const entropy = info.entropy ?? firstNamespace
    if (entropy === null) return 'no indexers'
    return checkSignedManifest(manifest, { bootstrap: this.bootstrap, name, signerKeys, entropy })
  }

  #setIndexers(previous: Info | null, next: Info): void {
    const oldKeys = previous === null ? null : previous.indexers.map((i) => toHex(i.key))
    const newKeys = next.indexers.map((i) => toHex(i.key))
    const oldTrusted = this.#trusted.map((k) => toHex(k))
    this.#trusted = next.indexers.map((i) => b4a.from(i.key))
    // Writer sessions of indexers that left the set are no longer needed.
    for (const hex of oldTrusted) {
      if (newKeys.includes(hex)) continue
      const w = this.#writers.get(hex)
      if (w === undefined) continue
      w.core.off('append', w.onappend)
      this.#writers.delete(hex)
      this.#retired.push(w.core)
    }
    if (oldKeys === null) {
      this.#log(`msb light reader: indexers [${newKeys.map(short).join(', ')}]`)
      return
    }
    if (oldKeys.length === newKeys.length && oldKeys.every((k, i) => k === newKeys[i])) return
    this.#log(
      `msb light reader: indexer set changed [${oldKeys.map(short).join(', ')}] -> [${newKeys.map(short).join(', ')}]`
    )
    this.emit('indexers', oldKeys, newKeys)
  }

  /** Opens, verifies and switches to `Info.views[0]` when it differs from the view in use. */
  async #syncView(): Promise<void> {
    const sys = this.#system
    if (sys === null) return
    const entry = sys.info.views[0]
    if (entry === undefined) {
      this.#setError('the system names no view yet')
      return
    }
    const key = entry.key
    const keyHex = toHex(key)
    if (this.#view !== null && b4a.equals(this.#view.key, key)) return
    if (this.#rejectedViewHex === keyHex) {
      this.#setError(this.#rejectedReason ?? `view ${short(keyHex)} rejected`)
      return
    }

    let pending = this.#pendingView
    if (pending !== null && !b4a.equals(pending.key, key)) {
      this.#pendingView = null
      await pending.core.close().catch(() => {})
      pending = null
    }
    if (this.#stopped) return
    if (pending === null) {
      const core = this.#store.get({ key }) as Core
      pending = { key, core }
      this.#pendingView = pending
      await core.ready()
    }
    const core = pending.core
    if (core.manifest === null || core.length < this.signedLength()) await this.#bounded(core.update({ wait: true }))
    if (this.#stopped || this.#pendingView !== pending) return
    if (core.manifest === null) return // not replicated yet; the next refresh retries
    const reason = await this.#checkManifestAgainst(core.manifest, this.viewName, sys.info)
    if (this.#stopped || this.#pendingView !== pending) return
    if (reason !== null) {
      if (reason.includes('not available yet')) return
      this.#pendingView = null
      this.#rejectedViewHex = keyHex
      this.#rejectedReason = `view ${short(keyHex)} rejected: ${reason}`
      this.#setError(this.#rejectedReason)
      await core.close().catch(() => {})
      return
    }
    // Never let the confirmed length go backwards: wait until the new core has caught up with the old one.
    if (core.length < this.signedLength()) return

    this.#pendingView = null
    const bee = new Hyperbee(core, {
      extension: false,
      keyEncoding: 'ascii',
      valueEncoding: 'binary'
    }) as unknown as Bee
    const onappend = (): void => this.#onViewGrowth()
    const previous = this.#view
    if (previous !== null) {
      previous.core.off('append', previous.onappend)
      this.#retired.push(previous.bee)
    }
    this.#view = { key, core, bee, onappend }
    core.on('append', onappend)
    const oldHex = previous === null ? null : toHex(previous.key)
    this.#log(
      `msb light reader: view ${short(keyHex)} verified (${sys.info.indexers.length} signer${sys.info.indexers.length === 1 ? '' : 's'}, length ${core.length})${oldHex === null ? '' : `, replacing ${short(oldHex)}`}`
    )
    if (this.#lastGrowthAt === null) this.#lastGrowthAt = Date.now()
    this.emit('view', keyHex, oldHex)
    this.#onViewGrowth()
  }

  #onViewGrowth(): void {
    const length = this.signedLength()
    if (length <= this.#lastLength) return
    this.#lastLength = length
    this.#lastGrowthAt = Date.now()
    for (const w of this.#waiters) {
      if (length < w.length) continue
      if (w.timer !== null) clearTimeout(w.timer)
      this.#waiters.delete(w)
      w.resolve(true)
    }
    this.emit('append', length)
  }

  #setError(message: string): void {
    if (this.#error !== message && this.#roundError !== message) this.#log(`msb light reader: ${message}`)
    this.#roundError = message
    this.#error = message
  }

  #isVerified(): boolean {
    const view = this.#view
    const current = this.#system?.info.views[0]
    return view !== null && current !== undefined && b4a.equals(view.key, current.key)
  }

  /** Waits for `p` at most `requestTimeoutMs`; a late rejection is swallowed. */
  async #bounded<T>(p: Promise<T>): Promise<T | undefined> {
    let timer: ReturnType<typeof setTimeout> | null = null
    const guarded = p.catch((err) => {
      if (this.#stopped) return undefined
      throw err
    })
    try {
      return await Promise.race([
        guarded,
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), this.requestTimeoutMs)
        })
      ])
    } finally {
      if (timer !== null) clearTimeout(timer)
      guarded.catch(() => {})
    }
  }
}

function short(hex: string): string {
  return hex.slice(0, 16) + '…'
}

function asBytes(v: unknown): Uint8Array | null {
  return v instanceof Uint8Array ? v : null
}

function asKey(k: unknown): string {
  if (typeof k === 'string') return k
  if (k instanceof Uint8Array) return b4a.toString(k, 'latin1')
  return String(k)
}
