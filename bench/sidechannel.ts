// The sidechannel benchmarks: two-process throughput/latency/RSS (ours vs a raw Protomux baseline),
// PoW build time (ours vs the naive per-nonce rebuild), and a 10-peer relay chain.
import path from 'node:path'
import { parseConfig } from '../src/config/index.js'
import { IntercomPeer } from '../src/peer.js'
import { loadOrCreateWallet } from '../src/wallet/index.js'
import { keyPairFromSeed, randomBytes, sign, toHex, utf8, type KeyPair } from '../src/crypto/index.js'
import {
  buildPayload,
  findPowNonce,
  powHash,
  leadingZeroBits,
  checkPow,
  signatureBaseString,
  verifyPayloadSignature,
  type PayloadCore
} from '../src/sidechannel/codec/index.js'
import { serializePayload } from '../src/common/index.js'
import type { DeliveredMessage } from '../src/sidechannel/manager.js'
import {
  BENCH_DIR,
  BenchChild,
  MESSAGE_BYTES,
  PEER_RUNTIME,
  benchMessage,
  hrNow,
  median,
  percentile,
  sleep,
  waitUntil,
  withTimeout
} from './common.js'

export const CHANNEL = 'bench'
// The runtime `npm start` runs the peer with (scripts/runtime.json: V8 flags and the malloc arena limit);
// every bench child, the raw baselines included, gets the same.
export const PEER_NODE_FLAGS: string[] = [...PEER_RUNTIME.nodeFlags]
export const TSX_CHILD: string[] = ['--import', 'tsx', path.join(BENCH_DIR, 'child-peer.ts')]

// ------------------------------------------------------------------ two-process pair

export interface PairOptions {
  /** Length of one throughput run (after one warm-up run of `warmupMs`). */
  durationMs: number
  warmupMs: number
  runs: number
  batch: number
  latencyRate: number
  latencyMs: number
  /** Node arguments up to and including the child script (default: child-peer.ts through tsx). */
  childCommand?: string[]
  /** Write V8 CPU profiles of both children into this directory (node --cpu-prof). */
  cpuProfDir?: string
  /** Diagnostic: the receiver skips the ed25519 computation (every signature "verifies"). */
  stubVerify?: boolean
  log: (line: string) => void
}

export interface MemStats {
  rss: number
  heapUsed: number
  heapTotal: number
  external: number
  arrayBuffers: number
}

function mem(r: Record<string, any>): MemStats {
  return {
    rss: r.rss,
    heapUsed: r.heapUsed,
    heapTotal: r.heapTotal,
    external: r.external,
    arrayBuffers: r.arrayBuffers
  }
}

export interface ThroughputRun {
  sent: number
  received: number
  seconds: number
  rate: number
  drainWaits: number
}

export interface PairResult {
  mode: 'intercom' | 'raw'
  runs: ThroughputRun[]
  medianRate: number
  sentTotal: number
  receivedTotal: number
  rss: { receiver: number; sender: number }
  heapUsed: { receiver: number; sender: number }
  /** Memory figures (bytes) of each child: idle after start, after throughput, and after throughput + forced GC. */
  memory: Record<'receiver' | 'sender', { idle: MemStats; afterThroughput: MemStats; afterGc: MemStats }>
  latency: { sent: number; received: number; p50: number; p90: number; p99: number; max: number } | null
  receiverStats: Record<string, unknown>
  senderStats: Record<string, unknown>
  wireBytes: number
  /** CPU time (user + system) of each child over the measured throughput runs, per message received. */
  cpuUsPerMsg: { receiver: number; sender: number }
}

export async function runPair(
  mode: 'intercom' | 'raw',
  bootstrap: string,
  root: string,
  opts: PairOptions
): Promise<PairResult> {
  const log = opts.log
  const children: BenchChild[] = []
  const mk = (role: 'server' | 'client', name: string): BenchChild => {
    const nodeArgs = opts.cpuProfDir
      ? [
          '--cpu-prof',
          '--cpu-prof-dir',
          opts.cpuProfDir,
          '--cpu-prof-name',
          `${mode}${opts.stubVerify ? '-stub' : ''}-${name}.cpuprofile`
        ]
      : []
    const child = new BenchChild(
      `${mode}-${name}`,
      ['--expose-gc', ...PEER_NODE_FLAGS, ...nodeArgs, ...(opts.childCommand ?? TSX_CHILD)],
      [
        '--mode',
        mode,
        '--role',
        role,
        '--bootstrap',
        bootstrap,
        '--dir',
        path.join(root, `${mode}${opts.stubVerify ? '-stub' : ''}-${name}`),
        '--name',
        name,
        '--channel',
        CHANNEL,
        ...(opts.stubVerify && role === 'server' ? ['--stub-verify'] : [])
      ]
    )
    children.push(child)
    return child
  }
  try {
    const recv = mk('server', 'receiver')
    const r = await recv.request('start', {}, 60_000)
    const send = mk('client', 'sender')
    const s = await send.request('start', {}, 60_000)
    log(`  ${mode}: receiver pid ${r.pid}, sender pid ${s.pid}; waiting for the channel to open`)
    await Promise.all([
      recv.request('waitOpen', { peer: s.key, timeoutMs: 25_000 }, 30_000),
      send.request('waitOpen', { peer: r.key, timeoutMs: 25_000 }, 30_000)
    ])

    const idleR = mem(await recv.request('stats'))
    const idleS = mem(await send.request('stats'))

    const blast = async (durationMs: number, seqBase: number): Promise<ThroughputRun> => {
      await recv.request('arm', { expect: Number.MAX_SAFE_INTEGER })
      const b = await send.request('blast', { durationMs, batch: opts.batch, seqBase }, durationMs + 30_000)
      await recv.request('setExpect', { expect: b.sent })
      const c = await recv.request('collect', { timeoutMs: 60_000, idleMs: 3000 }, 70_000)
      const seconds = (c.lastAt - b.tStart) / 1000
      const rate = c.received > 0 && seconds > 0 ? c.received / seconds : 0
      return { sent: b.sent, received: c.received, seconds, rate, drainWaits: b.drainWaits }
    }

    const warm = await blast(opts.warmupMs, 0)
    log(`  ${mode}: warm-up ${warm.received}/${warm.sent} in ${warm.seconds.toFixed(2)} s`)
    const [cpuR0, cpuS0] = await Promise.all([recv.request('stats'), send.request('stats')])
    const runs: ThroughputRun[] = []
    for (let i = 0; i < opts.runs; i++) {
      const run = await blast(opts.durationMs, (i + 1) * 1_000_000)
      runs.push(run)
      log(
        `  ${mode}: run ${i + 1}: ${run.received}/${run.sent} received in ${run.seconds.toFixed(2)} s = ${Math.round(run.rate)} msg/s (drain waits ${run.drainWaits})`
      )
    }
    // RSS right after the throughput runs, measured inside each child.
    const rs = await recv.request('stats')
    const ss = await send.request('stats')
    const receivedRuns = runs.reduce((n, x) => n + x.received, 0)
    const cpuUsPerMsg = {
      receiver: receivedRuns > 0 ? (rs.cpuUs - cpuR0.cpuUs) / receivedRuns : NaN,
      sender: receivedRuns > 0 ? (ss.cpuUs - cpuS0.cpuUs) / receivedRuns : NaN
    }
    log(
      `  ${mode}: CPU per message over the runs: sender ${cpuUsPerMsg.sender.toFixed(1)} µs, receiver ${cpuUsPerMsg.receiver.toFixed(1)} µs`
    )
    const rsGc = mem(await recv.request('stats', { gc: true }))
    const ssGc = mem(await send.request('stats', { gc: true }))
    const mib = (b: number): string => (b / 2 ** 20).toFixed(1)
    log(
      `  ${mode}: RSS receiver ${mib(rs.rss)} MiB (idle ${mib(idleR.rss)}, heap used ${mib(rs.heapUsed)}, after gc: rss ${mib(rsGc.rss)} heap ${mib(rsGc.heapUsed)})`
    )
    log(
      `  ${mode}: RSS sender   ${mib(ss.rss)} MiB (idle ${mib(idleS.rss)}, heap used ${mib(ss.heapUsed)}, after gc: rss ${mib(ssGc.rss)} heap ${mib(ssGc.heapUsed)})`
    )

    let latency: PairResult['latency'] = null
    if (opts.latencyMs > 0) {
      const expect = Math.floor((opts.latencyMs / 1000) * opts.latencyRate)
      await recv.request('arm', { expect, latencies: true })
      const p = await send.request(
        'paced',
        { rate: opts.latencyRate, durationMs: opts.latencyMs, seqBase: 9_000_000 },
        opts.latencyMs + 30_000
      )
      const c = await recv.request('collect', { timeoutMs: 10_000, idleMs: 2000, latencies: true }, 20_000)
      const lat: number[] = c.latencies
      latency = {
        sent: p.sent,
        received: c.received,
        p50: percentile(lat, 50),
        p90: percentile(lat, 90),
        p99: percentile(lat, 99),
        max: Math.max(...lat)
      }
      log(
        `  ${mode}: latency at ${opts.latencyRate} msg/s: p50 ${latency.p50.toFixed(3)} ms, p99 ${latency.p99.toFixed(3)} ms (${c.received}/${p.sent})`
      )
    }
    const receiverStats = await recv.request('stats')
    const senderStats = await send.request('stats')
    const sentTotal = runs.reduce((n, x) => n + x.sent, 0)
    const receivedTotal = runs.reduce((n, x) => n + x.received, 0)
    return {
      mode,
      runs,
      medianRate: median(runs.map((x) => x.rate)),
      sentTotal,
      receivedTotal,
      rss: { receiver: rs.rss, sender: ss.rss },
      heapUsed: { receiver: rs.heapUsed, sender: ss.heapUsed },
      memory: {
        receiver: { idle: idleR, afterThroughput: mem(rs), afterGc: rsGc },
        sender: { idle: idleS, afterThroughput: mem(ss), afterGc: ssGc }
      },
      latency,
      receiverStats: { drops: receiverStats.drops, counters: receiverStats.counters },
      senderStats: { drops: senderStats.drops, counters: senderStats.counters },
      wireBytes: sampleWireBytes(),
      cpuUsPerMsg
    }
  } finally {
    // Receiver last, so that the sender never sees its peer vanish mid-run.
    for (const child of children.reverse()) await child.stop()
  }
}

/** Size of one throughput message as it travels (the full signed payload JSON). */
function sampleWireBytes(): number {
  const kp = keyPairFromSeed(randomBytes(32))
  const p = buildPayload({ channel: CHANNEL, message: benchMessage(123456, hrNow()), keyPair: kp, ts: Date.now() })
  return serializePayload(p).byteLength
}

// ------------------------------------------------------------------ PoW

export interface PowResult {
  difficulty: number
  messageBytes: number
  runs: number
  oursMs: number[]
  oursMedianMs: number
  oursP90Ms: number
  oursSearchMedianMs: number
  oursNonces: number[]
  naiveRuns: number
  naiveMs: number[]
  naiveMedianMs: number
  /** ours/naive on the same payloads (the first `naiveRuns` of ours). */
  ratioSamePayloads: number
  oursUsPerNonce: number
  naiveUsPerNonce: number
  allValid: boolean
}

/** The reference's method: rebuild and hash the whole canonical base for every nonce. */
function naiveFindNonce(core: PayloadCore, difficulty: number): number {
  for (let nonce = 0; ; nonce++) {
    if (leadingZeroBits(powHash(core, nonce)) >= difficulty) return nonce
  }
}

/** buildPayload as the reference does it: same steps as ours but with the naive nonce search. */
function naiveBuild(core: PayloadCore, keyPair: KeyPair, difficulty: number): Record<string, unknown> {
  const message = JSON.parse(JSON.stringify(core.message ?? null))
  const c2 = { ...core, message }
  const payload: Record<string, unknown> = { type: 'sidechannel', ...c2, ttl: 3 }
  payload.pow = { nonce: naiveFindNonce(c2, difficulty), difficulty }
  payload.sig = toHex(sign(utf8(signatureBaseString(c2)), keyPair.secretKey))
  return payload
}

export function runPow(opts: {
  difficulty: number
  messageBytes: number
  runs: number
  naiveRuns: number
  log: (l: string) => void
}): PowResult {
  const { difficulty, runs, naiveRuns, log } = opts
  const keyPair = keyPairFromSeed(randomBytes(32))
  // A string message whose JSON is exactly `messageBytes` long.
  const message = 'm'.repeat(opts.messageBytes - 2)
  let counter = 0
  const build = () =>
    buildPayload({ channel: CHANNEL, message, keyPair, ts: Date.now() + counter++, powDifficulty: difficulty })
  for (let i = 0; i < 3; i++) build() // warm-up (JIT)

  const oursMs: number[] = []
  const searchMs: number[] = []
  const nonces: number[] = []
  const cores: PayloadCore[] = []
  let allValid = true
  for (let i = 0; i < runs; i++) {
    const t0 = hrNow()
    const p = build()
    serializePayload(p)
    oursMs.push(hrNow() - t0)
    nonces.push(p.pow!.nonce)
    const core = { id: p.id, channel: p.channel, from: p.from, origin: p.origin, message: p.message, ts: p.ts }
    cores.push(core)
    if (!checkPow(p, difficulty) || !verifyPayloadSignature(p, p.from!)) allValid = false
    const t1 = hrNow()
    findPowNonce(core, difficulty)
    searchMs.push(hrNow() - t1)
  }
  const totalNonces = nonces.reduce((a, b) => a + b + 1, 0)
  const oursUsPerNonce = (searchMs.reduce((a, b) => a + b, 0) * 1000) / totalNonces
  log(
    `  ours: buildPayload median ${median(oursMs).toFixed(2)} ms over ${runs} runs (search alone ${median(searchMs).toFixed(2)} ms; median nonce ${median(nonces)}; ${oursUsPerNonce.toFixed(2)} µs/nonce)`
  )

  const naiveMs: number[] = []
  let naiveNonces = 0
  for (let i = 0; i < naiveRuns; i++) {
    const t0 = hrNow()
    const p = naiveBuild(cores[i], keyPair, difficulty)
    serializePayload(p)
    naiveMs.push(hrNow() - t0)
    const nonce = (p.pow as { nonce: number }).nonce
    if (nonce !== nonces[i]) allValid = false // the fast search must find the reference's nonce
    naiveNonces += nonce + 1
    log(
      `  naive run ${i + 1}: ${naiveMs[i].toFixed(1)} ms (nonce ${nonce}; ours on the same payload ${oursMs[i].toFixed(2)} ms)`
    )
  }
  const naiveUsPerNonce = (naiveMs.reduce((a, b) => a + b, 0) * 1000) / naiveNonces
  const oursSame = oursMs.slice(0, naiveRuns).reduce((a, b) => a + b, 0)
  const naiveSame = naiveMs.reduce((a, b) => a + b, 0)
  return {
    difficulty,
    messageBytes: opts.messageBytes,
    runs,
    oursMs,
    oursMedianMs: median(oursMs),
    oursP90Ms: percentile(oursMs, 90),
    oursSearchMedianMs: median(searchMs),
    oursNonces: nonces,
    naiveRuns,
    naiveMs,
    naiveMedianMs: median(naiveMs),
    ratioSamePayloads: oursSame / naiveSame,
    oursUsPerNonce,
    naiveUsPerNonce,
    allValid
  }
}

// ------------------------------------------------------------------ relay chain

export interface ChainResult {
  peers: number
  hops: number
  messages: number
  delivered: number
  latenciesMs: number[]
  medianMs: number
  maxMs: number
  topologyOk: boolean
  connectionsPerPeer: number[]
  hopCountsOk: boolean
  setupMs: number
}

export async function runRelayChain(
  bootstrap: string,
  root: string,
  opts: { peers: number; messages: number; log: (l: string) => void }
): Promise<ChainResult> {
  const { log } = opts
  const n = opts.peers
  const storesDir = path.join(root, 'chain-stores')
  const names = Array.from({ length: n }, (_, i) => `chain${i}`)
  const env = { INTERCOM_LOCAL_ONLY: '1' }
  const keys: string[] = []
  for (const name of names) {
    const { wallet } = await loadOrCreateWallet(path.join(storesDir, name, 'db', 'keypair.json'))
    keys.push(wallet.publicKeyHex)
  }
  const peers: IntercomPeer[] = []
  const got: Array<Map<number, { at: number; remoteKey: string; ttl: number }>> = names.map(() => new Map())
  const setupStart = hrNow()
  try {
    for (let i = 0; i < n; i++) {
      const allowed = new Set<string>()
      if (i > 0) allowed.add(keys[i - 1])
      if (i < n - 1) allowed.add(keys[i + 1])
      const config = parseConfig(
        [
          '--peer-store-name',
          names[i],
          '--peer-stores-directory',
          storesDir,
          '--peer-dht-bootstrap',
          bootstrap,
          '--sidechannels',
          CHANNEL,
          '--sidechannel-pow',
          '0',
          '--sidechannel-rate-bytes',
          '0',
          '--sidechannel-welcome-required',
          '0',
          '--sidechannel-relay-ttl',
          '16'
        ],
        env
      )
      const peer = new IntercomPeer({
        config,
        env,
        log: () => {},
        // Refuse everyone but the two neighbours: the line topology.
        firewall: (remote) => !allowed.has(toHex(remote))
      })
      peers.push(peer)
      await withTimeout(peer.ready(), 40_000, `${names[i]} ready`)
      peer.sidechannel.on('message', (m: DeliveredMessage) => {
        const seq = m.payload?.message?.seq
        if (m.channel === CHANNEL && typeof seq === 'number' && !got[i].has(seq)) {
          got[i].set(seq, { at: hrNow(), remoteKey: m.remoteKey, ttl: m.payload.ttl })
        }
      })
    }
    await waitUntil(
      () => {
        for (let i = 0; i < n - 1; i++) {
          if (!peers[i].sidechannel.openPeers(CHANNEL).includes(keys[i + 1])) return false
          if (!peers[i + 1].sidechannel.openPeers(CHANNEL).includes(keys[i])) return false
        }
        return true
      },
      45_000,
      'the relay chain to form'
    )
    const setupMs = hrNow() - setupStart
    const connectionsPerPeer = peers.map((p) => p.swarm.connections.size)
    const topologyOk = peers.every((p, i) => {
      const expected = new Set<string>()
      if (i > 0) expected.add(keys[i - 1])
      if (i < n - 1) expected.add(keys[i + 1])
      const remotes = [...p.swarm.connections].map((c) => toHex(c.remotePublicKey))
      return remotes.every((k) => expected.has(k))
    })
    log(
      `  chain formed in ${Math.round(setupMs)} ms; connections per peer ${connectionsPerPeer.join(',')}; line topology ${topologyOk ? 'ok' : 'VIOLATED'}`
    )

    const latenciesMs: number[] = []
    let delivered = 0
    let hopCountsOk = true
    const last = n - 1
    for (let k = 0; k < opts.messages; k++) {
      const seq = k + 1
      const t0 = hrNow()
      const r = peers[0].sidechannel.send(CHANNEL, benchMessage(seq, t0))
      if (!r.ok) throw new Error(`chain send failed: ${r.reason}`)
      try {
        await waitUntil(() => got[last].has(seq), 5000, `message ${seq} at the end of the chain`, 1)
        const g = got[last].get(seq)!
        latenciesMs.push(g.at - t0)
        delivered++
        // Arrived from its neighbour, after n-1 hops (ttl 16 at the origin, one less per relay).
        if (g.remoteKey !== keys[last - 1] || g.ttl !== 16 - (n - 2)) hopCountsOk = false
      } catch {
        log(`  message ${seq} was not delivered to ${names[last]} within 5 s`)
      }
      await sleep(100)
    }
    log(
      `  ${delivered}/${opts.messages} delivered over ${n - 1} hops; median ${median(latenciesMs).toFixed(2)} ms, max ${Math.max(...latenciesMs).toFixed(2)} ms`
    )
    return {
      peers: n,
      hops: n - 1,
      messages: opts.messages,
      delivered,
      latenciesMs,
      medianMs: median(latenciesMs),
      maxMs: latenciesMs.length ? Math.max(...latenciesMs) : NaN,
      topologyOk,
      connectionsPerPeer,
      hopCountsOk,
      setupMs
    }
  } finally {
    await Promise.all(peers.map((p) => withTimeout(p.close(), 15_000, 'chain peer close').catch(() => {})))
  }
}

export { MESSAGE_BYTES }
