// The sample Intercom protocol: the local side of the sample app. It maps `/tx --command` input to the
// sample contract's functions and adds two terminal commands, `/get` and `/print`.
import { jsonParse } from '../src/subnet/numbers.js'
import { Protocol, type Printer, type TxDispatch } from '../src/subnet/protocol.js'
import { tokenizeCommandLine } from '../src/terminal/args.js'
import { STORE_PREFIX, TIMER_KEY } from '../contract/contract.js'

const GET_USAGE = '/get --key "<key>" [--confirmed true|false]'
const PRINT_USAGE = '/print --text "<text>"'

/** `true`/`1` and `false`/`0` (any case); anything else is `fallback`. */
function parseFlag (raw: string | null | undefined, fallback: boolean): boolean {
  if (typeof raw !== 'string') return fallback
  const s = raw.trim().toLowerCase()
  if (s === 'true' || s === '1') return true
  if (s === 'false' || s === '0') return false
  return fallback
}

/** A command argument as a value: JSON when it parses (numbers, objects, quoted strings), else the text itself. */
function argValue (text: string): unknown {
  const parsed = jsonParse(text)
  return parsed === undefined ? text : parsed
}

function isRecord (x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

export class SampleProtocol extends Protocol {
  /**
   * Accepted `/tx --command` forms:
   * - a JSON object `{"type": "<function>", "value": <any JSON>}` (value required, null allowed), passed as is;
   * - `store <key> <value…>` → storeSomething `{ key, value }`; the value is the rest of the line, read as
   *   JSON when it parses (`42`, `{"a":1}`, `"quoted text"`), else taken as plain text;
   * - `submit <value…>` → submitSomething (same value rule);
   * - `read_snapshot`, `read_chat_last`, `read_timer` → the read functions (value null);
   * - `read_key <key>` → readKey `{ key }`.
   * Anything else maps to nothing (the command is reported as not found).
   */
  override mapTxCommand (command: string): TxDispatch | null {
    const trimmed = typeof command === 'string' ? command.trim() : ''
    if (trimmed.startsWith('{')) {
      const obj = jsonParse(trimmed)
      if (!isRecord(obj) || typeof obj.type !== 'string' || obj.type === '' || obj.value === undefined) return null
      return { type: obj.type, value: obj.value }
    }
    // The rest of the line is taken raw (not re-tokenized), so JSON values keep their quotes.
    const [, verb = '', rest = ''] = /^(\S*)\s*([\s\S]*)$/.exec(trimmed) ?? []
    switch (verb) {
      case 'store': {
        const m = /^(\S+)\s+([\s\S]+)$/.exec(rest)
        return m ? { type: 'storeSomething', value: { key: m[1], value: argValue(m[2]!) } } : null
      }
      case 'submit':
        return rest === '' ? null : { type: 'submitSomething', value: argValue(rest) }
      case 'read_key':
        return rest === '' || /\s/.test(rest) ? null : { type: 'readKey', value: { key: rest } }
      case 'read_snapshot':
        return { type: 'readSnapshot', value: null }
      case 'read_chat_last':
        return { type: 'readChatLast', value: null }
      case 'read_timer':
        return { type: 'readTimer', value: null }
      default:
        return null
    }
  }

  override async customCommand (line: string, print: Printer): Promise<boolean> {
    const command = tokenizeCommandLine(line)[0]
    if (command === '/get') {
      const args = this.parseArgs(line)
      const key = args.key
      if (typeof key !== 'string' || key === '') {
        print(`Usage: ${GET_USAGE}`)
        return true
      }
      // Confirmed (indexer-signed) by default; `--confirmed false` or `--unconfirmed 1` reads the local view.
      const confirmed = parseFlag(args.confirmed, !parseFlag(args.unconfirmed, false))
      print(confirmed ? await this.getSigned(key) : await this.get(key))
      return true
    }
    if (command === '/print') {
      const text = this.parseArgs(line).text
      print(typeof text === 'string' ? text : `Usage: ${PRINT_USAGE}`)
      return true
    }
    return false
  }

  override async printOptions (print: Printer): Promise<void> {
    print('App Commands:')
    print(`- /get | read a subnet state key (confirmed view unless --confirmed false): '${GET_USAGE}'`)
    print(`- /print | print a text: '${PRINT_USAGE}'`)
    print('- /tx | sample contract call; the command is JSON {"type","value"} or one of: store <key> <value>, ' +
      'submit <value>, read_key <key>, read_snapshot, read_chat_last, read_timer: \'/tx --command "<command>" [--sim 1]\'')
  }

  /** Adds `getStoredValue(key, signed = true)` and `getCurrentTime(signed = true)` to the API (and so to RPC). */
  override async extendApi (): Promise<void> {
    this.api.getStoredValue = async (key: string, signed = true): Promise<unknown> => {
      return signed ? this.getSigned(STORE_PREFIX + key) : this.get(STORE_PREFIX + key)
    }
    this.api.getCurrentTime = async (signed = true): Promise<unknown> => {
      return signed ? this.getSigned(TIMER_KEY) : this.get(TIMER_KEY)
    }
  }
}
