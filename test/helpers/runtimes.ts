// Peer processes under Node or under the Bare runtime (the one Pear runs): the compiled entry,
// spawned with piped stdio and INTERCOM_LOCAL_ONLY=1. Every peer must get a loopback DHT bootstrap.
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const ENTRY = path.join(ROOT, 'dist', 'index.js')
/** Installs a simulated `Pear` global, then loads the compiled entry (see the file's header). */
export const PEAR_SIM = path.join(ROOT, 'test', 'helpers', 'pear-sim.mjs')

export type Runtime = 'node' | 'bare'

/** The Bare runtime binary from the optional platform dependency, or null on other platforms. */
export async function bareBinary(): Promise<string | null> {
  const { bareBinary: find } = await import(pathToFileURL(path.join(ROOT, 'scripts', 'bare.mjs')).href)
  return find()
}

/** The executable for a runtime, or null when Bare is not installed for this platform. */
export async function runtimeBinary(runtime: Runtime): Promise<string | null> {
  return runtime === 'node' ? process.execPath : bareBinary()
}

export interface Proc {
  child: ChildProcess
  /** Sends `signal` to the child, or to its whole process group when spawned with `group`. */
  kill(signal: NodeJS.Signals): void
  /** stdout and stderr so far, interleaved. */
  out(): string
  exited: Promise<{ code: number | null; signal: string | null }>
  send(line: string): void
}

export interface SpawnOptions {
  cwd: string
  env?: Record<string, string>
  /** End stdin right away (a service with nothing to read). */
  closeStdin?: boolean
  /** Own process group, as a shell job has: `kill()` then signals the group, as Ctrl-C does. */
  group?: boolean
  /** The peer's arguments, when `args` does not show them (e.g. they sit inside a `-c` command). */
  peerArgs?: string[]
}

/**
 * Spawns `bin script ...args`. The peer's arguments (for the Pear simulator: its Pear.config.args)
 * must choose the DHT bootstrap; INTERCOM_LOCAL_ONLY=1 then refuses anything but loopback.
 */
export function spawnScript(bin: string, script: string, args: string[], opts: SpawnOptions): Proc {
  const sim = opts.env?.INTERCOM_PEAR_SIM
  const peerArgs: string[] = opts.peerArgs ?? (sim === undefined ? args : (JSON.parse(sim).args ?? []))
  if (!peerArgs.includes('--dht-bootstrap') && !peerArgs.includes('--peer-dht-bootstrap'))
    throw new Error('every test peer needs a loopback --dht-bootstrap')
  if (!fs.existsSync(ENTRY)) throw new Error('dist/index.js missing: run `npm run build` (npm test does)')
  const child = spawn(bin, [script, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env, INTERCOM_LOCAL_ONLY: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: opts.group === true
  })
  let buf = ''
  child.stdout!.on('data', (d) => {
    buf += d
  })
  child.stderr!.on('data', (d) => {
    buf += d
  })
  child.stdin!.on('error', () => {})
  if (opts.closeStdin) child.stdin!.end()
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal }))
  )
  const kill = (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return
    try {
      if (opts.group) process.kill(-child.pid!, signal)
      else child.kill(signal)
    } catch {}
  }
  return {
    child,
    kill,
    out: () => buf,
    exited,
    send: (line) => {
      child.stdin!.write(line + '\n')
    }
  }
}

/** The compiled peer under `bin` (node or bare). */
export function spawnPeer(bin: string, args: string[], opts: SpawnOptions): Proc {
  return spawnScript(bin, ENTRY, args, opts)
}

/** SIGINT to every live process (SIGKILL after 10 s), then waits for them. */
export async function stopAll(procs: Proc[]): Promise<void> {
  await Promise.all(
    procs.map(async (p) => {
      if (p.child.exitCode !== null || p.child.signalCode !== null) return
      p.kill('SIGINT')
      const t = setTimeout(() => p.kill('SIGKILL'), 10_000)
      await p.exited
      clearTimeout(t)
    })
  )
}

/** The first capture group of `re` in `text`; throws with the text when absent. */
export function grab(re: RegExp, text: string): string {
  const m = re.exec(text)
  if (!m) throw new Error(`${re} not found in:\n${text}`)
  return m[1]!
}
