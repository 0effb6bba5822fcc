// Runs a peer with the counter app: every flag of the stock peer works (`--help` lists them).
//   node --import tsx examples/counter/main.ts --dht-bootstrap local
// COUNTER_TICK_MS sets the ticker interval (0 = off).
import { runIntercom } from 'intercom-ts'
import { counterApp } from './app.js'

const tickMs = Number(process.env.COUNTER_TICK_MS ?? 60_000)
if (!Number.isInteger(tickMs) || tickMs < 0) {
  console.error('COUNTER_TICK_MS must be a whole number of milliseconds (0 turns the ticker off)')
  process.exit(2)
}
await runIntercom({ app: counterApp({ tickMs }), name: 'intercom-counter' })
