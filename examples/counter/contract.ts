// The counter app's contract: the consensus half. Every node of the subnet runs it on every op in the same
// order, so it may depend only on the op and the view (no clock, no randomness, no local state).
//
// View keys it writes:
//   counter                 the running total
//   increments/<pubkey>     how many increments that invoker made
//   ticks                   the last value fed by the ticker feature
import { Contract, type Protocol } from 'intercom-ts'

export const COUNTER_KEY = 'counter'
export const TICKS_KEY = 'ticks'
export const MAX_STEP = 100

export class CounterContract extends Contract {
  constructor(protocol: Protocol | null = null, config: Record<string, unknown> = {}) {
    super(protocol, config)

    // `/tx --command '{"op":"increment","by":3}'`: a whole step of 1..100. The schema is checked on every node
    // before the function runs; an op that fails it changes nothing.
    this.addSchema('increment', {
      value: {
        $$type: 'object',
        op: { type: 'equal', value: 'increment' },
        by: { type: 'number', integer: true, min: 1, max: MAX_STEP }
      }
    })
    // Only the subnet admin may reset (checked below, against the view, so every node agrees).
    this.addFunction('reset')
    // A read: writes nothing, prints what is there (run it with `--sim 1`, free of MSB fees).
    this.addFunction('readCounter')

    // Values from the ticker feature (apply has checked that the subnet admin signed them).
    this.addSchema('ticker_entry', {
      key: { type: 'equal', value: TICKS_KEY },
      value: { type: 'number', integer: true, min: 0 }
    })
    this.addFeature('ticker_feature', async () => {
      if (!this.check.validateSchema('ticker_entry', this.op)) return
      await this.put(TICKS_KEY, (this.op as { value: number }).value)
    })
  }

  async increment(): Promise<void> {
    const { by } = this.value as { by: number }
    const before = Number((await this.get(COUNTER_KEY)) ?? 0)
    await this.put(COUNTER_KEY, before + by)
    const mine = `increments/${String(this.address)}`
    await this.put(mine, Number((await this.get(mine)) ?? 0) + 1)
    this.log('counter', before, '->', before + by)
  }

  async reset(): Promise<Error | undefined> {
    const admin = await this.get('admin')
    // Returning an error (or failing an assert) records it as the tx's outcome and writes nothing.
    if (this.address !== admin) return new Error('Only the subnet admin can reset the counter.')
    await this.put(COUNTER_KEY, 0)
    return undefined
  }

  async readCounter(): Promise<void> {
    this.log('counter:', (await this.get(COUNTER_KEY)) ?? 0)
  }
}
