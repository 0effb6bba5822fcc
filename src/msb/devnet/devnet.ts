// The local MSB devnet (`startDevnet`): on a loopback DHT (its own `hyperdht/testnet` unless given one), an
// admin/indexer node whose writer key is the MSB bootstrap, and validator node(s) that the admin funds,
// whitelists and makes writers (ADD_WRITER). Every node has a Hyperswarm whose key pair is its wallet's, joins
// the MSB channel topic (the channel repeated to 32 bytes) as server and client, and on every connection attaches
// the `network/v1` responder and then replicates its Corestore. A client talks to it exactly as to the real
// network: same view layout, same protobuf values, same v1 transport.
import fs from 'fs'
import os from 'os'
import path from 'path'
import type Hyperswarm from 'hyperswarm'
import type { SwarmConnection } from 'hyperswarm'
import { fromHex, isHex, toHex, utf8 } from '../../crypto/index.js'
import {
  BootstrapError,
  createPeerSwarm,
  formatNode,
  isLoopbackHost,
  parseDhtNode,
  startLocalDht,
  type DhtNode,
  type LocalDht
} from '../../net/index.js'
import { channelTo32 } from '../network.js'
import { Wallet, decodeAddress } from '../../wallet/index.js'
import { MAX_AMOUNT, UNITS_PER_TNK } from '../amount.js'
import { ADMIN_KEY, decodeNodeEntry, isIndexer, isWhitelisted, isWriter, writerAddressKey } from '../state.js'
import {
  MsbOpType,
  buildAddAdmin,
  buildAddWriterPartial,
  buildAdminControl,
  buildBalanceInitialization,
  completeOperation,
  decodeFullOperation,
  soleMember
} from './admin-ops.js'
import { MSB_FEE } from './apply.js'
import { MsbNode } from './node.js'
import { V1Responder } from './validator.js'

export const DEVNET_NETWORK_ID = 918
export const DEVNET_HRP = 'trac'
export const DEFAULT_DEVNET_CHANNEL = 'intercom-devnet'
/** What the admin credits a validator before ADD_WRITER (it needs 11 × fee: the fee plus a 10-fee stake). */
export const VALIDATOR_FUNDING = 1n * UNITS_PER_TNK
const STATE_FILE = 'devnet.json'

export interface DevnetOptions {
  /** `host:port` DHT nodes (loopback only). Omitted: the devnet starts its own loopback testnet. */
  dhtBootstrap?: string[] | string | null
  /** MSB channel (1–32 bytes); the swarm topic is it repeated to 32 bytes. */
  channel?: string
  /** Store root. Omitted: a temporary directory, removed by close(). Given: kept, and the devnet resumes from it. */
  storeDir?: string | null
  /** Number of validator nodes (default 1). */
  validators?: number
  /** The admin-indexer answers broadcasts too (as the reference allows while writers ≤ 10). */
  adminValidates?: boolean
  /** Addresses to fund once the network is up (base units). */
  fund?: Array<{ address: string; units: bigint }>
  /** How long fund/addIndexer/removeIndexer wait for confirmation (default 30 s). */
  confirmTimeoutMs?: number
  log?: (line: string) => void
}

export interface DevnetValidatorInfo {
  index: number
  address: string
  publicKeyHex: string
  writerKeyHex: string
}

export interface DevnetStatus {
  unsignedLength: number
  signedLength: number
  txv: string
  indexers: Array<{ writerKeyHex: string; address: string | null }>
  validators: Array<
    DevnetValidatorInfo & {
      writable: boolean
      isIndexer: boolean
      balance: bigint | null
      dropRequests: boolean
      holdMs: number
      held: number
      connections: number
    }
  >
  applied: { success: number; failure: number; ignore: number }
}

interface PersistedState {
  version: 1
  channel: string
  bootstrap: string | null
  admin: string
  validators: string[]
}

interface Member {
  wallet: Wallet
  node: MsbNode
  swarm: Hyperswarm | null
  responder: V1Responder
}

/** The MSB channel topic: the UTF-8 channel repeated to 32 bytes (not hashed). */
export function msbChannelTopic(channel: string): Uint8Array {
  return channelTo32(channel)
}

/** The line a peer appends to its command line. */
export function peerFlagsLine(dhtBootstrap: string[], bootstrapHex: string, channel: string): string {
  return `peer flags: --msb-dht-bootstrap ${dhtBootstrap.join(',')} --msb-bootstrap ${bootstrapHex} --msb-channel ${channel}`
}

function parseLoopbackBootstrap(raw: string[] | string): DhtNode[] {
  const list = (Array.isArray(raw) ? raw : raw.split(',')).map((s) => s.trim()).filter((s) => s.length > 0)
  if (list.length === 0)
    throw new BootstrapError('the devnet needs loopback DHT bootstrap nodes; refusing the public ones')
  const nodes = list.map((s) => parseDhtNode(s, '--dht-bootstrap'))
  const bad = nodes.filter((n) => !isLoopbackHost(n.host))
  if (bad.length > 0)
    throw new BootstrapError(`the devnet only runs on loopback; refusing DHT node(s) ${bad.map(formatNode).join(', ')}`)
  return nodes
}

export class Devnet {
  readonly channel: string
  readonly networkId = DEVNET_NETWORK_ID
  readonly hrp = DEVNET_HRP
  readonly storeDir: string
  dhtBootstrap: string[] = []
  /** Started by the devnet itself (null when an existing DHT was given). */
  localDht: LocalDht | null = null
  adminMember!: Member
  readonly validatorMembers: Member[] = []
  private readonly opts: DevnetOptions
  private readonly tempStore: boolean
  private readonly log: (line: string) => void
  private closing: Promise<void> | null = null

  constructor(opts: DevnetOptions = {}) {
    this.opts = opts
    this.channel = opts.channel ?? DEFAULT_DEVNET_CHANNEL
    const bytes = utf8(this.channel).byteLength
    if (bytes < 1 || bytes > 32) throw new RangeError('the MSB channel must be 1–32 bytes')
    this.tempStore = opts.storeDir === undefined || opts.storeDir === null
    this.storeDir = this.tempStore
      ? fs.mkdtempSync(path.join(os.tmpdir(), 'intercom-msb-devnet-'))
      : path.resolve(opts.storeDir as string)
    this.log = opts.log ?? (() => {})
  }

  // ------------------------------------------------------------------------------------------ public surface

  get bootstrapHex(): string {
    return this.adminMember.node.bootstrapHex
  }
  get validators(): DevnetValidatorInfo[] {
    return this.validatorMembers.map((m, index) => ({
      index,
      address: m.wallet.address,
      publicKeyHex: m.wallet.publicKeyHex,
      writerKeyHex: m.node.writerKeyHex
    }))
  }
  get admin(): { address: string; publicKeyHex: string; writerKeyHex: string } {
    return {
      address: this.adminMember.wallet.address,
      publicKeyHex: this.adminMember.wallet.publicKeyHex,
      writerKeyHex: this.adminMember.node.writerKeyHex
    }
  }
  get adminNode(): MsbNode {
    return this.adminMember.node
  }
  get validatorNodes(): MsbNode[] {
    return this.validatorMembers.map((m) => m.node)
  }
  get responders(): V1Responder[] {
    return this.validatorMembers.map((m) => m.responder)
  }
  get peerFlags(): string {
    return peerFlagsLine(this.dhtBootstrap, this.bootstrapHex, this.channel)
  }

  /** A view value on the admin node (unsigned view, or the confirmed checkout). */
  async get(key: string, opts: { confirmed?: boolean } = {}): Promise<Uint8Array | null> {
    return await this.adminMember.node.get(key, opts)
  }

  /** An address's balance in base units, or null when it has no entry. */
  async balance(address: string, opts: { confirmed?: boolean } = {}): Promise<bigint | null> {
    return decodeNodeEntry(await this.get(address, opts))?.balance ?? null
  }

  /** The current indexer-set hash (hex) as the admin sees it. */
  txv(): string {
    return toHex(this.adminMember.node.txv())
  }

  setDrop(index: number, on: boolean): void {
    this.validator(index).responder.dropRequests = on
  }

  /** Pauses validator `index`: every broadcast request waits `ms` before it is processed (0: no pause). */
  setHold(index: number, ms: number): void {
    this.validator(index).responder.holdMs = ms
  }

  /** Faucet: credits `units` to `address` (BALANCE_INITIALIZATION); resolves with the tx hash once confirmed. */
  async fund(address: string, units: bigint): Promise<string> {
    try {
      decodeAddress(address, this.hrp)
    } catch (err) {
      throw new TypeError(`cannot fund ${JSON.stringify(address)}: ${(err as Error).message}`)
    }
    if (typeof units !== 'bigint' || units <= 0n || units > MAX_AMOUNT)
      throw new RangeError('fund amount must be 1..2^128-1 base units')
    const op = buildBalanceInitialization({
      signer: this.adminMember.wallet,
      networkId: this.networkId,
      txv: this.adminMember.node.txv(),
      to: address,
      amount: units
    })
    return await this.appendAdminOp(op, 'fund')
  }

  /**
   * ADD_INDEXER for validator `target` (index) or an address; resolves once confirmed, the indexer set changed and
   * (for one of this devnet's validators) its own view shows the new role.
   */
  addIndexer(target: number | string): Promise<string> {
    return this.changeIndexer(target, true)
  }

  /** REMOVE_INDEXER (demotion to a plain writer); resolves as addIndexer does. */
  removeIndexer(target: number | string): Promise<string> {
    return this.changeIndexer(target, false)
  }

  private async changeIndexer(target: number | string, add: boolean): Promise<string> {
    const { address, member } = this.resolveTarget(target)
    const label = add ? 'add_indexer' : 'remove_indexer'
    const type = add ? MsbOpType.ADD_INDEXER : MsbOpType.REMOVE_INDEXER
    const op = buildAdminControl({
      signer: this.adminMember.wallet,
      networkId: this.networkId,
      txv: this.adminMember.node.txv(),
      type,
      target: address
    })
    const tx = await this.appendAdminOp(op, label, false)
    if (member !== null) await this.waitIndexer(member, add)
    await this.waitConfirmed(tx, label)
    return tx
  }

  async status(): Promise<DevnetStatus> {
    const node = this.adminMember.node
    const lengths = node.lengths()
    const indexers = []
    for (const key of node.indexerKeys()) {
      const owner = await node.get(writerAddressKey(toHex(key)))
      indexers.push({ writerKeyHex: toHex(key), address: owner === null ? null : String.fromCharCode(...owner) })
    }
    const validators = []
    for (const [index, m] of this.validatorMembers.entries()) {
      const entry = decodeNodeEntry(await this.get(m.wallet.address))
      validators.push({
        index,
        address: m.wallet.address,
        publicKeyHex: m.wallet.publicKeyHex,
        writerKeyHex: m.node.writerKeyHex,
        writable: m.node.writable,
        isIndexer: entry !== null && isIndexer(entry),
        balance: entry?.balance ?? null,
        dropRequests: m.responder.dropRequests,
        holdMs: m.responder.holdMs,
        held: m.responder.stats.held,
        connections: m.responder.connections
      })
    }
    return {
      unsignedLength: lengths.unsigned,
      signedLength: lengths.signed,
      txv: this.txv(),
      indexers,
      validators,
      applied: { ...node.stats }
    }
  }

  // ------------------------------------------------------------------------------------------ start

  async start(): Promise<void> {
    try {
      await this.startInner()
    } catch (err) {
      await this.close().catch(() => {})
      throw err
    }
  }

  private async startInner(): Promise<void> {
    // 1. The DHT: loopback only, never the public bootstrap nodes.
    let nodes: DhtNode[]
    if (this.opts.dhtBootstrap === undefined || this.opts.dhtBootstrap === null) {
      this.localDht = await startLocalDht(3)
      nodes = this.localDht.bootstrap
    } else {
      nodes = parseLoopbackBootstrap(this.opts.dhtBootstrap)
    }
    this.dhtBootstrap = nodes.map(formatNode)

    // 2. Identities (persisted in a given store so a restart resumes the same network).
    fs.mkdirSync(this.storeDir, { recursive: true })
    const saved = this.readState()
    const count = Math.max(1, this.opts.validators ?? 1)
    const adminWallet = saved !== null ? Wallet.fromSecretKey(saved.admin) : Wallet.generate()
    const validatorWallets: Wallet[] = []
    for (let i = 0; i < count; i++) {
      const sk = saved?.validators[i]
      validatorWallets.push(sk !== undefined ? Wallet.fromSecretKey(sk) : Wallet.generate())
    }

    // 3. The admin node: a new network's bootstrap is its writer key.
    const adminNode = new MsbNode({
      storeDir: path.join(this.storeDir, 'admin'),
      bootstrap: saved?.bootstrap ? fromHex(saved.bootstrap) : null,
      networkId: this.networkId,
      hrp: this.hrp,
      name: 'admin',
      log: this.log
    })
    await adminNode.ready()
    this.adminMember = {
      wallet: adminWallet,
      node: adminNode,
      swarm: null,
      responder: this.responderFor(adminNode, adminWallet, true)
    }
    this.writeState({
      version: 1,
      channel: this.channel,
      bootstrap: adminNode.bootstrapHex,
      admin: toHex(adminWallet.secretKey),
      validators: validatorWallets.map((w) => toHex(w.secretKey))
    })

    if ((await adminNode.get(ADMIN_KEY)) === null) {
      const op = buildAddAdmin({
        signer: adminWallet,
        networkId: this.networkId,
        txv: adminNode.txv(),
        writerKey: adminNode.writerKey
      })
      await this.appendAdminOp(op, 'add_admin')
    }
    this.adminMember.swarm = await this.openSwarm(this.adminMember)

    // 4. Validators: open, connect, then funded + whitelisted + ADD_WRITER by the admin.
    for (const [i, wallet] of validatorWallets.entries()) {
      const node = new MsbNode({
        storeDir: path.join(this.storeDir, `validator-${i}`),
        bootstrap: adminNode.bootstrap,
        networkId: this.networkId,
        hrp: this.hrp,
        name: `validator-${i}`,
        log: this.log
      })
      await node.ready()
      const member: Member = { wallet, node, swarm: null, responder: this.responderFor(node, wallet, false) }
      this.validatorMembers.push(member)
      member.swarm = await this.openSwarm(member)
    }
    for (const m of this.validatorMembers) await this.onboard(m)
    for (const m of this.validatorMembers) {
      await m.node.waitFor(() => m.node.writable, this.timeout, 'the validator to become writable', 100)
    }

    // 5. Initial funding.
    for (const f of this.opts.fund ?? []) await this.fund(f.address, f.units)
  }

  private get timeout(): number {
    return this.opts.confirmTimeoutMs ?? 30_000
  }

  private responderFor(node: MsbNode, wallet: Wallet, admin: boolean): V1Responder {
    return new V1Responder({
      node,
      wallet,
      networkId: this.networkId,
      hrp: this.hrp,
      admin,
      adminValidates: admin && this.opts.adminValidates === true,
      log: this.log
    })
  }

  private async openSwarm(m: Member): Promise<Hyperswarm> {
    const nodes = this.dhtBootstrap.map((s) => parseDhtNode(s))
    const swarm = createPeerSwarm({ keyPair: m.wallet.keyPair, bootstrap: nodes })
    swarm.on('connection', (conn: SwarmConnection) => {
      conn.on('error', () => {})
      m.responder.attach(conn)
      m.node.replicate(conn)
    })
    const discovery = swarm.join(msbChannelTopic(this.channel), { server: true, client: true })
    await discovery.flushed().catch(() => {})
    return swarm
  }

  /** Fund (11 × fee at least), whitelist and ADD_WRITER a validator, unless it is a writer already. */
  private async onboard(m: Member): Promise<void> {
    const admin = this.adminMember
    const entry = decodeNodeEntry(await admin.node.get(m.wallet.address))
    if (entry !== null && isWriter(entry)) return
    if ((entry?.balance ?? 0n) < 11n * MSB_FEE) await this.fund(m.wallet.address, VALIDATOR_FUNDING)
    if (entry === null || !isWhitelisted(entry)) {
      const wl = buildAdminControl({
        signer: admin.wallet,
        networkId: this.networkId,
        txv: admin.node.txv(),
        type: MsbOpType.APPEND_WHITELIST,
        target: m.wallet.address
      })
      await this.appendAdminOp(wl, 'whitelist')
    }
    const partial = buildAddWriterPartial({
      signer: m.wallet,
      networkId: this.networkId,
      txv: admin.node.txv(),
      writerKey: m.node.writerKey
    })
    const complete = completeOperation(partial, admin.wallet, this.networkId)
    await this.appendAdminOp(complete, 'add_writer')
  }

  // ------------------------------------------------------------------------------------------ helpers

  private validator(index: number): Member {
    const m = this.validatorMembers[index]
    if (m === undefined) throw new RangeError(`no validator #${index} (have ${this.validatorMembers.length})`)
    return m
  }

  private resolveTarget(target: number | string): { address: string; member: Member | null } {
    if (typeof target === 'number') {
      const m = this.validator(target)
      return { address: m.wallet.address, member: m }
    }
    if (/^\d+$/.test(target)) return this.resolveTarget(Number(target))
    const member =
      this.validatorMembers.find((m) => m.wallet.address === target) ??
      (this.adminMember.wallet.address === target ? this.adminMember : null)
    return { address: target, member }
  }

  /** Appends an admin op, waits for its apply outcome on the admin node, and (by default) for confirmation. */
  private async appendAdminOp(op: Uint8Array, what: string, confirm = true): Promise<string> {
    const decoded = decodeFullOperation(op)
    const sole = decoded === null ? null : soleMember(decoded)
    if (sole === null || sole.fields.tx === undefined) throw new Error(`${what}: malformed op`)
    const tx = toHex(sole.fields.tx)
    const node = this.adminMember.node
    await node.append(op)
    await node.waitFor(() => node.outcomes.has(tx), this.timeout, `${what} to apply`, 20)
    const out = node.outcomes.get(tx)!
    if (out.status !== 'success') throw new Error(`${what} was not applied (${out.status}): ${out.reason}`)
    if (confirm) await this.waitConfirmed(tx, what)
    return tx
  }

  private async waitConfirmed(tx: string, what: string): Promise<void> {
    const node = this.adminMember.node
    await node.waitFor(
      async () => (await node.get(tx, { confirmed: true })) !== null,
      this.timeout,
      `${what} to confirm`,
      50
    )
  }

  /** Waits until the admin's indexer set does (or does not) hold the member's writer key, nudging it to ack. */
  private async waitIndexer(m: Member, present: boolean): Promise<void> {
    const key = m.node.writerKeyHex
    const has = (): boolean => this.adminMember.node.indexerKeys().some((k) => toHex(k) === key)
    // The member answers requests from its own view, so the change has to reach that view too, not only the admin's.
    const ownRole = async (): Promise<boolean> => {
      const entry = decodeNodeEntry(await m.node.get(m.wallet.address))
      return entry !== null && isIndexer(entry) === present
    }
    let lastAck = 0
    await this.adminMember.node.waitFor(
      async () => {
        if (has() === present && (await ownRole())) return true
        if (Date.now() - lastAck > 500) {
          lastAck = Date.now()
          m.node.ack().catch(() => {})
          this.adminMember.node.ack().catch(() => {})
        }
        return false
      },
      this.timeout,
      present ? 'the new indexer to join the indexer set' : 'the indexer to leave the indexer set',
      50
    )
  }

  private readState(): PersistedState | null {
    if (this.tempStore) return null
    try {
      const s = JSON.parse(fs.readFileSync(path.join(this.storeDir, STATE_FILE), 'utf8')) as PersistedState
      if (s.version !== 1 || !isHex(s.admin, 64) || !Array.isArray(s.validators)) return null
      if (s.channel !== this.channel)
        throw new Error(`store ${this.storeDir} belongs to channel ${JSON.stringify(s.channel)}`)
      return s
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw err
    }
  }

  private writeState(s: PersistedState): void {
    if (this.tempStore) return
    const file = path.join(this.storeDir, STATE_FILE)
    fs.writeFileSync(file + '.tmp', JSON.stringify(s, null, 2) + '\n', { mode: 0o600 })
    fs.renameSync(file + '.tmp', file)
  }

  // ------------------------------------------------------------------------------------------ close

  /** Closes responders, swarms, nodes, then the DHT, and removes a temporary store. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.closeInner()
    return this.closing
  }

  private async closeInner(): Promise<void> {
    const members = [...this.validatorMembers, ...(this.adminMember ? [this.adminMember] : [])]
    for (const m of members) m.responder.close()
    await Promise.all(
      members.map(async (m) => {
        if (m.swarm) await m.swarm.destroy().catch(() => {})
      })
    )
    for (const m of members) await m.node.close().catch(() => {})
    if (this.localDht) await this.localDht.close().catch(() => {})
    if (this.tempStore) fs.rmSync(this.storeDir, { recursive: true, force: true })
  }
}

/** Starts a devnet; see DevnetOptions. The returned object is ready: validators are writers, funds confirmed. */
export async function startDevnet(opts: DevnetOptions = {}): Promise<Devnet> {
  const devnet = new Devnet(opts)
  await devnet.start()
  return devnet
}
