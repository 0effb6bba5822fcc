// Host adapter: the one place that touches runtime globals (process, Bare, Pear), so the rest of
// the code runs unchanged on Node, Bare and Pear. '#globals' installs Node-like globals under Bare.
import '#globals'

export type HostName = 'pear' | 'bare' | 'node'

export function hostName (): HostName {
  if (typeof Pear !== 'undefined' && Pear) return 'pear'
  if (typeof Bare !== 'undefined' && Bare) return 'bare'
  return 'node'
}

/** Command-line arguments after the program name, whatever the host. */
export function hostArgs (): string[] {
  if (typeof Pear !== 'undefined' && Pear?.config?.args && Pear.config.args.length > 0) return [...Pear.config.args]
  const fromProcess = typeof process !== 'undefined' ? process.argv.slice(2) : []
  if (fromProcess.length > 0) return fromProcess
  if (typeof Bare !== 'undefined' && Bare) return Bare.argv.slice(2)
  return []
}

export function hostEnv (): Record<string, string | undefined> {
  return typeof process !== 'undefined' ? { ...process.env } : {}
}

/** Pear's app storage directory when running under Pear, else null. */
export function hostStorage (): string | null {
  if (typeof Pear !== 'undefined' && Pear?.config?.storage) return Pear.config.storage
  return null
}

export function onTeardown (fn: (signal: string) => unknown): void {
  let called = false
  const once = (signal: string) => {
    if (called) return
    called = true
    fn(signal)
  }
  if (typeof Pear !== 'undefined' && Pear) Pear.teardown(() => once('teardown'))
  if (typeof process !== 'undefined' && typeof process.once === 'function') {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, () => once(sig))
  }
}

export function hostExit (code: number): void {
  if (typeof Pear !== 'undefined' && Pear && typeof Pear.exit === 'function') return Pear.exit(code)
  if (typeof process !== 'undefined') process.exit(code)
  if (typeof Bare !== 'undefined' && Bare) Bare.exit(code)
}

export function nowMs (): number {
  return Date.now()
}
