// Settled contract transactions (subnet spec §8.2–§8.4 on top of the MSB light client): `prepare` builds the
// MSB TX op and runs the MSB pre-checks, `broadcast` sends it and pools it, and the observer appends the
// subnet `tx` op `{ msbsl, dispatch, ipk, wp }` once the MSB has confirmed the op. Unlike the reference, whose
// pool lives in memory only, a confirmation reported after the caller's deadline is still appended while the
// peer runs; the caller can await `settled(tx)` for the outcome.
import { fromHex, toHex } from '../crypto/index.js'
import { encodeAddress } from '../wallet/index.js'
import {
  MSB_OP,
  commandHash,
  type PreparedTx,
  type TxDispatch,
  type TxSettlement,
  type TxSurrogate
} from '../common/index.js'
import { MsbOperationError, type MsbClient, type PartialOperation, type TxPartial } from '../msb/index.js'

export interface SettlementHost {
  /** Peer wallet: the default invoker and fee payer. */
  wallet: { publicKey: Uint8Array; secretKey: Uint8Array }
  /** This peer's subnet writer key (`iw`, the relay). */
  writerKeyHex(): string
  subnetBootstrapHex(): string
  writable(): boolean
  append(op: Record<string, unknown>): Promise<void>
  log(line: string): void
}

interface PoolEntry {
  dispatch: TxDispatch
  ipk: string
  addedAt: number
  resolve: (r: SettledTx) => void
  reject: (err: Error) => void
  promise: Promise<SettledTx>
}

export interface SettledTx {
  tx: string
  msbsl: number
  ipk: string
  wp: string
}

export interface SettlementOptions {
  /** How long a pooled tx may wait for its MSB confirmation before it is dropped (the reference: 60 s). */
  maxTxDelayMs?: number
  /** Most pooled txs (the reference: 1000). */
  maxPool?: number
}

export class MsbSettlement implements TxSettlement {
  private readonly pool = new Map<string, PoolEntry>()
  private timer: ReturnType<typeof setInterval> | null = null
  private scanning = false
  private closed = false
  private readonly maxTxDelayMs: number
  private readonly maxPool: number
  private readonly onAppend = (): void => {
    this.scan()
  }

  constructor(
    private readonly client: MsbClient,
    private readonly host: SettlementHost,
    opts: SettlementOptions = {}
  ) {
    this.maxTxDelayMs = opts.maxTxDelayMs ?? 60_000
    this.maxPool = opts.maxPool ?? 1000
    client.reader.on('append', this.onAppend)
    this.timer = setInterval(() => this.scan(), 500)
    this.timer.unref?.()
  }

  get pending(): number {
    return this.pool.size
  }

  async prepare(dispatch: TxDispatch, surrogate: TxSurrogate | null): Promise<PreparedTx> {
    const ch = commandHash(dispatch)
    const iw = this.host.writerKeyHex()
    const bs = this.host.subnetBootstrapHex()
    let op: TxPartial
    let ipk: string
    if (surrogate === null) {
      const { publicKey, secretKey } = this.host.wallet
      const address = encodeAddress(publicKey, this.client.addressPrefix)
      try {
        op = this.client.buildTx({ address, secretKey }, { iw, ch, bs }) as TxPartial
      } catch (err) {
        if (err instanceof MsbOperationError)
          throw new MsbOperationError(`Invalid MSB tx: ${err.detail}`, err.reason, err.resultCode)
        throw err
      }
      ipk = toHex(publicKey)
    } else {
      // The external wallet signed `tx` itself (RPC flow, §8.3); the op carries its signature.
      const txv = this.client.reader.txv()
      if (txv === null)
        throw new MsbOperationError(
          'Invalid MSB tx: The MSB state has not synced yet (no txv); try again once /msb shows a signed length.',
          'NOT_SYNCED',
          null
        )
      ipk = surrogate.address.toLowerCase()
      op = {
        type: MSB_OP.TX,
        address: encodeAddress(fromHex(ipk), this.client.addressPrefix),
        txo: {
          tx: surrogate.tx,
          txv,
          iw,
          ch,
          bs,
          mbs: this.client.bootstrapHex,
          in: surrogate.nonce,
          is: surrogate.signature
        }
      }
    }
    try {
      await this.client.precheck(op)
    } catch (err) {
      // The reference's words: "Invalid MSB tx: <the validator's text>", without our reason name.
      if (err instanceof MsbOperationError)
        throw new MsbOperationError(`Invalid MSB tx: ${err.detail}`, err.reason, err.resultCode)
      throw err
    }
    return { tx: op.txo.tx, ipk, payload: op }
  }

  async broadcast(prepared: PreparedTx, dispatch: TxDispatch): Promise<unknown> {
    if (this.closed) throw new Error('The MSB client is closing.')
    if (!this.pool.has(prepared.tx) && this.pool.size >= this.maxPool)
      throw new Error('Too many transactions are waiting for MSB confirmation; try again shortly.')
    const accepted = await this.client.send(prepared.payload as PartialOperation)
    if (!this.pool.has(prepared.tx)) {
      let resolve!: (r: SettledTx) => void
      let reject!: (err: Error) => void
      const promise = new Promise<SettledTx>((res, rej) => {
        resolve = res
        reject = rej
      })
      promise.catch(() => {})
      this.pool.set(prepared.tx, { dispatch, ipk: prepared.ipk, addedAt: Date.now(), resolve, reject, promise })
    }
    this.scan()
    return accepted
  }

  /** Resolves when the subnet `tx` op of `tx` has been appended; rejects when it was dropped. */
  async settled(tx: string): Promise<SettledTx> {
    const entry = this.pool.get(tx)
    if (entry === undefined) throw new Error(`Transaction ${tx} is not waiting for settlement.`)
    return await entry.promise
  }

  private scan(): void {
    if (this.scanning || this.closed || this.pool.size === 0) return
    this.scanning = true
    this.scanOnce()
      .catch((err) => this.host.log(`[msb] settlement observer: ${String(err?.message ?? err)}`))
      .finally(() => {
        this.scanning = false
      })
  }

  private async scanOnce(): Promise<void> {
    const msbsl = this.client.reader.signedLength()
    for (const [tx, entry] of [...this.pool]) {
      if (this.closed) return
      if (Date.now() - entry.addedAt > this.maxTxDelayMs) {
        this.pool.delete(tx)
        this.host.log(`Dropping TX ${tx}: not confirmed by the MSB within ${Math.round(this.maxTxDelayMs / 1000)} s.`)
        entry.reject(
          new Error(`Transaction ${tx} was not confirmed by the MSB within ${Math.round(this.maxTxDelayMs / 1000)} s.`)
        )
        continue
      }
      if (msbsl === 0) continue
      const record = await this.client.settledTx(tx, msbsl)
      if (record === null) continue
      if (record.ipk !== entry.ipk) {
        this.pool.delete(tx)
        entry.reject(new Error(`Transaction ${tx} settled with another requester; not appended.`))
        continue
      }
      this.pool.delete(tx)
      const value = { msbsl, dispatch: entry.dispatch, ipk: record.ipk, wp: record.wp }
      try {
        await this.host.append({ type: 'tx', key: tx, value })
        this.host.log(`TX ${tx} confirmed by the MSB (signed length ${msbsl}); subnet op appended.`)
        entry.resolve({ tx, ...value })
      } catch (err) {
        entry.reject(err as Error)
        this.host.log(
          `TX ${tx} confirmed by the MSB but the subnet append failed: ${String((err as Error)?.message ?? err)}`
        )
      }
    }
  }

  close(): void {
    this.closed = true
    if (this.timer !== null) clearInterval(this.timer)
    this.client.reader.off('append', this.onAppend)
    for (const [tx, entry] of this.pool) entry.reject(new Error(`Peer closed before transaction ${tx} settled.`))
    this.pool.clear()
  }
}
