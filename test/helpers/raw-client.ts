// A bare Hyperswarm + Protomux client that speaks the sidechannel session at the byte level, for
// tests that need a misbehaving or eavesdropping remote (forged senders, malformed frames, peers
// that were never invited). Always bootstraps from the loopback testnet.
import Hyperswarm from 'hyperswarm'
import HyperDHT from 'hyperdht'
import Protomux from 'protomux'
import c from 'compact-encoding'
import b4a from 'b4a'
import { channelTopic, channelProtocol } from '../../src/sidechannel/codec/index.js'
import { keyPairFromSeed, randomBytes, toHex, type KeyPair } from '../../src/crypto/index.js'
import type { LocalNet } from './peers.js'

export class RawClient {
  readonly swarm: Hyperswarm
  readonly keyPair: KeyPair
  readonly key: string
  readonly received: Array<{ channel: string; value: unknown }> = []
  private readonly sessions: Array<{
    channel: string
    remoteKey: string
    message: Protomux.ProtomuxMessage<Uint8Array>
    open: boolean
  }> = []

  constructor(net: LocalNet, keyPair: KeyPair = keyPairFromSeed(randomBytes(32))) {
    const bootstrap = net.bootstrap.split(',').map((s) => {
      const [host, port] = s.split(':')
      return { host: host!, port: Number(port) }
    })
    if (bootstrap.length === 0 || !bootstrap.every((n) => n.host === '127.0.0.1'))
      throw new Error('RawClient needs a loopback bootstrap')
    this.keyPair = keyPair
    this.key = toHex(keyPair.publicKey)
    this.swarm = new Hyperswarm({ keyPair, dht: new HyperDHT({ bootstrap, host: '127.0.0.1' }) })
  }

  /** Opens `sidechannel/<channel>` on every connection (present and future) and joins its topic. */
  async join(channel: string): Promise<void> {
    const open = (conn: any) => {
      conn.on('error', () => {})
      const mux = Protomux.from(conn)
      const remoteKey = toHex(conn.remotePublicKey)
      const session = { channel, remoteKey, message: null as any, open: false }
      const ch = mux.createChannel({
        protocol: channelProtocol(channel),
        onopen: () => {
          session.open = true
        }
      })
      if (!ch) return
      session.message = ch.addMessage({
        encoding: c.raw,
        onmessage: (buf: Uint8Array) => {
          try {
            this.received.push({ channel, value: c.decode(c.json, buf) })
          } catch {
            this.received.push({ channel, value: null })
          }
        }
      })
      this.sessions.push(session)
      ch.open()
    }
    this.swarm.on('connection', open)
    for (const conn of this.swarm.connections) open(conn)
    await this.swarm.join(channelTopic(channel), { server: true, client: true }).flushed()
  }

  openTo(channel: string, remoteKey: string): boolean {
    return this.sessions.some((s) => s.channel === channel && s.remoteKey === remoteKey && s.open)
  }

  /** Sends the message body bytes as they go on the wire after the message type. */
  sendRaw(channel: string, body: Uint8Array): number {
    let n = 0
    for (const s of this.sessions) {
      if (s.channel !== channel || !s.open) continue
      s.message.send(body)
      n++
    }
    return n
  }

  /** Sends a value exactly as compact-encoding json would (length-prefixed UTF-8 JSON). */
  sendJson(channel: string, value: unknown): number {
    return this.sendRaw(channel, c.encode(c.json, value))
  }

  /** A frame whose JSON text is `text` verbatim (may be invalid JSON). */
  sendText(channel: string, text: string): number {
    return this.sendRaw(channel, c.encode(c.string, text))
  }

  static bytes(s: string): Uint8Array {
    return b4a.from(s)
  }

  async destroy(): Promise<void> {
    await this.swarm.destroy()
  }
}
