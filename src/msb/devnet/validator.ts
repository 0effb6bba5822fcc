// The devnet validator's `network/v1` responder (spec msb.md §2.5 and §3): liveness, and broadcast requests run
// through the envelope checks (size, rate limit, schema, signature against the connection key), the node checks
// (write access, pool), and the §3 operation rules against this node's own views (unsigned = `base.view`,
// signed = the checkout at `signedLength`). An accepted op is co-signed (va/vn/vs), appended to this node's writer
// core, and answered OK with a fully-remote proof of the block (8 when no proof can be made). Every other code
// carries an empty proof and timestamp 0, and the connection is closed after it for the codes §2.5 lists.
import { toHex } from '../../crypto/index.js'
import type { Wallet } from '../../wallet/index.js'
import { MAX_AMOUNT, amountFromHex } from '../amount.js'
import { encodePartialOperation, operationToJson, validatePartialOperation, type PartialOperation } from '../ops.js'
import { decodeOperation } from '../../common/index.js'
import {
  decodeDeploymentEntry,
  decodeNodeEntry,
  decodeU32BE,
  deploymentKey,
  isIndexer,
  isWriter,
  WRITERS_LENGTH_KEY
} from '../state.js'
import { openV1Channel, type V1Channel } from '../v1/channel.js'
import {
  MAX_V1_MESSAGE_BYTES,
  V1MessageType,
  V1ResultCode,
  buildBroadcastResponse,
  buildLivenessResponse,
  v1ShapeError,
  validatorClosesAfter,
  verifyV1Signature,
  type V1Message
} from '../v1/envelope.js'
import { completeOperation, decodeFullOperation } from './admin-ops.js'
import { MSB_FEE } from './apply.js'
import type { MsbNode } from './node.js'

const R = V1ResultCode
const EMPTY = new Uint8Array(0)
/** The admin-indexer may also validate while the network has at most this many writers (reference). */
export const MAX_WRITERS_FOR_ADMIN_VALIDATION = 10
/** Op types a v1 broadcast may carry (§3 node stage); the devnet validates only 11, 12 and 13. */
const BROADCAST_TYPES = new Set([5, 6, 7, 11, 12, 13])
const MEMBER: Record<number, 'bdo' | 'txo' | 'tro'> = { 11: 'bdo', 12: 'txo', 13: 'tro' }
/** Stateless failures that come before the ledger check of row 4 (rows 1–3). */
const EARLY_CODES = new Set<number>([5, 11, 12, 13, 14, 23, 61])
const PENDING_TTL_MS = 10_000

export interface ConnectionLike {
  remotePublicKey: Uint8Array
  end(): void
  destroy(err?: Error): void
  once(event: 'close', fn: () => void): unknown
  on(event: 'error', fn: (err: Error) => void): unknown
}

export interface V1ResponderOptions {
  node: MsbNode
  wallet: Wallet
  networkId: number
  hrp: string
  /** This node is the admin (bootstrap indexer): it answers broadcasts only with `adminValidates`. */
  admin?: boolean
  adminValidates?: boolean
  /** How long to wait for the co-signed op's append (reference `txCommitTimeout`: 2200 ms). */
  commitTimeoutMs?: number
  /** v1 messages per remote key per second (reference: 50). */
  rateLimitPerSecond?: number
  /** In-flight broadcasts before NODE_OVERLOADED. */
  maxPending?: number
  log?: (line: string) => void
}

export interface ResponderStats {
  liveness: number
  broadcasts: number
  dropped: number
  held: number
  disconnects: number
  results: Record<string, number>
}

interface Session {
  conn: ConnectionLike
  remoteKey: string
  channel: V1Channel | null
  closing: boolean
}

type CheckResult = { ok: true; op: PartialOperation } | { ok: false; code: number; error: string }

export class V1Responder {
  /** When on, broadcast requests get no answer at all (for client rotation tests). */
  dropRequests = false
  /**
   * A paused validator: each broadcast request that passed the checks waits this long before it is appended
   * and answered (0: none). Longer than a client's request timeout, the client re-sends the op elsewhere and
   * this validator still appends it afterwards (for duplicate-submission tests).
   */
  holdMs = 0
  readonly stats: ResponderStats = { liveness: 0, broadcasts: 0, dropped: 0, held: 0, disconnects: 0, results: {} }
  private readonly opts: V1ResponderOptions
  private readonly sessions = new Set<Session>()
  private readonly windows = new Map<string, { start: number; count: number }>()
  /** tx hashes accepted and appended (or being appended), until they show in the view. */
  private readonly pending = new Map<string, number>()
  private inFlight = 0
  private closed = false

  constructor(opts: V1ResponderOptions) {
    this.opts = opts
  }

  get address(): string {
    return this.opts.wallet.address
  }
  get connections(): number {
    return this.sessions.size
  }

  /** Attaches the `network/v1` channel to a connection (call before `store.replicate(conn)`). */
  attach(conn: ConnectionLike): void {
    if (this.closed) return
    const session: Session = { conn, remoteKey: toHex(conn.remotePublicKey), channel: null, closing: false }
    const channel = openV1Channel(conn, {
      onmessage: (msg, raw) => this.onMessage(session, msg, raw),
      onclose: () => {
        this.sessions.delete(session)
      }
    })
    if (channel === null) return
    session.channel = channel
    this.sessions.add(session)
    conn.once('close', () => {
      this.sessions.delete(session)
    })
  }

  close(): void {
    this.closed = true
    for (const s of this.sessions) s.channel?.close()
    this.sessions.clear()
  }

  // ------------------------------------------------------------------------------------------ envelope stage

  private onMessage(session: Session, msg: V1Message | null, raw: Uint8Array): void {
    if (this.closed || session.closing) return
    if (msg === null || raw.byteLength === 0 || raw.byteLength > MAX_V1_MESSAGE_BYTES || msg.type <= 0) {
      this.disconnect(session)
      return
    }
    switch (msg.type) {
      case V1MessageType.LIVENESS_REQUEST:
        this.stats.liveness++
        this.onLiveness(session, msg)
        return
      case V1MessageType.BROADCAST_TRANSACTION_REQUEST:
        if (this.dropRequests) {
          this.stats.dropped++
          return
        }
        this.stats.broadcasts++
        this.onBroadcast(session, msg).catch((err) => {
          this.log(`broadcast handler failed: ${(err as Error)?.message ?? err}`)
          this.respondBroadcast(session, msg.id, R.UNEXPECTED_ERROR)
        })
        return
      case V1MessageType.LIVENESS_RESPONSE:
      case V1MessageType.BROADCAST_TRANSACTION_RESPONSE:
        return // a validator has no pending requests of its own
      default:
        this.disconnect(session)
    }
  }

  /** Counts the message against the sender's 1-second window; false when over the limit. */
  private withinRateLimit(session: Session): boolean {
    const limit = this.opts.rateLimitPerSecond ?? 50
    const now = Date.now()
    let w = this.windows.get(session.remoteKey)
    if (w === undefined || now - w.start >= 1000) {
      w = { start: now, count: 0 }
      this.windows.set(session.remoteKey, w)
    }
    w.count++
    if (this.windows.size > 4096) {
      for (const [k, v] of this.windows) if (now - v.start >= 1000) this.windows.delete(k)
    }
    return w.count <= limit
  }

  private onLiveness(session: Session, msg: V1Message): void {
    let result: number = R.OK
    if (!this.withinRateLimit(session)) result = R.RATE_LIMITED
    else if (v1ShapeError(msg) !== null) result = R.INVALID_PAYLOAD
    else if (!verifyV1Signature(msg, session.conn.remotePublicKey)) result = R.SIGNATURE_INVALID
    this.count(result)
    this.send(session, buildLivenessResponse(this.opts.wallet.keyPair, msg.id, result))
    if (result !== R.OK) this.disconnect(session)
  }

  private async onBroadcast(session: Session, msg: V1Message): Promise<void> {
    if (!this.withinRateLimit(session)) return this.respondBroadcast(session, msg.id, R.RATE_LIMITED)
    if (v1ShapeError(msg) !== null) return this.respondBroadcast(session, msg.id, R.INVALID_PAYLOAD)
    if (!verifyV1Signature(msg, session.conn.remotePublicKey))
      return this.respondBroadcast(session, msg.id, R.SIGNATURE_INVALID)
    // Node stage.
    if (!(await this.canValidate())) return this.respondBroadcast(session, msg.id, R.NODE_HAS_NO_WRITE_ACCESS)
    if (this.inFlight >= (this.opts.maxPending ?? 1000))
      return this.respondBroadcast(session, msg.id, R.NODE_OVERLOADED)
    const data = msg.broadcastTransactionRequest!.data
    const decoded = decodeOperation(data)
    if (decoded === null) return this.respondBroadcast(session, msg.id, R.UNEXPECTED_ERROR)
    if (!BROADCAST_TYPES.has(decoded.type) || MEMBER[decoded.type] === undefined) {
      // Role ops (5, 6, 7) are not validated by the devnet: validators join through the admin.
      return this.respondBroadcast(session, msg.id, R.TX_INVALID_PAYLOAD)
    }
    this.inFlight++
    try {
      const checked = await this.checkOperation(data)
      if (!checked.ok) {
        this.log(`rejected ${checked.code}: ${checked.error}`)
        return this.respondBroadcast(session, msg.id, checked.code)
      }
      const txHex = txOf(checked.op)
      this.prunePending()
      if (this.pending.has(txHex)) return this.respondBroadcast(session, msg.id, R.TX_ALREADY_PENDING)
      this.pending.set(txHex, Date.now())
      if (this.holdMs > 0) {
        // The pause falls between the checks and the append, where a stalled validator hurts most.
        this.stats.held++
        await new Promise((resolve) => setTimeout(resolve, this.holdMs))
        if (this.closed) return
      }
      const full = decodeFullOperation(encodePartialOperation(checked.op))
      if (full === null) return this.respondBroadcast(session, msg.id, R.UNEXPECTED_ERROR)
      const complete = completeOperation(full, this.opts.wallet, this.opts.networkId)
      const appended = this.opts.node.append(complete)
      appended.catch(() => {
        this.pending.delete(txHex)
      })
      const timeoutMs = this.opts.commitTimeoutMs ?? 2200
      let timer: ReturnType<typeof setTimeout> | null = null
      const receipt = await Promise.race([
        appended.catch(() => 'failed' as const),
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), timeoutMs)
        })
      ])
      if (timer !== null) clearTimeout(timer)
      if (receipt === 'timeout') return this.respondBroadcast(session, msg.id, R.TIMEOUT)
      if (receipt === 'failed') return this.respondBroadcast(session, msg.id, R.UNEXPECTED_ERROR)
      const proof = await this.opts.node.proof(receipt.index)
      if (proof === null)
        return this.respondBroadcast(session, msg.id, R.TX_ACCEPTED_PROOF_UNAVAILABLE, EMPTY, receipt.timestamp)
      return this.respondBroadcast(session, msg.id, R.OK, proof, receipt.timestamp)
    } finally {
      this.inFlight--
    }
  }

  /** Non-indexer writers validate; the admin-indexer only with `adminValidates` and at most 10 writers. */
  private async canValidate(): Promise<boolean> {
    const { node, wallet } = this.opts
    if (!node.writable) return false
    const entry = decodeNodeEntry(await node.get(wallet.address))
    if (entry === null || !isWriter(entry)) return false
    if (!isIndexer(entry)) return toHex(entry.writingKey) === node.writerKeyHex
    if (!this.opts.admin || this.opts.adminValidates !== true) return false
    const writers = decodeU32BE(await node.get(WRITERS_LENGTH_KEY)) ?? 0
    return writers <= MAX_WRITERS_FOR_ADMIN_VALIDATION
  }

  // ------------------------------------------------------------------------------------------ operation stage

  /** §3 rows 1–12 in the reference order, against this node's unsigned and signed views. */
  async checkOperation(data: Uint8Array): Promise<CheckResult> {
    const { node, networkId, hrp, wallet } = this.opts
    const stateless = validatePartialOperation(data, { networkId, hrp, validatorAddress: wallet.address })
    if (!stateless.ok && EARLY_CODES.has(stateless.status))
      return { ok: false, code: stateless.status, error: stateless.error }
    const message = decodeOperation(data)
    const json = message === null ? null : operationToJson(message)
    const member = json?.[MEMBER[message?.type ?? 0] ?? ''] as Record<string, string> | undefined
    if (member === undefined || typeof member.tx !== 'string')
      return { ok: false, code: R.SCHEMA_VALIDATION_FAILED, error: 'no payload' }
    // Row 4: not already in the unsigned view.
    if ((await node.get(member.tx)) !== null)
      return { ok: false, code: R.TX_ALREADY_EXISTS, error: `tx ${member.tx} already exists` }
    if (!stateless.ok && (stateless.status === R.TX_HASH_MISMATCH || stateless.status === R.TX_SIGNATURE_INVALID)) {
      return { ok: false, code: stateless.status, error: stateless.error }
    }
    // Row 7: the current indexer-set hash.
    if (member.txv !== toHex(node.txv()))
      return { ok: false, code: R.TX_EXPIRED, error: 'txv is not the current indexer-set hash' }
    if (!stateless.ok) return { ok: false, code: stateless.status, error: stateless.error }
    const op = stateless.op
    const code = op.type === 13 ? await this.checkTransfer(op) : await this.checkSubnetOp(op)
    if (code !== null) return { ok: false, code: code[0], error: code[1] }
    return { ok: true, op }
  }

  private async checkTransfer(op: Extract<PartialOperation, { type: 13 }>): Promise<[number, string] | null> {
    const { node } = this.opts
    const amount = amountFromHex(op.tro.am)
    if (amount > MAX_AMOUNT) return [R.TRANSFER_AMOUNT_TOO_LARGE, 'amount too large']
    const sender = decodeNodeEntry(await node.get(op.address))
    if (sender === null) return [R.TRANSFER_SENDER_NOT_FOUND, `sender ${op.address} has no entry`]
    const self = op.tro.to === op.address
    const cost = self ? MSB_FEE : amount + MSB_FEE
    if (sender.balance < cost) return [R.TRANSFER_INSUFFICIENT_BALANCE, `balance ${sender.balance} < ${cost}`]
    if (!self) {
      const recipient = decodeNodeEntry(await node.get(op.tro.to))
      if ((recipient?.balance ?? 0n) + amount > MAX_AMOUNT)
        return [R.TRANSFER_RECIPIENT_BALANCE_OVERFLOW, 'recipient balance would overflow']
    }
    return null
  }

  private async checkSubnetOp(op: Extract<PartialOperation, { type: 11 | 12 }>): Promise<[number, string] | null> {
    const { node, hrp } = this.opts
    const msb = node.bootstrapHex
    // Row 9: the requester can pay the fee in both views.
    for (const confirmed of [false, true]) {
      const entry = decodeNodeEntry(await node.get(op.address, { confirmed }))
      if (entry === null)
        return [R.REQUESTER_NOT_FOUND, `requester ${op.address} has no ${confirmed ? 'confirmed ' : ''}entry`]
      if (entry.balance < MSB_FEE)
        return [R.INSUFFICIENT_FEE_BALANCE, `requester ${confirmed ? 'confirmed ' : ''}balance is below the fee`]
    }
    const bs = op.type === 12 ? op.txo.bs : op.bdo.bs
    if (bs === msb) return [R.EXTERNAL_BOOTSTRAP_EQUALS_MSB_BOOTSTRAP, 'bs is the MSB bootstrap']
    if (op.type === 11) {
      if ((await node.get(deploymentKey(bs))) !== null)
        return [R.BOOTSTRAP_ALREADY_EXISTS, `subnet ${bs} is already deployed`]
      return null
    }
    if (op.txo.mbs !== msb) return [R.MSB_BOOTSTRAP_MISMATCH, 'mbs is not the MSB bootstrap']
    const deployment = decodeDeploymentEntry(await node.get(deploymentKey(bs), { confirmed: true }), hrp)
    if (deployment === null) return [R.EXTERNAL_BOOTSTRAP_NOT_DEPLOYED, `subnet ${bs} is not deployed (confirmed)`]
    const depTx = await node.get(toHex(deployment.txHash))
    if (depTx === null) return [R.EXTERNAL_BOOTSTRAP_TX_MISSING, 'deployment tx is missing']
    const dep = decodeOperation(depTx)
    const depBs = dep?.bdo?.bs
    if (depBs === undefined || toHex(depBs) !== bs)
      return [R.EXTERNAL_BOOTSTRAP_MISMATCH, 'deployment tx is for another bootstrap']
    return null
  }

  private prunePending(): void {
    const now = Date.now()
    for (const [tx, at] of this.pending) if (now - at > PENDING_TTL_MS) this.pending.delete(tx)
  }

  // ------------------------------------------------------------------------------------------ responses

  private respondBroadcast(
    session: Session,
    id: string,
    result: number,
    proof: Uint8Array = EMPTY,
    ledgerTimestamp = 0
  ): void {
    this.count(result)
    const ok = result === R.OK || result === R.TX_ACCEPTED_PROOF_UNAVAILABLE
    this.send(
      session,
      buildBroadcastResponse(this.opts.wallet.keyPair, id, {
        proof: result === R.OK ? proof : EMPTY,
        ledgerTimestamp: ok ? ledgerTimestamp : 0,
        result
      })
    )
    if (validatorClosesAfter(result)) this.disconnect(session)
  }

  private send(session: Session, msg: V1Message): void {
    if (session.closing || session.channel === null) return
    try {
      session.channel.send(msg)
    } catch {}
  }

  private disconnect(session: Session): void {
    if (session.closing) return
    session.closing = true
    this.stats.disconnects++
    this.sessions.delete(session)
    try {
      session.conn.end()
    } catch {}
    // A peer that never ends its half would hold the socket: destroy it shortly after.
    const t = setTimeout(() => {
      try {
        session.conn.destroy()
      } catch {}
    }, 2000)
    ;(t as any).unref?.()
  }

  private count(result: number): void {
    const k = String(result)
    this.stats.results[k] = (this.stats.results[k] ?? 0) + 1
  }

  private log(line: string): void {
    this.opts.log?.(`[v1 ${this.opts.wallet.address.slice(0, 12)}…] ${line}`)
  }
}

function txOf(op: PartialOperation): string {
  return op.type === 13 ? op.tro.tx : op.type === 12 ? op.txo.tx : op.bdo.tx
}
