// Shared helpers for the benchmarks: clocks, statistics, the benchmark message shape, and a small
// JSON-lines RPC over a child process's stdin/stdout (with timeouts and guaranteed kill on cleanup).
import { spawn, type ChildProcess } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import readline from 'node:readline'
import fs from 'node:fs'

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
export const REPO_DIR = path.resolve(BENCH_DIR, '..')

/** The peer's runtime settings, shared with `npm start` and the entry's shebang (scripts/runtime.json). */
export const PEER_RUNTIME: { nodeFlags: string[]; env: Record<string, string> } = (() => {
  // Found by walking up: the compiled children run from bench/.build/bench/.
  for (let dir = BENCH_DIR; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'scripts', 'runtime.json')
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8'))
    if (path.dirname(dir) === dir) throw new Error('scripts/runtime.json not found above ' + BENCH_DIR)
  }
})()

/** Wall-clock milliseconds with sub-millisecond resolution; comparable across processes on one host. */
/** Reads `--key value` from a child's argv; a missing key without a default is an error. */
export function argReader(argv: string[]): (key: string, fallback?: string) => string {
  return (key, fallback) => {
    const i = argv.indexOf(`--${key}`)
    if (i >= 0 && i + 1 < argv.length) return argv[i + 1]!
    if (fallback !== undefined) return fallback
    throw new Error(`missing --${key}`)
  }
}

export function hrNow(): number {
  return performance.timeOrigin + performance.now()
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export function nextTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** Rejects after `ms` with a message naming `what`; the timer never keeps the process alive. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null
  try {
    return await Promise.race([
      p,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)
        ;(timer as any).unref?.()
      })
    ])
  } finally {
    if (timer) clearTimeout(timer)
  }
}

export async function waitUntil(fn: () => boolean, timeoutMs: number, what: string, stepMs = 20): Promise<void> {
  const start = Date.now()
  while (!fn()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(stepMs)
  }
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const rank = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)))
  return s[rank - 1]
}

export const MESSAGE_BYTES = 200
const PAD = 'x'.repeat(4096)

/** The benchmark message: `{seq, t, pad}` whose JSON is exactly `bytes` long (t = send time, hrNow). */
export function benchMessage(seq: number, t: number, bytes = MESSAGE_BYTES): { seq: number; t: number; pad: string } {
  const base = JSON.stringify({ seq, t, pad: '' }).length
  return { seq, t, pad: PAD.slice(0, Math.max(0, bytes - base)) }
}

export const MiB = 1024 * 1024

// ------------------------------------------------------------------ child-process JSON-lines RPC

export const LINE_PREFIX = '@@BENCH '

export interface ChildReply {
  id: number
  ok: boolean
  error?: string
  [k: string]: any
}

const liveChildren = new Set<BenchChild>()

/** Emergency teardown (signal, watchdog): SIGKILL every child this process started that is still alive. */
export function killAllChildren(): void {
  for (const child of liveChildren) {
    try {
      child.proc.kill('SIGKILL')
    } catch {}
  }
}

/** A bench child process. Requests are `{id, cmd, ...}` lines on stdin; replies are prefixed lines on stdout. */
export class BenchChild {
  readonly name: string
  readonly proc: ChildProcess
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (r: ChildReply) => void; reject: (e: Error) => void }>()
  private exited = false
  private readonly exitPromise: Promise<void>
  readonly stderrTail: string[] = []

  /** `command`: node arguments up to and including the script, e.g. ['--import', 'tsx', 'bench/child-peer.ts']. */
  constructor(name: string, command: string[], args: string[], opts: { env?: Record<string, string> } = {}) {
    this.name = name
    this.proc = spawn(process.execPath, [...command, ...args], {
      cwd: REPO_DIR,
      env: { ...process.env, ...PEER_RUNTIME.env, INTERCOM_LOCAL_ONLY: '1', ...(opts.env ?? {}) },
      stdio: ['pipe', 'pipe', 'pipe']
    })
    liveChildren.add(this)
    this.exitPromise = new Promise((resolve) => {
      this.proc.once('exit', () => {
        this.exited = true
        liveChildren.delete(this)
        for (const p of this.pending.values())
          p.reject(new Error(`${name} exited (stderr tail: ${this.stderrTail.join(' | ')})`))
        this.pending.clear()
        resolve()
      })
    })
    this.proc.once('error', () => {})
    this.proc.stdin!.on('error', () => {})
    const rl = readline.createInterface({ input: this.proc.stdout! })
    rl.on('line', (line) => {
      if (!line.startsWith(LINE_PREFIX)) return
      let msg: ChildReply
      try {
        msg = JSON.parse(line.slice(LINE_PREFIX.length))
      } catch {
        return
      }
      const p = this.pending.get(msg.id)
      if (!p) return
      this.pending.delete(msg.id)
      if (msg.ok) p.resolve(msg)
      else p.reject(new Error(`${name}: ${msg.error ?? 'error'}`))
    })
    const errRl = readline.createInterface({ input: this.proc.stderr! })
    errRl.on('line', (line) => {
      if (process.env.BENCH_DEBUG) process.stderr.write(`[${name}] ${line}\n`)
      this.stderrTail.push(line)
      if (this.stderrTail.length > 20) this.stderrTail.shift()
    })
  }

  get pid(): number | undefined {
    return this.proc.pid
  }

  request(cmd: string, body: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<ChildReply> {
    if (this.exited) return Promise.reject(new Error(`${this.name} has exited`))
    const id = this.nextId++
    const p = new Promise<ChildReply>((resolve, reject) => this.pending.set(id, { resolve, reject }))
    this.proc.stdin!.write(JSON.stringify({ id, cmd, ...body }) + '\n')
    return withTimeout(p, timeoutMs, `${this.name} ${cmd}`).finally(() => this.pending.delete(id))
  }

  /** Asks the child to close cleanly, then kills it (by pid) if it has not exited in time. */
  async stop(timeoutMs = 8000): Promise<void> {
    if (this.exited) return
    try {
      await this.request('close', {}, timeoutMs)
    } catch {}
    try {
      this.proc.stdin!.end()
    } catch {}
    await Promise.race([this.exitPromise, sleep(2000)])
    if (!this.exited) {
      try {
        this.proc.kill('SIGKILL')
      } catch {}
      await Promise.race([this.exitPromise, sleep(2000)])
    }
  }
}

// ------------------------------------------------------------------ child side of the RPC

export type CommandHandler = (req: any) => Promise<Record<string, unknown>>

/**
 * The command loop of a bench child: `{id, cmd, ...}` lines on stdin, one reply line each on stdout.
 * Commands run one after another. After `close` the process exits; when stdin closes (parent gone or
 * done) `shutdown` runs.
 */
export function serveCommands(
  handlers: Record<string, CommandHandler>,
  shutdown: (code: number) => Promise<void> | void
): void {
  const reply = (id: number, body: Record<string, unknown>): void => {
    process.stdout.write(LINE_PREFIX + JSON.stringify({ id, ok: true, ...body }) + '\n')
  }
  const fail = (id: number, err: unknown): void => {
    const error = err instanceof Error ? err.message : String(err)
    process.stdout.write(LINE_PREFIX + JSON.stringify({ id, ok: false, error }) + '\n')
  }
  const rl = readline.createInterface({ input: process.stdin })
  // The parent never has two commands in flight on one child; chaining keeps it so anyway.
  let chain = Promise.resolve()
  rl.on('line', (line) => {
    let req: any
    try {
      req = JSON.parse(line)
    } catch {
      return
    }
    chain = chain.then(async () => {
      const h = Object.hasOwn(handlers, req.cmd) ? handlers[req.cmd] : undefined
      if (!h) return fail(req.id, `unknown command ${req.cmd}`)
      try {
        const body = await h(req)
        reply(req.id, body)
        if (req.cmd === 'close') setTimeout(() => process.exit(0), 50)
      } catch (err) {
        fail(req.id, err)
      }
    })
  })
  rl.on('close', () => {
    void shutdown(0)
  })
}

/**
 * Receive-side measurement of a bench child: counts benchmark messages (`{seq, t, pad}`) and, when
 * armed with `latencies`, records now − t for each. Its `arm` / `setExpect` / `collect` commands are
 * the ones the parent drives for every receiver (peer or bridge agent).
 */
export class ReceiveMeter {
  expect = 0
  received = 0
  firstAt = 0
  lastAt = 0
  armedAt = 0
  latencies: number[] = []
  recordLatency = false

  note(message: any): void {
    const now = hrNow()
    this.received++
    if (this.firstAt === 0) this.firstAt = now
    this.lastAt = now
    if (this.recordLatency && message && typeof message.t === 'number') this.latencies.push(now - message.t)
  }

  handlers(): Record<string, CommandHandler> {
    return {
      arm: async (req) => {
        this.expect = req.expect
        this.received = 0
        this.firstAt = 0
        this.lastAt = 0
        this.latencies = []
        this.recordLatency = req.latencies === true
        this.armedAt = hrNow()
        return {}
      },
      setExpect: async (req) => {
        this.expect = req.expect
        return { received: this.received }
      },
      collect: async (req) => {
        // Until `expect` arrived, nothing arrived for `idleMs`, or `timeoutMs` passed.
        const idleMs = req.idleMs ?? 3000
        const deadline = Date.now() + (req.timeoutMs ?? 60_000)
        while (this.received < this.expect && Date.now() < deadline) {
          const last = this.lastAt || this.armedAt
          if (hrNow() - last > idleMs) break
          await sleep(10)
        }
        return {
          received: this.received,
          expect: this.expect,
          firstAt: this.firstAt,
          lastAt: this.lastAt,
          ...(req.latencies ? { latencies: this.latencies } : {})
        }
      }
    }
  }
}

/** `rate` messages per second for `durationMs`, each stamped with its send time (the latency runs). */
export async function pacedSend(
  rate: number,
  durationMs: number,
  seqBase: number,
  send: (message: ReturnType<typeof benchMessage>) => void
): Promise<{ sent: number; tStart: number; tEnd: number }> {
  const interval = 1000 / rate
  const total = Math.floor((durationMs / 1000) * rate)
  const tStart = hrNow()
  let sent = 0
  while (sent < total) {
    const due = tStart + sent * interval
    const wait = due - hrNow()
    if (wait > 1) await sleep(wait)
    send(benchMessage(seqBase + sent, hrNow()))
    sent++
  }
  return { sent, tStart, tEnd: hrNow() }
}
