// The counter app's protocol: the local half. It maps `/tx --command` strings to contract calls, adds the
// app's own terminal command and help lines, and reads the view for them.
import { Protocol, type Printer, type TxDispatch } from 'intercom-ts'
import { COUNTER_KEY, TICKS_KEY } from './contract.js'

export class CounterProtocol extends Protocol {
  /**
   * - `read_counter` → readCounter, `reset` → reset;
   * - `{"op":"increment","by":<n>}` → increment with that object as its value (the contract's schema judges it).
   * Anything else maps to nothing, and the terminal says the command was not found.
   */
  override mapTxCommand(command: string): TxDispatch | null {
    if (command === 'read_counter') return { type: 'readCounter', value: null }
    if (command === 'reset') return { type: 'reset', value: null }
    const json = this.safeJsonParse(command) as Record<string, unknown> | undefined
    if (typeof json === 'object' && json !== null && json.op === 'increment') return { type: 'increment', value: json }
    return null
  }

  /** `/counter [--unconfirmed 1]`: the total, the ticker's last value and this peer's own increments. */
  override async customCommand(line: string, print: Printer): Promise<boolean> {
    if (line !== '/counter' && !line.startsWith('/counter ')) return false
    const args = this.parseArgs(line)
    const confirmed = args.unconfirmed === undefined
    const read = (key: string): Promise<unknown> => (confirmed ? this.getSigned(key) : this.get(key))
    const me = this.runtime.walletPublicKeyHex
    print(`counter: ${String((await read(COUNTER_KEY)) ?? 0)} (${confirmed ? 'confirmed' : 'unconfirmed'})`)
    print(`ticks: ${String((await read(TICKS_KEY)) ?? 'none')}`)
    print(`my increments: ${String((me === null ? null : await read(`increments/${me}`)) ?? 0)}`)
    return true
  }

  override async printOptions(print: Printer): Promise<void> {
    print(' ')
    print('- Counter Commands:')
    print('- /tx --command \'{"op":"increment","by":<1..100>}\' | adds to the shared counter (settled on the MSB).')
    print('- /tx --command "reset" | sets the counter to 0 (subnet admin only).')
    print('- /tx --command "read_counter" --sim 1 | prints the counter without paying a fee.')
    print('- /counter [--unconfirmed 1] | prints the counter, the ticker and your own increments.')
  }
}
