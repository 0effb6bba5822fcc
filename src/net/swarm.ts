// The peer's one Hyperswarm. Its key pair is the wallet key pair, so a connection's remotePublicKey is
// the remote peer's wallet key: invites and authorization use that transport identity.
import Hyperswarm from 'hyperswarm'
import HyperDHT from 'hyperdht'
import type { KeyPair } from '../crypto/index.js'
import { type DhtNode, isLoopbackHost, BootstrapError } from './bootstrap.js'

export interface PeerSwarmOptions {
  keyPair: KeyPair
  bootstrap: DhtNode[]
  /** Return true to refuse a connection from this remote key (tests use it to shape topologies). */
  firewall?: (remotePublicKey: Uint8Array) => boolean
  maxPeers?: number
}

export function createPeerSwarm(opts: PeerSwarmOptions): Hyperswarm {
  if (!Array.isArray(opts.bootstrap) || opts.bootstrap.length === 0) {
    // An empty list would make HyperDHT fall back to the public bootstrap nodes.
    throw new BootstrapError('createPeerSwarm needs an explicit DHT bootstrap list')
  }
  const allLoopback = opts.bootstrap.every((n) => isLoopbackHost(n.host))
  // On loopback-only networks the DHT must bind 127.0.0.1, or the server side never sees connections.
  const dht = new HyperDHT({ bootstrap: opts.bootstrap, ...(allLoopback ? { host: '127.0.0.1' } : {}) })
  return new Hyperswarm({
    keyPair: opts.keyPair,
    dht,
    ...(opts.firewall ? { firewall: opts.firewall } : {}),
    ...(opts.maxPeers ? { maxPeers: opts.maxPeers } : {})
  })
}

/**
 * Waits for the DHT to bootstrap, reporting progress, and gives up waiting after `timeoutMs`
 * (the swarm keeps bootstrapping in the background): a peer never hangs at start-up (B17).
 */
export async function waitForDht(
  dht: HyperDHT,
  opts: { timeoutMs?: number; progressMs?: number; onProgress?: (elapsedMs: number) => void } = {}
): Promise<boolean> {
  const timeoutMs = opts.timeoutMs ?? 30000
  const progressMs = opts.progressMs ?? 5000
  const start = Date.now()
  let timer: ReturnType<typeof setTimeout> | null = null
  let ticker: ReturnType<typeof setInterval> | null = null
  try {
    return await new Promise<boolean>((resolve) => {
      dht.fullyBootstrapped().then(
        () => resolve(true),
        () => resolve(false)
      )
      timer = setTimeout(() => resolve(false), timeoutMs)
      if (opts.onProgress) ticker = setInterval(() => opts.onProgress!(Date.now() - start), progressMs)
    })
  } finally {
    if (timer) clearTimeout(timer)
    if (ticker) clearInterval(ticker)
  }
}

/** Like `p`, but resolves after `ms` at the latest; rejections are swallowed. */
export async function bounded(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | null = null
  await Promise.race([
    p.catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms)
    })
  ])
  if (timer) clearTimeout(timer)
}
