// The SC-Bridge benchmark: agent → bridge → P2P → bridge → agent, four processes.
//
//   agentA ──ws──▶ peerA ══ sidechannel (Protomux) ══▶ peerB ──ws──▶ agentB
//
// Both peers are child-peer.ts in intercom mode with `--bridge` (PoW, rate limit and welcome checks
// off, as in the pair bench). Each agent is its own process (bridge-agent.ts) so no peer shares its
// event loop with an agent. agentA sends `{id, type:'send', channel, message}` requests with at most
// `window` unanswered (the `sent` replies are the acks); agentB counts `sidechannel_message` events.
import crypto from 'node:crypto'
import path from 'node:path'
import { BENCH_DIR, BenchChild, benchMessage, hrNow, median, percentile } from './common.js'
import { CHANNEL, PEER_NODE_FLAGS, TSX_CHILD } from './sidechannel.js'

const TSX_AGENT: string[] = ['--import', 'tsx', path.join(BENCH_DIR, 'bridge-agent.ts')]

export interface BridgeOptions {
  durationMs: number
  warmupMs: number
  runs: number
  /** Most `send` requests outstanding at the sending agent. */
  window: number
  latencyRate: number
  latencyMs: number
  /** Node arguments up to and including child-peer's script (default: through tsx). */
  peerCommand?: string[]
  /** Node arguments up to and including bridge-agent's script (default: through tsx). */
  agentCommand?: string[]
  cpuProfDir?: string
  log: (line: string) => void
}

export interface BridgeRun {
  sent: number
  received: number
  seconds: number
  rate: number
  sendSeconds: number
  rounds: number
  meanRefill: number
}

export interface BridgeResult {
  runs: BridgeRun[]
  medianRate: number
  sentTotal: number
  receivedTotal: number
  latency: { sent: number; received: number; p50: number; p90: number; p99: number; max: number } | null
  /** Bytes of one `sidechannel_message` frame as agentB receives it. */
  eventBytes: number
  /** Bytes of one `send` request frame. */
  sendFrameBytes: number
  peerStats: { sender: Record<string, unknown>; receiver: Record<string, unknown> }
  agentStats: { sender: Record<string, unknown>; receiver: Record<string, unknown> }
  rssMiB: Record<Proc, number>
  /** CPU time (user + system) of each process over the measured throughput runs, per message received. */
  cpuUsPerMsg: Record<Proc, number>
  /** Cores busy over the measured runs (all four processes; the machine has os.cpus().length). */
  coresBusy: number
}

type Proc = 'peerA' | 'peerB' | 'agentA' | 'agentB'

export async function runBridge(bootstrap: string, root: string, opts: BridgeOptions): Promise<BridgeResult> {
  const log = opts.log
  const token = crypto.randomBytes(24).toString('hex')
  const env = { BENCH_BRIDGE_TOKEN: token }
  const children: BenchChild[] = []
  const prof = (name: string): string[] =>
    opts.cpuProfDir
      ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProfDir, '--cpu-prof-name', `bridge-${name}.cpuprofile`]
      : []
  const mkPeer = (role: 'server' | 'client', name: string): BenchChild => {
    const child = new BenchChild(
      `bridge-${name}`,
      ['--expose-gc', ...PEER_NODE_FLAGS, ...prof(name), ...(opts.peerCommand ?? TSX_CHILD)],
      [
        '--mode',
        'intercom',
        '--role',
        role,
        '--bootstrap',
        bootstrap,
        '--dir',
        path.join(root, `bridge-${name}`),
        '--name',
        name,
        '--channel',
        CHANNEL,
        '--bridge'
      ],
      { env }
    )
    children.push(child)
    return child
  }
  const agents: BenchChild[] = []
  const mkAgent = (name: string): BenchChild => {
    const child = new BenchChild(
      `bridge-${name}`,
      [...prof(name), ...(opts.agentCommand ?? TSX_AGENT)],
      ['--name', name],
      { env }
    )
    agents.push(child)
    return child
  }
  try {
    const peerB = mkPeer('server', 'peerB')
    const b = await peerB.request('start', {}, 60_000)
    const peerA = mkPeer('client', 'peerA')
    const a = await peerA.request('start', {}, 60_000)
    if (typeof a.bridgeUrl !== 'string' || typeof b.bridgeUrl !== 'string')
      throw new Error('a peer did not report its bridge URL')
    log(
      `  peers: A pid ${a.pid} bridge ${a.bridgeUrl}, B pid ${b.pid} bridge ${b.bridgeUrl}; waiting for the channel to open`
    )
    await Promise.all([
      peerB.request('waitOpen', { peer: a.key, timeoutMs: 25_000 }, 30_000),
      peerA.request('waitOpen', { peer: b.key, timeoutMs: 25_000 }, 30_000)
    ])
    const agentB = mkAgent('agentB')
    const agentA = mkAgent('agentA')
    const [ca, cb] = await Promise.all([
      agentA.request('connect', { url: a.bridgeUrl, channel: CHANNEL }, 20_000),
      agentB.request('connect', { url: b.bridgeUrl, channel: CHANNEL }, 20_000)
    ])
    if (ca.peer !== a.key || cb.peer !== b.key) throw new Error('an agent reached the wrong peer (hello.peer mismatch)')
    log(`  agents authenticated: A pid ${ca.pid} → peerA, B pid ${cb.pid} → peerB`)

    const blast = async (durationMs: number, seqBase: number): Promise<BridgeRun> => {
      await agentB.request('arm', { expect: Number.MAX_SAFE_INTEGER })
      const s = await agentA.request(
        'blast',
        { durationMs, window: opts.window, seqBase, channel: CHANNEL },
        durationMs + 30_000
      )
      await agentB.request('setExpect', { expect: s.sent })
      const c = await agentB.request('collect', { timeoutMs: 60_000, idleMs: 3000 }, 70_000)
      const seconds = (c.lastAt - s.tStart) / 1000
      const rate = c.received > 0 && seconds > 0 ? c.received / seconds : 0
      return {
        sent: s.sent,
        received: c.received,
        seconds,
        rate,
        sendSeconds: (s.tEnd - s.tStart) / 1000,
        rounds: s.rounds,
        meanRefill: s.meanRefill
      }
    }

    const warm = await blast(opts.warmupMs, 0)
    log(`  warm-up ${warm.received}/${warm.sent} in ${warm.seconds.toFixed(2)} s`)
    const procs: Array<[Proc, BenchChild]> = [
      ['peerA', peerA],
      ['peerB', peerB],
      ['agentA', agentA],
      ['agentB', agentB]
    ]
    const cpuOf = async (): Promise<Record<Proc, number>> => {
      const r = await Promise.all(procs.map(([, c]) => c.request('stats')))
      return Object.fromEntries(procs.map(([k], i) => [k, Number(r[i].cpuUs)])) as Record<Proc, number>
    }
    const cpu0 = await cpuOf()
    const wall0 = hrNow()
    const runs: BridgeRun[] = []
    for (let i = 0; i < opts.runs; i++) {
      const run = await blast(opts.durationMs, (i + 1) * 1_000_000)
      runs.push(run)
      log(
        `  run ${i + 1}: ${run.received}/${run.sent} received in ${run.seconds.toFixed(2)} s = ${Math.round(run.rate)} msg/s (sends acked after ${run.sendSeconds.toFixed(2)} s; ${run.meanRefill.toFixed(1)} requests per refill)`
      )
    }
    const cpu1 = await cpuOf()
    const wallUs = (hrNow() - wall0) * 1000
    const receivedRuns = runs.reduce((n, x) => n + x.received, 0)
    const cpuUsPerMsg = Object.fromEntries(
      procs.map(([k]) => [k, receivedRuns > 0 ? (cpu1[k] - cpu0[k]) / receivedRuns : NaN])
    ) as Record<Proc, number>
    const coresBusy = procs.reduce((n, [k]) => n + cpu1[k] - cpu0[k], 0) / wallUs
    log(
      `  CPU per message over the runs: ${procs.map(([k]) => `${k} ${cpuUsPerMsg[k].toFixed(1)} µs`).join(', ')}; ${coresBusy.toFixed(2)} cores busy`
    )

    let latency: BridgeResult['latency'] = null
    if (opts.latencyMs > 0) {
      const expect = Math.floor((opts.latencyMs / 1000) * opts.latencyRate)
      await agentB.request('arm', { expect, latencies: true })
      const p = await agentA.request(
        'paced',
        { rate: opts.latencyRate, durationMs: opts.latencyMs, seqBase: 9_000_000, channel: CHANNEL },
        opts.latencyMs + 30_000
      )
      const c = await agentB.request('collect', { timeoutMs: 10_000, idleMs: 2000, latencies: true }, 20_000)
      const lat: number[] = c.latencies
      latency = {
        sent: p.sent,
        received: c.received,
        p50: percentile(lat, 50),
        p90: percentile(lat, 90),
        p99: percentile(lat, 99),
        max: lat.length ? Math.max(...lat) : NaN
      }
      log(
        `  latency at ${opts.latencyRate} msg/s: p50 ${latency.p50.toFixed(3)} ms, p99 ${latency.p99.toFixed(3)} ms (${c.received}/${p.sent})`
      )
    }

    const [pa, pb, sa, sb] = await Promise.all([
      peerA.request('stats'),
      peerB.request('stats'),
      agentA.request('stats'),
      agentB.request('stats')
    ])
    const pick = (r: Record<string, unknown>): Record<string, unknown> => ({
      drops: r.drops,
      counters: r.counters,
      bridge: r.bridge
    })
    const mib = (r: Record<string, unknown>): number => Number(r.rss) / 2 ** 20
    return {
      runs,
      medianRate: median(runs.map((x) => x.rate)),
      sentTotal: runs.reduce((n, x) => n + x.sent, 0),
      receivedTotal: runs.reduce((n, x) => n + x.received, 0),
      latency,
      eventBytes: Number(sb.lastEventBytes),
      sendFrameBytes: Buffer.byteLength(
        JSON.stringify({ id: 123456, type: 'send', channel: CHANNEL, message: benchMessage(1_000_123, hrNow()) })
      ),
      peerStats: { sender: pick(pa), receiver: pick(pb) },
      agentStats: {
        sender: { events: sa.events, otherFrames: sa.otherFrames },
        receiver: { events: sb.events, otherFrames: sb.otherFrames }
      },
      rssMiB: { peerA: mib(pa), peerB: mib(pb), agentA: mib(sa), agentB: mib(sb) },
      cpuUsPerMsg,
      coresBusy
    }
  } finally {
    // Agents first (their sockets close cleanly), then the sender, the receiver last.
    for (const child of agents) await child.stop()
    for (const child of children.reverse()) await child.stop()
  }
}
