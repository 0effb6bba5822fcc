// The validator transport of the MSB client (spec msb.md §1.3, §2.5): on every MSB connection it opens the
// `network/v1` channel (and the legacy channel named after the MSB channel), probes the remote with a signed
// liveness request, and sends broadcast requests to validators with pending-request timeouts, rotation and
// retries. A validator's answer is only trusted when signed by the key the connection authenticated.
//
// Differences from the reference client, on purpose:
// - OK and TX_ACCEPTED_PROOF_UNAVAILABLE both mean "accepted": a light client has no replica to check the
//   proof of publication against, so acceptance is confirmed through the indexer-signed state instead.
// - Rejections every validator would give alike (schema, hash, signature, expired txv, balances, deployment
//   rules) end the send at once with the validator's reason, instead of being retried on the next validator.
// - A failing validator is rested for a while instead of disconnected, so a network of one or two validators
//   is not emptied by one timeout.
import Protomux from 'protomux'
import c from 'compact-encoding'
import b4a from 'b4a'
import { EventEmitter } from 'events'
import { toHex } from '../crypto/index.js'
import {
  V1MessageType,
  V1ResultCode,
  buildBroadcastRequest,
  buildLivenessRequest,
  buildLivenessResponse,
  buildBroadcastResponse,
  resultName,
  v1ShapeError,
  verifyV1Signature,
  type V1KeyPair,
  type V1Message
} from './v1/envelope.js'
import { openV1Channel, type V1Channel } from './v1/channel.js'
import { IntercomError } from '../errors.js'

export interface MsbTransportOptions {
  /** The key pair of this node's MSB swarm: it signs every envelope (the remote checks it against the Noise key). */
  keyPair: V1KeyPair
  /** The 32-byte MSB channel; its UTF-8 text names the legacy Protomux protocol. */
  channel32: Uint8Array
  /** Time a request waits for its answer (3000 ms in the reference). */
  pendingTimeoutMs?: number
  /** Time the liveness probe waits (3000 ms). */
  probeTimeoutMs?: number
  /** Extra attempts on other validators after a failure (3). */
  maxRetries?: number
  /** Accepted sends after which a validator goes to the back of the queue (3). */
  messageThreshold?: number
  /** How long a failing validator is left out (ms). */
  restMs?: number
  /** How long a send waits for a usable validator to appear (ms). */
  connectWaitMs?: number
  log?: (line: string) => void
}

export type SessionMode = 'probing' | 'v1' | 'legacy' | 'down'

interface Pending {
  resolve(msg: V1Message | null): void
  timer: ReturnType<typeof setTimeout>
}

interface Session {
  key: string
  remotePublicKey: Uint8Array
  conn: any
  v1: V1Channel | null
  legacy: { send(value: unknown): void; opened: boolean } | null
  mode: SessionMode
  pending: Map<string, Pending>
  served: number
  lastUsed: number
  restUntil: number
  closed: boolean
}

export interface BroadcastAccepted {
  /** The v1 result code (1 or 8, 10 for already pending), or null for a legacy send (no answer exists). */
  code: number | null
  name: string
  validator: string
  via: 'v1' | 'legacy'
  attempts: number
}

/**
 * A send that did not get accepted. `resultCode` is the validator's result code when one answered, and
 * `reason` its name (`UNREACHABLE` when none answered).
 */
export class MsbBroadcastError extends IntercomError {
  readonly reason: string
  constructor(
    message: string,
    readonly resultCode: number | null,
    readonly attempts: number,
    readonly validator: string | null = null
  ) {
    super(resultCode === null ? 'MSB_UNREACHABLE' : 'MSB_REFUSED', message)
    this.name = 'MsbBroadcastError'
    this.reason = resultCode === null ? 'UNREACHABLE' : resultName(resultCode)
  }
}

/** Codes that any validator would answer the same way for the same payload: not worth another validator. */
export function isDeterministicRejection(code: number): boolean {
  return (code >= 12 && code <= 22) || (code >= 34 && code <= 44) || code === 61
}

const ACCEPTED = new Set<number>([
  V1ResultCode.OK,
  V1ResultCode.TX_ACCEPTED_PROOF_UNAVAILABLE,
  V1ResultCode.TX_ALREADY_PENDING
])

export interface TransportStats {
  connections: number
  v1: number
  legacy: number
  validators: number
  connectedValidators: number
  drops: Record<string, number>
}

export class MsbTransport extends EventEmitter {
  private readonly sessions = new Map<any, Session>()
  private readonly byKey = new Map<string, Session>()
  private validators = new Set<string>()
  private readonly drops: Record<string, number> = {}
  private readonly log: (line: string) => void
  private readonly pendingTimeoutMs: number
  private readonly probeTimeoutMs: number
  private readonly maxRetries: number
  private readonly messageThreshold: number
  private readonly restMs: number
  private readonly connectWaitMs: number
  private readonly legacyProtocol: string
  private closed = false

  constructor(private readonly opts: MsbTransportOptions) {
    super()
    this.log = opts.log ?? (() => {})
    this.pendingTimeoutMs = opts.pendingTimeoutMs ?? 3000
    this.probeTimeoutMs = opts.probeTimeoutMs ?? 3000
    this.maxRetries = opts.maxRetries ?? 3
    this.messageThreshold = opts.messageThreshold ?? 3
    this.restMs = opts.restMs ?? 30_000
    this.connectWaitMs = opts.connectWaitMs ?? 10_000
    this.legacyProtocol = b4a.toString(opts.channel32, 'utf8')
  }

  /** The validator keys (hex) discovered from the confirmed state; only these receive broadcasts. */
  setValidators(keys: Iterable<string>): { added: string[]; removed: string[] } {
    const next = new Set([...keys].map((k) => k.toLowerCase()))
    const added = [...next].filter((k) => !this.validators.has(k))
    const removed = [...this.validators].filter((k) => !next.has(k))
    this.validators = next
    for (const key of added) {
      const s = this.byKey.get(key)
      if (s !== undefined) s.restUntil = 0
    }
    if (added.length > 0) this.emit('validators-changed')
    return { added, removed }
  }

  isValidator(keyHex: string): boolean {
    return this.validators.has(keyHex)
  }

  /** True when a session with `keyHex` is up (probed, v1 or legacy). */
  isConnected(keyHex: string): boolean {
    const mode = this.byKey.get(keyHex.toLowerCase())?.mode
    return mode === 'v1' || mode === 'legacy'
  }

  /** Validators with a session up: what the reference reports as `connectedValidators`. */
  connectedValidatorCount(): number {
    let n = 0
    for (const s of this.byKey.values()) if (this.validators.has(s.key) && this.isConnected(s.key)) n++
    return n
  }

  stats(): TransportStats {
    let v1 = 0
    let legacy = 0
    for (const s of this.byKey.values()) {
      if (s.mode === 'v1') v1++
      if (s.mode === 'legacy') legacy++
    }
    return {
      connections: this.sessions.size,
      v1,
      legacy,
      validators: this.validators.size,
      connectedValidators: this.connectedValidatorCount(),
      drops: { ...this.drops }
    }
  }

  sessionMode(keyHex: string): SessionMode | null {
    return this.byKey.get(keyHex.toLowerCase())?.mode ?? null
  }

  private drop(reason: string, from: string): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + 1
    this.log(`[msb] dropped v1 frame from ${from.slice(0, 16)}: ${reason}`)
  }

  /** Attaches the v1 and legacy channels to a new MSB connection (call before replicating on it). */
  attach(conn: any): void {
    if (this.closed || this.sessions.has(conn)) return
    const remotePublicKey: Uint8Array | undefined = conn.remotePublicKey
    if (!(remotePublicKey instanceof Uint8Array)) return
    const key = toHex(remotePublicKey)
    const session: Session = {
      key,
      remotePublicKey,
      conn,
      v1: null,
      legacy: null,
      mode: 'probing',
      pending: new Map(),
      served: 0,
      lastUsed: 0,
      restUntil: 0,
      closed: false
    }
    this.sessions.set(conn, session)
    this.byKey.set(key, session)
    const mux = Protomux.from(conn)
    session.v1 = openV1Channel(mux, {
      onmessage: (msg, raw) => this.onV1(session, msg, raw),
      onclose: () => {
        if (session.mode === 'v1') this.setMode(session, session.legacy?.opened === true ? 'legacy' : 'down')
      }
    })
    const legacyChannel = mux.createChannel({ protocol: this.legacyProtocol })
    if (legacyChannel !== null) {
      const message = legacyChannel.addMessage({ encoding: c.json as any, onmessage: () => {} })
      const legacy = {
        opened: false,
        send: (value: unknown) => {
          message.send(value)
        }
      }
      session.legacy = legacy
      legacyChannel.open()
      legacyChannel.fullyOpened().then(
        (ok) => {
          legacy.opened = ok
        },
        () => {}
      )
    }
    conn.once('close', () => this.onClose(session))
    this.probe(session).catch(() => {})
  }

  private onClose(session: Session): void {
    session.closed = true
    this.sessions.delete(session.conn)
    if (this.byKey.get(session.key) === session) this.byKey.delete(session.key)
    for (const [id, p] of session.pending) {
      clearTimeout(p.timer)
      session.pending.delete(id)
      p.resolve(null)
    }
    this.setMode(session, 'down')
  }

  private setMode(session: Session, mode: SessionMode): void {
    if (session.mode === mode) return
    session.mode = mode
    this.emit('session', session.key, mode)
  }

  private async probe(session: Session): Promise<void> {
    const v1 = session.v1
    const opened = v1 === null ? false : await Promise.race([v1.opened, sleep(this.probeTimeoutMs).then(() => false)])
    if (session.closed || this.closed) return
    if (opened && v1 !== null) {
      const req = buildLivenessRequest(this.opts.keyPair)
      const res = await this.request(session, req)
      if (session.closed || this.closed) return
      if (
        res !== null &&
        res.type === V1MessageType.LIVENESS_RESPONSE &&
        res.livenessResponse?.result === V1ResultCode.OK
      ) {
        this.setMode(session, 'v1')
        return
      }
    }
    this.setMode(session, session.legacy?.opened === true ? 'legacy' : 'down')
  }

  /** Sends `msg` and resolves with the verified answer carrying its id, or null on timeout or close. */
  private async request(session: Session, msg: V1Message): Promise<V1Message | null> {
    const v1 = session.v1
    if (v1 === null || session.closed) return null
    return await new Promise<V1Message | null>((resolve) => {
      const timer = setTimeout(
        () => {
          session.pending.delete(msg.id)
          resolve(null)
        },
        msg.type === V1MessageType.LIVENESS_REQUEST ? this.probeTimeoutMs : this.pendingTimeoutMs
      )
      session.pending.set(msg.id, { resolve, timer })
      if (!v1.send(msg)) {
        clearTimeout(timer)
        session.pending.delete(msg.id)
        resolve(null)
      }
    })
  }

  private onV1(session: Session, msg: V1Message | null, raw: Uint8Array): void {
    if (msg === null) return this.drop(raw.byteLength > 4096 ? 'oversized' : 'undecodable', session.key)
    const shape = v1ShapeError(msg)
    if (shape !== null) return this.drop(`shape: ${shape}`, session.key)
    if (!verifyV1Signature(msg, session.remotePublicKey)) return this.drop('bad signature', session.key)
    if (msg.type === V1MessageType.LIVENESS_RESPONSE || msg.type === V1MessageType.BROADCAST_TRANSACTION_RESPONSE) {
      const p = session.pending.get(msg.id)
      if (p === undefined) return this.drop('answer to no pending request', session.key)
      session.pending.delete(msg.id)
      clearTimeout(p.timer)
      p.resolve(msg)
      return
    }
    // We are a reader: answer liveness like any node, and refuse broadcasts the way a non-writer does.
    if (msg.type === V1MessageType.LIVENESS_REQUEST) {
      session.v1?.send(buildLivenessResponse(this.opts.keyPair, msg.id, V1ResultCode.OK))
    } else if (msg.type === V1MessageType.BROADCAST_TRANSACTION_REQUEST) {
      session.v1?.send(
        buildBroadcastResponse(this.opts.keyPair, msg.id, {
          proof: new Uint8Array(0),
          ledgerTimestamp: 0,
          result: V1ResultCode.NODE_HAS_NO_WRITE_ACCESS
        })
      )
    }
  }

  /**
   * The next validator to try: usable and not excluded; v1 before legacy, least recently used first. Resting
   * validators come last, the one whose rest ends first, so a send is never refused while one is connected.
   */
  private pick(exclude: Set<string>): Session | null {
    const now = Date.now()
    let best: Session | null = null
    const rank = (s: Session): [number, number, number] => [
      s.restUntil > now ? 1 : 0,
      s.mode === 'v1' ? 0 : 1,
      s.restUntil > now ? s.restUntil : s.lastUsed
    ]
    for (const s of this.byKey.values()) {
      if (!this.validators.has(s.key) || exclude.has(s.key)) continue
      if (s.mode !== 'v1' && s.mode !== 'legacy') continue
      if (best === null) {
        best = s
        continue
      }
      const [a, b] = [rank(s), rank(best)]
      if (a[0] < b[0] || (a[0] === b[0] && (a[1] < b[1] || (a[1] === b[1] && a[2] < b[2])))) best = s
    }
    return best
  }

  private async waitForCandidate(exclude: Set<string>, deadline: number): Promise<Session | null> {
    for (;;) {
      const s = this.pick(exclude)
      if (s !== null || this.closed) return s
      const left = deadline - Date.now()
      if (left <= 0) return null
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer)
          this.off('session', done)
          this.off('validators-changed', done)
          resolve()
        }
        const timer = setTimeout(done, Math.min(left, 500))
        this.on('session', done)
        this.on('validators-changed', done)
      })
    }
  }

  /**
   * Sends a partial Operation (protobuf bytes) to a validator and resolves once one accepted it.
   * `legacyJson` is the JSON form, sent to validators that only speak the legacy protocol (no answer comes back:
   * the caller confirms through state). `requesterKeyHex` keeps the requester's own validator out (§2.5).
   */
  async broadcast(
    data: Uint8Array,
    opts: { legacyJson?: unknown; requesterKeyHex?: string } = {}
  ): Promise<BroadcastAccepted> {
    const exclude = new Set<string>()
    if (opts.requesterKeyHex !== undefined) exclude.add(opts.requesterKeyHex.toLowerCase())
    let last: MsbBroadcastError | null = null
    let budget = this.maxRetries + 1
    for (let attempt = 1; attempt <= budget; attempt++) {
      if (this.closed) throw new MsbBroadcastError('The MSB client is closing.', null, attempt - 1)
      // Validators close the connection after most refusals; later attempts give the reconnection some time.
      const session = await this.waitForCandidate(
        exclude,
        Date.now() + (attempt === 1 ? this.connectWaitMs : Math.min(this.connectWaitMs, 5000))
      )
      if (session === null) {
        if (last !== null) throw last
        throw new MsbBroadcastError(
          this.validators.size === 0
            ? 'No MSB validator is known yet (the MSB state has not synced, or lists none).'
            : 'No MSB validator is reachable right now.',
          null,
          attempt - 1
        )
      }
      session.lastUsed = Date.now()
      if (session.mode === 'legacy') {
        if (opts.legacyJson === undefined) {
          exclude.add(session.key)
          continue
        }
        session.legacy?.send(opts.legacyJson)
        return { code: null, name: 'LEGACY_SENT', validator: session.key, via: 'legacy', attempts: attempt }
      }
      const req = buildBroadcastRequest(this.opts.keyPair, data)
      const res = await this.request(session, req)
      const result = res?.broadcastTransactionResponse?.result
      if (res === null || result === undefined) {
        last = new MsbBroadcastError(
          `Validator ${session.key.slice(0, 16)}… did not answer within ${this.pendingTimeoutMs} ms.`,
          null,
          attempt,
          session.key
        )
        this.rest(session)
        exclude.add(session.key)
        continue
      }
      if (ACCEPTED.has(result)) {
        if (result !== V1ResultCode.TX_ALREADY_PENDING && ++session.served >= this.messageThreshold) {
          session.served = 0
          session.lastUsed = Date.now() + 1 // to the back of the queue
        }
        return { code: result, name: resultName(result), validator: session.key, via: 'v1', attempts: attempt }
      }
      last = new MsbBroadcastError(`${resultName(result)} (${String(result)})`, result, attempt, session.key)
      if (isDeterministicRejection(result)) throw last
      exclude.add(session.key)
      if (result === V1ResultCode.NODE_HAS_NO_WRITE_ACCESS) {
        // Not a validator (any more): a routing miss, not a failed send. Left out until discovery says otherwise.
        budget++
        this.rest(session, this.restMs * 10)
        continue
      }
      this.rest(session)
    }
    throw last ?? new MsbBroadcastError('Broadcast failed.', null, this.maxRetries + 1)
  }

  private rest(session: Session, ms = this.restMs): void {
    session.restUntil = Date.now() + ms
    this.log(`[msb] validator ${session.key.slice(0, 16)}… rotated out for ${Math.round(ms / 1000)} s`)
  }

  close(): void {
    this.closed = true
    for (const s of this.sessions.values()) this.onClose(s)
    this.sessions.clear()
    this.byKey.clear()
    this.removeAllListeners()
  }
}

async function sleep(ms: number): Promise<void> {
  await new Promise<void>((resolve) => setTimeout(resolve, ms))
}
