// The interactive terminal: a readline loop over the command table. Lines run one at a time, in
// order, so piped scripts behave like typed ones. When stdin ends (a peer run as a service) the
// peer keeps running until a signal or /exit.
import readline from 'readline'
import { allCommands, findCommand, helpText, runArgs, runCustomCommand, type CommandSpec, type TerminalPeer } from './commands.js'
import { formatArgs } from './format.js'

export { allCommands, helpText, findCommand, type CommandSpec, type TerminalPeer } from './commands.js'
export { subnetCommands, type TerminalSubnet } from './subnet-commands.js'
export { inspectValue, formatArgs } from './format.js'

export interface CommandOutcome {
  ok: boolean
  error: string | null
  result: unknown
}

export class CommandRunner {
  private queue: Promise<unknown> = Promise.resolve()

  constructor (readonly peer: TerminalPeer, readonly commands: CommandSpec[] = allCommands()) {}

  /** Runs one line; output goes to `print` as raw console-style arguments. Serialized with other calls. */
  run (line: string, print: (...args: unknown[]) => void): Promise<CommandOutcome> {
    const next = this.queue.then(() => this.runNow(line, print))
    this.queue = next.catch(() => {})
    return next
  }

  private async runNow (line: string, print: (...args: unknown[]) => void): Promise<CommandOutcome> {
    const trimmed = line.trim()
    if (trimmed === '') return { ok: true, error: null, result: undefined }
    const cmd = findCommand(this.commands, trimmed)
    // Handlers may `return ctx.print(...)`; whatever the sink returns must not become the result.
    const sink = (...args: unknown[]): void => { print(...args) }
    try {
      if (!cmd) {
        // Lines no command matches go to the subnet app's protocol first (its /get and own commands).
        if (await runCustomCommand(this.peer, trimmed, sink)) return { ok: true, error: null, result: undefined }
        const first = trimmed.split(/\s+/)[0]
        print(trimmed.startsWith('/')
          ? `Unknown command: ${first}. Type /help for the list of commands.`
          : 'Commands start with "/". Type /help for the list of commands.')
        return { ok: true, error: null, result: undefined }
      }
      const result = await cmd.run(runArgs(trimmed), { peer: this.peer, print: sink }, trimmed)
      return { ok: true, error: null, result }
    } catch (err: any) {
      const message = err?.message ?? String(err)
      print(`Command failed: ${message}`)
      return { ok: false, error: message, result: undefined }
    }
  }
}

export interface TerminalOptions {
  input: NodeJS.ReadableStream
  output: NodeJS.WritableStream
  prompt?: string
  /** Print the command list at start (the reference does). */
  printHelp?: boolean
}

export class Terminal {
  private rl: readline.Interface | null = null

  constructor (readonly runner: CommandRunner, private readonly opts: TerminalOptions) {}

  start (): void {
    const { input, output } = this.opts
    const interactive = Boolean((input as any).isTTY)
    this.rl = readline.createInterface({ input, output, terminal: interactive })
    const print = (...args: unknown[]) => { output.write(formatArgs(args) + '\n') }
    if (this.opts.printHelp !== false) print(helpText(this.runner.commands))
    this.rl.setPrompt(this.opts.prompt ?? '> ')
    if (interactive) this.rl.prompt()
    this.rl.on('line', (line) => {
      this.runner.run(line, print).finally(() => { if (interactive && this.rl) this.rl.prompt() })
    })
    // Closed stdin is not a reason to stop: the peer keeps serving until a signal or /exit.
    this.rl.on('close', () => { this.rl = null })
  }

  close (): void {
    this.rl?.close()
    this.rl = null
  }
}
