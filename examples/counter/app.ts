// The counter app: what `new IntercomPeer({ config, app })` and `runIntercom({ app })` take.
import type { IntercomApp } from 'intercom-ts'
import { CounterContract } from './contract.js'
import { CounterProtocol } from './protocol.js'
import { TickerFeature } from './feature.js'

export interface CounterAppOptions {
  /** Ticker interval on the subnet admin; 0 turns the ticker off. Default 60 s. */
  tickMs?: number
}

export function counterApp(opts: CounterAppOptions = {}): IntercomApp {
  const tickMs = opts.tickMs ?? 60_000
  return {
    Protocol: CounterProtocol,
    Contract: CounterContract,
    features: {
      // Admin-only (the default): apply takes feature values from the subnet admin alone.
      ticker: { create: (runtime) => new TickerFeature(runtime, tickMs), enabled: () => tickMs > 0 }
    }
  }
}
