// DHT bootstrap handling: parsing, the local-only guard, and the in-process loopback DHT that
// `--dht-bootstrap local` starts so a peer works on a machine with no internet.
import createTestnet from 'hyperdht/testnet.js'
import { IntercomError } from '../errors.js'

export interface DhtNode {
  host: string
  port: number
}

export class BootstrapError extends IntercomError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BOOTSTRAP_REFUSED', message, options)
    this.name = 'BootstrapError'
  }
}

export function formatNode(n: DhtNode): string {
  return n.host.includes(':') ? `[${n.host}]:${n.port}` : `${n.host}:${n.port}`
}

/** Parses `host:port` (IPv6 as `[::1]:port`); throws a BootstrapError naming the flag. */
export function parseDhtNode(raw: string, flag = '--dht-bootstrap'): DhtNode {
  const s = raw.trim()
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:\s]+):(\d+)$/.exec(s)
  const port = m ? Number(m[2]) : NaN
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new BootstrapError(`Invalid ${flag} entry "${raw}" (expected host:port).`)
  }
  return { host: m[1]!, port }
}

export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase()
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
}

/**
 * With INTERCOM_LOCAL_ONLY=1 (set by the test suite and CI) nothing may leave this machine: refuse an
 * empty bootstrap (which would mean the public nodes) and any non-loopback entry.
 */
export function assertLocalOnly(nodes: DhtNode[], flag: string, env: Record<string, string | undefined>): void {
  if (env.INTERCOM_LOCAL_ONLY !== '1') return
  if (nodes.length === 0) {
    throw new BootstrapError(
      `INTERCOM_LOCAL_ONLY=1: ${flag} must name loopback DHT nodes (or "local"); refusing the public bootstrap nodes.`
    )
  }
  const bad = nodes.filter((n) => !isLoopbackHost(n.host))
  if (bad.length > 0) {
    throw new BootstrapError(
      `INTERCOM_LOCAL_ONLY=1: refusing non-loopback ${flag} node(s): ${bad.map(formatNode).join(', ')}.`
    )
  }
}

export interface LocalDht {
  bootstrap: DhtNode[]
  close(): Promise<void>
}

/** Starts a small DHT on 127.0.0.1 inside this process; other peers bootstrap from `bootstrap`. */
export async function startLocalDht(size = 3, port?: number): Promise<LocalDht> {
  const testnet = await createTestnet(size, { host: '127.0.0.1', ...(port ? { port } : {}) })
  return {
    bootstrap: testnet.bootstrap.map((n) => ({ host: n.host, port: n.port })),
    close: () => testnet.destroy()
  }
}
