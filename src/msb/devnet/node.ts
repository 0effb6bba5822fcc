// One MSB full node of the devnet: Corestore + Autobase (MSB options: ackInterval 1000, binary values, not
// optimistic) whose view is a Hyperbee on core name 'TracNetwork' (ascii keys, binary values), driven by the
// devnet apply. The same node serves as the admin/indexer (opened without a bootstrap: its writer key becomes
// the bootstrap) and as a validator (opened with the bootstrap, made a writer by the admin's ADD_WRITER).
import Corestore from 'corestore'
import CoreStorage from 'hypercore-storage'
import Autobase from 'autobase'
import Hyperbee from 'hyperbee'
import b4a from 'b4a'
import { toHex } from '../../crypto/index.js'
import { readView } from '../../common/index.js'
import {
  applyOperation,
  indexerSetHash,
  type ApplyConfig,
  type ApplyHost,
  type MsbApplyOutcome,
  type ApplyStore
} from './apply.js'

export const MSB_VIEW_NAME = 'TracNetwork'
const OUTCOME_MEMORY = 4096

export interface MsbNodeOptions {
  storeDir: string
  /** Null: a new network whose bootstrap is this node's writer key. */
  bootstrap: Uint8Array | null
  networkId: number
  hrp: string
  name?: string
  log?: (line: string) => void
}

interface SystemIndexer {
  key: Uint8Array
  length: number
}
interface HostWithSystem {
  system: { indexers: SystemIndexer[] } | null
  addWriter(key: Uint8Array, opts?: { indexer?: boolean }): Promise<void>
  removeWriter(key: Uint8Array): Promise<void>
}
interface AutobaseNodeLike {
  value: Uint8Array | null
  from: { key: Uint8Array }
}
interface OplogBlock {
  node?: { value?: Uint8Array | null }
}
interface CoreSession {
  length: number
  ready(): Promise<void>
  close(): Promise<void>
  get(index: number, opts?: { raw?: boolean; wait?: boolean }): Promise<any>
  snapshot(): CoreSession
}
interface FullyRemoteProof {
  proof(sender: CoreSession, opts: { index: number; block: Uint8Array }): Promise<Uint8Array>
}

let remoteProof: Promise<FullyRemoteProof | null> | null = null
/** hypercore's fully-remote-proof helper (an internal module, loaded lazily; null if this hypercore lacks it). */
async function loadRemoteProof(): Promise<FullyRemoteProof | null> {
  const spec = 'hypercore/lib/fully-remote-proof.js'
  remoteProof ??= import(spec).then(
    (m: any) => (m.default ?? m) as FullyRemoteProof,
    () => null
  )
  return await remoteProof
}

export interface AppendReceipt {
  /** Block index of the op in this node's writer core. */
  index: number
  /** ms time of the append. */
  timestamp: number
}

export class MsbNode {
  readonly opts: MsbNodeOptions
  readonly name: string
  store!: Corestore
  base!: Autobase<Hyperbee>
  readonly stats = { success: 0, failure: 0, ignore: 0 }
  /** The last apply outcomes by tx hash (hex), most recent last. */
  readonly outcomes = new Map<string, MsbApplyOutcome>()
  private lastIndexers: Uint8Array[] = []
  private writeQueue: Promise<unknown> = Promise.resolve()
  private closed = false
  private readonly log: (line: string) => void

  constructor(opts: MsbNodeOptions) {
    this.opts = opts
    this.name = opts.name ?? 'node'
    this.log = opts.log ?? (() => {})
  }

  async ready(): Promise<void> {
    this.store = new Corestore(
      new CoreStorage(this.opts.storeDir, {
        writeBufferSize: 2 * 1024 * 1024,
        blockCache: false,
        tableCacheIndexAndFilterBlocks: false
      })
    )
    await this.store.ready()
    const self = this
    const cfg: ApplyConfig = {
      networkId: this.opts.networkId,
      hrp: this.opts.hrp,
      // Known only after boot for a new network; apply never runs before the base has its key.
      get bootstrap(): Uint8Array {
        return self.opts.bootstrap ?? self.base.key
      }
    }
    const handlers = {
      ackInterval: 1000,
      valueEncoding: 'binary',
      optimistic: false,
      bigBatches: false,
      open: (store: any) =>
        new Hyperbee(store.get(MSB_VIEW_NAME), { extension: false, keyEncoding: 'ascii', valueEncoding: 'binary' }),
      apply: (nodes: AutobaseNodeLike[], view: Hyperbee, host: HostWithSystem) => this.apply(nodes, view, host, cfg)
    }
    this.base = new Autobase<Hyperbee>(this.store, this.opts.bootstrap, handlers as any)
    this.base.on('error', (err: any) => this.log(`[${this.name}] autobase error: ${err?.message ?? err}`))
    this.base.on('warning', (err: any) => this.log(`[${this.name}] autobase warning: ${err?.message ?? err}`))
    await this.base.ready()
  }

  private async apply(
    nodes: AutobaseNodeLike[],
    view: Hyperbee,
    host: HostWithSystem,
    cfg: ApplyConfig
  ): Promise<void> {
    const batch = view.batch()
    const store: ApplyStore = {
      get: async (k) => (await batch.get(k))?.value ?? null,
      put: (k, v) => batch.put(k, v)
    }
    const applyHost: ApplyHost = {
      indexerKeys: () => (host.system?.indexers ?? []).map((i) => i.key),
      addWriter: (key, o) => host.addWriter(key, { indexer: o.indexer }),
      removeWriter: (key) => host.removeWriter(key)
    }
    for (const node of nodes) {
      if (node.value === null) continue
      const out = await applyOperation({ value: node.value, from: node.from.key }, store, applyHost, cfg)
      this.stats[out.status]++
      if (out.status !== 'success')
        this.log(
          `[${this.name}] apply ${out.status} (type ${out.type}${out.txHash ? `, tx ${out.txHash.slice(0, 16)}…` : ''}): ${out.reason}`
        )
      if (out.txHash !== null) {
        this.outcomes.delete(out.txHash)
        this.outcomes.set(out.txHash, out)
        if (this.outcomes.size > OUTCOME_MEMORY) this.outcomes.delete(this.outcomes.keys().next().value as string)
      }
    }
    await batch.flush()
    await batch.close()
    this.lastIndexers = (host.system?.indexers ?? []).map((i) => b4a.from(i.key))
  }

  get bootstrap(): Uint8Array {
    return this.base.key
  }
  get bootstrapHex(): string {
    return toHex(this.base.key)
  }
  get writerKey(): Uint8Array {
    return this.base.local.key
  }
  get writerKeyHex(): string {
    return toHex(this.base.local.key)
  }
  get writable(): boolean {
    return Boolean(this.base?.writable)
  }
  get isIndexer(): boolean {
    return Boolean(this.base?.isIndexer)
  }

  /** The current indexer writer keys, in `base.system.indexers` order. */
  indexerKeys(): Uint8Array[] {
    const sys = (this.base as unknown as { system: { indexers: SystemIndexer[] } | null }).system
    const keys = sys?.indexers?.map((i) => i.key) ?? []
    return keys.length > 0 ? keys : this.lastIndexers
  }

  /** txv: blake3 of the concatenated indexer keys (a fresh network: blake3(bootstrap)). */
  txv(): Uint8Array {
    const keys = this.indexerKeys()
    return indexerSetHash(keys.length > 0 ? keys : [this.base.key])
  }

  lengths(): { unsigned: number; signed: number } {
    const core = this.base.view.core
    return { unsigned: core.length, signed: core.signedLength }
  }

  /** A view value: the local linearized view, or with `confirmed` the indexer-signed checkout. */
  async get(key: string, opts: { confirmed?: boolean } = {}): Promise<Uint8Array | null> {
    return (await readView(this.base.view, key, opts.confirmed === true)) as Uint8Array | null
  }

  /** Appends one value through this node's writer (appends are serialized) and finds its block. */
  append(value: Uint8Array): Promise<AppendReceipt> {
    const run = async (): Promise<AppendReceipt> => {
      if (this.closed) throw new Error('node is closed')
      if (!this.writable) throw new Error('node is not writable')
      const end = await this.base.append(value)
      const timestamp = Date.now()
      const local = this.base.local as unknown as CoreSession
      for (let i = Math.min(end, local.length) - 1; i >= 0 && i >= end - 16; i--) {
        const block = (await local.get(i, { wait: false })) as OplogBlock | null
        const v = block?.node?.value
        if (v instanceof Uint8Array && b4a.equals(v, value)) return { index: i, timestamp }
      }
      return { index: -1, timestamp }
    }
    const p = this.writeQueue.then(run, run)
    this.writeQueue = p.catch(() => {})
    return p
  }

  /** An empty (ack) append: lets an indexer sign pending nodes now. */
  async ack(): Promise<void> {
    if (!this.writable || this.closed) return
    await this.base.append(null).catch(() => {})
  }

  /** Fully-remote proof that block `index` of this node's writer core holds what it holds; null if unavailable. */
  async proof(index: number): Promise<Uint8Array | null> {
    if (index < 0) return null
    const remote = await loadRemoteProof()
    if (remote === null) return null
    const snapshot = (this.base.local as unknown as CoreSession).snapshot()
    try {
      await snapshot.ready()
      const raw = (await snapshot.get(index, { raw: true, wait: false })) as Uint8Array | null
      if (!raw) return null
      return await remote.proof(snapshot, { index, block: raw })
    } catch {
      return null
    } finally {
      await snapshot.close().catch(() => {})
    }
  }

  replicate(conn: unknown): void {
    try {
      this.store.replicate(conn)
    } catch {}
  }

  /** Polls `check` every `intervalMs` until it holds; rejects after `timeoutMs`. */
  async waitFor(
    check: () => boolean | Promise<boolean>,
    timeoutMs: number,
    what: string,
    intervalMs = 50
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (this.closed) throw new Error(`${this.name} closed while waiting for ${what}`)
      if (await check()) return
      if (Date.now() > deadline) throw new Error(`${this.name}: timed out after ${timeoutMs} ms waiting for ${what}`)
      await new Promise((resolve) => setTimeout(resolve, intervalMs))
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.writeQueue.catch(() => {})
    if (this.base) await this.base.close().catch(() => {})
    if (this.store) await this.store.close().catch(() => {})
  }
}
