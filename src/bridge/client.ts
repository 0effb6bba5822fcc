// A typed SC-Bridge client for agents (spec §7). Speaks the bridge's JSON-over-WebSocket protocol:
// waits for `hello`, authenticates, correlates request/reply pairs by integer `id`, exposes
// `sidechannel_message` events as an async iterator and as an event, and reconnects with exponential
// back-off (re-authenticating and re-applying the last filter and subscriptions).
//
// Uses the `ws` client only. Replies are correlated strictly by `id`: the bridge echoes integer ids on
// every reply, and async replies (`join`, `leave`, `cli`) may arrive out of order.

import EventEmitter from 'events'
import WebSocket from 'ws'
import b4a from 'b4a'
import { ERROR_CODES, IntercomError, type ErrorCode } from '../errors.js'

// ---------------------------------------------------------------------------------------------
// Frame types (spec §7.2–§7.4)

/** Invite or welcome as accepted by the bridge: an object used as is, or its JSON / base64(JSON) text. */
export type BlobInput = string | Record<string, unknown>

interface ReplyBase {
  /** Echo of the request's integer id (absent on replies to requests without an integer id). */
  id?: number
}

export interface HelloFrame {
  type: 'hello'
  /** The peer's self key, hex. */
  peer: string
  /** The peer's trac1… address, or null. */
  address: string | null
  entryChannel: string
  /** The default filter every new connection starts with (raw text). */
  filter: string
  requiresAuth: boolean
}

/** `code` is this peer's machine code (src/errors.ts); a reference bridge sends none. */
export interface ErrorFrame extends ReplyBase {
  type: 'error'
  error: string
  code?: ErrorCode
}
export interface AuthOkFrame extends ReplyBase {
  type: 'auth_ok'
}
export interface PongFrame extends ReplyBase {
  type: 'pong'
  ts: number
}
/** Reply to both `set_filter` (raw echo) and `clear_filter` (`''`). */
export interface FilterSetFrame extends ReplyBase {
  type: 'filter_set'
  filter: string
}
/** Reply to both `subscribe` and `unsubscribe`: the current subscription set. */
export interface SubscribedFrame extends ReplyBase {
  type: 'subscribed'
  channels: string[]
}
export interface SentFrame extends ReplyBase {
  type: 'sent'
  channel: string
}
export interface JoinedFrame extends ReplyBase {
  type: 'joined'
  channel: string
}
/** `ok` is false for the entry channel and for unknown names. */
export interface LeftFrame extends ReplyBase {
  type: 'left'
  channel: string
  ok: boolean
}
export interface OpenRequestedFrame extends ReplyBase {
  type: 'open_requested'
  channel: string
  via: string | null
}
export interface StatsFrame extends ReplyBase {
  type: 'stats'
  channels: string[]
  connectionCount: number
  sidechannelStarted: boolean
}

export interface BridgeInfo {
  msbBootstrap?: string | null
  msbChannel?: string | null
  msbStore?: string | null
  msbDhtBootstrap?: string[] | null
  peerStore?: string | null
  peerDhtBootstrap?: string[] | null
  subnetBootstrap?: string | null
  subnetChannel?: string | null
  peerPubkey?: string | null
  peerTracAddress?: string | null
  peerWriterKey?: string | null
  sidechannelEntry?: string
  sidechannelExtras?: string[]
  [key: string]: unknown
}

export interface InfoFrame extends ReplyBase {
  type: 'info'
  info: BridgeInfo
}
export interface CliResultFrame extends ReplyBase {
  type: 'cli_result'
  command: string
  /** False only when the command's handler threw (then `error` holds its message). */
  ok: boolean
  /** Console lines printed while the command ran. */
  output: string[]
  error: string | null
  /** With `ok: false`, this peer's machine code for the failure (src/errors.ts); a reference bridge sends none. */
  code?: ErrorCode
  /** The handler's return value; usually absent. */
  result?: unknown
}

/**
 * A message delivered on a sidechannel. Field types are those a well-formed payload carries; the
 * values come from a remote peer, so treat them as untrusted input.
 */
export interface SidechannelMessageEvent {
  type: 'sidechannel_message'
  /** The channel the message arrived on. */
  channel: string
  id: string | null
  from: string | null
  origin: string | null
  sig: string | null
  relayedBy: string | null
  ttl: number | null
  ts: number
  /** The application message; the whole payload when the sender sent none. */
  message: unknown
}

export type ReplyFrame =
  | AuthOkFrame
  | PongFrame
  | FilterSetFrame
  | SubscribedFrame
  | SentFrame
  | JoinedFrame
  | LeftFrame
  | OpenRequestedFrame
  | StatsFrame
  | InfoFrame
  | CliResultFrame

export type BridgeFrame = HelloFrame | ErrorFrame | ReplyFrame | SidechannelMessageEvent

// ---------------------------------------------------------------------------------------------
// Errors

/** Messages of the errors the client itself produces (server errors carry the server's exact `error` text). */
export const CLIENT_ERROR = {
  connectionClosed: 'Connection closed.',
  notConnected: 'Not connected.',
  timeout: 'Request timed out.',
  connectTimeout: 'Connect timed out.',
  connectFailed: 'Connect failed.',
  invalidRequest: 'Invalid request.',
  protocol: 'Protocol error.'
} as const

const CLIENT_CODES: Record<string, ErrorCode> = {
  [CLIENT_ERROR.connectionClosed]: 'BRIDGE_CONNECTION_CLOSED',
  [CLIENT_ERROR.notConnected]: 'BRIDGE_NOT_CONNECTED',
  [CLIENT_ERROR.timeout]: 'BRIDGE_TIMEOUT',
  [CLIENT_ERROR.connectTimeout]: 'BRIDGE_CONNECT_TIMEOUT',
  [CLIENT_ERROR.connectFailed]: 'BRIDGE_CONNECT_FAILED',
  [CLIENT_ERROR.invalidRequest]: 'BRIDGE_INVALID_REQUEST',
  [CLIENT_ERROR.protocol]: 'BRIDGE_PROTOCOL'
}

// The fixed texts a reference bridge answers with (it sends no `code`), so errors from it get codes too.
const REFERENCE_TEXT_CODES: Record<string, ErrorCode> = {
  'Unauthorized.': 'BRIDGE_UNAUTHORIZED',
  'Auth timeout.': 'BRIDGE_AUTH_TIMEOUT',
  'Invalid JSON.': 'BRIDGE_INVALID_JSON',
  'Invalid message.': 'BRIDGE_INVALID_MESSAGE',
  'Missing channel.': 'BRIDGE_BAD_REQUEST',
  'Missing command.': 'BRIDGE_BAD_REQUEST',
  'CLI over WS is disabled.': 'BRIDGE_CLI_DISABLED'
}

function codeOfErrorFrame(frame: ErrorFrame): ErrorCode {
  if (typeof frame.code === 'string' && Object.hasOwn(ERROR_CODES, frame.code)) return frame.code
  const text = String(frame.error)
  if (Object.hasOwn(REFERENCE_TEXT_CODES, text)) return REFERENCE_TEXT_CODES[text]!
  if (text.startsWith('Unknown type: ')) return 'BRIDGE_UNKNOWN_TYPE'
  return 'BRIDGE_ERROR'
}

export class BridgeError extends IntercomError {
  /** The server's error frame when the error came from the bridge. */
  readonly reply: ErrorFrame | undefined

  /**
   * `message` is the server's `error` text (e.g. `Unauthorized.`) or one of `CLIENT_ERROR`; `code` the machine
   * code: the server's `code` field, or for a bridge that sends none (the reference) one derived from its text.
   */
  constructor(message: string, reply?: ErrorFrame, options?: { cause?: unknown }) {
    super(reply !== undefined ? codeOfErrorFrame(reply) : (CLIENT_CODES[message] ?? 'BRIDGE_ERROR'), message, options)
    this.name = 'BridgeError'
    this.reply = reply
  }

  /** True when the bridge itself answered with this error (as opposed to a local failure). */
  get fromServer(): boolean {
    return this.reply !== undefined
  }
}

// ---------------------------------------------------------------------------------------------
// Client

export interface IntercomBridgeClientOptions {
  /** e.g. `ws://127.0.0.1:49222` */
  url: string
  token: string
  /** Per-request reply timeout (also used for the hello + auth handshake unless connectTimeoutMs is set). */
  requestTimeoutMs?: number
  connectTimeoutMs?: number
  reconnect?: boolean
  reconnectDelayMs?: number
  maxReconnectDelayMs?: number
  /** Give up after this many failed reconnect attempts in a row (default: never). */
  maxReconnectAttempts?: number
  /** Bound of each `messages()` iterator's buffer; the oldest events are dropped beyond it. */
  messageBufferSize?: number
  WebSocketImpl?: typeof WebSocket
}

export interface RequestOptions {
  timeoutMs?: number
}
export interface SendOptions {
  invite?: BlobInput
  welcome?: BlobInput
}
export interface JoinOptions {
  invite?: BlobInput
  welcome?: BlobInput
}
export interface OpenOptions {
  via?: string
  invite?: BlobInput
  welcome?: BlobInput
}

export interface DisconnectInfo {
  code: number
  reason: string
}
export interface ReconnectingInfo {
  attempt: number
  delayMs: number
  error?: BridgeError
}
export interface CloseInfo {
  /** Why the client stopped: `close()` was called, the socket was lost with reconnect off, or reconnecting gave up. */
  reason: 'closed' | 'disconnected' | 'reconnect_failed'
  error?: BridgeError
}

export interface BridgeClientEvents {
  /** Every `sidechannel_message` event. */
  message: [event: SidechannelMessageEvent]
  /** Every parsed frame from the server, including replies and unsolicited errors. */
  frame: [frame: Record<string, unknown>]
  /** The socket of an established session was lost unexpectedly. */
  disconnect: [info: DisconnectInfo]
  /** A reconnect attempt is scheduled. */
  reconnecting: [info: ReconnectingInfo]
  /** Reconnected, re-authenticated, filter and subscriptions re-applied. */
  reconnect: [hello: HelloFrame]
  /** The client is finished; message iterators have ended. Emitted once per connect() session. */
  close: [info: CloseInfo]
}

/** An async iterator of events that also reports how many events its bounded buffer dropped. */
export interface MessageIterator extends AsyncIterableIterator<SidechannelMessageEvent> {
  readonly dropped: number
}

type State = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed'

interface Pending {
  resolve: (frame: Record<string, unknown>) => void
  reject: (err: BridgeError) => void
  timer: ReturnType<typeof setTimeout>
}

interface Waiter<T> {
  resolve: (value: T) => void
  reject: (err: BridgeError) => void
  timer: ReturnType<typeof setTimeout>
}

const DEFAULT_BUFFER = 10_000

export class IntercomBridgeClient extends EventEmitter<BridgeClientEvents> {
  readonly url: string
  readonly requestTimeoutMs: number
  readonly connectTimeoutMs: number
  readonly reconnect: boolean
  readonly reconnectDelayMs: number
  readonly maxReconnectDelayMs: number
  readonly maxReconnectAttempts: number
  readonly messageBufferSize: number
  /** The last `hello` frame received. */
  hello: HelloFrame | null = null
  /** Events dropped by all `messages()` iterators because their buffers were full. */
  droppedMessages = 0

  private readonly token: string
  private readonly WS: typeof WebSocket
  private state: State = 'idle'
  private socket: WebSocket | null = null
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private helloWaiter: Waiter<HelloFrame> | null = null
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null
  private attempts = 0
  private connecting: Promise<HelloFrame> | null = null
  private readonly iterators = new Set<MessageQueue>()
  // What to re-apply after a reconnect: undefined = never touched (server default applies).
  private filter: string | undefined = undefined
  private subscriptions: string[] | null = null

  constructor(opts: IntercomBridgeClientOptions) {
    super()
    this.url = opts.url
    this.token = opts.token
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 10_000
    this.connectTimeoutMs = opts.connectTimeoutMs ?? this.requestTimeoutMs
    this.reconnect = opts.reconnect ?? true
    this.reconnectDelayMs = opts.reconnectDelayMs ?? 500
    this.maxReconnectDelayMs = opts.maxReconnectDelayMs ?? 10_000
    this.maxReconnectAttempts = opts.maxReconnectAttempts ?? Infinity
    this.messageBufferSize = Math.max(1, opts.messageBufferSize ?? DEFAULT_BUFFER)
    this.WS = opts.WebSocketImpl ?? WebSocket
  }

  /** True while an authenticated session is established. */
  get connected(): boolean {
    return this.state === 'open'
  }

  /** The subscription set the client will restore on reconnect (null = never subscribed = all channels). */
  get subscribedChannels(): string[] | null {
    return this.subscriptions === null ? null : [...this.subscriptions]
  }

  /** The filter the client will restore on reconnect (undefined = server default). */
  get currentFilter(): string | undefined {
    return this.filter
  }

  /**
   * Opens the socket, waits for `hello`, authenticates and resolves with the hello frame. Rejects with
   * a BridgeError whose code is the server's error text (e.g. `Unauthorized.`) or a CLIENT_ERROR.
   * A failed connect() does not trigger reconnects. Calling it while connected returns the last hello.
   */
  async connect(): Promise<HelloFrame> {
    if (this.state === 'open' && this.hello !== null) return this.hello
    if (this.connecting !== null) return await this.connecting
    if (this.state === 'reconnecting') throw new BridgeError(CLIENT_ERROR.notConnected)
    this.state = 'connecting'
    this.attempts = 0
    this.connecting = (async () => {
      try {
        const hello = await this.openSession()
        await this.reapply()
        if (this.state !== 'connecting') throw new BridgeError(CLIENT_ERROR.connectionClosed)
        this.state = 'open'
        return hello
      } catch (err) {
        this.dropSocket()
        if (this.state === 'connecting') this.state = 'idle'
        throw toBridgeError(err, CLIENT_ERROR.connectFailed)
      } finally {
        this.connecting = null
      }
    })()
    return await this.connecting
  }

  /**
   * Sends `frame` with a fresh integer `id` (any `id` in `frame` is replaced) and resolves with the
   * reply carrying that id. Rejects with BridgeError on an `error` reply, on timeout, or when the
   * connection closes first. Fails at once with `Not connected.` while disconnected or reconnecting.
   */
  async request<T = ReplyFrame>(frame: object, opts?: RequestOptions): Promise<T> {
    if (this.state !== 'open') throw new BridgeError(CLIENT_ERROR.notConnected)
    return await this.rawRequest<T>(frame, opts?.timeoutMs ?? this.requestTimeoutMs)
  }

  async send(channel: string, message: unknown, opts: SendOptions = {}): Promise<SentFrame> {
    return await this.request<SentFrame>({ type: 'send', channel, message, ...blobFields(opts) })
  }

  async join(channel: string, opts: JoinOptions = {}): Promise<JoinedFrame> {
    return await this.request<JoinedFrame>({ type: 'join', channel, ...blobFields(opts) })
  }

  async leave(channel: string): Promise<LeftFrame> {
    const reply = await this.request<LeftFrame>({ type: 'leave', channel })
    // The server drops a left channel from the subscription set; mirror it (fixed servers do so
    // only on success, B21) so a reconnect restores the same set.
    if (reply.ok === true && this.subscriptions !== null) {
      this.subscriptions = this.subscriptions.filter((c) => c !== String(channel).trim() && c !== channel)
    }
    return reply
  }

  async open(channel: string, opts: OpenOptions = {}): Promise<OpenRequestedFrame> {
    const frame: Record<string, unknown> = { type: 'open', channel }
    if (opts.via !== undefined) frame.via = opts.via
    return await this.request<OpenRequestedFrame>({ ...frame, ...blobFields(opts) })
  }

  async stats(): Promise<StatsFrame> {
    return await this.request<StatsFrame>({ type: 'stats' })
  }

  async info(): Promise<InfoFrame> {
    return await this.request<InfoFrame>({ type: 'info' })
  }

  async subscribe(channels: string[]): Promise<SubscribedFrame> {
    const reply = await this.request<SubscribedFrame>({ type: 'subscribe', channels })
    this.noteSubscriptions(reply)
    return reply
  }

  /** Note: the bridge answers `unsubscribe` with a `subscribed` frame (the remaining set). */
  async unsubscribe(channels: string[]): Promise<SubscribedFrame> {
    const reply = await this.request<SubscribedFrame>({ type: 'unsubscribe', channels })
    // Unsubscribing while never subscribed leaves the server at "all channels" even though it
    // replies `channels: []`; only track the reply once a set exists (else a reconnect would send
    // `subscribe []`, which means "none" on a B21-fixed server).
    if (this.subscriptions !== null) this.noteSubscriptions(reply)
    return reply
  }

  async setFilter(filter: string): Promise<FilterSetFrame> {
    const reply = await this.request<FilterSetFrame>({ type: 'set_filter', filter })
    this.filter = filter
    return reply
  }

  /** Match everything (overrides the server's default filter). */
  async clearFilter(): Promise<FilterSetFrame> {
    const reply = await this.request<FilterSetFrame>({ type: 'clear_filter' })
    this.filter = ''
    return reply
  }

  async ping(): Promise<PongFrame> {
    return await this.request<PongFrame>({ type: 'ping' })
  }

  /** Runs a TTY command on the peer (only if the bridge enables CLI over WS). `/exit` never replies. */
  async cli(command: string, opts?: RequestOptions): Promise<CliResultFrame> {
    return await this.request<CliResultFrame>({ type: 'cli', command }, opts)
  }

  /**
   * Async iterator of `sidechannel_message` events received from now on. Each iterator has its own
   * buffer bounded by `messageBufferSize` (oldest dropped, counted in `dropped`). It survives
   * reconnects and ends when the client closes (after draining its buffer) or on `return()`/`break`.
   */
  messages(): MessageIterator {
    const q = new MessageQueue(
      this.messageBufferSize,
      (dropped) => {
        this.droppedMessages += dropped
      },
      (self) => {
        this.iterators.delete(self)
      }
    )
    if (this.state === 'closed') q.end()
    else this.iterators.add(q)
    return q
  }

  /** Stops everything: cancels reconnects, fails pending requests, ends iterators, closes the socket. */
  async close(): Promise<void> {
    const ws = this.socket
    this.finish({ reason: 'closed' })
    if (ws !== null) await closeSocket(ws, 1000)
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  private async rawRequest<T>(frame: object, timeoutMs: number): Promise<T> {
    const ws = this.socket
    if (ws === null || ws.readyState !== this.WS.OPEN) throw new BridgeError(CLIENT_ERROR.connectionClosed)
    const id = this.nextId++
    let text: string
    try {
      text = JSON.stringify({ ...frame, id })
    } catch (err) {
      throw new BridgeError(CLIENT_ERROR.invalidRequest, undefined, { cause: err })
    }
    return await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new BridgeError(CLIENT_ERROR.timeout))
      }, timeoutMs)
      this.pending.set(id, { resolve: resolve as (f: Record<string, unknown>) => void, reject, timer })
      ws.send(text, (err) => {
        if (err == null) return
        const p = this.pending.get(id)
        if (p === undefined) return
        this.pending.delete(id)
        clearTimeout(p.timer)
        p.reject(new BridgeError(CLIENT_ERROR.connectionClosed, undefined, { cause: err }))
      })
    })
  }

  /** Opens a socket, waits for hello, authenticates. Leaves `this.socket` set on success. */
  private async openSession(): Promise<HelloFrame> {
    let ws: WebSocket
    try {
      ws = new this.WS(this.url)
    } catch (err) {
      throw new BridgeError(CLIENT_ERROR.connectFailed, undefined, { cause: err })
    }
    ws.binaryType = 'nodebuffer'
    this.socket = ws
    this.attach(ws)
    const hello = await new Promise<HelloFrame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.helloWaiter = null
        reject(new BridgeError(CLIENT_ERROR.connectTimeout))
      }, this.connectTimeoutMs)
      this.helloWaiter = { resolve, reject, timer }
    })
    this.hello = hello
    if (hello.requiresAuth !== false) {
      try {
        await this.rawRequest<AuthOkFrame>({ type: 'auth', token: this.token }, this.connectTimeoutMs)
      } catch (err) {
        const e = toBridgeError(err, CLIENT_ERROR.connectFailed)
        throw e.code === 'BRIDGE_TIMEOUT' ? new BridgeError(CLIENT_ERROR.connectTimeout) : e
      }
    }
    return hello
  }

  /** Restores the last filter and subscription set on a fresh session. */
  private async reapply(): Promise<void> {
    if (this.filter !== undefined) {
      const frame = this.filter === '' ? { type: 'clear_filter' } : { type: 'set_filter', filter: this.filter }
      await this.rawRequest(frame, this.requestTimeoutMs)
    }
    if (this.subscriptions !== null) {
      const reply = await this.rawRequest<SubscribedFrame>(
        { type: 'subscribe', channels: this.subscriptions },
        this.requestTimeoutMs
      )
      this.noteSubscriptions(reply)
    }
  }

  private noteSubscriptions(reply: SubscribedFrame): void {
    if (Array.isArray(reply.channels)) this.subscriptions = reply.channels.map(String)
  }

  private attach(ws: WebSocket): void {
    ws.on('message', (data: WebSocket.RawData) => {
      if (ws !== this.socket) return
      this.onText(decodeData(data))
    })
    ws.on('close', (code: number, reason: Uint8Array) => {
      if (ws !== this.socket) return
      this.onSocketLost(code, b4a.toString(reason, 'utf8'))
    })
    ws.on('error', (err: Error) => {
      // A 'close' always follows; a failure before open (ECONNREFUSED) only produces these two.
      if (ws !== this.socket) return
      const w = this.helloWaiter
      if (w !== null) {
        this.helloWaiter = null
        clearTimeout(w.timer)
        w.reject(new BridgeError(CLIENT_ERROR.connectFailed, undefined, { cause: err }))
      }
    })
  }

  private onText(text: string): void {
    let frame: unknown
    try {
      frame = JSON.parse(text)
    } catch {
      return
    }
    if (frame === null || typeof frame !== 'object' || Array.isArray(frame)) return
    const f = frame as Record<string, unknown>
    this.emit('frame', f)
    if (f.type === 'hello') {
      const w = this.helloWaiter
      if (w !== null) {
        this.helloWaiter = null
        clearTimeout(w.timer)
        w.resolve(f as unknown as HelloFrame)
      }
      return
    }
    if (f.type === 'sidechannel_message') {
      this.dispatch(f as unknown as SidechannelMessageEvent)
      return
    }
    if (typeof f.id === 'number' && Number.isInteger(f.id)) {
      const p = this.pending.get(f.id)
      if (p === undefined) return
      this.pending.delete(f.id)
      clearTimeout(p.timer)
      if (f.type === 'error') p.reject(new BridgeError(String(f.error), f as unknown as ErrorFrame))
      else p.resolve(f)
    }
  }

  private dispatch(event: SidechannelMessageEvent): void {
    for (const q of this.iterators) q.push(event)
    this.emit('message', event)
  }

  private failPending(code: string): void {
    const w = this.helloWaiter
    if (w !== null) {
      this.helloWaiter = null
      clearTimeout(w.timer)
      w.reject(new BridgeError(code))
    }
    const all = [...this.pending.values()]
    this.pending.clear()
    for (const p of all) {
      clearTimeout(p.timer)
      p.reject(new BridgeError(code))
    }
  }

  /** The current socket closed (not via close()). */
  private onSocketLost(code: number, reason: string): void {
    this.socket = null
    this.failPending(CLIENT_ERROR.connectionClosed)
    // During connect() or a reconnect attempt the awaiting code handles the failure.
    if (this.state !== 'open') return
    this.emit('disconnect', { code, reason })
    if (this.reconnect) this.scheduleReconnect()
    else this.finish({ reason: 'disconnected' })
  }

  private scheduleReconnect(error?: BridgeError): void {
    if (this.attempts >= this.maxReconnectAttempts) {
      this.finish({ reason: 'reconnect_failed', error: error ?? new BridgeError(CLIENT_ERROR.connectionClosed) })
      return
    }
    this.state = 'reconnecting'
    const delayMs = Math.min(this.reconnectDelayMs * 2 ** this.attempts, this.maxReconnectDelayMs)
    this.attempts++
    this.emit(
      'reconnecting',
      error === undefined ? { attempt: this.attempts, delayMs } : { attempt: this.attempts, delayMs, error }
    )
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null
      void this.reconnectAttempt()
    }, delayMs)
  }

  private async reconnectAttempt(): Promise<void> {
    if (this.state !== 'reconnecting') return
    try {
      const hello = await this.openSession()
      await this.reapply()
      if (this.state !== 'reconnecting') return
      this.state = 'open'
      this.attempts = 0
      this.emit('reconnect', hello)
    } catch (err) {
      if (this.state !== 'reconnecting') return
      this.dropSocket()
      const e = toBridgeError(err, CLIENT_ERROR.connectFailed)
      // A rejected token cannot succeed by retrying with the same token.
      if (e.code === 'BRIDGE_UNAUTHORIZED' || e.message === 'Auth not enabled.')
        this.finish({ reason: 'reconnect_failed', error: e })
      else this.scheduleReconnect(e)
    }
  }

  /** Forgets the current socket (terminating it) without touching the state. */
  private dropSocket(): void {
    const ws = this.socket
    this.socket = null
    this.failPending(CLIENT_ERROR.connectionClosed)
    if (ws !== null) void closeSocket(ws, 1000)
  }

  private finish(info: CloseInfo): void {
    if (this.reconnectTimer !== null) {
      clearTimeout(this.reconnectTimer)
      this.reconnectTimer = null
    }
    const wasActive = this.state !== 'closed' && this.state !== 'idle'
    this.state = 'closed'
    this.socket = null
    this.failPending(CLIENT_ERROR.connectionClosed)
    for (const q of this.iterators) q.end()
    this.iterators.clear()
    if (wasActive) this.emit('close', info)
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

function blobFields(opts: { invite?: BlobInput; welcome?: BlobInput }): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (opts.invite !== undefined) out.invite = opts.invite
  if (opts.welcome !== undefined) out.welcome = opts.welcome
  return out
}

function toBridgeError(err: unknown, fallback: string): BridgeError {
  if (err instanceof BridgeError) return err
  return new BridgeError(fallback, undefined, { cause: err })
}

function decodeData(data: WebSocket.RawData | string): string {
  if (typeof data === 'string') return data
  if (Array.isArray(data)) return b4a.toString(b4a.concat(data), 'utf8')
  if (data instanceof ArrayBuffer) return b4a.toString(new Uint8Array(data), 'utf8')
  return b4a.toString(data, 'utf8')
}

/** Closes a socket gracefully, terminating it if the closing handshake stalls. Never rejects. */
async function closeSocket(ws: WebSocket, code: number): Promise<void> {
  if (ws.readyState === ws.CLOSED) return
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      try {
        ws.terminate()
      } catch {}
      resolve()
    }, 1000)
    ws.once('close', () => {
      clearTimeout(timer)
      resolve()
    })
    try {
      if (ws.readyState === ws.CONNECTING) ws.terminate()
      else ws.close(code)
    } catch {
      clearTimeout(timer)
      resolve()
    }
  })
}

class MessageQueue implements MessageIterator {
  dropped = 0
  private buf: SidechannelMessageEvent[] = []
  private head = 0
  private readonly waiters: Array<(r: IteratorResult<SidechannelMessageEvent>) => void> = []
  private done = false

  constructor(
    private readonly limit: number,
    private readonly onDrop: (n: number) => void,
    private readonly onReturn: (q: MessageQueue) => void
  ) {}

  push(event: SidechannelMessageEvent): void {
    if (this.done) return
    const w = this.waiters.shift()
    if (w !== undefined) {
      w({ done: false, value: event })
      return
    }
    this.buf.push(event)
    if (this.buf.length - this.head > this.limit) {
      this.head++
      this.dropped++
      this.onDrop(1)
    }
    if (this.head > 1024 && this.head * 2 > this.buf.length) {
      this.buf = this.buf.slice(this.head)
      this.head = 0
    }
  }

  /** No more events; buffered ones can still be read. */
  end(): void {
    if (this.done) return
    this.done = true
    for (const w of this.waiters.splice(0)) w({ done: true, value: undefined })
  }

  async next(): Promise<IteratorResult<SidechannelMessageEvent>> {
    if (this.head < this.buf.length) {
      const value = this.buf[this.head]!
      this.buf[this.head++] = undefined as unknown as SidechannelMessageEvent
      if (this.head === this.buf.length) {
        this.buf = []
        this.head = 0
      }
      return { done: false, value }
    }
    if (this.done) return { done: true, value: undefined }
    return await new Promise((resolve) => {
      this.waiters.push(resolve)
    })
  }

  async return(): Promise<IteratorResult<SidechannelMessageEvent>> {
    this.buf = []
    this.head = 0
    this.end()
    this.onReturn(this)
    return { done: true, value: undefined }
  }

  [Symbol.asyncIterator](): MessageIterator {
    return this
  }
}
