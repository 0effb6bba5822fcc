// Multi-peer test harness: a hyperdht testnet on 127.0.0.1 and real peers (real Hyperswarm, real
// wallet files in temp dirs). Everything created here is torn down by `cleanup()`.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import createTestnet from 'hyperdht/testnet.js'
import { parseConfig } from '../../src/config/index.js'
import { IntercomPeer } from '../../src/peer.js'
import { loadOrCreateWallet, type Wallet } from '../../src/wallet/index.js'
import type { DeliveredMessage } from '../../src/sidechannel/manager.js'

export interface LocalNet {
  bootstrap: string
  destroy(): Promise<void>
}

export async function createLocalNet(): Promise<LocalNet> {
  const testnet = await createTestnet(3, { host: '127.0.0.1' })
  const bootstrap = testnet.bootstrap.map((n) => `${n.host}:${n.port}`).join(',')
  if (!bootstrap.startsWith('127.0.0.1:')) throw new Error('testnet is not on loopback')
  return { bootstrap, destroy: () => testnet.destroy() }
}

export function tmpDir(prefix = 'intercom-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

export interface TestPeer {
  peer: IntercomPeer
  name: string
  key: string
  logs: string[]
  messages: DeliveredMessage[]
}

export class Cluster {
  readonly peers: TestPeer[] = []
  readonly dirs: string[] = []
  net: LocalNet | null = null
  readonly root: string

  constructor() {
    this.root = tmpDir()
    this.dirs.push(this.root)
  }

  async start(): Promise<this> {
    this.net = await createLocalNet()
    return this
  }

  /** Creates (or loads) the wallet a peer named `name` will use, so tests know its key before it starts. */
  async identity(name: string): Promise<Wallet> {
    const file = path.join(this.root, 'stores', name, 'db', 'keypair.json')
    return (await loadOrCreateWallet(file)).wallet
  }

  /** Starts a peer; `flags` are peer command-line flags. The DHT bootstrap is always the loopback testnet. */
  async peer(
    name: string,
    flags: string[] = [],
    opts: { firewall?: (remote: Uint8Array) => boolean; storesDir?: string } = {}
  ): Promise<TestPeer> {
    if (!this.net) throw new Error('Cluster.start() first: a peer without a loopback bootstrap is not allowed in tests')
    if (flags.some((f) => f.startsWith('--dht-bootstrap') || f.startsWith('--peer-dht-bootstrap'))) {
      throw new Error('tests must not choose their own DHT bootstrap')
    }
    const storesDir = opts.storesDir ?? path.join(this.root, 'stores')
    const argv = [
      '--peer-store-name',
      name,
      '--peer-stores-directory',
      storesDir,
      '--msb-stores-directory',
      storesDir,
      '--peer-dht-bootstrap',
      this.net.bootstrap,
      ...flags
    ]
    const config = parseConfig(argv, { INTERCOM_LOCAL_ONLY: '1' })
    const logs: string[] = []
    const peer = new IntercomPeer({
      config,
      env: { INTERCOM_LOCAL_ONLY: '1' },
      log: (l) => {
        logs.push(l)
      },
      ...(opts.firewall ? { firewall: opts.firewall } : {})
    })
    await peer.ready()
    const tp: TestPeer = { peer, name, key: peer.wallet.publicKeyHex, logs, messages: [] }
    peer.sidechannel.on('message', (m: DeliveredMessage) => tp.messages.push(m))
    this.peers.push(tp)
    return tp
  }

  async stop(tp: TestPeer): Promise<void> {
    await tp.peer.close()
    const i = this.peers.indexOf(tp)
    if (i >= 0) this.peers.splice(i, 1)
  }

  async cleanup(): Promise<void> {
    for (const tp of this.peers.splice(0)) await tp.peer.close().catch(() => {})
    if (this.net) await this.net.destroy()
    this.net = null
    for (const d of this.dirs) fs.rmSync(d, { recursive: true, force: true })
  }
}

export async function waitFor<T>(
  fn: () => T | undefined | null | false,
  timeoutMs = 15000,
  what: string | (() => string) = 'condition'
): Promise<T> {
  const start = Date.now()
  while (true) {
    const v = fn()
    // A promise is always truthy: an async predicate would "pass" at once without waiting.
    if (v instanceof Promise) throw new TypeError('waitFor needs a synchronous predicate')
    if (v) return v
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`)
    await sleep(20)
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Resolves once `a` and `b` both have the channel open with each other. */
export async function waitConnected(a: TestPeer, b: TestPeer, timeoutMs = 15000): Promise<void> {
  await waitFor(
    () =>
      a.peer.swarm.connections.size > 0 &&
      [...a.peer.swarm.connections].some((c) => hex(c.remotePublicKey) === b.key) &&
      [...b.peer.swarm.connections].some((c) => hex(c.remotePublicKey) === a.key),
    timeoutMs,
    `${a.name}<->${b.name} connection`
  )
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex')
}

export function messagesOn(tp: TestPeer, channel: string): DeliveredMessage[] {
  return tp.messages.filter((m) => m.channel === channel)
}

/** Resolves once `a` has `channel` open with `b` (and, if `both`, the other way round too). */
export async function waitChannelOpen(a: TestPeer, b: TestPeer, channel: string, timeoutMs = 15000): Promise<void> {
  await waitFor(
    () =>
      a.peer.sidechannel.openPeers(channel).includes(b.key) && b.peer.sidechannel.openPeers(channel).includes(a.key),
    timeoutMs,
    `${channel} open between ${a.name} and ${b.name}`
  )
}
