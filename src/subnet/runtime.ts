// The subnet runtime: Corestore + Autobase (JSON values, ack interval 1 s) with a Hyperbee view,
// driven by the deterministic apply engine. It shares the peer's Hyperswarm: every connection
// replicates the whole Corestore, and a small Protomux channel named after the subnet channel
// carries the writer-invite handshake of auto-add mode. Protocol and contract exist before the base
// opens, so no op is ever applied without them.
import fs from 'fs'
import path from 'path'
import ReadyResource from 'ready-resource'
import Corestore from 'corestore-subnet'
import Rache from 'rache'
import Autobase from 'autobase-subnet'
import type Hyperbee from 'hyperbee'
import Protomux from 'protomux'
import b4a from 'b4a'
import type Hyperswarm from 'hyperswarm'
import type { SwarmConnection } from 'hyperswarm'
import { fromHex, isHex, toHex } from '../crypto/index.js'
import { subnetTopic } from '../common/index.js'
import { frameEncoding, serializePayload, type InboundFrame } from '../common/index.js'
import { applyOp } from './apply.js'
import { BatchViewStore, type BeeBatchLike } from './batch-store.js'
import { ViewBee, readView } from '../common/index.js'
import { DEFAULT_APPLY_LIMITS, type ApplyContext, type MembershipHost, type MsbView } from './types.js'
import {
  createSubnetApp,
  type Protocol,
  type SubnetRuntimeLike,
  type ProtocolOptions,
  type TxSettlement
} from './protocol.js'
import type { ContractRuntime, LogFn } from './types.js'
import { SubnetStoreFormatError } from './errors.js'
import { createSubnetStorage } from './storage.js'

export interface SubnetWallet {
  publicKeyHex: string
  sign(message: string): string
}

export interface SubnetRuntimeOptions<P extends Protocol, C extends ContractRuntime> {
  /** The peer store directory (Corestore root). */
  storeDir: string
  swarm: Hyperswarm | null
  wallet: SubnetWallet
  /** Subnet channel name; the swarm topic is its UTF-8 bytes repeated to 32 bytes. */
  channel: string
  /** Subnet bootstrap (hex). Null: read `subnet-bootstrap.hex`, else create a new subnet. */
  bootstrap: string | null
  ProtocolClass: new (runtime: SubnetRuntimeLike, options?: ProtocolOptions) => P
  ContractClass: new (protocol: P, config?: Record<string, unknown>) => C
  msb?: MsbView | null
  log?: LogFn
  /**
   * The Corestore primary key of a NEW store (its writer key derives from it); ignored once the store exists.
   * Tests use it to reproduce the reference's recorded cores byte for byte. Default: random.
   */
  primaryKey?: Uint8Array
  /** How often an indexer nudges signing with an empty append when the view is unsigned (reference: 10 s). */
  updaterIntervalMs?: number
}

export const BOOTSTRAP_FILE = 'subnet-bootstrap.hex'
const INVITE_INTERVAL_MS = 5000
const STORE_CACHE_ENTRIES = 8192
/** Appends coalesced into one Autobase append: big enough to amortize, small enough to bound memory. */
const MAX_APPEND_BATCH = 128

/** Null when `JSON.stringify` can write `v` (acks are null), else why not. */
function notJsonReason(v: unknown): string | null {
  if (v === null) return null
  try {
    return typeof JSON.stringify(v) === 'string' ? null : 'not a JSON value'
  } catch (err) {
    return err instanceof Error ? err.message : String(err)
  }
}

interface InviteMessage {
  inviteMyKey?: unknown
  bootstrap?: unknown
  to?: unknown
}

export class SubnetRuntime<P extends Protocol = Protocol, C extends ContractRuntime = ContractRuntime>
  extends ReadyResource
  implements SubnetRuntimeLike
{
  readonly channel: string
  readonly topic: Uint8Array
  store!: Corestore
  base!: Autobase<Hyperbee>
  protocol!: P
  contract!: C
  /** Where the bootstrap came from: the flag, the file, or a new subnet created here. */
  bootstrapSource: 'flag' | 'file' | 'created' = 'flag'
  readonly stats = { applied: 0, skipped: 0, appends: 0, appendBatches: 0 }
  readonly skips = new Map<string, number>()
  /** MSB settlement for `/tx` (set by the peer once its MSB client runs); null: only `--sim` works. */
  settlement: TxSettlement | null = null

  private readonly opts: SubnetRuntimeOptions<P, C>
  private readonly logLine: LogFn
  private pending: Array<{ op: unknown; resolve: () => void; reject: (err: Error) => void }> = []
  private flushing = false
  private updater: ReturnType<typeof setInterval> | null = null
  private readonly sessions = new Map<
    SwarmConnection,
    {
      channel: Protomux.ProtomuxChannel
      message: Protomux.ProtomuxMessage<any>
      remoteKey: string
      lastInviteAt: number
    }
  >()
  private readonly onConnectionBound: (conn: SwarmConnection) => void
  private readonly recentAutoAdds = new Map<string, number>()
  private readonly encoding = frameEncoding(64 * 1024)

  constructor(opts: SubnetRuntimeOptions<P, C>) {
    super()
    this.opts = opts
    this.channel = opts.channel
    this.topic = subnetTopic(opts.channel)
    this.logLine = opts.log ?? ((l) => console.log(l))
    this.onConnectionBound = (conn) => this.attach(conn)
  }

  // ---------------------------------------------------------------- SubnetRuntimeLike

  get writable(): boolean {
    return Boolean(this.base?.writable)
  }

  get isIndexer(): boolean {
    return Boolean(this.base?.isIndexer)
  }

  get walletPublicKeyHex(): string {
    return this.opts.wallet.publicKeyHex
  }

  get writerKeyHex(): string {
    return toHex(this.base.local.key)
  }

  get bootstrapHex(): string {
    return toHex(this.base.key)
  }

  sign(message: string): string {
    return this.opts.wallet.sign(message)
  }

  log(...args: unknown[]): void {
    this.logLine(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '))
  }

  /** A view value: the local linearized view, or with `confirmed` the indexer-signed checkout. */
  async get(key: string, opts: { confirmed?: boolean } = {}): Promise<unknown> {
    return await readView(this.base.view, key, opts.confirmed === true)
  }

  /**
   * Appends an op through this peer's writer. Appends made while one is in flight are coalesced
   * into a single Autobase append (one batch of nodes), which is what makes bursts cheap.
   */
  append(op: Record<string, unknown> | null): Promise<void> {
    if (!this.writable && op !== null) return Promise.reject(new Error('Peer is not writable.'))
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ op, resolve, reject })
      if (!this.flushing)
        queueMicrotask(() => {
          void this.flush()
        })
    })
  }

  private async flush(): Promise<void> {
    if (this.flushing) return
    this.flushing = true
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_APPEND_BATCH)
        try {
          await this.base.append(batch.map((p) => p.op))
          this.stats.appends += batch.length
          this.stats.appendBatches++
          for (const p of batch) p.resolve()
        } catch (err: any) {
          // Autobase serializes the whole batch before it appends any of it, so one value that is not JSON
          // (a BigInt, a cycle) fails every op coalesced with it. Refuse those alone; the rest go again.
          const reasons = batch.map((p) => notJsonReason(p.op))
          if (reasons.some((r) => r !== null)) {
            batch.forEach((p, i) => {
              if (reasons[i] !== null) p.reject(new TypeError(`op is not JSON-serializable: ${reasons[i]}`))
            })
            this.pending.unshift(...batch.filter((_, i) => reasons[i] === null))
            continue
          }
          for (const p of batch) p.reject(err instanceof Error ? err : new Error(String(err)))
        }
      }
    } finally {
      this.flushing = false
    }
  }

  // ---------------------------------------------------------------- lifecycle

  protected override async _open(): Promise<void> {
    const { opts } = this
    const bootstrap = await this.resolveBootstrap()
    // Memory: RocksDB's default 64 MiB write buffers and block cache, and Hyperbee's 65,536-entry node
    // caches, let a busy writer grow without bound (249 → 442 MiB from 5k to 30k posts when measured). Small
    // write buffers (see storage.ts), no block cache and one bounded cache shared by every core keep it near
    // 110–130 MiB for some peak throughput (bench/README.md).
    const storage = createSubnetStorage(opts.storeDir, {
      writeBufferSize: 4 * 1024 * 1024,
      blockCache: false,
      tableCacheIndexAndFilterBlocks: false,
      bloomFilters: false
    })
    this.store = new Corestore(storage, {
      globalCache: new Rache({ maxSize: STORE_CACHE_ENTRIES }),
      ...(opts.primaryKey ? { primaryKey: opts.primaryKey } : {})
    })
    try {
      await this.store.ready()
    } catch (err) {
      // A failed open never reaches _close, and a Corestore that did not open does not close its storage:
      // release the database (and its locks) here.
      await this.store.close().catch(() => {})
      await (storage as unknown as { close(): Promise<void> }).close().catch(() => {})
      // hypercore-storage refuses a store of a later format before it changes anything in it.
      if (/^Unsupported version: \d+/.test((err as Error)?.message ?? ''))
        throw new SubnetStoreFormatError(opts.storeDir, err)
      throw err
    }
    // The app exists before the base opens, so apply never runs without a contract.
    const app = createSubnetApp(this, opts.ProtocolClass, opts.ContractClass, { config: { channel: opts.channel } })
    this.protocol = app.protocol
    this.contract = app.contract
    await this.protocol.extendApi()

    this.base = new Autobase<Hyperbee>(this.store, bootstrap ? fromHex(bootstrap) : null, {
      ackInterval: 1000,
      valueEncoding: 'json',
      open: (store: any) =>
        new ViewBee(store.get('view'), { extension: false, keyEncoding: 'utf-8', valueEncoding: 'json' }),
      apply: (nodes, view, host) => this.apply(nodes, view, host)
    })
    this.base.on('warning', (err: any) => this.logLine(`[subnet] warning: ${err?.message ?? err}`))
    await this.base.ready()
    if (this.bootstrapSource === 'created') await this.writeBootstrapFile(this.bootstrapHex)

    this.base.view.core.on('append', () => this.maybeRequestWriter())
    if (opts.swarm) {
      opts.swarm.on('connection', this.onConnectionBound)
      for (const conn of opts.swarm.connections) this.attach(conn)
      const discovery = opts.swarm.join(this.topic, { server: true, client: true })
      discovery
        .flushed()
        .then(() => discovery.refresh())
        .catch(() => {})
    }
    const every = opts.updaterIntervalMs ?? 10_000
    this.updater = setInterval(() => this.nudge(), every)
    ;(this.updater as any).unref?.()
  }

  protected override async _close(): Promise<void> {
    if (this.updater) clearInterval(this.updater)
    if (this.opts.swarm) {
      this.opts.swarm.off('connection', this.onConnectionBound)
      await this.opts.swarm.leave(this.topic).catch(() => {})
    }
    for (const s of this.sessions.values()) s.channel.close()
    this.sessions.clear()
    // Appends already accepted reach the log before the base closes.
    while (this.flushing || this.pending.length > 0) await new Promise((r) => setTimeout(r, 10))
    if (this.base) await this.base.close()
    if (this.store) await this.store.close()
  }

  /** Flag, else `subnet-bootstrap.hex` (exactly 64 hex), else null: a new subnet with us as creator. */
  private async resolveBootstrap(): Promise<string | null> {
    if (this.opts.bootstrap) {
      this.bootstrapSource = 'flag'
      return this.opts.bootstrap
    }
    try {
      const text = (await fs.promises.readFile(path.join(this.opts.storeDir, BOOTSTRAP_FILE), 'utf8'))
        .trim()
        .toLowerCase()
      if (isHex(text, 32)) {
        this.bootstrapSource = 'file'
        return text
      }
    } catch {}
    this.bootstrapSource = 'created'
    return null
  }

  private async writeBootstrapFile(hex: string): Promise<void> {
    const file = path.join(this.opts.storeDir, BOOTSTRAP_FILE)
    const tmp = `${file}.tmp-${Date.now().toString(36)}`
    await fs.promises.writeFile(tmp, hex + '\n')
    await fs.promises.rename(tmp, file)
  }

  // ---------------------------------------------------------------- apply

  private async apply(nodes: Autobase.AutobaseNode[], view: Hyperbee, host: Autobase.AutobaseHost): Promise<void> {
    const batch = view.batch()
    const store = new BatchViewStore(batch as unknown as BeeBatchLike)
    const membership: MembershipHost = {
      addWriter: (key, o) => host.addWriter(key, { indexer: o.indexer }),
      removeWriter: (key) => host.removeWriter(key),
      removeable: (key) => host.removeable(key)
    }
    const ctx: ApplyContext = {
      subnetBootstrapHex: toHex(this.base.key),
      contract: this.contract,
      msb: this.opts.msb ?? null,
      limits: DEFAULT_APPLY_LIMITS,
      log: (line, args) => this.logLine(line, args)
    }
    for (const node of nodes) {
      if (node.value === null) continue
      const outcome = await applyOp({ value: node.value, fromWriterHex: toHex(node.from.key) }, store, membership, ctx)
      if (outcome.applied) this.stats.applied++
      else {
        this.stats.skipped++
        const reason = outcome.reason ?? 'skipped'
        this.skips.set(reason, (this.skips.get(reason) ?? 0) + 1)
      }
      // A failure of the store or host itself is not a property of the op: stop, as Autobase expects.
      if (outcome.fatal) throw new Error(`subnet apply failed: ${outcome.reason}`)
    }
    await batch.flush()
    await batch.close()
  }

  /** The updater: an indexer appends an empty node when the view has unsigned entries. */
  private nudge(): void {
    const core = this.base?.view?.core
    if (!core || !this.isIndexer || core.length <= core.signedLength) return
    this.append(null).catch(() => {})
  }

  // ---------------------------------------------------------------- replication and writer invites

  private attach(conn: SwarmConnection): void {
    if (this.sessions.has(conn) || this.closing) return
    conn.on('error', () => {})
    const mux = Protomux.from(conn)
    const protocol = b4a.toString(this.topic, 'utf8')
    const remoteKey = conn.remotePublicKey ? toHex(conn.remotePublicKey) : ''
    const channel = mux.createChannel({
      protocol,
      onopen: () => this.maybeRequestWriter(),
      onclose: () => {
        this.sessions.delete(conn)
      }
    })
    try {
      this.store.replicate(conn)
    } catch {}
    if (!channel) return
    const message = channel.addMessage({
      encoding: this.encoding as any,
      onmessage: (frame: InboundFrame) => {
        this.onInvite(frame).catch(() => {})
      }
    })
    this.sessions.set(conn, { channel, message, remoteKey, lastInviteAt: 0 })
    channel.open()
    conn.once('close', () => this.sessions.delete(conn))
  }

  /** A non-writer asks writable peers to add it while auto-add mode is on (spec §3.5). */
  private maybeRequestWriter(): void {
    if (!this.base || this.writable || this.closing) return
    this.get('auto_add_writers').then(
      (mode) => {
        if (mode !== 'on') return
        const now = Date.now()
        for (const s of this.sessions.values()) {
          if (!s.channel.opened || now - s.lastInviteAt < INVITE_INTERVAL_MS) continue
          s.lastInviteAt = now
          s.message.send(
            serializePayload({ inviteMyKey: this.writerKeyHex, bootstrap: this.bootstrapHex, to: s.remoteKey })
          )
        }
      },
      () => {}
    )
  }

  private async onInvite(frame: InboundFrame): Promise<void> {
    if (frame.kind !== 'json' || !this.writable) return
    const m = frame.value as InviteMessage
    if (typeof m !== 'object' || m === null || !isHex(m.inviteMyKey, 32)) return
    if (typeof m.bootstrap !== 'string' || m.bootstrap.toLowerCase() !== this.bootstrapHex) return
    if (typeof m.to !== 'string' || m.to.toLowerCase() !== this.walletPublicKeyHex) return
    if ((await this.get('auto_add_writers')) !== 'on') return
    const key = m.inviteMyKey.toLowerCase()
    const last = this.recentAutoAdds.get(key) ?? 0
    if (Date.now() - last < 30_000) return
    this.recentAutoAdds.set(key, Date.now())
    await this.append({ type: 'autoAddWriter', key })
  }
}
