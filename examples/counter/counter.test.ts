// The counter app on a real peer, built only on the package's public surface ('intercom-ts'): a local MSB
// devnet, a peer running the counter app, the subnet deployed and paid for, settled increments indexed in the
// view, the schema and the admin rule enforced by the contract, the app's own /counter command and help lines,
// and the ticker feature feeding values once the peer restarts as the subnet's admin.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { IntercomPeer, parseConfig, startDevnet, msb } from 'intercom-ts'
import { counterApp } from './app.js'
import { COUNTER_KEY, TICKS_KEY } from './contract.js'

const ENV = { INTERCOM_LOCAL_ONLY: '1' }

async function until<T>(fn: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  while (true) {
    const v = await fn()
    if (v !== null && v !== undefined && v !== false) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

test('counter app: settled increments, schema and admin rule, /counter, ticker feature', {
  timeout: 240_000
}, async (t) => {
  const devnet = await startDevnet({ validators: 1 })
  t.after(() => devnet.close())
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'intercom-counter-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const msbFlags = devnet.peerFlags.replace(/^peer flags: /, '').split(' ')
  const argv = [
    '--peer-store-name',
    'counter',
    '--peer-stores-directory',
    dir,
    '--msb-stores-directory',
    dir,
    '--dht-bootstrap',
    'local',
    ...msbFlags
  ]

  const logs: string[] = []
  const open = async (): Promise<IntercomPeer> => {
    const peer = new IntercomPeer({
      config: parseConfig(argv, ENV),
      env: ENV,
      app: counterApp({ tickMs: 300 }),
      log: (l) => {
        logs.push(l)
      }
    })
    await peer.ready()
    return peer
  }
  let peer = await open()
  t.after(() => peer.close())
  const run = async (line: string): Promise<string> => {
    const out: string[] = []
    await peer.runner.run(line, (...a: unknown[]) => {
      out.push(a.map(String).join(' '))
    })
    return out.join('\n')
  }

  // The peer runs this app: its protocol's help lines and command, its contract's schema in the API.
  assert.match(await run('/help'), /- Counter Commands:/)
  assert.doesNotMatch(await run('/help'), /Sample Commands/)
  assert.equal(await run('/counter'), `counter: 0 (confirmed)\nticks: none\nmy increments: 0`)
  // Not the admin yet: the admin-only ticker did not start, and said so.
  assert.ok(logs.includes('[ticker] not started: this peer is not the writable subnet admin.'), logs.join('\n'))

  // Become the subnet admin, fund the wallet on the MSB and deploy the subnet.
  const me = peer.wallet.publicKeyHex
  await run(`/add_admin --address ${me}`)
  await until(async () => (await peer.subnet.get('admin')) === me, 'the admin entry')
  const client = peer.msb!
  await devnet.fund(client.addressOf(peer.wallet.publicKey), msb.parseAmount('10'))
  await until(
    async () => client.status().msbSignedLength > 0 && client.status().connectedValidators > 0,
    'the MSB client synced'
  )
  assert.match(await run('/deploy_subnet'), /Subnet deployment confirmed/)

  // Settled increments: each one paid on the MSB, then run by the contract on the subnet.
  for (const by of [3, 4]) {
    const out = await run(`/tx --command '{"op":"increment","by":${by}}'`)
    assert.match(out, /MSB TX broadcasted: [0-9a-f]{64}/, out)
  }
  await until(async () => (await peer.subnet.get(COUNTER_KEY)) === 7, 'counter = 7')
  assert.equal(await peer.subnet.get(`increments/${me}`), 2)
  assert.ok(
    logs.some((l) => l.includes('counter 3 -> 7')),
    logs.join('\n')
  )

  // A read, simulated: it prints the contract's log line and pays nothing.
  assert.match(await run('/tx --command "read_counter" --sim 1'), /counter: 7/)

  // The schema refuses a step out of range before anything is paid; unknown commands map to nothing.
  assert.match(await run(`/tx --command '{"op":"increment","by":1000}' --sim 1`), /Invalid schema/)
  assert.match(await run('/tx --command "decrement"'), /not found/i)

  // /counter reads the app's keys; unconfirmed reads the local view.
  await until(async () => (await run('/counter')).startsWith('counter: 7 (confirmed)'), '/counter confirmed')
  assert.match(await run('/counter --unconfirmed 1'), /^counter: 7 \(unconfirmed\)\nticks: none\nmy increments: 2$/)

  // The admin may reset; the contract checks it against the view.
  assert.match(await run('/tx --command "reset"'), /MSB TX broadcasted/)
  await until(async () => (await peer.subnet.get(COUNTER_KEY)) === 0, 'counter reset')

  // Restarted as the writable admin, the peer starts the ticker; its values reach the view, and the counter
  // kept its state across the restart.
  await peer.close()
  peer = await open()
  assert.equal(await peer.subnet.get(COUNTER_KEY), 0)
  assert.ok(peer.features.has('ticker'))
  const ticks = await until(
    async () => {
      const v = await peer.subnet.get(TICKS_KEY)
      return typeof v === 'number' && v >= 2 ? v : null
    },
    'two ticks',
    20_000
  )
  assert.ok(ticks >= 2)
  assert.match(await run('/counter --unconfirmed 1'), /^ticks: \d+$/m)
})

test('counter app: a reset from a peer that is not the admin is recorded as an error and changes nothing', {
  timeout: 60_000
}, async (t) => {
  // The contract alone, driven as apply drives it: no peer needed to check consensus rules.
  const { CounterContract } = await import('./contract.js')
  const contract = new CounterContract()
  const view = new Map<string, unknown>([
    ['admin', 'a'.repeat(64)],
    [COUNTER_KEY, 5]
  ])
  const storage = {
    get: async (k: string) => view.get(k) ?? null,
    has: async (k: string) => view.has(k),
    put: async (k: string, v: unknown) => {
      view.set(k, v)
    },
    del: async (k: string) => {
      view.delete(k)
    }
  }
  t.diagnostic('executes reset as a non-admin, then as the admin')
  const op = (ipk: string): Record<string, unknown> => ({
    type: 'tx',
    key: '0'.repeat(64),
    value: { dispatch: { type: 'reset', value: null }, ipk, wp: 'c'.repeat(64) }
  })
  const refused = await contract.execute(op('b'.repeat(64)), storage)
  assert.ok(refused instanceof Error, String(refused))
  assert.match(String((refused as Error).message), /Only the subnet admin/)
  assert.equal(view.get(COUNTER_KEY), 5)
  assert.equal(await contract.execute(op('a'.repeat(64)), storage), undefined)
  assert.equal(view.get(COUNTER_KEY), 0)
})
