// The sample Intercom contract: a small, complete example of every kind of contract entry point.
// Intercom's own sample bodies are not specified, so these are designed here; the names and roles follow
// it (storeSomething, submitSomething, the read functions, the timer feature, the chat hook).
//
// A contract is consensus code: every node of a subnet must run the same contract, or their views part.
// Everything below only depends on the op and on the view, never on the clock, randomness or local state.
//
// View keys (all under `app/`, the reference's convention for contract state):
//   app/store/<key>          value stored by storeSomething
//   app/submission_count     number of submissions
//   app/submission/<n>       { address, value, tx } appended by submitSomething
//   app/timer/currentTime    last value fed by the timer feature (ms since the epoch)
import { Contract } from '../src/subnet/contract.js'
import { visibleLength } from '../src/subnet/numbers.js'
import type { Protocol } from '../src/subnet/protocol.js'

export const STORE_PREFIX = 'app/store/'
export const SUBMISSION_COUNT_KEY = 'app/submission_count'
export const SUBMISSION_PREFIX = 'app/submission/'
export const TIMER_KEY = 'app/timer/currentTime'
/** Largest submitSomething value, as JSON bytes. */
export const MAX_SUBMISSION_BYTES = 1024
/** Longest chat message the contract accepts (UTF-16 units, as `string.length` counts). */
export const MAX_CHAT_MESSAGE_CHARS = 4096
/** Characters allowed in storeSomething keys: keeps `app/store/<key>` a single flat key. */
export const STORE_KEY_PATTERN = '^[A-Za-z0-9_.:-]{1,64}$'

function asCount (value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0
}

export class SampleContract extends Contract {
  constructor (protocol: Protocol | null = null, config: Record<string, unknown> = {}) {
    super(protocol, config)

    // Schema'd functions: the dispatch `{ type, value }` is checked before the method runs; a dispatch
    // that fails is not indexed at all.
    this.addSchema('storeSomething', {
      value: { $$type: 'object', key: { type: 'string', pattern: STORE_KEY_PATTERN }, value: { type: 'any' } }
    })
    this.addSchema('readKey', { value: { $$type: 'object', key: { type: 'string', min: 1, max: 256 } } })

    // Plain functions: they check their own input, and a failure is indexed with the error message.
    this.addFunction('submitSomething')
    this.addFunction('readSnapshot')
    this.addFunction('readChatLast')
    this.addFunction('readTimer')

    // Fed by features/timer.ts (`timer` + `_feature`). Apply has already checked the admin signature.
    this.addFeature('timer_feature', async function () {
      if (this.op?.key !== 'currentTime' || this.value === null) return
      await this.put(TIMER_KEY, this.value)
    })

    // Every chat message passes here before apply stores it; returning an Error rejects it.
    this.messageHandler(function () {
      const text = this.op?.msg
      if (typeof text !== 'string' || text.trim() === '') return new Error('Empty message.')
      if (text.length > MAX_CHAT_MESSAGE_CHARS) return new Error('Message too long.')
      return null
    })
  }

  /** `{ key, value }` → stores `value` (any JSON but null) under `app/store/<key>`; last writer wins. */
  async storeSomething (): Promise<unknown> {
    const { key, value } = this.value as { key: string, value: unknown }
    await this.put(STORE_PREFIX + key, value)
    return { key: STORE_PREFIX + key }
  }

  /** Any JSON value but null, at most MAX_SUBMISSION_BYTES: appended to the submission log with its author. */
  async submitSomething (): Promise<unknown> {
    this.assert(this.value !== null, 'Nothing to submit.')
    if (visibleLength(JSON.stringify(this.value)) > MAX_SUBMISSION_BYTES) return new Error('Submission too large.')
    const n = asCount(await this.get(SUBMISSION_COUNT_KEY))
    await this.put(SUBMISSION_PREFIX + n, { address: this.address, value: this.value, tx: this.tx })
    await this.put(SUBMISSION_COUNT_KEY, n + 1)
    return { index: n }
  }

  // The read functions write nothing. Their result is only visible when simulated
  // (`/tx --sim 1 --command read_snapshot`); settled, they are indexed as successful no-ops.
  // Results are always objects: a bare `false` read from the view would look like a failure.

  async readSnapshot (): Promise<unknown> {
    return {
      admin: await this.get('admin'),
      chatStatus: await this.get('chat_status'),
      messages: asCount(await this.get('msgl')),
      transactions: asCount(await this.get('txl')),
      submissions: asCount(await this.get(SUBMISSION_COUNT_KEY)),
      currentTime: await this.get(TIMER_KEY)
    }
  }

  /** `{ key }` → `{ key, value }` for any view key (reading reserved keys is allowed). */
  async readKey (): Promise<unknown> {
    const { key } = this.value as { key: string }
    return { key, value: await this.get(key) }
  }

  /** The newest chat message: `{ index, message }`, both null when there is none. */
  async readChatLast (): Promise<unknown> {
    const count = asCount(await this.get('msgl'))
    if (count === 0) return { index: null, message: null }
    return { index: count - 1, message: await this.get(`msg/${count - 1}`) }
  }

  async readTimer (): Promise<unknown> {
    return { currentTime: await this.get(TIMER_KEY) }
  }
}
