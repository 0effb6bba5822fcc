// The counter app's feature: a ticker that the subnet admin runs, appending an increasing number every
// `intervalMs`. Features are how outside data (a clock, a price) enters the consensus view: the admin signs
// each value and the contract's `ticker_feature` handler decides what to store.
import { Feature, type SubnetRuntimeLike } from 'intercom-ts'
import { TICKS_KEY } from './contract.js'

export class TickerFeature extends Feature {
  private timer: ReturnType<typeof setInterval> | null = null
  private pending: Promise<unknown> = Promise.resolve()
  private n = 0

  constructor(
    runtime: SubnetRuntimeLike,
    readonly intervalMs: number
  ) {
    super(runtime)
    if (!Number.isInteger(intervalMs) || intervalMs < 100)
      throw new RangeError('the ticker interval must be a whole number of ms, at least 100')
  }

  async start(): Promise<void> {
    if (this.timer !== null) return
    // Continue from the value already in the view, so a restarted admin keeps counting up.
    const last = await this.get(TICKS_KEY)
    this.n = typeof last === 'number' ? last : 0
    this.timer = setInterval(() => {
      // One append at a time; a failure is printed and the next tick tries again.
      this.pending = this.pending
        .then(() => this.append(TICKS_KEY, ++this.n))
        .catch((err: Error) => this.log(`ticker: ${err.message}`))
    }, this.intervalMs)
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    await this.pending
  }
}
