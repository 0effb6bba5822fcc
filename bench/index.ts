// Benchmark entry (`npm run bench`): runs every sidechannel benchmark, prints a table and writes
// bench/results/latest.json. Missed targets are reported, never thrown. Everything it starts
// (loopback DHT testnet, child processes, swarms, temp dirs) is torn down, also on failure.
//
// Options: --quick (shorter runs, for a smoke test), --only pow,pair,bridge,chain,subnet, --cpu-prof (children's
// CPU profiles into bench/results/prof/), --tsx-children (run the child script through tsx instead
// of its tsc-compiled copy), --no-diagnostic (skip the verify-stubbed diagnostic pair), BENCH_DEBUG=1
// (children's stderr).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import createTestnet from 'hyperdht/testnet.js'
import { spawnSync } from 'node:child_process'
import { BENCH_DIR, REPO_DIR, MiB, MESSAGE_BYTES, hrNow, killAllChildren, median, withTimeout } from './common.js'
import { runPair, runPow, runRelayChain, type PairResult, type ChainResult } from './sidechannel.js'
import { runBridge, type BridgeResult } from './bridge.js'
import { runSubnetMulti, runSubnetSingle, type MultiResult, type SingleResult } from './subnet.js'

interface Metric {
  metric: string
  unit: string
  ours: number | string | null
  baseline: number | string | null
  ratio: number | null
  target: string
  pass: boolean | null
  note?: string
}

const argv = process.argv.slice(2)
const quick = argv.includes('--quick')
const onlyArg = argv.find((a) => a.startsWith('--only'))
const only = onlyArg
  ? new Set((onlyArg.includes('=') ? onlyArg.split('=')[1] : (argv[argv.indexOf(onlyArg) + 1] ?? '')).split(','))
  : null
const cpuProf = argv.includes('--cpu-prof')
const want = (s: string): boolean => only === null || only.has(s)

const tsxChildren = argv.includes('--tsx-children')

const CFG = quick
  ? {
      durationMs: 1000,
      warmupMs: 500,
      runs: 3,
      batch: 64,
      latencyRate: 50,
      latencyMs: 2000,
      powRuns: 10,
      naiveRuns: 1,
      chainMessages: 5,
      bridgeWindow: 256,
      bridgeLatencyMs: 2000
    }
  : {
      durationMs: 3000,
      warmupMs: 1000,
      runs: 3,
      batch: 64,
      latencyRate: 50,
      latencyMs: 10_000,
      powRuns: 30,
      naiveRuns: 3,
      chainMessages: 15,
      bridgeWindow: 256,
      bridgeLatencyMs: 8000
    }

// Subnet chat (bench/subnet.ts): a single-writer series of `stepPosts` steps up to `seriesPosts` (the first
// `runs` steps give the median), `sequentialPosts` awaited one by one, and `writers` × `multiPosts` after a
// warm-up round of `multiWarmupPosts` each.
const SUBNET_CFG = quick
  ? {
      stepPosts: 1000,
      runs: 3,
      seriesPosts: 3000,
      sequentialPosts: 200,
      sequentialRuns: 1,
      writers: 3,
      multiPosts: 300,
      multiRuns: 3,
      multiWarmupPosts: 50
    }
  : {
      stepPosts: 5000,
      runs: 3,
      seriesPosts: 30_000,
      sequentialPosts: 500,
      sequentialRuns: 3,
      writers: 3,
      multiPosts: 1000,
      multiRuns: 3,
      multiWarmupPosts: 200
    }

const BUILD_DIR = path.join(BENCH_DIR, '.build')
let detailsChildren = 'n/a'

interface ChildCommands {
  peer: string[]
  agent: string[]
  subnet: string[]
}
let compiled: ChildCommands | null | undefined

/**
 * Compiles the child scripts (child-peer.ts, bridge-agent.ts, and src/) with tsc into bench/.build so
 * children run plain JS under plain node, like a deployed peer: tsx's loader thread alone adds ~37 MiB
 * of RSS. Once per run; null on failure or with --tsx-children (children then run through tsx).
 */
function childCommands(): ChildCommands | null {
  if (compiled !== undefined) return compiled
  compiled = null
  if (tsxChildren) return null
  const tsc = path.join(REPO_DIR, 'node_modules', '.bin', 'tsc')
  const res = spawnSync(tsc, ['-p', path.join(BENCH_DIR, 'tsconfig.build.json')], {
    cwd: REPO_DIR,
    encoding: 'utf8',
    timeout: 120_000
  })
  const peer = path.join(BUILD_DIR, 'bench', 'child-peer.js')
  const agent = path.join(BUILD_DIR, 'bench', 'bridge-agent.js')
  const subnet = path.join(BUILD_DIR, 'bench', 'subnet-peer.js')
  if (res.status !== 0 || !fs.existsSync(peer) || !fs.existsSync(agent) || !fs.existsSync(subnet)) {
    log(
      `  could not compile the child scripts (${(res.stdout || res.stderr || String(res.error ?? '')).trim().split('\n')[0]}); children run through tsx`
    )
    return null
  }
  compiled = { peer: [peer], agent: [agent], subnet: [subnet] }
  return compiled
}

const TOTAL_BUDGET_MS = 6 * 60_000

function log(line: string): void {
  process.stdout.write(line + '\n')
}

async function main(): Promise<number> {
  const started = hrNow()
  const metrics: Metric[] = []
  const details: Record<string, unknown> = {}
  const errors: string[] = []
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'intercom-bench-'))
  let testnet: Awaited<ReturnType<typeof createTestnet>> | null = null

  const cleanup = async (): Promise<void> => {
    if (testnet) {
      const t = testnet
      testnet = null
      await withTimeout(t.destroy(), 10_000, 'testnet destroy').catch(() => {})
    }
    fs.rmSync(root, { recursive: true, force: true })
    fs.rmSync(BUILD_DIR, { recursive: true, force: true })
  }
  const onSignal = (): void => {
    log('interrupted; cleaning up')
    killAllChildren()
    void cleanup().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  // Last resort: never hang the caller. Children also exit on their own when our stdin pipes close.
  const watchdog = setTimeout(() => {
    log(`bench exceeded ${TOTAL_BUDGET_MS / 1000} s; aborting`)
    killAllChildren()
    void cleanup().finally(() => process.exit(2))
  }, TOTAL_BUDGET_MS)
  watchdog.unref()

  log(
    `intercom sidechannel benchmarks${quick ? ' (quick)' : ''}: node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}`
  )
  try {
    // ---- PoW first: pure CPU, nothing else running.
    if (want('pow')) {
      log('\n[pow] 64 KiB message, difficulty 12')
      try {
        const pow = runPow({
          difficulty: 12,
          messageBytes: 64 * 1024,
          runs: CFG.powRuns,
          naiveRuns: CFG.naiveRuns,
          log
        })
        details.pow = pow
        metrics.push({
          metric: 'PoW build, 64 KiB @ 12 bits (median)',
          unit: 'ms',
          ours: pow.oursMedianMs,
          baseline: pow.naiveMedianMs,
          ratio: pow.ratioSamePayloads,
          target: 'ours ≤ 6 ms',
          pass: pow.oursMedianMs <= 6 && pow.allValid,
          note: `ours p90 ${pow.oursP90Ms.toFixed(2)} ms (nonce count is geometric, mean 2^12); ratio on the same ${pow.naiveRuns} payloads; ${pow.oursUsPerNonce.toFixed(2)} vs ${pow.naiveUsPerNonce.toFixed(1)} µs/nonce${pow.allValid ? '' : '; INVALID output'}`
        })
      } catch (err) {
        errors.push(`pow: ${errText(err)}`)
        metrics.push(failed('PoW build, 64 KiB @ 12 bits (median)', 'ms', 'ours ≤ 6 ms', err))
      }
    }

    if (want('pair') || want('bridge') || want('chain') || want('subnet')) {
      testnet = await withTimeout(createTestnet(3, { host: '127.0.0.1' }), 20_000, 'testnet')
      const bootstrap = testnet.bootstrap.map((b) => `${b.host}:${b.port}`).join(',')
      if (!testnet.bootstrap.every((b) => b.host === '127.0.0.1')) throw new Error('testnet is not on loopback')
      log(`\nloopback testnet: ${bootstrap}`)

      const pairs: Partial<Record<'intercom' | 'raw', PairResult>> = {}
      if (want('pair') || want('bridge') || want('subnet')) {
        const cmds = childCommands()
        details.children = detailsChildren = cmds
          ? 'compiled JS under plain node'
          : 'child scripts through tsx (RSS includes ~37 MiB of tsx loader)'
      }
      const childCommand = compiled?.peer ?? null

      // ---- Two processes: throughput, RSS, latency; ours then the raw baseline.
      if (want('pair')) {
        for (const mode of ['intercom', 'raw'] as const) {
          log(
            `\n[pair:${mode}] ${CFG.runs} runs × ${CFG.durationMs / 1000} s of ${MESSAGE_BYTES} B messages, then ${CFG.latencyRate} msg/s for ${CFG.latencyMs / 1000} s`
          )
          try {
            const profDir = path.join(BENCH_DIR, 'results', 'prof')
            if (cpuProf) fs.mkdirSync(profDir, { recursive: true })
            pairs[mode] = await runPair(mode, bootstrap, root, {
              ...CFG,
              ...(childCommand ? { childCommand } : {}),
              ...(cpuProf ? { cpuProfDir: profDir } : {}),
              log
            })
          } catch (err) {
            errors.push(`pair ${mode}: ${errText(err)}`)
            log(`  ${mode} failed: ${errText(err)}`)
          }
        }
        details.pair = pairs
        metrics.push(...pairMetrics(pairs.intercom, pairs.raw))

        // Diagnostic: the same pipeline with the ed25519 computation stubbed out on the receiver, to
        // show how much of the gap is the signature check itself. Informational, never a result.
        if (!argv.includes('--no-diagnostic')) {
          log(
            `\n[pair:intercom, diagnostic] receiver with ed25519 verify STUBBED; ${CFG.runs} runs × ${CFG.durationMs / 1000} s`
          )
          try {
            const diag = await runPair('intercom', bootstrap, root, {
              ...CFG,
              latencyMs: 0,
              stubVerify: true,
              ...(childCommand ? { childCommand } : {}),
              ...(cpuProf ? { cpuProfDir: path.join(BENCH_DIR, 'results', 'prof') } : {}),
              log
            })
            details.diagnosticStubVerify = diag
            const raw = pairs.raw
            metrics.push({
              metric: 'Diagnostic: throughput, verify stubbed',
              unit: 'msg/s',
              ours: diag.medianRate,
              baseline: raw?.medianRate ?? null,
              ratio: raw && raw.medianRate > 0 ? diag.medianRate / raw.medianRate : null,
              target: 'info',
              pass: null,
              note: 'receiver runs the whole pipeline except the ed25519 computation (NOT a valid configuration); the gap to the real run is the cost of verification'
            })
          } catch (err) {
            errors.push(`diagnostic: ${errText(err)}`)
            log(`  diagnostic failed: ${errText(err)}`)
          }
        }
      }

      // ---- SC-Bridge: agent → bridge → P2P → bridge → agent (4 processes), against the raw pair of
      // this run (measured here when the pair bench did not run).
      if (want('bridge')) {
        const profDir = path.join(BENCH_DIR, 'results', 'prof')
        if (cpuProf) fs.mkdirSync(profDir, { recursive: true })
        if (!pairs.raw) {
          log(
            `\n[bridge:raw baseline] raw Protomux pair, ${CFG.runs} runs × ${CFG.durationMs / 1000} s, then ${CFG.latencyRate} msg/s for ${CFG.bridgeLatencyMs / 1000} s`
          )
          try {
            pairs.raw = await runPair('raw', bootstrap, root, {
              ...CFG,
              latencyMs: CFG.bridgeLatencyMs,
              ...(childCommand ? { childCommand } : {}),
              log
            })
            details.bridgeRawBaseline = pairs.raw
          } catch (err) {
            errors.push(`bridge raw baseline: ${errText(err)}`)
            log(`  raw baseline failed: ${errText(err)}`)
          }
        }
        log(
          `\n[bridge] 2 peers + 2 agents; ${CFG.runs} runs × ${CFG.durationMs / 1000} s of ${MESSAGE_BYTES} B messages (window ${CFG.bridgeWindow}), then ${CFG.latencyRate} msg/s for ${CFG.bridgeLatencyMs / 1000} s`
        )
        try {
          const bridge = await runBridge(bootstrap, root, {
            durationMs: CFG.durationMs,
            warmupMs: CFG.warmupMs,
            runs: CFG.runs,
            window: CFG.bridgeWindow,
            latencyRate: CFG.latencyRate,
            latencyMs: CFG.bridgeLatencyMs,
            ...(compiled ? { peerCommand: compiled.peer, agentCommand: compiled.agent } : {}),
            ...(cpuProf ? { cpuProfDir: profDir } : {}),
            log
          })
          details.bridge = bridge
          metrics.push(...bridgeMetrics(bridge, pairs.raw, pairs.intercom))
        } catch (err) {
          errors.push(`bridge: ${errText(err)}`)
          log(`  bridge failed: ${errText(err)}`)
          metrics.push(
            failed(`Bridge throughput, ${MESSAGE_BYTES} B msgs, agent→bridge→P2P→bridge→agent`, 'msg/s', 'no loss', err)
          )
        }
      }

      // ---- 10-peer relay chain in one process.
      if (want('chain')) {
        log('\n[chain] 10 peers in a line, relay TTL 16')
        try {
          const chain = await runRelayChain(bootstrap, root, { peers: 10, messages: CFG.chainMessages, log })
          details.chain = chain
          metrics.push(chainMetric(chain))
        } catch (err) {
          errors.push(`chain: ${errText(err)}`)
          metrics.push(failed('Relay chain 10 peers / 9 hops, send→deliver (median)', 'ms', 'all delivered', err))
        }
      }

      // ---- Subnet chat: one writer (series with RSS), then three writers in three processes.
      if (want('subnet')) {
        const profDir = path.join(BENCH_DIR, 'results', 'prof')
        if (cpuProf) fs.mkdirSync(profDir, { recursive: true })
        const sopts = {
          ...SUBNET_CFG,
          ...(compiled ? { childCommand: compiled.subnet } : {}),
          ...(cpuProf ? { cpuProfDir: profDir } : {}),
          log
        }
        const subnet: { single?: SingleResult; multi?: MultiResult } = {}
        log(
          `\n[subnet:single] 1 writer: ${SUBNET_CFG.sequentialRuns} × ${SUBNET_CFG.sequentialPosts} posts each append awaited, then ${SUBNET_CFG.seriesPosts / SUBNET_CFG.stepPosts} steps of ${SUBNET_CFG.stepPosts} concurrent posts (median of the first ${SUBNET_CFG.runs})`
        )
        try {
          subnet.single = await runSubnetSingle(bootstrap, root, sopts)
        } catch (err) {
          errors.push(`subnet single: ${errText(err)}`)
          log(`  single failed: ${errText(err)}`)
        }
        log(
          `\n[subnet:multi] ${SUBNET_CFG.writers} writers (processes) × ${SUBNET_CFG.multiPosts} concurrent posts, ${SUBNET_CFG.multiRuns} runs after a warm-up of ${SUBNET_CFG.multiWarmupPosts} posts each`
        )
        try {
          subnet.multi = await runSubnetMulti(bootstrap, root, sopts)
        } catch (err) {
          errors.push(`subnet multi: ${errText(err)}`)
          log(`  multi failed: ${errText(err)}`)
        }
        details.subnet = { config: SUBNET_CFG, ...subnet }
        metrics.push(...subnetMetrics(subnet.single, subnet.multi))
      }
    }
  } catch (err) {
    errors.push(errText(err))
    log(`bench error: ${errText(err)}`)
  } finally {
    await cleanup()
    clearTimeout(watchdog)
  }

  printTable(metrics)
  const out = {
    generatedAt: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().map((c) => c.model),
    quick,
    config: CFG,
    durationSeconds: (hrNow() - started) / 1000,
    metrics,
    errors,
    details
  }
  const resultsDir = path.join(BENCH_DIR, 'results')
  fs.mkdirSync(resultsDir, { recursive: true })
  fs.writeFileSync(path.join(resultsDir, 'latest.json'), JSON.stringify(out, null, 2) + '\n')
  log(
    `\nwrote ${path.relative(process.cwd(), path.join(resultsDir, 'latest.json'))} (${out.durationSeconds.toFixed(1)} s)`
  )
  if (errors.length) log(`errors:\n  ${errors.join('\n  ')}`)
  return 0
}

function pairMetrics(ours: PairResult | undefined, raw: PairResult | undefined): Metric[] {
  const m: Metric[] = []
  const ratio = ours && raw && raw.medianRate > 0 ? ours.medianRate / raw.medianRate : null
  m.push({
    metric: `Throughput, ${MESSAGE_BYTES} B msgs, 2 processes (median of ${CFG.runs})`,
    unit: 'msg/s',
    ours: ours?.medianRate ?? null,
    baseline: raw?.medianRate ?? null,
    ratio,
    target: 'ours/raw ≥ 0.5',
    pass: ratio === null ? false : ratio >= 0.5,
    note: ours
      ? `every message signature-verified; ${ours.wireBytes} B on the wire; runs ${ours.runs.map((r) => Math.round(r.rate)).join('/')} vs ${raw?.runs.map((r) => Math.round(r.rate)).join('/') ?? '-'}`
      : 'ours failed'
  })
  m.push({
    metric: 'Throughput: received / sent',
    unit: 'msgs',
    ours: ours ? `${ours.receivedTotal}/${ours.sentTotal}` : null,
    baseline: raw ? `${raw.receivedTotal}/${raw.sentTotal}` : null,
    ratio: null,
    target: 'no loss',
    pass: ours ? ours.receivedTotal === ours.sentTotal : false,
    note: ours ? `receiver drops ${JSON.stringify((ours.receiverStats as any).drops)}` : undefined
  })
  for (const q of ['p50', 'p99'] as const) {
    const o = ours?.latency?.[q] ?? null
    const b = raw?.latency?.[q] ?? null
    m.push({
      metric: `Latency ${q} at ${CFG.latencyRate} msg/s, ${CFG.latencyMs / 1000} s`,
      unit: 'ms',
      ours: o,
      baseline: b,
      ratio: o !== null && b !== null && b > 0 ? o / b : null,
      target: 'report',
      pass: null,
      note:
        q === 'p50' && ours?.latency
          ? `ours ${ours.latency.received}/${ours.latency.sent}, raw ${raw?.latency?.received ?? '-'}/${raw?.latency?.sent ?? '-'} received`
          : undefined
    })
  }
  for (const role of ['receiver', 'sender'] as const) {
    const o = ours ? ours.rss[role] / MiB : null
    const b = raw ? raw.rss[role] / MiB : null
    m.push({
      metric: `RSS of the ${role} process after throughput`,
      unit: 'MiB',
      ours: o,
      baseline: b,
      ratio: o !== null && b !== null ? o / b : null,
      target: 'ours ≤ 80 MiB',
      pass: o === null ? false : o <= 80,
      note: ours
        ? `rss inside the child (${String(detailsChildren)}); idle ${fmt(ours.memory[role].idle.rss / MiB)} MiB, heap used ${fmt(ours.memory[role].afterThroughput.heapUsed / MiB)} MiB, after forced gc rss ${fmt(ours.memory[role].afterGc.rss / MiB)} / heap ${fmt(ours.memory[role].afterGc.heapUsed / MiB)} MiB`
        : undefined
    })
  }
  return m
}

function bridgeMetrics(br: BridgeResult, raw: PairResult | undefined, pair: PairResult | undefined): Metric[] {
  const m: Metric[] = []
  const ratio = raw && raw.medianRate > 0 ? br.medianRate / raw.medianRate : null
  const drops = (br.peerStats.receiver.bridge as { droppedEvents?: number } | undefined)?.droppedEvents ?? 0
  m.push({
    metric: `Bridge throughput, ${MESSAGE_BYTES} B msgs, agent→bridge→P2P→bridge→agent (median of ${CFG.runs})`,
    unit: 'msg/s',
    ours: br.medianRate,
    baseline: raw?.medianRate ?? null,
    ratio,
    target: 'report',
    pass: null,
    note:
      `4 processes (2 peers + 2 agents) on ${os.cpus().length} cores; window ${CFG.bridgeWindow} unanswered sends; runs ${br.runs.map((r) => Math.round(r.rate)).join('/')}; ${br.sendFrameBytes} B send frame, ${br.eventBytes} B event frame` +
      (pair ? `; sidechannel pair (ours, this run) ${Math.round(pair.medianRate)} msg/s` : '') +
      `; CPU µs/msg ${cpuText(br.cpuUsPerMsg)}, ${br.coresBusy.toFixed(2)} cores busy` +
      (pair
        ? `; pair (ours) ${cpuText({ sender: pair.cpuUsPerMsg.sender, receiver: pair.cpuUsPerMsg.receiver })}`
        : '') +
      (raw ? `; raw ${cpuText({ sender: raw.cpuUsPerMsg.sender, receiver: raw.cpuUsPerMsg.receiver })}` : '')
  })
  if (pair) {
    m.push({
      metric: 'Bridge throughput vs the sidechannel pair (ours)',
      unit: 'msg/s',
      ours: br.medianRate,
      baseline: pair.medianRate,
      ratio: pair.medianRate > 0 ? br.medianRate / pair.medianRate : null,
      target: 'info',
      pass: null,
      note: 'baseline here is the intercom pair of this run (same peers, no bridge, no agents)'
    })
  }
  m.push({
    metric: 'Bridge throughput: received / sent',
    unit: 'msgs',
    ours: `${br.receivedTotal}/${br.sentTotal}`,
    baseline: raw ? `${raw.receivedTotal}/${raw.sentTotal}` : null,
    ratio: null,
    target: 'no loss',
    pass: br.receivedTotal === br.sentTotal,
    note: `receiving bridge dropped ${drops} events (slow-client back-pressure); receiving peer drops ${JSON.stringify(br.peerStats.receiver.drops)}`
  })
  for (const q of ['p50', 'p99'] as const) {
    const o = br.latency?.[q] ?? null
    const b = raw?.latency?.[q] ?? null
    m.push({
      metric: `Bridge latency ${q} at ${CFG.latencyRate} msg/s, ${CFG.bridgeLatencyMs / 1000} s`,
      unit: 'ms',
      ours: o,
      baseline: b,
      ratio: o !== null && b !== null && b > 0 ? o / b : null,
      target: 'report',
      pass: null,
      note:
        q === 'p50' && br.latency
          ? `agentA stamps t just before ws.send, agentB takes now − t on the event; ${br.latency.received}/${br.latency.sent} received; raw ${raw?.latency?.received ?? '-'}/${raw?.latency?.sent ?? '-'} received in its own run at the same rate` +
            (pair?.latency
              ? `; sidechannel pair (ours) p50 ${pair.latency.p50.toFixed(3)} / p99 ${pair.latency.p99.toFixed(3)} ms`
              : '')
          : undefined
    })
  }
  return m
}

// Reference figures for the subnet chat (trac-peer, as given in the issue).
const REF = { ttyPostsPerS: 356, batchPostsPerS: 3075, multiPostsPerS: 182, rss5kMiB: 297, rss30kMiB: 661 }
/** "Flat": RSS after the last step at most this much above RSS after the first step. */
const RSS_FLAT_MIB = 25

function subnetMetrics(single: SingleResult | undefined, multi: MultiResult | undefined): Metric[] {
  const m: Metric[] = []
  const c = SUBNET_CFG
  const k = (n: number): string => (n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n))
  const sTarget = 3 * REF.ttyPostsPerS
  if (single) {
    const runs = single.steps.slice(0, c.runs)
    m.push({
      metric: `Subnet chat, 1 writer, ${c.stepPosts.toLocaleString('en-US')} concurrent posts → msgl (median of ${c.runs})`,
      unit: 'posts/s',
      ours: single.medianRate,
      baseline: REF.ttyPostsPerS,
      ratio: single.medianRate / REF.ttyPostsPerS,
      target: `≥ 3× = ${sTarget} posts/s`,
      pass: single.medianRate >= sTarget,
      note: `runs ${runs.map((r) => Math.round(r.rate)).join('/')} posts/s (msgl ${runs.map((r) => k(r.posts)).join(', ')}); reference: ${REF.ttyPostsPerS}/s on its TTY path, ${REF.batchPostsPerS}/s appending in batches (ours/batch ${(single.medianRate / REF.batchPostsPerS).toFixed(2)}); timed from the first buildMessage to msgl in the writer's view; ${single.cpuUsPerPost.toFixed(0)} µs CPU per post over the series`
    })
    if (single.sequentialMedianRate !== null) {
      m.push({
        metric: `Subnet chat, 1 writer, ${c.sequentialPosts.toLocaleString('en-US')} posts, each append awaited (median of ${single.sequential.length})`,
        unit: 'posts/s',
        ours: single.sequentialMedianRate,
        baseline: REF.ttyPostsPerS,
        ratio: single.sequentialMedianRate / REF.ttyPostsPerS,
        target: 'info',
        pass: null,
        note: `runs ${single.sequential.map((r) => Math.round(r.rate)).join('/')} posts/s; one Autobase append (and apply) per post, on a subnet of its own (the same path with ${c.stepPosts.toLocaleString('en-US')} concurrent appends is the row above)`
      })
    }
    const last = single.steps[single.steps.length - 1]
    const first = single.steps[0]
    const tail = single.steps.slice(c.runs)
    if (tail.length) {
      m.push({
        metric: `Subnet chat, 1 writer, later steps (msgl ${k(tail[0].posts)}…${k(last.posts)})`,
        unit: 'posts/s',
        ours: median(tail.map((s) => s.rate)),
        baseline: null,
        ratio: null,
        target: 'info',
        pass: null,
        note: `rates ${tail.map((s) => Math.round(s.rate)).join('/')} posts/s: does throughput hold as the view grows`
      })
    }
    if (first) {
      m.push({
        metric: `Subnet RSS of the writer after ${k(first.posts)} posts`,
        unit: 'MiB',
        ours: first.mem.rss / MiB,
        baseline: REF.rss5kMiB,
        ratio: first.mem.rss / MiB / REF.rss5kMiB,
        target: 'ours ≤ 120 MiB',
        pass: first.mem.rss / MiB <= 120,
        note: `idle (chat set up, no posts) ${fmt(single.idle.rss / MiB)} MiB; reference at 5k posts`
      })
    }
    if (last) {
      const growth = (last.mem.rss - first.mem.rss) / MiB
      const series = [single.idle, ...single.steps.map((s) => s.mem)]
      m.push({
        metric: `Subnet RSS of the writer after ${k(last.posts)} posts`,
        unit: 'MiB',
        ours: last.mem.rss / MiB,
        baseline: REF.rss30kMiB,
        ratio: last.mem.rss / MiB / REF.rss30kMiB,
        target: `≤ 120 MiB, flat (+≤ ${RSS_FLAT_MIB} MiB from ${k(first.posts)})`,
        pass: last.mem.rss / MiB <= 120 && growth <= RSS_FLAT_MIB,
        note: `RSS idle→${single.steps.map((s) => k(s.posts)).join('→')}: ${series.map((p) => fmt(p.rss / MiB)).join(' → ')} MiB (${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MiB from ${k(first.posts)}); heap used ${series.map((p) => fmt(p.heapUsed / MiB)).join(' → ')} MiB; after forced gc rss ${fmt(single.afterGc.rss / MiB)} / heap ${fmt(single.afterGc.heapUsed / MiB)} MiB; reference ${REF.rss5kMiB} → ${REF.rss30kMiB} MiB from 5k to 30k`
      })
      m.push({
        metric: `Subnet store on disk after ${k(last.posts)} posts`,
        unit: 'MiB',
        ours: last.mem.storeBytes / MiB,
        baseline: null,
        ratio: null,
        target: 'report',
        pass: null,
        note: `apparent size of the peer store dir (Corestore/RocksDB + keypair; varies with RocksDB compaction timing), ${single.steps.map((s) => fmt(s.mem.storeBytes / MiB)).join(' → ')} MiB = ${Math.round(last.mem.storeBytes / last.posts)} B per post at ${k(last.posts)}; ${last.mem.storeFiles} files`
      })
    }
  } else {
    m.push(
      failed(
        `Subnet chat, 1 writer, ${c.stepPosts} concurrent posts → msgl`,
        'posts/s',
        `≥ ${sTarget} posts/s`,
        'failed'
      )
    )
  }
  const mTarget = 3 * REF.multiPostsPerS
  if (multi) {
    m.push({
      metric: `Subnet chat, ${multi.writers} writers × ${c.multiPosts.toLocaleString('en-US')} concurrent posts → identical views (median of ${multi.runs.length})`,
      unit: 'posts/s',
      ours: multi.medianRate,
      baseline: REF.multiPostsPerS,
      ratio: multi.medianRate / REF.multiPostsPerS,
      target: `≥ 3× = ${mTarget} posts/s, views identical`,
      pass: multi.medianRate >= mTarget && multi.allIdentical,
      note: `runs ${multi.runs.map((r) => Math.round(r.rate)).join('/')} posts/s, from the earliest first post to the last view holding all ${multi.writers * c.multiPosts}; views ${multi.allIdentical ? 'identical on every node (msgl and sha256 over all entries)' : 'DIFFER'}; only the creator indexes; after an untimed warm-up of ${c.multiWarmupPosts} posts per writer; set-up ${multi.setupSeconds.toFixed(1)} s`
    })
    const worst = Math.max(...multi.mem.map((x) => x.rss)) / MiB
    const total = multi.writers * (c.multiWarmupPosts + multi.runs.length * c.multiPosts)
    m.push({
      metric: `Subnet RSS of the ${multi.writers} writers after ${k(total)} posts`,
      unit: 'MiB',
      ours: worst,
      baseline: null,
      ratio: null,
      target: 'report',
      pass: null,
      note: `max of ${multi.mem.map((x) => fmt(x.rss / MiB)).join(' / ')} MiB (after each run: ${multi.runs.map((r) => r.mem.map((x) => fmt(x.rss / MiB)).join('/')).join(' → ')}); stores ${multi.mem.map((x) => fmt(x.storeBytes / MiB)).join(' / ')} MiB`
    })
  } else {
    m.push(
      failed(
        `Subnet chat, ${c.writers} writers × ${c.multiPosts} concurrent posts → identical views`,
        'posts/s',
        `≥ ${mTarget} posts/s`,
        'failed'
      )
    )
  }
  return m
}

/** `a 1.0 + b 2.0 = 3.0`: CPU microseconds per message by process. */
function cpuText(byProc: Record<string, number>): string {
  const parts = Object.entries(byProc)
  return (
    parts.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(' + ') + ` = ${parts.reduce((n, [, v]) => n + v, 0).toFixed(1)}`
  )
}

function chainMetric(c: ChainResult): Metric {
  return {
    metric: `Relay chain ${c.peers} peers / ${c.hops} hops, send→deliver (median)`,
    unit: 'ms',
    ours: c.medianMs,
    baseline: null,
    ratio: null,
    target: 'all delivered',
    pass: c.delivered === c.messages && c.topologyOk && c.hopCountsOk,
    note: `${c.delivered}/${c.messages} delivered, max ${c.maxMs.toFixed(2)} ms; line topology ${c.topologyOk ? 'ok' : 'VIOLATED'}; hop counts ${c.hopCountsOk ? 'ok' : 'WRONG'}`
  }
}

function failed(metric: string, unit: string, target: string, err: unknown): Metric {
  return { metric, unit, ours: null, baseline: null, ratio: null, target, pass: false, note: `error: ${errText(err)}` }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

function fmt(v: number | string | null, unit?: string): string {
  if (v === null || v === undefined) return '-'
  if (typeof v === 'string') return v
  if (!Number.isFinite(v)) return String(v)
  const abs = Math.abs(v)
  const s =
    abs >= 1000
      ? Math.round(v).toLocaleString('en-US')
      : abs >= 100
        ? v.toFixed(0)
        : abs >= 10
          ? v.toFixed(1)
          : abs >= 1
            ? v.toFixed(2)
            : v.toFixed(3)
  return unit ? `${s} ${unit}` : s
}

function printTable(metrics: Metric[]): void {
  const rows = metrics.map((m) => [
    m.metric,
    fmt(m.ours, typeof m.ours === 'number' ? m.unit : undefined),
    fmt(m.baseline, typeof m.baseline === 'number' ? m.unit : undefined),
    m.ratio === null ? '-' : m.ratio.toFixed(3),
    m.target,
    m.pass === null ? 'info' : m.pass ? 'PASS' : 'FAIL'
  ])
  const head = ['metric', 'ours', 'baseline', 'ratio', 'target', 'result']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join(' | ')
  log('\n' + line(head))
  log(widths.map((w) => '-'.repeat(w)).join('-|-'))
  for (const r of rows) log(line(r))
  const notes = metrics.filter((m) => m.note)
  if (notes.length) {
    log('')
    for (const m of notes) log(`* ${m.metric}: ${m.note}`)
  }
  log(
    '\nratio = ours / baseline (baseline: raw Protomux c.json pair of this run for the pair and bridge rows unless noted, naive per-nonce rebuild for PoW, trac-peer figures from the issue for the subnet rows).'
  )
}

main().then(
  (code) => {
    // Handles from the hyperdht stack can linger briefly after destroy; leave promptly.
    process.exit(code)
  },
  (err) => {
    log(`bench crashed: ${err?.stack ?? err}`)
    process.exit(1)
  }
)
