// The subnet benchmarks: chat posts through `peer.subnet.append(buildMessage(...))` (the path the TTY
// `/post` and the SC-Bridge use), each peer a child process (`subnet-peer.ts`) on the loopback testnet.
//
// single: one writer (the subnet creator and only indexer). A series of steps of `stepPosts` concurrent
//         posts (one loop, no await between appends; the runtime coalesces them), each timed from the
//         first build to the moment the local view's `msgl` holds them all; RSS and store size after
//         each step. The first `runs` steps give the median. Before the series, `sequentialPosts` posts
//         with each append awaited (information).
// multi:  `writers` processes (the creator, the only indexer, plus writers it added), after an untimed
//         warm-up round: `multiPosts` concurrent posts each, all at once; timed from the earliest start to
//         the moment the last view holds all of them, then the views are compared (msgl and a sha256 over
//         every entry) and must be identical.
import path from 'node:path'
import { BENCH_DIR, BenchChild, MiB, median, sleep, type ChildReply } from './common.js'
import { PEER_NODE_FLAGS } from './sidechannel.js'

export const TSX_SUBNET_CHILD: string[] = ['--import', 'tsx', path.join(BENCH_DIR, 'subnet-peer.ts')]

export interface SubnetOptions {
  /** Posts per timed step of the single-writer series. */
  stepPosts: number
  /** Steps whose median is the single-writer result (the first `runs` steps of the series). */
  runs: number
  /** Total posts of the single-writer series (a multiple of stepPosts). */
  seriesPosts: number
  /** Posts with each append awaited, before the series; 0 skips. */
  sequentialPosts: number
  sequentialRuns: number
  writers: number
  multiPosts: number
  multiRuns: number
  /** Posts per writer of the untimed warm-up round before the multi-writer runs; 0 skips. */
  multiWarmupPosts: number
  /** Node arguments up to and including the child script (default: subnet-peer.ts through tsx). */
  childCommand?: string[]
  cpuProfDir?: string
  log: (line: string) => void
}

export interface MemPoint {
  rss: number
  heapUsed: number
  external: number
  arrayBuffers: number
  storeBytes: number
  storeFiles: number
}

export interface SeriesStep {
  /** msgl after the step. */
  posts: number
  seconds: number
  rate: number
  /** Seconds until every append promise had resolved (≤ seconds). */
  appendSeconds: number
  appendBatches: number
  mem: MemPoint
}

export interface SingleResult {
  sequential: Array<{ posts: number; seconds: number; rate: number }>
  sequentialMedianRate: number | null
  steps: SeriesStep[]
  medianRate: number
  idle: MemPoint
  afterGc: MemPoint
  subnetStats: Record<string, unknown>
  cpuUsPerPost: number
}

export interface MultiRun {
  posts: number
  seconds: number
  rate: number
  /** Per writer: seconds from the earliest start until its view held all posts. */
  reachedSeconds: number[]
  identical: boolean
  /** Extra polling needed after every view reached msgl until the hashes agreed (0 when at once). */
  settleSeconds: number
  hash: string
  entries: number
  /** Per writer, after the run. */
  mem: MemPoint[]
}

export interface MultiResult {
  writers: number
  runs: MultiRun[]
  medianRate: number
  allIdentical: boolean
  setupSeconds: number
  mem: MemPoint[]
  subnetStats: Array<Record<string, unknown>>
}

function memPoint(r: Record<string, any>): MemPoint {
  return {
    rss: r.rss,
    heapUsed: r.heapUsed,
    external: r.external,
    arrayBuffers: r.arrayBuffers,
    storeBytes: r.store.bytes,
    storeFiles: r.store.files
  }
}

const mib = (b: number): string => (b / MiB).toFixed(1)

function spawnPeer(
  name: string,
  bootstrap: string,
  root: string,
  channel: string,
  opts: SubnetOptions,
  subnetBootstrap?: string
): BenchChild {
  const nodeArgs = opts.cpuProfDir
    ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProfDir, '--cpu-prof-name', `subnet-${name}.cpuprofile`]
    : []
  return new BenchChild(
    `subnet-${name}`,
    ['--expose-gc', ...PEER_NODE_FLAGS, ...nodeArgs, ...(opts.childCommand ?? TSX_SUBNET_CHILD)],
    [
      '--bootstrap',
      bootstrap,
      '--dir',
      path.join(root, `subnet-${name}`),
      '--name',
      name,
      '--channel',
      channel,
      ...(subnetBootstrap ? ['--subnet-bootstrap', subnetBootstrap] : [])
    ]
  )
}

/** A subnet channel of its own per run, so that nothing else on the testnet shares the topic. */
function channelName(tag: string): string {
  return `bench-subnet-${tag}-${process.pid}-${Date.now().toString(36)}`
}

export async function runSubnetSingle(bootstrap: string, root: string, opts: SubnetOptions): Promise<SingleResult> {
  const log = opts.log
  // Each append awaited, on a subnet of its own (so that the series below starts from an empty view).
  const sequential: SingleResult['sequential'] = []
  if (opts.sequentialRuns > 0 && opts.sequentialPosts > 0) {
    const q = spawnPeer('sequential', bootstrap, root, channelName('seq'), opts)
    try {
      await q.request('start', {}, 60_000)
      await q.request('setupChat', {}, 30_000)
      let msgl = 0
      for (let i = 0; i < opts.sequentialRuns; i++) {
        const r = await q.request(
          'post',
          {
            count: opts.sequentialPosts,
            sequential: true,
            waitMsgl: msgl + opts.sequentialPosts,
            tag: `seq${i}`,
            timeoutMs: 60_000
          },
          70_000
        )
        msgl += opts.sequentialPosts
        const seconds = (r.tReached - r.t0) / 1000
        sequential.push({ posts: opts.sequentialPosts, seconds, rate: opts.sequentialPosts / seconds })
        log(
          `  sequential ${i + 1}: ${opts.sequentialPosts} posts, each append awaited: ${seconds.toFixed(2)} s = ${Math.round(opts.sequentialPosts / seconds)} posts/s`
        )
      }
    } finally {
      await q.stop(20_000)
    }
  }

  const w = spawnPeer('single', bootstrap, root, channelName('single'), opts)
  try {
    const s = await w.request('start', {}, 60_000)
    await w.request('setupChat', {}, 30_000)
    const idle = memPoint(await w.request('stats'))
    log(
      `  writer pid ${s.pid}; subnet ${String(s.bootstrapHex).slice(0, 16)}…, idle RSS ${mib(idle.rss)} MiB (chat set up, no posts)`
    )
    let msgl = 0
    const cpu0 = (await w.request('stats')).cpuUs as number
    const steps: SeriesStep[] = []
    const stepCount = Math.max(opts.runs, Math.round(opts.seriesPosts / opts.stepPosts))
    for (let i = 0; i < stepCount; i++) {
      const r = await w.request(
        'post',
        { count: opts.stepPosts, waitMsgl: msgl + opts.stepPosts, tag: `s${i}`, timeoutMs: 120_000 },
        150_000
      )
      msgl += opts.stepPosts
      if (r.msgl !== msgl) throw new Error(`msgl ${r.msgl} after step ${i + 1}, expected ${msgl}`)
      const seconds = (r.tReached - r.t0) / 1000
      const m = memPoint(await w.request('stats'))
      const step: SeriesStep = {
        posts: msgl,
        seconds,
        rate: opts.stepPosts / seconds,
        appendSeconds: (r.tAppended - r.t0) / 1000,
        appendBatches: r.appendBatches,
        mem: m
      }
      steps.push(step)
      log(
        `  step ${i + 1}: ${opts.stepPosts} concurrent posts in ${seconds.toFixed(2)} s = ${Math.round(step.rate)} posts/s (${r.appendBatches} Autobase appends); msgl ${msgl}, RSS ${mib(m.rss)} MiB, heap ${mib(m.heapUsed)} MiB, store ${mib(m.storeBytes)} MiB`
      )
    }
    const end = await w.request('stats')
    const postsInSeries = steps.length * opts.stepPosts
    const afterGc = memPoint(await w.request('stats', { gc: true }))
    log(`  after gc: RSS ${mib(afterGc.rss)} MiB, heap ${mib(afterGc.heapUsed)} MiB`)
    return {
      sequential,
      sequentialMedianRate: sequential.length ? median(sequential.map((x) => x.rate)) : null,
      steps,
      medianRate: median(steps.slice(0, opts.runs).map((x) => x.rate)),
      idle,
      afterGc,
      subnetStats: end.subnet,
      cpuUsPerPost: (end.cpuUs - cpu0) / postsInSeries
    }
  } finally {
    await w.stop(20_000)
  }
}

export async function runSubnetMulti(bootstrap: string, root: string, opts: SubnetOptions): Promise<MultiResult> {
  const log = opts.log
  const channel = channelName('multi')
  const children: BenchChild[] = []
  try {
    const t0 = Date.now()
    const creator = spawnPeer('w0', bootstrap, root, channel, opts)
    children.push(creator)
    const c0 = await creator.request('start', {}, 60_000)
    for (let i = 1; i < opts.writers; i++)
      children.push(spawnPeer(`w${i}`, bootstrap, root, channel, opts, c0.bootstrapHex))
    const others = await Promise.all(children.slice(1).map((c) => c.request('start', {}, 60_000)))
    await creator.request('setupChat', { writers: others.map((o) => o.writerKeyHex) }, 30_000)
    await Promise.all(children.map((c) => c.request('waitReady', { timeoutMs: 45_000 }, 50_000)))
    const setupSeconds = (Date.now() - t0) / 1000
    log(
      `  ${opts.writers} writers (pids ${[c0, ...others].map((x) => x.pid).join(', ')}) writable with chat on after ${setupSeconds.toFixed(1)} s`
    )

    let msgl = 0
    if (opts.multiWarmupPosts > 0) {
      // Untimed: the first posts after set-up also open the replication sessions of the new writer
      // cores and warm the JIT; every measured run then starts from the same steady state.
      const target = opts.writers * opts.multiWarmupPosts
      const t = Date.now()
      await Promise.all(
        children.map((c, i) =>
          c.request(
            'post',
            { count: opts.multiWarmupPosts, waitMsgl: target, tag: `w${i}warm`, timeoutMs: 60_000 },
            70_000
          )
        )
      )
      msgl = target
      log(
        `  warm-up: ${opts.writers} × ${opts.multiWarmupPosts} posts in ${((Date.now() - t) / 1000).toFixed(2)} s (not counted)`
      )
    }
    const runs: MultiRun[] = []
    for (let k = 0; k < opts.multiRuns; k++) {
      const target = msgl + opts.writers * opts.multiPosts
      const rs = await Promise.all(
        children.map((c, i) =>
          c.request('post', { count: opts.multiPosts, waitMsgl: target, tag: `w${i}r${k}`, timeoutMs: 90_000 }, 120_000)
        )
      )
      msgl = target
      const start = Math.min(...rs.map((r) => r.t0))
      const reached = Math.max(...rs.map((r) => r.tReached))
      // Every view holds `target` messages; they must also be the same view. When the first look finds
      // them different, look again until they agree; the convergence time then includes that wait.
      const hashAll = (): Promise<ChildReply[]> => Promise.all(children.map((c) => c.request('viewHash', {}, 60_000)))
      const same = (hs: ChildReply[]): boolean => hs.every((h) => h.hash === hs[0].hash && h.msgl === target)
      const firstLook = Date.now()
      let hashes = await hashAll()
      let looks = 1
      while (!same(hashes) && Date.now() - firstLook < 30_000) {
        await sleep(200)
        hashes = await hashAll()
        looks++
      }
      const identical = same(hashes)
      if (!identical)
        log(
          `  run ${k + 1}: views differ: ${hashes.map((h) => `msgl ${h.msgl} ${String(h.hash).slice(0, 8)}`).join(', ')}`
        )
      const settle = looks > 1 ? (Date.now() - firstLook) / 1000 : 0
      const seconds = (reached - start) / 1000 + settle
      const mem = (await Promise.all(children.map((c) => c.request('stats')))).map(memPoint)
      const run: MultiRun = {
        posts: opts.writers * opts.multiPosts,
        seconds,
        rate: (opts.writers * opts.multiPosts) / seconds,
        reachedSeconds: rs.map((r) => (r.tReached - start) / 1000),
        identical,
        settleSeconds: settle,
        hash: hashes[0].hash,
        entries: hashes[0].entries,
        mem
      }
      runs.push(run)
      log(
        `  run ${k + 1}: ${opts.writers} × ${opts.multiPosts} concurrent posts, all views at msgl ${target} after ${seconds.toFixed(2)} s = ${Math.round(run.rate)} posts/s (per writer ${run.reachedSeconds.map((x) => x.toFixed(2)).join('/')} s); views ${identical ? 'identical' : 'DIFFER'}${looks > 1 ? ` after ${looks} looks` : ''} (${run.entries} entries, hash ${run.hash.slice(0, 12)}…, hashing ${Math.round(Math.max(...hashes.map((h) => h.ms)))} ms); RSS ${mem.map((m) => mib(m.rss)).join(' / ')} MiB, stores ${mem.map((m) => mib(m.storeBytes)).join(' / ')} MiB`
      )
    }
    const stats = await Promise.all(children.map((c) => c.request('stats')))
    const mem = stats.map(memPoint)
    return {
      writers: opts.writers,
      runs,
      medianRate: median(runs.map((r) => r.rate)),
      allIdentical: runs.every((r) => r.identical),
      setupSeconds,
      mem,
      subnetStats: stats.map((s) => s.subnet)
    }
  } finally {
    // Joiners first, the creator (only indexer) last.
    for (const child of children.reverse()) await child.stop(20_000)
  }
}
