// A benchmark peer in its own process, driven by the parent over stdin/stdout JSON lines.
// The parent normally runs the tsc-compiled copy (bench/.build/bench/child-peer.js) with plain node,
// so that RSS is not inflated by tsx's loader thread; `--tsx-children` runs this file through tsx.
//
//   node [--import tsx] bench/child-peer.ts --mode intercom|raw --role server|client
//        --bootstrap 127.0.0.1:PORT[,...] --dir TMPDIR --name NAME [--channel bench] [--stub-verify]
//        [--bridge]
//
// mode=intercom: a real IntercomPeer (wallet, Hyperswarm, SidechannelManager; PoW and rate limit
//                off; every received message goes through the full receive pipeline incl. ed25519).
// mode=raw:      the baseline, a bare Hyperswarm + one Protomux channel carrying compact-encoding
//                `c.json` messages of the same shape and size; no signing, no checks.
// --bridge (intercom only): also serve the SC-Bridge on 127.0.0.1, ephemeral port, token from the
//                env BENCH_BRIDGE_TOKEN; `start` replies with its `bridgeUrl`.
// Only 127.0.0.1 bootstraps are accepted: this process never talks to a public DHT.
import fs from 'node:fs'
import path from 'node:path'
import Hyperswarm from 'hyperswarm'
import type { SwarmConnection } from 'hyperswarm'
import HyperDHT from 'hyperdht'
import Protomux from 'protomux'
import c from 'compact-encoding'
import b4a from 'b4a'
import sodium from 'sodium-universal'
import { parseConfig } from '../src/config/index.js'
import { IntercomPeer } from '../src/peer.js'
import { sha256, toHex, randomBytes } from '../src/crypto/index.js'
import type { DeliveredMessage } from '../src/sidechannel/manager.js'
import {
  ReceiveMeter,
  argReader,
  benchMessage,
  hrNow,
  nextTick,
  pacedSend,
  serveCommands,
  waitUntil,
  withTimeout
} from './common.js'

interface Args {
  mode: 'intercom' | 'raw'
  role: 'server' | 'client'
  bootstrap: string
  dir: string
  name: string
  channel: string
  stubVerify: boolean
  bridge: boolean
}

function parseArgs(argv: string[]): Args {
  const get = argReader(argv)
  const mode = get('mode')
  if (mode !== 'intercom' && mode !== 'raw') throw new Error('--mode must be intercom or raw')
  const role = get('role', 'server')
  if (role !== 'server' && role !== 'client') throw new Error('--role must be server or client')
  const bootstrap = get('bootstrap')
  for (const node of bootstrap.split(',')) {
    if (!node.startsWith('127.0.0.1:')) throw new Error(`refusing non-loopback bootstrap ${node}`)
  }
  const bridge = argv.includes('--bridge')
  if (bridge && mode !== 'intercom') throw new Error('--bridge needs --mode intercom')
  if (bridge && !process.env.BENCH_BRIDGE_TOKEN) throw new Error('--bridge needs BENCH_BRIDGE_TOKEN in the environment')
  return {
    mode,
    role,
    bootstrap,
    dir: get('dir'),
    name: get('name'),
    channel: get('channel', 'bench'),
    stubVerify: argv.includes('--stub-verify'),
    bridge
  }
}

/** What the benchmark needs from either implementation. */
interface Endpoint {
  key: string
  start(): Promise<void>
  /** Extra members of the `start` reply. */
  startInfo(): Record<string, unknown>
  waitOpen(remoteKey: string, timeoutMs: number): Promise<void>
  send(message: unknown): void
  drained(): boolean
  waitDrain(timeoutMs: number): Promise<void>
  onMessage(cb: (message: any) => void): void
  stats(): Record<string, unknown>
  close(): Promise<void>
}

function log(line: string): void {
  process.stderr.write(line + '\n')
}

// ------------------------------------------------------------------ intercom

class IntercomEndpoint implements Endpoint {
  key = ''
  peer!: IntercomPeer
  private readonly handlers: Array<(message: any) => void> = []
  constructor(private readonly a: Args) {}

  async start(): Promise<void> {
    const argv = [
      '--peer-store-name',
      this.a.name,
      '--peer-stores-directory',
      path.join(this.a.dir, 'stores'),
      '--peer-dht-bootstrap',
      this.a.bootstrap,
      '--sidechannels',
      this.a.channel,
      '--sidechannel-pow',
      '0',
      '--sidechannel-rate-bytes',
      '0',
      '--sidechannel-welcome-required',
      '0',
      // The stub patches sodium in this thread only, so the diagnostic must verify inline.
      ...(this.a.stubVerify ? ['--sidechannel-verify-workers', '0'] : []),
      ...(this.a.bridge
        ? [
            '--sc-bridge',
            '1',
            '--sc-bridge-host',
            '127.0.0.1',
            '--sc-bridge-port',
            '0',
            '--sc-bridge-token',
            process.env.BENCH_BRIDGE_TOKEN ?? ''
          ]
        : []),
      ...(process.env.BENCH_PEER_FLAGS ? process.env.BENCH_PEER_FLAGS.split(' ').filter(Boolean) : [])
    ]
    const env = { INTERCOM_LOCAL_ONLY: '1' }
    const config = parseConfig(argv, env)
    this.peer = new IntercomPeer({ config, env, log })
    await withTimeout(this.peer.ready(), 40_000, 'peer ready')
    this.key = this.peer.wallet.publicKeyHex
    this.peer.sidechannel.on('message', (m: DeliveredMessage) => {
      if (m.channel !== this.a.channel) return
      for (const h of this.handlers) h(m.payload.message)
    })
  }

  startInfo(): Record<string, unknown> {
    return this.peer.bridge ? { bridgeUrl: this.peer.bridge.url } : {}
  }

  async waitOpen(remoteKey: string, timeoutMs: number): Promise<void> {
    await waitUntil(
      () => this.peer.sidechannel.openPeers(this.a.channel).includes(remoteKey),
      timeoutMs,
      `channel open with ${remoteKey.slice(0, 8)}`
    )
  }

  send(message: unknown): void {
    const r = this.peer.sidechannel.send(this.a.channel, message)
    if (!r.ok) throw new Error(`send failed: ${r.reason}`)
  }

  private mux(): Protomux | null {
    const conn = this.peer.swarm.connections.values().next().value as SwarmConnection | undefined
    return conn ? Protomux.from(conn) : null
  }

  drained(): boolean {
    return this.mux()?.drained ?? true
  }

  waitDrain(timeoutMs: number): Promise<void> {
    const conn = this.peer.swarm.connections.values().next().value as SwarmConnection | undefined
    return waitForDrain(conn, () => this.drained(), timeoutMs)
  }

  onMessage(cb: (message: any) => void): void {
    this.handlers.push(cb)
  }

  stats(): Record<string, unknown> {
    return {
      drops: Object.fromEntries(this.peer.sidechannel.drops),
      counters: { ...this.peer.sidechannel.counters },
      ...(this.peer.bridge ? { bridge: { ...this.peer.bridge.stats, clients: this.peer.bridge.clientCount } } : {})
    }
  }

  async close(): Promise<void> {
    if (this.peer) await withTimeout(this.peer.close(), 10_000, 'peer close').catch(() => {})
  }
}

// ------------------------------------------------------------------ raw Protomux baseline

class RawEndpoint implements Endpoint {
  key = ''
  swarm!: Hyperswarm
  private readonly channels = new Map<
    string,
    { conn: SwarmConnection; msg: Protomux.ProtomuxMessage<any>; open: boolean }
  >()
  private handlers: Array<(message: any) => void> = []
  private from = ''
  private readonly sig = toHex(randomBytes(64))
  private received = 0

  constructor(private readonly a: Args) {}

  async start(): Promise<void> {
    const bootstrap = this.a.bootstrap.split(',').map((s) => {
      const [host, port] = s.split(':')
      return { host, port: Number(port) }
    })
    const dht = new HyperDHT({ bootstrap, host: '127.0.0.1' })
    this.swarm = new Hyperswarm({ dht })
    this.key = toHex(this.swarm.keyPair.publicKey)
    this.from = this.key
    this.swarm.on('connection', (conn: SwarmConnection) => this.attach(conn))
    const topic = sha256(b4a.from('intercom-bench-raw-baseline:' + this.a.channel))
    const disc = this.swarm.join(topic, { server: this.a.role === 'server', client: this.a.role === 'client' })
    if (this.a.role === 'server') await withTimeout(disc.flushed(), 20_000, 'raw announce')
  }

  private attach(conn: SwarmConnection): void {
    conn.on('error', () => {})
    const remote = toHex(conn.remotePublicKey)
    const mux = Protomux.from(conn)
    const channel = mux.createChannel({
      protocol: 'intercom-bench-raw/v1',
      onopen: () => {
        const r = this.channels.get(remote)
        if (r) r.open = true
      },
      onclose: () => {
        this.channels.delete(remote)
      }
    })
    if (!channel) return
    const msg = channel.addMessage({
      encoding: c.json,
      onmessage: (m: any) => {
        this.received++
        for (const h of this.handlers) h(m.message)
      }
    })
    this.channels.set(remote, { conn, msg, open: false })
    channel.open()
  }

  startInfo(): Record<string, unknown> {
    return {}
  }

  async waitOpen(remoteKey: string, timeoutMs: number): Promise<void> {
    await waitUntil(
      () => this.channels.get(remoteKey)?.open === true,
      timeoutMs,
      `raw channel open with ${remoteKey.slice(0, 8)}`
    )
  }

  send(message: unknown): void {
    const ts = Date.now()
    // Same members, order and sizes as a sidechannel payload; the signature is a fixed dummy.
    const envelope = {
      type: 'sidechannel',
      id: `${this.from}:${ts}:${Math.random().toString(36).slice(2, 10)}`,
      channel: this.a.channel,
      from: this.from,
      origin: this.from,
      message,
      ts,
      ttl: 3,
      sig: this.sig
    }
    let n = 0
    for (const r of this.channels.values()) {
      if (!r.open) continue
      r.msg.send(envelope)
      n++
    }
    if (n === 0) throw new Error('send failed: no open channel')
  }

  private firstConn(): SwarmConnection | undefined {
    return this.channels.values().next().value?.conn
  }

  drained(): boolean {
    const conn = this.firstConn()
    return conn ? Protomux.from(conn).drained : true
  }

  waitDrain(timeoutMs: number): Promise<void> {
    return waitForDrain(this.firstConn(), () => this.drained(), timeoutMs)
  }

  onMessage(cb: (message: any) => void): void {
    this.handlers.push(cb)
  }

  stats(): Record<string, unknown> {
    return { drops: {}, counters: { received: this.received } }
  }

  async close(): Promise<void> {
    if (this.swarm) await withTimeout(this.swarm.destroy(), 10_000, 'swarm destroy').catch(() => {})
  }
}

function waitForDrain(conn: SwarmConnection | undefined, isDrained: () => boolean, timeoutMs: number): Promise<void> {
  if (!conn || isDrained()) return Promise.resolve()
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      conn.off('drain', done)
      conn.off('close', done)
      resolve()
    }
    const timer = setTimeout(done, timeoutMs)
    conn.on('drain', done)
    conn.on('close', done)
  })
}

// ------------------------------------------------------------------ command loop

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  fs.mkdirSync(args.dir, { recursive: true })
  if (args.stubVerify) {
    // DIAGNOSTIC ONLY (--stub-verify): every ed25519 verification succeeds without being computed, so
    // the run shows what the receive pipeline costs apart from the signature check. Never a real result.
    ;(sodium as { crypto_sign_verify_detached: (...a: Uint8Array[]) => boolean }).crypto_sign_verify_detached = () =>
      true
    log('child: ed25519 verification STUBBED (diagnostic run)')
  }
  const ep: Endpoint = args.mode === 'intercom' ? new IntercomEndpoint(args) : new RawEndpoint(args)

  // Receive-side measurement state, reset by `arm`.
  const meter = new ReceiveMeter()
  ep.onMessage((message) => meter.note(message))

  let closing = false
  const shutdown = async (code: number): Promise<never> => {
    if (!closing) {
      closing = true
      await withTimeout(ep.close(), 5000, 'close').catch(() => {})
    }
    process.exit(code)
  }
  process.on('SIGTERM', () => {
    void shutdown(0)
  })

  serveCommands(
    {
      async start() {
        await ep.start()
        return { key: ep.key, pid: process.pid, ...ep.startInfo() }
      },
      async waitOpen(req) {
        await ep.waitOpen(req.peer, req.timeoutMs ?? 20_000)
        return {}
      },
      ...meter.handlers(),
      async blast(req) {
        // Sends as fast as the stream accepts, for `durationMs` or `count` messages, whichever ends first:
        // `batch` messages, then yield (setImmediate) or, when Protomux reports back-pressure, wait for drain.
        const count: number = req.count ?? Number.MAX_SAFE_INTEGER
        const durationMs: number = req.durationMs ?? Infinity
        const batch: number = req.batch ?? 64
        const seqBase: number = req.seqBase ?? 0
        let sent = 0
        let drainWaits = 0
        const tStart = hrNow()
        while (sent < count && hrNow() - tStart < durationMs) {
          const end = Math.min(count, sent + batch)
          for (; sent < end; sent++) ep.send(benchMessage(seqBase + sent, hrNow()))
          if (!ep.drained()) {
            drainWaits++
            await ep.waitDrain(5000)
          } else {
            await nextTick()
          }
        }
        return { sent, tStart, tEnd: hrNow(), drainWaits }
      },
      async paced(req) {
        return pacedSend(req.rate, req.durationMs, req.seqBase ?? 0, (m) => ep.send(m))
      },
      async stats(req) {
        // `gc: true` (needs --expose-gc) measures again after a full collection: live memory, for diagnosis.
        const gc = (globalThis as { gc?: () => void }).gc
        if (req.gc === true && gc) gc()
        const mem = process.memoryUsage()
        const cpu = process.cpuUsage()
        return {
          rss: mem.rss,
          heapUsed: mem.heapUsed,
          heapTotal: mem.heapTotal,
          external: mem.external,
          arrayBuffers: mem.arrayBuffers,
          gc: req.gc === true && gc !== undefined,
          cpuUs: cpu.user + cpu.system,
          ...ep.stats()
        }
      },
      async close() {
        closing = true
        await ep.close()
        return {}
      }
    },
    shutdown
  )
}

main().catch((err) => {
  log(`child fatal: ${err?.stack ?? err}`)
  process.exit(1)
})
