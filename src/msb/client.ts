// The MSB light client: its own Corestore and Hyperswarm on the MSB channel topic, the light state reader
// (indexer-signed view, no apply logic), validator discovery from that state, and the network/v1 transport.
// It builds, pre-checks, sends and confirms TRANSFER, BOOTSTRAP_DEPLOYMENT and TX operations, and gives the
// subnet plane its `MsbView` (apply-time checks) and `TxSettlement` (the /tx path).
//
// Nothing here blocks the peer: opening does not wait for the MSB network, and every wait has a deadline
// (except the one apply asks for, see src/subnet/ops/tx.ts).
import path from 'path'
import ReadyResource from 'ready-resource'
import Corestore from 'corestore'
import type Hyperswarm from 'hyperswarm'
import b4a from 'b4a'
import { fromHex, toHex, type KeyPair } from '../crypto/index.js'
import { createPeerSwarm, type DhtNode } from '../net/index.js'
import { decodeAddress, encodeAddress } from '../wallet/index.js'
import type { MsbView } from '../common/index.js'
import { MsbLightReader } from './light-reader.js'
import { MsbTransport, MsbBroadcastError, type BroadcastAccepted, type MsbTransportOptions } from './transport.js'
import {
  buildBootstrapDeployment,
  buildTransfer,
  buildTxOperation,
  encodePartialOperation,
  validatePartialOperation,
  type MsbSigner,
  type PartialOperation
} from './ops.js'
import { MSB_FEE, precheckAgainstLedger, type LedgerReader } from './precheck.js'
import { decodeMsbOperation } from '../common/index.js'
import { decodeAdminEntry, decodeNodeEntry, decodeU32BE, isIndexer, isWriter } from './state.js'
import type { MsbNetwork } from './network.js'
import { IntercomError } from '../errors.js'
import { MSB_OP } from '../common/index.js'

export interface MsbClientOptions {
  network: MsbNetwork
  dhtBootstrap: DhtNode[]
  /** Directory of this client's MSB store (`<msb-stores-directory>/<msb-store-name>`). */
  storeDir: string
  /** Key pair of the MSB swarm: the Noise identity validators see, and the envelope signer. */
  keyPair: KeyPair
  log?: (line: string) => void
  transport?: Partial<Omit<MsbTransportOptions, 'keyPair' | 'channel32' | 'log'>>
  /** How long /transfer and /deploy_subnet wait for confirmation (ms). */
  confirmTimeoutMs?: number
  /** Validator discovery interval (ms). */
  discoveryIntervalMs?: number
  /** Most validators connected at once (50 in the reference). */
  maxValidators?: number
}

/** An operation the MSB refused, with the result-code name the validator (or the same check here) gives. */
export class MsbOperationError extends IntercomError {
  /** The reason's text without the reason name (`message` is `<reason>: <detail>` for pre-check failures). */
  readonly detail: string
  /**
   * `reason` is the result-code name (`TRANSFER_SENDER_NOT_FOUND`, …), or `NOT_SYNCED` / `UNREACHABLE`;
   * `resultCode` the validator's numeric code when there is one. `code` is the machine code across planes.
   */
  constructor(
    message: string,
    readonly reason: string,
    readonly resultCode: number | null,
    detail?: string
  ) {
    super(
      reason === 'NOT_SYNCED' ? 'MSB_NOT_SYNCED' : reason === 'UNREACHABLE' ? 'MSB_UNREACHABLE' : 'MSB_REFUSED',
      message
    )
    this.name = 'MsbOperationError'
    this.detail = detail ?? message
  }
}

export class MsbTimeoutError extends IntercomError {
  constructor(message: string) {
    super('MSB_TIMEOUT', message)
    this.name = 'MsbTimeoutError'
  }
}

export interface MsbAccount {
  address: string
  role: number
  balance: bigint
  stakedBalance: bigint
  license: number
  isWriter: boolean
  isIndexer: boolean
}

export interface SubmitResult {
  tx: string
  accepted: BroadcastAccepted
  /** The confirmed MSB length at which the tx was first seen. */
  signedLength: number
}

export interface MsbStatus {
  network: string
  networkId: number
  msbBootstrap: string
  channel: string
  txv: string | null
  msbSignedLength: number
  connectedValidators: number
  knownValidators: number
  connections: number
  indexers: string[]
  viewKey: string | null
  verified: boolean
  staleMs: number | null
  error: string | null
}

/** MSB's `maxWritersForAdminIndexerConnection`: from this many live writers on, the admin stops validating. */
export const MAX_WRITERS_FOR_ADMIN_VALIDATION = 10

/**
 * Whether the admin is still one of the validators a client connects to (MSB's ValidatorObserverService):
 * yes while fewer than 10 writers other than the admin are alive, i.e. connected (this node counts itself
 * when it is a writer). So on a small network the admin is dialled and counted in `connectedValidators`,
 * as the reference client counts it; an admin node reports one fewer because it never connects to itself.
 */
export function adminValidates(aliveNonAdminWriters: number): boolean {
  return aliveNonAdminWriters < MAX_WRITERS_FOR_ADMIN_VALIDATION
}

export class MsbClient extends ReadyResource {
  readonly network: MsbNetwork
  store!: Corestore
  swarm!: Hyperswarm
  reader!: MsbLightReader
  transport!: MsbTransport
  private readonly log: (line: string) => void
  private discoveryTimer: ReturnType<typeof setInterval> | null = null
  private keeperTimer: ReturnType<typeof setInterval> | null = null
  private readonly redialedAt = new Map<string, number>()
  private discovering: Promise<void> | null = null
  private lastDiscoveryAt = 0
  private readonly joined = new Set<string>()

  constructor(private readonly opts: MsbClientOptions) {
    super()
    this.network = opts.network
    this.log = opts.log ?? (() => {})
  }

  get bootstrapHex(): string {
    return this.network.bootstrapHex
  }
  get networkId(): number {
    return this.network.networkId
  }
  get addressPrefix(): string {
    return this.network.addressPrefix
  }
  get fee(): bigint {
    return MSB_FEE
  }

  protected override async _open(): Promise<void> {
    this.store = new Corestore(path.join(this.opts.storeDir, 'corestore'))
    await this.store.ready()
    this.transport = new MsbTransport({
      keyPair: this.opts.keyPair,
      channel32: this.network.channel32,
      log: this.log,
      ...this.opts.transport
    })
    this.swarm = createPeerSwarm({ keyPair: this.opts.keyPair, bootstrap: this.opts.dhtBootstrap, maxPeers: 64 })
    this.swarm.on('connection', (conn: any) => {
      conn.on('error', () => {})
      this.transport.attach(conn)
      try {
        this.store.replicate(conn)
      } catch {}
    })
    this.reader = new MsbLightReader({
      store: this.store,
      bootstrap: fromHex(this.network.bootstrapHex),
      log: this.log
    })
    this.reader.on('indexers', (before: string[], after: string[]) => {
      this.log(
        `[msb] indexer set changed: ${before.length} → ${after.length} (${after.map((k) => k.slice(0, 12)).join(', ')}); txv is now ${this.reader.txv() ?? 'unknown'}`
      )
    })
    // Every confirmed block would rescan the writer index; a scan per second at most is plenty.
    this.reader.on('append', () => {
      if (Date.now() - this.lastDiscoveryAt >= 1000) this.discover()
    })
    await this.reader.ready()
    this.swarm.join(this.network.channel32, { client: true, server: false })
    this.discoveryTimer = setInterval(() => this.discover(), this.opts.discoveryIntervalMs ?? 5000)
    this.discoveryTimer.unref?.()
    this.keeperTimer = setInterval(() => this.reconnectValidators(), 1000)
    this.keeperTimer.unref?.()
    this.discover()
  }

  protected override async _close(): Promise<void> {
    if (this.discoveryTimer !== null) clearInterval(this.discoveryTimer)
    if (this.keeperTimer !== null) clearInterval(this.keeperTimer)
    this.transport?.close()
    try {
      await this.discovering
    } catch {}
    if (this.reader) await this.reader.close()
    if (this.swarm) await this.swarm.destroy()
    if (this.store) await this.store.close()
  }

  // ------------------------------------------------------------------ state

  /** The confirmed value under `key`, or null (also null before the first sync). */
  async get(key: string): Promise<Uint8Array | null> {
    return await this.reader.get(key)
  }

  async account(address: string): Promise<MsbAccount | null> {
    const raw = await this.reader.get(address)
    if (raw === null) return null
    const entry = decodeNodeEntry(raw)
    if (entry === null) return null
    return {
      address,
      role: entry.role,
      balance: entry.balance,
      stakedBalance: entry.stakedBalance,
      license: entry.license,
      isWriter: isWriter(entry.role),
      isIndexer: isIndexer(entry.role)
    }
  }

  ledger(): LedgerReader {
    return {
      get: async (key) => await this.reader.get(key),
      balanceOf: async (address) => (await this.account(address))?.balance ?? null
    }
  }

  addressOf(publicKey: Uint8Array): string {
    return encodeAddress(publicKey, this.network.addressPrefix)
  }

  status(): MsbStatus {
    const r = this.reader.status()
    const t = this.transport.stats()
    return {
      network: this.network.name,
      networkId: this.network.networkId,
      msbBootstrap: this.network.bootstrapHex,
      channel: this.network.channel,
      txv: r.txv,
      msbSignedLength: r.signedLength,
      connectedValidators: t.connectedValidators,
      knownValidators: t.validators,
      connections: t.connections,
      indexers: r.indexers,
      viewKey: r.viewKeyHex,
      verified: r.verified,
      staleMs: r.staleMs,
      error: r.error
    }
  }

  /** The subnet plane's read access to the confirmed MSB view (apply-time `tx` checks). */
  msbView(): MsbView {
    const reader = this.reader
    const network = this.network
    return {
      signedLength: () => reader.signedLength(),
      waitForSignedLength: async (length, timeoutMs) => await reader.waitForSignedLength(length, timeoutMs),
      getAt: async (key, length) => await reader.getAt(key, length),
      bootstrapHex: network.bootstrapHex,
      addressPrefix: network.addressPrefix
    }
  }

  // ------------------------------------------------------------------ validators

  /**
   * Validators from the confirmed state (§1.3): every address in the writer index whose entry is a writer and
   * not an indexer, plus the admin while fewer than 10 of those are alive (`adminValidates`). Connected to by
   * public key.
   */
  private discover(): void {
    if (this.discovering !== null || this.closing || !this.opened) return
    this.lastDiscoveryAt = Date.now()
    this.discovering = this.discoverOnce()
      .catch((err) => {
        this.log(`[msb] validator discovery failed: ${String(err?.message ?? err)}`)
      })
      .finally(() => {
        this.discovering = null
      })
  }

  private async discoverOnce(): Promise<void> {
    if (this.reader.signedLength() === 0) return
    const lengthRaw = await this.reader.get('wrl')
    const writers = lengthRaw === null ? 0 : (decodeU32BE(lengthRaw) ?? 0)
    const max = this.opts.maxValidators ?? 50
    const keys = new Set<string>()
    const seen = new Set<string>()
    const own = toHex(this.opts.keyPair.publicKey)
    let selfIsWriter = false
    for (let i = 0; i < writers && keys.size < max && !this.closing; i++) {
      const addrRaw = await this.reader.get('wri/' + String(i))
      if (addrRaw === null) continue
      const address = b4a.toString(addrRaw, 'utf8')
      if (seen.has(address)) continue
      seen.add(address)
      const account = await this.account(address)
      if (account === null || !account.isWriter || account.isIndexer) continue
      const key = this.publicKeyHexOf(address)
      if (key === own) selfIsWriter = true
      else if (key !== null) keys.add(key)
    }
    const alive = (selfIsWriter ? 1 : 0) + [...keys].filter((k) => this.transport.isConnected(k)).length
    if (adminValidates(alive)) {
      const adminRaw = await this.reader.get('admin')
      const admin = adminRaw === null ? null : decodeAdminEntry(adminRaw, this.network.addressPrefix)
      const key = admin === null ? null : this.publicKeyHexOf(admin.address)
      if (key !== null && key !== own && keys.size < max) keys.add(key)
    }
    if (this.closing) return
    const { added, removed } = this.transport.setValidators(keys)
    for (const key of added) {
      if (this.joined.has(key)) continue
      this.joined.add(key)
      this.swarm.joinPeer(fromHex(key))
    }
    for (const key of removed) {
      if (!this.joined.delete(key)) continue
      this.swarm.leavePeer(fromHex(key))
    }
    if (added.length > 0 || removed.length > 0)
      this.log(`[msb] validators: ${keys.size} known (+${added.length} -${removed.length})`)
  }

  /**
   * Validators close the connection after refusing an op (§2.5), and Hyperswarm gives up on a peer after a few
   * short-lived connections. A known validator that is not connected is dialled again (fresh peer state) at most
   * every 3 s, so refusals never cut this client off the network, and the reader keeps its replication peers.
   */
  private reconnectValidators(): void {
    if (this.closing || !this.opened) return
    const now = Date.now()
    for (const key of this.joined) {
      const mode = this.transport.sessionMode(key)
      if (mode !== null && mode !== 'down') continue
      if (now - (this.redialedAt.get(key) ?? 0) < 3000) continue
      this.redialedAt.set(key, now)
      const publicKey = fromHex(key)
      this.swarm.leavePeer(publicKey)
      this.swarm.joinPeer(publicKey)
    }
  }

  private publicKeyHexOf(address: string): string | null {
    try {
      return toHex(decodeAddress(address, this.network.addressPrefix))
    } catch {
      return null
    }
  }

  // ------------------------------------------------------------------ operations

  /** Stateless and ledger pre-checks (§3); throws MsbOperationError with the validator's reason. */
  async precheck(op: PartialOperation): Promise<void> {
    const txv = this.reader.txv()
    const stateless = validatePartialOperation(op, {
      networkId: this.network.networkId,
      hrp: this.network.addressPrefix,
      msbBootstrap: this.network.bootstrapHex,
      ...(txv !== null ? { txv } : {})
    })
    if (!stateless.ok)
      throw new MsbOperationError(
        `${stateless.code}: ${stateless.error}`,
        stateless.code,
        stateless.status,
        stateless.error
      )
    const ledger = await precheckAgainstLedger(op, this.ledger(), MSB_FEE)
    if (!ledger.ok)
      throw new MsbOperationError(`${ledger.name}: ${ledger.error}`, ledger.name, ledger.code, ledger.error)
  }

  /** Sends a pre-checked op to a validator; resolves once one accepted it. */
  async send(op: PartialOperation): Promise<BroadcastAccepted> {
    try {
      return await this.transport.broadcast(encodePartialOperation(op), {
        legacyJson: op,
        requesterKeyHex: this.publicKeyHexOf(op.address) ?? undefined
      })
    } catch (err) {
      if (err instanceof MsbBroadcastError) {
        throw new MsbOperationError(`The MSB refused the operation: ${err.message}`, err.reason, err.resultCode)
      }
      throw err
    }
  }

  /** Resolves with the confirmed length once `txHex` is in the indexer-signed view. */
  async waitForConfirmed(txHex: string, timeoutMs = this.opts.confirmTimeoutMs ?? 60_000): Promise<number> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (this.closing) throw new MsbTimeoutError('The MSB client closed before the confirmation.')
      const length = this.reader.signedLength()
      if (length > 0 && (await this.reader.get(txHex)) !== null) return length
      const left = deadline - Date.now()
      if (left <= 0)
        throw new MsbTimeoutError(
          `Transaction ${txHex} was accepted but not confirmed within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}; it may still confirm (check /msb and /balance).`
        )
      await this.reader.waitForSignedLength(length + 1, Math.min(left, 1000))
    }
  }

  /** Pre-check, send, then wait for the confirmation. */
  async submit(op: PartialOperation, opts: { confirmTimeoutMs?: number } = {}): Promise<SubmitResult> {
    await this.precheck(op)
    const accepted = await this.send(op)
    const tx = op.type === MSB_OP.TRANSFER ? op.tro.tx : op.type === MSB_OP.TX ? op.txo.tx : op.bdo.tx
    const signedLength = await this.waitForConfirmed(tx, opts.confirmTimeoutMs)
    return { tx, accepted, signedLength }
  }

  private requireTxv(): string {
    const txv = this.reader.txv()
    if (txv === null)
      throw new MsbOperationError(
        'The MSB state has not synced yet (no txv); try again once /msb shows a signed length.',
        'NOT_SYNCED',
        null
      )
    return txv
  }

  buildTransfer(signer: MsbSigner, to: string, amount: bigint): PartialOperation {
    return buildTransfer({ signer, networkId: this.network.networkId, txv: this.requireTxv(), to, amount })
  }

  buildDeployment(signer: MsbSigner, subnetBootstrapHex: string, subnetChannel: string): PartialOperation {
    return buildBootstrapDeployment({
      signer,
      networkId: this.network.networkId,
      txv: this.requireTxv(),
      bs: subnetBootstrapHex,
      channel: subnetChannel
    })
  }

  buildTx(signer: MsbSigner, input: { iw: string; ch: string; bs: string; nonce?: string }): PartialOperation {
    return buildTxOperation({
      signer,
      networkId: this.network.networkId,
      txv: this.requireTxv(),
      iw: input.iw,
      ch: input.ch,
      bs: input.bs,
      mbs: this.network.bootstrapHex,
      ...(input.nonce !== undefined ? { nonce: input.nonce } : {})
    })
  }

  /** The decoded confirmed TX record of a settled subnet tx: requester and validator public keys. */
  async settledTx(txHex: string, length: number): Promise<{ ipk: string; wp: string } | null> {
    const bytes = await this.reader.getAt(txHex, length)
    if (bytes === null) return null
    const record = decodeMsbOperation(bytes)
    if (record === null || record.type !== 12 || record.txo === null || toHex(record.txo.tx) !== txHex) return null
    const ipk = this.publicKeyHexOf(b4a.toString(record.address, 'utf8'))
    const wp = this.publicKeyHexOf(b4a.toString(record.txo.va, 'utf8'))
    if (ipk === null || wp === null) return null
    return { ipk, wp }
  }
}
