// The sidechannel transport: one Protomux session per (connection, channel). It opens sessions on every
// connection for every registered channel, lets a remote open first, retries a refused open a few times,
// queues frames until a session opens and forgets sessions that close. It decides nothing about who may
// talk: frames go to the `onFrame` handler, opened sessions to `onOpen`.
import Protomux from 'protomux'
import type { SwarmConnection } from 'hyperswarm'
import { toHex } from '../crypto/index.js'
import { frameEncoding, type InboundFrame } from '../common/index.js'
import { channelProtocol } from './codec/index.js'
import type { PipelineDropReason } from './gates.js'

export interface ChannelSession {
  name: string
  channel: Protomux.ProtomuxChannel
  message: Protomux.ProtomuxMessage<any>
  open: boolean
  queue: Uint8Array[]
  authSent: boolean
  welcomeSent: boolean
}

export interface Connection {
  conn: SwarmConnection
  mux: Protomux
  /** Lowercase hex transport key, or `unknown`. */
  remoteKey: string
  sessions: Map<string, ChannelSession>
  paired: Set<string>
  retries: Map<string, { count: number; lastAt: number }>
  closed: boolean
}

export interface SessionTableOptions {
  maxInboundBytes: number
  now: () => number
  /** Whether `name` is a channel this peer has registered (sessions are opened only for those). */
  isRegistered: (name: string) => boolean
  /** Whether the owner is closing (no re-opens then). */
  closing: () => boolean
  onFrame: (c: Connection, s: ChannelSession, frame: InboundFrame) => void
  onOpen: (c: Connection, s: ChannelSession) => void
  drop: (reason: PipelineDropReason, channel: string, remoteKey: string, count?: number) => void
}

const MAX_QUEUED_PER_SESSION = 256
const OPEN_RETRY_LIMIT = 5

export class SessionTable {
  private readonly conns = new Map<SwarmConnection, Connection>()
  private readonly encoding: ReturnType<typeof frameEncoding>

  constructor(private readonly opts: SessionTableOptions) {
    this.encoding = frameEncoding(opts.maxInboundBytes)
  }

  connections(): IterableIterator<Connection> {
    return this.conns.values()
  }

  sessionCount(): number {
    let n = 0
    for (const c of this.conns.values()) n += c.sessions.size
    return n
  }

  /** Remote keys with which `channel` is open right now. */
  openPeers(channel: string): string[] {
    const out: string[] = []
    for (const c of this.conns.values()) if (c.sessions.get(channel)?.open) out.push(c.remoteKey)
    return out
  }

  /** Starts tracking a swarm connection; returns it, or null when already tracked. */
  attach(conn: SwarmConnection): Connection | null {
    if (this.conns.has(conn)) return null
    const mux = Protomux.from(conn)
    const remoteKey = conn.remotePublicKey ? toHex(conn.remotePublicKey) : 'unknown'
    const c: Connection = {
      conn,
      mux,
      remoteKey,
      sessions: new Map(),
      paired: new Set(),
      retries: new Map(),
      closed: false
    }
    this.conns.set(conn, c)
    conn.on('error', () => {})
    conn.once('close', () => {
      c.closed = true
      this.conns.delete(conn)
    })
    return c
  }

  /** Opens `name` on connection `c` (no-op when already open, closed or unregistered). */
  open(c: Connection, name: string): void {
    if (c.closed || c.sessions.has(name) || !this.opts.isRegistered(name)) return
    const protocol = channelProtocol(name)
    if (!c.paired.has(name)) {
      c.paired.add(name)
      // Lets the remote open first: Protomux calls this when an open for the protocol arrives.
      c.mux.pair({ protocol }, () => this.open(c, name))
    }
    let s: ChannelSession | null = null
    const channel = c.mux.createChannel({
      protocol,
      onopen: () => {
        if (s) this.onSessionOpen(c, s)
      },
      onclose: () => {
        if (s) this.onSessionClose(c, s)
      }
    })
    if (!channel) return
    const message = channel.addMessage({
      encoding: this.encoding as any,
      onmessage: (frame: InboundFrame) => {
        if (s) this.opts.onFrame(c, s, frame)
      }
    })
    s = { name, channel, message, open: false, queue: [], authSent: false, welcomeSent: false }
    c.sessions.set(name, s)
    channel.open()
  }

  /** Opens `name` on every connection. */
  openEverywhere(name: string): void {
    for (const c of this.conns.values()) this.open(c, name)
  }

  /** Sends now when open, else queues (bounded); false when the frame was dropped. */
  deliver(s: ChannelSession, bytes: Uint8Array): boolean {
    if (s.open) {
      s.message.send(bytes)
      return true
    }
    if (s.queue.length >= MAX_QUEUED_PER_SESSION) {
      this.opts.drop('queue-full', s.name, 'local')
      return false
    }
    s.queue.push(bytes)
    return true
  }

  /** Closes `name` on every connection and stops accepting its re-opens (B13). */
  closeChannel(name: string): void {
    const protocol = channelProtocol(name)
    for (const c of this.conns.values()) {
      const s = c.sessions.get(name)
      c.sessions.delete(name)
      c.retries.delete(name)
      if (c.paired.delete(name)) c.mux.unpair({ protocol })
      s?.channel.close()
    }
  }

  closeAll(): void {
    for (const c of this.conns.values()) {
      for (const s of c.sessions.values()) s.channel.close()
      for (const name of c.paired) c.mux.unpair({ protocol: channelProtocol(name) })
    }
    this.conns.clear()
  }

  private onSessionOpen(c: Connection, s: ChannelSession): void {
    s.open = true
    c.retries.delete(s.name)
    const queued = s.queue
    s.queue = []
    for (const bytes of queued) s.message.send(bytes)
    this.opts.onOpen(c, s)
  }

  private onSessionClose(c: Connection, s: ChannelSession): void {
    // B12: forget the session so the channel can be re-opened on this connection later.
    if (c.sessions.get(s.name) === s) c.sessions.delete(s.name)
    if (s.queue.length > 0) this.opts.drop('unsent-channel-closed', s.name, c.remoteKey, s.queue.length)
    s.queue = []
    if (s.open || c.closed || this.opts.closing() || !this.opts.isRegistered(s.name)) return
    // The remote refused (it has not joined yet): retry a few times with a growing delay.
    const now = this.opts.now()
    const r = c.retries.get(s.name)
    const count = r && now - r.lastAt <= 2000 ? r.count + 1 : 1
    c.retries.set(s.name, { count, lastAt: now })
    if (count > OPEN_RETRY_LIMIT) return
    const t = setTimeout(() => this.open(c, s.name), 100 * count)
    ;(t as any).unref?.()
  }
}
