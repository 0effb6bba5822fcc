// The sample Timer feature (Intercom `--timer`): while started it appends the current time as the
// `currentTime` feature value, so the contract's `timer_feature` handler can keep a clock in the view
// that every node agrees on. Only the subnet admin's appends are applied, so start it only on the admin.
import { Feature } from '../src/subnet/index.js'
import type { SubnetRuntimeLike } from '../src/subnet/index.js'

export const TIMER_FEATURE_KEY = 'timer'
export const DEFAULT_TIMER_INTERVAL_MS = 60_000

export interface TimerFeatureOptions {
  /** Time between appends; the first one happens right at start. Default 60 s. */
  intervalMs?: number
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number
}

export class TimerFeature extends Feature {
  readonly intervalMs: number
  private readonly now: () => number
  private timer: ReturnType<typeof setTimeout> | null = null
  private running = false
  // Bumped by every start and stop, so a tick from an earlier run never schedules another one.
  private generation = 0
  private inFlight: Promise<void> | null = null

  constructor(runtime: SubnetRuntimeLike, options: TimerFeatureOptions = {}) {
    super(runtime, {})
    const intervalMs = options.intervalMs ?? DEFAULT_TIMER_INTERVAL_MS
    if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new RangeError('intervalMs must be a positive number')
    this.intervalMs = intervalMs
    this.now = options.now ?? Date.now
  }

  get started(): boolean {
    return this.running
  }

  /** Starts ticking (idempotent). Resolves after the first append attempt. */
  async start(): Promise<void> {
    if (this.running) return
    this.running = true
    await this.tick(++this.generation)
  }

  /** Stops ticking (idempotent) and waits for an append in progress, so nothing runs after it resolves. */
  async stop(): Promise<void> {
    this.running = false
    this.generation++
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    if (this.inFlight !== null) await this.inFlight
  }

  // One append, then the next tick is scheduled from its end: appends never overlap, and a slow
  // append delays the clock instead of piling up.
  private async tick(generation: number): Promise<void> {
    this.timer = null
    if (generation !== this.generation) return
    const append = this.appendTime()
    this.inFlight = append
    await append
    if (this.inFlight === append) this.inFlight = null
    if (generation === this.generation)
      this.timer = setTimeout(() => {
        void this.tick(generation)
      }, this.intervalMs)
  }

  private async appendTime(): Promise<void> {
    try {
      await this.append('currentTime', this.now())
    } catch (err) {
      this.log(`Timer feature: append failed: ${(err as Error)?.message ?? String(err)}`)
    }
  }
}
