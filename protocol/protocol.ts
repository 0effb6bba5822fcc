// The sample Intercom protocol: the local side of the sample app, behaving as the reference's
// (Trac-Systems/intercom contract/protocol.js): the same `/tx --command` mapping, the same `/get` and `/print`
// commands, the same help lines and the same API extension. The reference's `/msb` and `/sc_*` commands are
// built into our terminal.
import { Protocol, type Printer, type TxDispatch } from '../src/subnet/index.js'

export const GET_USAGE = 'Usage: /get --key "<hyperbee-key>" [--confirmed true|false] [--unconfirmed 1]'

// `/get` reads its options with these patterns (not with parseArgs), as the reference does: `--key` takes a
// double- or single-quoted value or one word; any `--unconfirmed` means the local view; `--confirmed` is
// true only for `true` or `1`; by default the read is confirmed.
const GET_KEY_RE = /(?:^|\s)--key(?:=|\s+)("[^"]+"|'[^']+'|\S+)/
const GET_CONFIRMED_RE = /(?:^|\s)--confirmed(?:=|\s+)(\S+)/
const GET_UNCONFIRMED_RE = /(?:^|\s)--unconfirmed(?:=|\s+)?(\S+)?/

/** The options `/get` reads from its line: the key (quotes removed) and whether the read is confirmed. */
export function parseGetLine(line: string): { key: string | null; confirmed: boolean } {
  const m = GET_KEY_RE.exec(line)
  const raw = m ? m[1]!.trim() : null
  const key = raw === null || raw === '' ? null : raw.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1')
  const confirmedMatch = GET_CONFIRMED_RE.exec(line)
  const unconfirmed = GET_UNCONFIRMED_RE.test(line)
  const confirmed = unconfirmed
    ? false
    : confirmedMatch
      ? confirmedMatch[1] === 'true' || confirmedMatch[1] === '1'
      : true
  return { key, confirmed }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

export class SampleProtocol extends Protocol {
  /**
   * `/tx --command` forms (exact strings, no trimming):
   * - `something` → storeSomething; `read_snapshot` → readSnapshot; `read_chat_last` → readChatLast;
   *   `read_timer` → readTimer (value null);
   * - a JSON object with `op`: `do_something` → submitSomething and `read_key` → readKey, both with the whole
   *   object as value; `read_chat_last` and `read_timer` → those reads (value null).
   * Anything else maps to nothing (the command is reported as not found). The reference throws a TypeError
   * for a command that is not JSON at all; here that is "not found" too.
   */
  override mapTxCommand(command: string): TxDispatch | null {
    switch (command) {
      case 'something':
        return { type: 'storeSomething', value: null }
      case 'read_snapshot':
        return { type: 'readSnapshot', value: null }
      case 'read_chat_last':
        return { type: 'readChatLast', value: null }
      case 'read_timer':
        return { type: 'readTimer', value: null }
    }
    const json = typeof command === 'string' ? this.safeJsonParse(command) : undefined
    if (!isRecord(json) || json.op === undefined) return null
    switch (json.op) {
      case 'do_something':
        return { type: 'submitSomething', value: json }
      case 'read_key':
        return { type: 'readKey', value: json }
      case 'read_chat_last':
        return { type: 'readChatLast', value: null }
      case 'read_timer':
        return { type: 'readTimer', value: null }
      default:
        return null
    }
  }

  /** `/get` and `/print`. Like the reference, a line is matched by its start (`/getx` is `/get`). */
  override async customCommand(line: string, print: Printer): Promise<boolean> {
    this.tokenizeInput(line)
    if (line.startsWith('/get')) {
      const { key, confirmed } = parseGetLine(line)
      if (key === null) {
        print(GET_USAGE)
        return true
      }
      print(confirmed ? await this.getSigned(key) : await this.get(key))
      return true
    }
    if (line.startsWith('/print')) {
      const text = this.parseArgs(line).text
      print(typeof text === 'string' ? text : undefined)
      return true
    }
    return false
  }

  override async printOptions(print: Printer): Promise<void> {
    print(' ')
    print('- Sample Commands:')
    print('- /print | use this flag to print some text to the terminal: \'--text "I am printing"')
    print('- /get --key "<key>" [--confirmed true|false] | reads subnet state key (confirmed defaults to true).')
    print('- /msb | prints MSB txv + lengths (local MSB node view).')
    print('- /tx --command "read_chat_last" | prints last chat message captured by contract.')
    print('- /tx --command "read_timer" | prints current timer feature value.')
    print('- /sc_join --channel "<name>" | join an ephemeral sidechannel (no autobase).')
    print(
      '- /sc_open --channel "<name>" [--via "<channel>"] [--invite <json|b64|@file>] [--welcome <json|b64|@file>] | request others to open a sidechannel.'
    )
    print(
      '- /sc_send --channel "<name>" --message "<text>" [--invite <json|b64|@file>] | send message over sidechannel.'
    )
    print(
      '- /sc_invite --channel "<name>" --pubkey "<peer-pubkey-hex>" [--ttl <sec>] [--welcome <json|b64|@file>] | create a signed invite.'
    )
    print('- /sc_welcome --channel "<name>" --text "<message>" | create a signed welcome.')
    print('- /sc_stats | show sidechannel channels + connection count.')
  }

  /** Adds `getSampleData()` to the API (and so to the RPC schema), as the reference does. */
  override async extendApi(): Promise<void> {
    this.api.getSampleData = (): string => 'Some sample data'
  }
}
