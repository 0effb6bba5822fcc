// One peer process driven through its terminal (stdin lines in, stdout/stderr lines out): a reference
// Intercom peer (Bare, the reference checkout's index.js) or ours (Node, dist/index.js). Both print the
// same banner lines and take the same commands, so one driver serves both.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import path from 'node:path'

export type Impl = 'reference' | 'ours'

export interface PeerLaunch {
  name: string
  impl: Impl
  /** Directory for this run: stores live under it. */
  runDir: string
  /** `127.0.0.1:<port>` of the loopback DHT; every swarm of the peer bootstraps from it and nothing else. */
  dht: string
  channel: string
  bootstrap?: string | null
  extraFlags?: string[]
  /** Reference checkout (cwd of a reference peer) and the Bare binary that runs it. */
  refDir: string
  bare: string
  /** Our repository root (dist/index.js is started from there). */
  repoDir: string
  log?: (line: string) => void
}

// Readline echo and prompts under Bare come with cursor escapes; output lines never start with "> ".
// biome-ignore lint/suspicious/noControlCharactersInRegex: it matches terminal escape sequences (ESC)
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g

export class PeerProcess {
  readonly name: string
  readonly impl: Impl
  readonly lines: string[] = []
  pubkey = ''
  writerKey = ''
  bootstrap = ''
  exitCode: number | null = null
  private child: ChildProcessWithoutNullStreams | null = null
  private readonly waiters = new Set<() => void>()
  private exited: Promise<void> = Promise.resolve()
  private marker = 0

  constructor(readonly launch: PeerLaunch) {
    this.name = launch.name
    this.impl = launch.impl
  }

  get label(): string {
    return `${this.name} (${this.impl})`
  }

  get running(): boolean {
    return this.child !== null && this.exitCode === null
  }

  /** Starts the process and waits for `Sidechannel: ready`, then reads its identity from the banner. */
  async start(extra: { bootstrap?: string | null; flags?: string[] } = {}): Promise<void> {
    const l = this.launch
    const bootstrap = extra.bootstrap !== undefined ? extra.bootstrap : (l.bootstrap ?? null)
    const flags = [
      '--peer-stores-directory',
      path.join(l.runDir, 'stores'),
      '--subnet-channel',
      l.channel,
      '--dht-bootstrap',
      l.dht,
      ...(bootstrap ? ['--subnet-bootstrap', bootstrap] : []),
      ...(l.extraFlags ?? []),
      ...(extra.flags ?? [])
    ]
    let cmd: string
    let args: string[]
    let cwd: string
    if (l.impl === 'reference') {
      // The reference always starts its embedded MSB node: keep its swarm on the loopback DHT too, with a
      // store of its own per peer (trac-msb ignores the MSB store name).
      cmd = l.bare
      args = [
        'index.js',
        '--peer-store-name',
        l.name,
        '--msb-stores-directory',
        path.join(l.runDir, `msb-${l.name}`),
        '--msb-dht-bootstrap',
        l.dht,
        ...flags
      ]
      cwd = l.refDir
    } else {
      cmd = process.execPath
      args = [path.join(l.repoDir, 'dist', 'index.js'), l.name, '--msb', '0', ...flags]
      cwd = l.repoDir
    }
    this.lines.length = 0
    this.exitCode = null
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, INTERCOM_LOCAL_ONLY: '1' },
      stdio: ['pipe', 'pipe', 'pipe']
    })
    this.child = child
    child.stdin.on('error', () => {})
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? 128 : 1)
        this.wake()
        resolve()
      })
    })
    for (const stream of [child.stdout, child.stderr]) {
      let rest = ''
      stream.setEncoding('utf8')
      stream.on('data', (chunk: string) => {
        rest += chunk
        let nl: number
        while ((nl = rest.indexOf('\n')) >= 0) {
          this.push(rest.slice(0, nl))
          rest = rest.slice(nl + 1)
        }
      })
    }
    await this.waitFor(/^Sidechannel: ready/, 120_000, 0)
    this.bootstrap = this.field('Peer subnet bootstrap:')
    this.pubkey = this.field('Peer pubkey (hex):')
    this.writerKey = this.field('Peer writer key (hex):')
  }

  private push(raw: string): void {
    const line = raw.replace(ANSI, '').replace(/\r/g, '')
    if (line.startsWith('>')) return
    this.lines.push(line)
    this.launch.log?.(`[${this.name}] ${line}`)
    this.wake()
  }

  private wake(): void {
    for (const w of [...this.waiters]) w()
  }

  /** The first word after `label` in the output so far. */
  field(label: string): string {
    for (const line of this.lines) {
      const at = line.indexOf(label)
      if (at >= 0)
        return (
          line
            .slice(at + label.length)
            .trim()
            .split(/\s+/)[0] ?? ''
        )
    }
    throw new Error(`${this.label}: no "${label}" line in its output`)
  }

  /** Resolves with the index of the first line at or after `from` that matches `re`. */
  waitFor(re: RegExp, timeoutMs: number, from = this.lines.length): Promise<number> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        for (let i = from; i < this.lines.length; i++) {
          if (re.test(this.lines[i]!)) {
            done()
            resolve(i)
            return true
          }
        }
        if (this.exitCode !== null) {
          done()
          reject(
            new Error(
              `${this.label} exited (${this.exitCode}) while waiting for ${re}; last lines:\n  ${this.lines.slice(-12).join('\n  ')}`
            )
          )
          return true
        }
        return false
      }
      const timer = setTimeout(() => {
        done()
        reject(
          new Error(
            `${this.label}: timed out after ${timeoutMs} ms waiting for ${re}; last lines:\n  ${this.lines.slice(-12).join('\n  ')}`
          )
        )
      }, timeoutMs)
      const done = (): void => {
        clearTimeout(timer)
        this.waiters.delete(waiter)
      }
      const waiter = (): void => {
        check()
      }
      this.waiters.add(waiter)
      check()
    })
  }

  send(line: string): void {
    if (!this.running) throw new Error(`${this.label} is not running`)
    this.child!.stdin.write(line + '\n')
  }

  /**
   * Runs one command and returns the lines it printed up to the line matching `until`. A `/print` marker goes
   * first, and the command is only sent once the marker is back: the reference starts every stdin line at
   * once and its protocol commands share state, so two of them in flight can mix up.
   */
  async query(command: string, until: RegExp, timeoutMs = 30_000): Promise<string[]> {
    const mark = `MARK-${this.name}-${++this.marker}-${Date.now()}`
    this.send(`/print --text ${mark}`)
    const at = await this.waitFor(new RegExp(`^${mark}$`), timeoutMs)
    this.send(command)
    const end = await this.waitFor(until, timeoutMs, at + 1)
    return this.lines.slice(at + 1, end + 1)
  }

  /**
   * Runs a command that appends (or fails with `Command failed: …`) and returns its error text, if any, seen
   * before a trailing marker comes back. Success prints nothing on the reference.
   */
  async command(command: string, timeoutMs = 30_000): Promise<string | null> {
    const mark = `DONE-${this.name}-${++this.marker}-${Date.now()}`
    const from = this.lines.length
    this.send(command)
    await new Promise((resolve) => setTimeout(resolve, 300))
    this.send(`/print --text ${mark}`)
    const end = await this.waitFor(new RegExp(`^${mark}$`), timeoutMs, from)
    const failed = this.lines.slice(from, end).find((l) => /^Command failed:|^Error:/.test(l))
    return failed ?? null
  }

  /** `/get --key <key>`: the printed value line, matched by `valueRe` (default: a number or null). */
  async get(key: string, opts: { confirmed?: boolean; valueRe?: RegExp } = {}): Promise<string> {
    const re = opts.valueRe ?? /^(-?\d+|null|undefined)$/
    const lines = await this.query(`/get --key ${key}${opts.confirmed === false ? ' --confirmed false' : ''}`, re)
    return lines.at(-1)!
  }

  async getNumber(key: string, confirmed = false): Promise<number> {
    const v = await this.get(key, { confirmed })
    return v === 'null' || v === 'undefined' ? 0 : Number(v)
  }

  /** The reference `/stats` lines (both implementations print them first), as label → value. */
  async stats(): Promise<Map<string, string>> {
    // Ours prints its own lines after the reference's; its view core key is among them.
    const lines = await this.query('/stats', this.impl === 'ours' ? /^View core key: / : /^Total Registered Writers:/)
    const out = new Map<string, string>()
    for (const line of lines) {
      if (line.startsWith('View core key: ')) out.set('viewKey', line.slice('View core key: '.length))
      const m =
        /^(wallet\.address|hypermall\.writerKey|admin|isIndexer|isWriter|swarm\.connections\.size|base\.view\.core\.signedLength|base\.signedLength|base\.indexedLength|base\.linearizer\.indexers\.length|base\.key|discoveryKey|VIEW Dag|SYSTEM Dag):? (.*)$/.exec(
          line
        )
      if (m) out.set(m[1]!, m[2]!)
    }
    return out
  }

  /** `/exit`, then waits for the process to end (killed after `timeoutMs`). */
  async stop(timeoutMs = 20_000): Promise<void> {
    if (!this.running) return
    try {
      this.send('/exit')
    } catch {}
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), timeoutMs)
    await this.exited
    clearTimeout(timer)
  }

  kill(): void {
    if (this.running) this.child!.kill('SIGKILL')
  }
}
