import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Feature } from '../src/subnet/feature.js'
import { Protocol } from '../src/subnet/protocol.js'
import { Wallet } from '../src/wallet/index.js'
import { TimerFeature } from '../features/timer.js'
import { FakeRuntime, MemoryView } from './helpers/subnet-app.js'

class Probe extends Feature {
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

function registered(runtime: FakeRuntime, key = 'oracle'): Probe {
  const feature = new Probe(runtime)
  new Protocol(runtime).addFeature(key, feature)
  return feature
}

test('append builds the feature op in wire key order, signed by the peer wallet', async () => {
  const runtime = new FakeRuntime()
  const feature = registered(runtime)
  const value = { price: '1.5', at: 1700000000000 }
  assert.equal(await feature.append('price', value), true)
  assert.equal(runtime.appended.length, 1)
  const op = runtime.appended[0] as any
  const { hash, nonce } = op.value.dispatch
  assert.match(nonce, /^[0-9a-f]{64}$/)
  assert.match(hash, /^[0-9a-f]{128}$/)
  const address = runtime.walletPublicKeyHex
  assert.equal(
    JSON.stringify(op),
    `{"type":"feature","key":"oracle_price","value":{"dispatch":{"type":"oracle_feature","key":"price","hash":"${hash}",` +
      `"value":{"price":"1.5","at":1700000000000},"nonce":"${nonce}","address":"${address}"}}}`
  )
  assert.equal(Wallet.verify(hash, JSON.stringify(value) + nonce, address), true)
  assert.equal(Wallet.verify(hash, JSON.stringify({ ...value, price: '2' }) + nonce, address), false)

  await feature.append('price', value)
  assert.notEqual((runtime.appended[1] as any).value.dispatch.nonce, nonce)
})

test('the reference vector signature is over JSON.stringify(value) + nonce by the admin', () => {
  // subnet-vectors step 24 (feature:timer_currentTime), admin = seed 0x11.
  const admin = Wallet.fromSeed(new Uint8Array(32).fill(0x11))
  const nonce = 'b8'.repeat(32)
  const signature = admin.sign(JSON.stringify({ ts: 1700000000000, src: 'vector' }) + nonce)
  assert.equal(
    signature,
    '079b62d07f9b45e16990b3eed9577c4126f9a34bedfbf32cb2cbe2061ad299c423e466c5b6b737d70d8469a0910a8ef873827067e1ba7ed93d011a62577a190b'
  )
})

test('append on a read-only peer logs and appends nothing', async () => {
  const runtime = new FakeRuntime()
  runtime.writable = false
  const feature = registered(runtime)
  assert.equal(await feature.append('price', 1), false)
  assert.deepEqual(runtime.appended, [])
  assert.deepEqual(runtime.logs, [['Peer running features not writable.']])
})

test('append refuses what apply would drop or cannot sign', async () => {
  const runtime = new FakeRuntime()
  const feature = registered(runtime)
  await assert.rejects(feature.append('big', 'x'.repeat(4096)), /bytes/)
  await assert.rejects(feature.append('undef', undefined), TypeError)
  const noWallet = registered(new FakeRuntime(null))
  await assert.rejects(noWallet.append('k', 1), /wallet/)
  assert.deepEqual(runtime.appended, [])
})

test('get and getSigned read the two views', async () => {
  const runtime = new FakeRuntime(undefined, {
    unconfirmed: new MemoryView({ k: 1 }),
    confirmed: new MemoryView({ k: 2 })
  })
  const feature = registered(runtime)
  assert.equal(await feature.get('k'), 1)
  assert.equal(await feature.getSigned('k'), 2)
})

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

test('timer appends currentTime right away and every interval until stopped; no timer left behind', async () => {
  const runtime = new FakeRuntime()
  let clock = 1000
  const timer = new TimerFeature(runtime, { intervalMs: 15, now: () => clock++ })
  new Protocol(runtime).addFeature('timer', timer)
  const baseline = timeouts()

  const startedAt = Date.now()
  await timer.start()
  await timer.start() // idempotent: still one chain
  assert.equal(timer.started, true)
  assert.equal(runtime.appended.length, 1)
  while (runtime.appended.length < 4 && Date.now() - startedAt < 5000) await sleep(5)
  const elapsed = Date.now() - startedAt
  await timer.stop()
  await timer.stop()
  assert.equal(timer.started, false)
  // Three intervals at least between the first and the fourth append: a second chain would halve that.
  assert.ok(elapsed >= 40, `4 appends after ${elapsed} ms`)
  const count = runtime.appended.length
  assert.ok(count >= 4)
  await sleep(50)
  assert.equal(runtime.appended.length, count)
  assert.equal(timeouts(), baseline)

  const values = runtime.appended.map((op: any) => op.value.dispatch.value)
  assert.deepEqual(
    values,
    values.map((_, i) => 1000 + i)
  )
  for (const op of runtime.appended as any[]) {
    assert.equal(op.key, 'timer_currentTime')
    assert.equal(op.value.dispatch.type, 'timer_feature')
    assert.equal(op.value.dispatch.key, 'currentTime')
  }
})

test('timer: restart right after stop runs a single chain', async () => {
  const runtime = new FakeRuntime()
  const timer = new TimerFeature(runtime, { intervalMs: 20 })
  timer.key = 'timer'
  const baseline = timeouts()
  await timer.start()
  const stopping = timer.stop()
  const starting = timer.start()
  await Promise.all([stopping, starting])
  await sleep(90)
  await timer.stop()
  // One chain at 20 ms over ~90 ms: about 5 appends plus the two starts; two chains would give about 10.
  assert.ok(runtime.appended.length <= 8, `appends: ${runtime.appended.length}`)
  assert.equal(timeouts(), baseline)
})

test('timer on a read-only peer keeps quiet and stops cleanly', async () => {
  const runtime = new FakeRuntime()
  runtime.writable = false
  const timer = new TimerFeature(runtime, { intervalMs: 10 })
  timer.key = 'timer'
  await timer.start()
  await sleep(25)
  await timer.stop()
  assert.deepEqual(runtime.appended, [])
  assert.ok(runtime.logs.length >= 1)
  assert.ok(runtime.logs.every((l) => l[0] === 'Peer running features not writable.'))
  assert.throws(() => new TimerFeature(runtime, { intervalMs: 0 }), RangeError)
  assert.equal(new TimerFeature(runtime).intervalMs, 60_000)
})

test('a failing append is logged and the timer keeps going', async () => {
  const runtime = new FakeRuntime()
  let calls = 0
  runtime.append = async () => {
    calls++
    throw new Error('base closed')
  }
  const timer = new TimerFeature(runtime, { intervalMs: 10 })
  timer.key = 'timer'
  await timer.start()
  await sleep(35)
  await timer.stop()
  assert.ok(calls >= 2)
  assert.match(String(runtime.logs[0]![0]), /append failed: base closed/)
})
