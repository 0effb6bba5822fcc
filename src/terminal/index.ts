// The interactive terminal: a readline loop over the command table on a TTY, plain line reading
// otherwise (a pipe or file gets no prompt, echo or escape codes, on Node and Bare alike). Lines run
// one at a time, in order, so piped scripts behave like typed ones. When stdin ends (a peer run as a
// service) the peer keeps running until a signal or /exit.
import type { LogFn } from '../common/index.js'
import { IntercomError, type ErrorCode } from '../errors.js'
import readline from 'readline'
import { allCommands, findCommand, runArgs, runCustomCommand, type CommandSpec, type TerminalPeer } from './commands.js'
import { formatArgs } from './format.js'
import { LineReader, type LineSource } from '../common/index.js'
import { hostInterrupt, hostRuntime, onHostExit } from '../host/index.js'

export { allCommands, printHelp, findCommand, type CommandSpec, type TerminalPeer } from './commands.js'
export { REFERENCE_HELP_LINES } from './help.js'
export { subnetCommands, type TerminalSubnet } from './subnet-commands.js'
export { inspectValue, formatArgs } from './format.js'
export { LineReader, LineSplitter } from '../common/index.js'

export interface CommandOutcome {
  ok: boolean
  error: string | null
  /** The failure's machine code (see src/errors.ts; COMMAND_FAILED when what was thrown carries none); null on success. */
  code: ErrorCode | null
  result: unknown
}

export interface RunOptions {
  /**
   * Print a failure as `Command failed: <message>` (the reference terminal's line; default), or only report it
   * in the outcome (SC-Bridge `cli`, whose reply carries it as `error`).
   */
  printFailures?: boolean
  /**
   * Also receives every line the peer logs while this command runs (apply and contract lines among them), as
   * the reference's `cli` captures all console output of the command's run.
   */
  captureLog?: LogFn
}

export class CommandRunner {
  private queue: Promise<unknown> = Promise.resolve()

  constructor(
    readonly peer: TerminalPeer,
    readonly commands: CommandSpec[] = allCommands()
  ) {}

  /** Runs one line; output goes to `print` as raw console-style arguments. Serialized with other calls. */
  run(line: string, print: (...args: unknown[]) => void, opts: RunOptions = {}): Promise<CommandOutcome> {
    const next = this.queue.then(() => this.runNow(line, print, opts))
    this.queue = next.catch(() => {})
    return next
  }

  private async runNow(line: string, print: (...args: unknown[]) => void, opts: RunOptions): Promise<CommandOutcome> {
    const trimmed = line.trim()
    if (trimmed === '') return { ok: true, error: null, code: null, result: undefined }
    const untap = opts.captureLog ? (this.peer.tapLog?.(opts.captureLog) ?? null) : null
    // Handlers may `return ctx.print(...)`; whatever the sink returns must not become the result.
    const sink = (...args: unknown[]): void => {
      print(...args)
    }
    try {
      const cmd = findCommand(this.commands, trimmed)
      // Lines no command matches go to the subnet app's protocol (its /get, /print and own commands); a line
      // nobody handles prints nothing, as in the reference.
      if (!cmd) {
        await runCustomCommand(this.peer, trimmed, sink)
        return { ok: true, error: null, code: null, result: undefined }
      }
      const result = await cmd.run(runArgs(trimmed), { peer: this.peer, print: sink }, trimmed)
      return { ok: true, error: null, code: null, result }
    } catch (err: any) {
      const message = err?.message ?? String(err)
      if (opts.printFailures !== false) print('Command failed:', message)
      return {
        ok: false,
        error: message,
        code: err instanceof IntercomError ? err.code : 'COMMAND_FAILED',
        result: null
      }
    } finally {
      untap?.()
    }
  }
}

export interface TerminalOptions {
  /** null: no usable stdin; the help is printed and nothing is read (as with closed stdin). */
  input: NodeJS.ReadableStream | null
  output: NodeJS.WritableStream
  /** No colors even on a terminal (NO_COLOR set). */
  noColor?: boolean
  prompt?: string
  /** Print the command list at start (the reference does). */
  printHelp?: boolean
}

export class Terminal {
  private rl: readline.Interface | null = null
  private lines: LineReader | null = null
  private restoreMode: (() => void) | null = null

  constructor(
    readonly runner: CommandRunner,
    private readonly opts: TerminalOptions
  ) {}

  start(): void {
    const { input, output } = this.opts
    // On a terminal, inspected values are colored as the reference's console colors them.
    const colors = (output as any).isTTY === true && this.opts.noColor !== true
    const print = (...args: unknown[]) => {
      output.write(formatArgs(args, { colors }) + '\n')
    }
    // The reference prints its command list at start, as /help does.
    if (this.opts.printHelp !== false) this.runner.run('/help', print).catch(() => {})
    if (input === null) return
    if (!(input as any).isTTY) {
      // A pipe, a file or /dev/null: plain lines, no prompt and no echo, on Node and Bare alike.
      // Closed stdin is not a reason to stop: the peer keeps serving until a signal or /exit.
      this.lines = new LineReader(
        input as unknown as LineSource,
        (line) => {
          this.runner.run(line, print).catch(() => {})
        },
        () => {
          this.lines = null
        }
      )
      return
    }
    this.startTty(input, print)
  }

  private startTty(input: NodeJS.ReadableStream, print: (...args: unknown[]) => void): void {
    const { output } = this.opts
    const tty = input as NodeJS.ReadableStream & {
      setRawMode?: (on: boolean) => unknown
      prependListener?: (ev: string, fn: (d: unknown) => void) => unknown
    }
    let onCtrlC: ((d: unknown) => void) | null = null
    if (hostRuntime() === 'bare' && typeof tty.setRawMode === 'function') {
      // Bare's readline decodes keys itself but leaves the mode alone: without raw mode the terminal
      // echoes each line a second time. Raw mode also turns Ctrl-C into a byte, so raise the SIGINT
      // the terminal no longer sends (Bare's readline would only close itself).
      tty.setRawMode(true)
      onCtrlC = (d) => {
        if (typeof d === 'string' ? d.includes('\x03') : (d as Uint8Array).includes(3)) hostInterrupt()
      }
      tty.prependListener?.('data', onCtrlC)
      let restored = false
      this.restoreMode = () => {
        if (restored) return
        restored = true
        if (onCtrlC) input.removeListener('data', onCtrlC)
        try {
          tty.setRawMode!(false)
        } catch {}
      }
      onHostExit(this.restoreMode)
    }
    const rl = readline.createInterface({
      input,
      output: hostRuntime() === 'bare' ? withColumns(output) : output,
      terminal: true
    })
    this.rl = rl
    // Node's readline takes Ctrl-C in raw mode too; without a listener it would just close.
    rl.on('SIGINT', () => hostInterrupt())
    rl.setPrompt(this.opts.prompt ?? '> ')
    rl.prompt()
    rl.on('line', (line) => {
      this.runner
        .run(line, print)
        .catch(() => {})
        .finally(() => {
          if (this.rl) this.rl.prompt()
        })
    })
    // Ctrl-D closes the prompt but, as with closed stdin, the peer keeps serving.
    rl.on('close', () => {
      this.rl = null
      this.restoreMode?.()
    })
  }

  close(): void {
    this.lines?.close()
    this.lines = null
    this.rl?.close()
    this.rl = null
    this.restoreMode?.()
  }
}

/**
 * `output` with a usable width: a terminal that reports 0 columns (a pseudo-terminal nobody sized)
 * would make Bare's readline divide by zero and print `ESC[NaNG` cursor moves.
 */
function withColumns(output: NodeJS.WritableStream): NodeJS.WritableStream {
  return new Proxy(output, {
    get(target, key) {
      if (key === 'columns') return (target as any).columns || 80
      if (key === 'rows') return (target as any).rows || 24
      const value = Reflect.get(target, key, target)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
}
