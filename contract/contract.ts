// The sample Intercom contract. A subnet shared with reference peers runs the reference's sample contract
// (Trac-Systems/intercom contract/contract.js) on those peers, so this one does exactly what that one does:
// the same functions and schemas, the same keys and values written in the same order, the same messages
// accepted, the same lines printed. Only the code is ours.
//
// A contract is consensus code: every node of a subnet must run the same contract, or their views part.
// Everything here depends only on the op and the view, never on the clock, randomness or local state.
//
// View keys it writes (top level, as the reference's do):
//   something                 'there is something', set once by storeSomething
//   submitted_by/<pubkey>     the `some_key` of that invoker's last submitSomething
//   currentTime               the last value fed by the timer feature (ms since the epoch)
//   chat_last                 { msg, address, at } of the last chat message, `at` being currentTime then
import { Contract } from '../src/subnet/index.js'
import type { Protocol } from '../src/subnet/index.js'
import {
  formatNumberString,
  jsonParse,
  jsonStringify,
  resolveNumberString,
  safeBigInt,
  safeClone
} from '../src/subnet/index.js'

export const SOMETHING_KEY = 'something'
export const SOMETHING_VALUE = 'there is something'
export const SUBMITTED_BY_PREFIX = 'submitted_by/'
export const TIMER_KEY = 'currentTime'
export const CHAT_LAST_KEY = 'chat_last'

interface SubmitValue {
  op: string
  some_key: string
  [extra: string]: unknown
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

export class SampleContract extends Contract {
  constructor(protocol: Protocol | null = null, config: Record<string, unknown> = {}) {
    super(protocol, config)

    // No payload: registered without a schema.
    this.addFunction('storeSomething')

    // `{ op, some_key }`, both strings of 1..128 characters. The reference writes `$$strict` inside the
    // `$$type` shorthand, which fastest-validator 1.19 ignores: extra keys pass there, so they pass here.
    this.addSchema('submitSomething', {
      value: {
        $$strict: true,
        $$type: 'object',
        op: { type: 'string', min: 1, max: 128 },
        some_key: { type: 'string', min: 1, max: 128 }
      }
    })

    // Checked by the timer feature handler below (a schema, not a tx function: a tx of this type is unknown).
    this.addSchema('feature_entry', {
      key: { type: 'string', min: 1, max: 256 },
      value: { type: 'any' }
    })

    // Read helpers: they write nothing and print what they read.
    this.addFunction('readSnapshot')
    this.addFunction('readChatLast')
    this.addFunction('readTimer')
    this.addSchema('readKey', {
      value: {
        $$strict: true,
        $$type: 'object',
        op: { type: 'string', min: 1, max: 128 },
        key: { type: 'string', min: 1, max: 256 }
      }
    })

    // Fed by features/timer.ts (feature key `timer` + `_feature`); apply has already checked the admin
    // signature. Only the `currentTime` entry is stored.
    this.addFeature('timer_feature', async () => {
      if (!this.check.validateSchema('feature_entry', this.op)) return
      const op = this.op as { key: string; value: unknown }
      if (op.key !== TIMER_KEY) return
      if ((await this.get(TIMER_KEY)) === null) this.log('timer started at', op.value)
      await this.put(op.key, op.value)
    })

    // Every chat message passes here before apply stores it. It accepts every message and remembers the
    // last one with the timer's time.
    this.messageHandler(async () => {
      const op = this.op
      if (op?.type === 'msg' && typeof op.msg === 'string') {
        const currentTime = await this.get(TIMER_KEY)
        await this.put(CHAT_LAST_KEY, { msg: op.msg, address: op.address ?? null, at: currentTime ?? null })
      }
      this.log('message triggered contract', op)
    })
  }

  /** Sets `something` once; later calls only print what is there. */
  async storeSomething(): Promise<void> {
    const something = await this.get(SOMETHING_KEY)
    this.log('is there already something?', something)
    if (something === null) await this.put(SOMETHING_KEY, SOMETHING_VALUE)
  }

  /**
   * Stores the submitted `some_key` under `submitted_by/<invoker>`. On the way it exercises the number and
   * JSON helpers (the protocol's, in the reference) the way the reference sample does; none of them can fail
   * on a value the schema let through. It prints the value with the timer's time added.
   */
  async submitSomething(): Promise<unknown> {
    const value = this.value as SubmitValue
    if (value.some_key === '') return new Error('Cannot be empty')
    this.assert(value.some_key !== '', new Error('Cannot be empty'))

    const bigint = safeBigInt('1000000000000000000')
    this.assert(bigint !== null)
    const decimal = formatNumberString(bigint.toString(), 18)
    resolveNumberString(decimal, 18)

    const cloned = safeClone(value) as Record<string, unknown> | null
    this.assert(cloned !== null)
    cloned.timestamp = await this.get(TIMER_KEY)
    const stringified = jsonStringify(cloned)
    this.assert(stringified !== null)
    const parsed = jsonParse(stringified) as Record<string, unknown> | undefined
    this.assert(parsed !== undefined)

    await this.put(SUBMITTED_BY_PREFIX + String(this.address), parsed.some_key)
    this.log('submitted by', this.address, parsed)
    return undefined
  }

  async readSnapshot(): Promise<void> {
    const something = await this.get(SOMETHING_KEY)
    const currentTime = await this.get(TIMER_KEY)
    const msgl = await this.get('msgl')
    const msg0 = await this.get('msg/0')
    const msg1 = await this.get('msg/1')
    this.log('snapshot', { something, currentTime, msgl: msgl ?? 0, msg0, msg1 })
  }

  async readKey(): Promise<void> {
    const key = isRecord(this.value) ? this.value.key : undefined
    const value = typeof key === 'string' && key !== '' ? await this.get(key) : null
    this.log(`readKey ${String(key)}:`, value)
  }

  async readChatLast(): Promise<void> {
    this.log('chat_last:', await this.get(CHAT_LAST_KEY))
  }

  async readTimer(): Promise<void> {
    this.log('currentTime:', await this.get(TIMER_KEY))
  }
}
