// Host adapter: the one place that touches runtime globals (process, Bare, Pear), so the rest of
// the code runs unchanged on Node, Bare and Pear. '#globals' installs Node-like globals under Bare.
import '#globals'
import fs from 'fs'

export type HostName = 'pear' | 'bare' | 'node'

export function hostName(): HostName {
  if (typeof Pear !== 'undefined' && Pear) return 'pear'
  return hostRuntime()
}

/** The JavaScript runtime underneath: Pear apps run on Bare (a simulated Pear may run on Node). */
export function hostRuntime(): 'bare' | 'node' {
  return typeof Bare !== 'undefined' && Bare ? 'bare' : 'node'
}

/** Command-line arguments after the program name, whatever the host. */
export function hostArgs(): string[] {
  if (typeof Pear !== 'undefined' && Pear?.config?.args && Pear.config.args.length > 0) return [...Pear.config.args]
  const fromProcess = typeof process !== 'undefined' ? process.argv.slice(2) : []
  if (fromProcess.length > 0) return fromProcess
  if (typeof Bare !== 'undefined' && Bare) return Bare.argv.slice(2)
  return []
}

export function hostEnv(): Record<string, string | undefined> {
  return typeof process !== 'undefined' ? { ...process.env } : {}
}

/** Pear's app storage directory when running under Pear, else null. */
export function hostStorage(): string | null {
  if (typeof Pear !== 'undefined' && Pear?.config?.storage) return Pear.config.storage
  return null
}

/**
 * Runs `fn` once, on the first of Pear's teardown or SIGINT/SIGTERM/SIGHUP; later signals are
 * absorbed. Pear waits for the promise a teardown handler returns before it exits, so every caller
 * gets the promise of that one run.
 */
export function onTeardown(fn: (signal: string) => unknown): void {
  let result: Promise<unknown> | null = null
  const once = (signal: string): Promise<unknown> => {
    if (result === null) result = Promise.resolve(fn(signal))
    return result
  }
  if (typeof Pear !== 'undefined' && Pear) Pear.teardown(() => once('teardown'))
  // Listeners stay: a signal often arrives twice (Ctrl-C reaches the whole process group, and npm or
  // scripts/bare.mjs forward it once more), and a default SIGINT action would kill the peer in the
  // middle of closing its stores. The caller bounds the shutdown with its own timer.
  if (typeof process !== 'undefined' && typeof process.on === 'function') {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
      process.on(sig, () => {
        void once(sig)
      })
  }
}

/**
 * The process's stdin, or null where descriptor 0 is no input at all. Node reopens a closed fd 0
 * as /dev/null; Bare does not, so its event loop takes fd 0 for its epoll/kqueue descriptor, and
 * reading (then closing) that as stdin breaks the loop: shutdown would hang. A TTY, pipe, socket,
 * file or /dev/null is an input; anything else is treated as closed stdin.
 */
export function hostStdin(): NodeJS.ReadableStream | null {
  if (typeof process === 'undefined') return null
  if (hostRuntime() === 'bare') {
    try {
      const st = fs.fstatSync(0)
      if (!(st.isFIFO() || st.isCharacterDevice() || st.isSocket() || st.isFile())) return null
    } catch {
      return null
    }
  }
  return process.stdin ?? null
}

/**
 * Raises SIGINT in this process, as a terminal does on Ctrl-C outside raw mode; the TTY calls it
 * when it reads Ctrl-C in raw mode, so that key reaches the same shutdown (or Pear teardown) path.
 */
export function hostInterrupt(): void {
  if (typeof process !== 'undefined' && typeof process.kill === 'function') process.kill(process.pid, 'SIGINT')
}

/** Runs `fn` when the process exits (synchronous work only). */
export function onHostExit(fn: () => void): void {
  if (typeof process !== 'undefined' && typeof process.once === 'function') process.once('exit', fn)
}

export function hostExit(code: number): void {
  if (typeof Pear !== 'undefined' && Pear && typeof Pear.exit === 'function') return Pear.exit(code)
  if (typeof process !== 'undefined') process.exit(code)
  if (typeof Bare !== 'undefined' && Bare) Bare.exit(code)
}

export function nowMs(): number {
  return Date.now()
}
export { formatArgs } from './format.js'
