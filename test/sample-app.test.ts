import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ContractAssertionError, UnknownContractOperationType, contractResultError } from '../src/subnet/errors.js'
import { createSubnetApp } from '../src/subnet/protocol.js'
import { SampleContract, STORE_PREFIX, SUBMISSION_COUNT_KEY, TIMER_KEY } from '../contract/contract.js'
import { SampleProtocol } from '../protocol/protocol.js'
import { TimerFeature } from '../features/timer.js'
import { FakeRuntime, IPK, MemoryView, TX_HASH, featureOp, msgOp, txOp } from './helpers/subnet-app.js'

function sampleApp (runtime = new FakeRuntime()) {
  return { runtime, ...createSubnetApp(runtime, SampleProtocol, SampleContract) }
}

test('sample contract registers its functions, feature and schemas', () => {
  const c = new SampleContract()
  assert.deepEqual(c.metadata.functions, ['submitSomething', 'readSnapshot', 'readChatLast', 'readTimer'])
  assert.deepEqual(Object.keys(c.metadata.schemas), ['storeSomething', 'readKey'])
  assert.deepEqual(c.metadata.features, ['timer_feature'])
})

test('storeSomething stores the value under app/store/<key>', async () => {
  const c = new SampleContract()
  const view = new MemoryView()
  assert.deepEqual(await c.execute(txOp('storeSomething', { key: 'greeting', value: { text: 'hi' } }), view), { key: 'app/store/greeting' })
  assert.deepEqual(await view.get(`${STORE_PREFIX}greeting`), { text: 'hi' })
  await c.execute(txOp('storeSomething', { key: 'greeting', value: 2 }), view)
  assert.equal(await view.get(`${STORE_PREFIX}greeting`), 2)
  for (const value of [null, {}, { key: 'a/b', value: 1 }, { key: '', value: 1 }, { key: 'k'.repeat(65), value: 1 }, { key: 'k', value: null }, { key: 'k' }]) {
    const result = await c.execute(txOp('storeSomething', value), view)
    assert.ok(result instanceof UnknownContractOperationType, JSON.stringify(value))
    assert.equal(result.message, 'Invalid schema.')
  }
  assert.deepEqual(view.snapshot(), { 'app/store/greeting': 2 })
})

test('submitSomething appends to the submission log; bad input fails the tx', async () => {
  const c = new SampleContract()
  const view = new MemoryView()
  assert.deepEqual(await c.execute(txOp('submitSomething', 'first'), view), { index: 0 })
  assert.deepEqual(await c.execute(txOp('submitSomething', { n: 2 }), view), { index: 1 })
  assert.deepEqual(view.snapshot(), {
    'app/submission/0': { address: IPK, value: 'first', tx: TX_HASH },
    'app/submission/1': { address: IPK, value: { n: 2 }, tx: TX_HASH },
    [SUBMISSION_COUNT_KEY]: 2
  })
  const empty = await c.execute(txOp('submitSomething', null), view)
  assert.ok(empty instanceof ContractAssertionError)
  assert.equal(empty.message, 'Nothing to submit.')
  const big = await c.execute(txOp('submitSomething', 'x'.repeat(2000)), view)
  assert.equal(contractResultError(big)?.message, 'Submission too large.')
  assert.equal(await view.get(SUBMISSION_COUNT_KEY), 2)
})

test('read functions return what they read and write nothing', async () => {
  const c = new SampleContract()
  const initial = {
    admin: 'aa'.repeat(32),
    chat_status: 'on',
    msgl: 2,
    'msg/1': { type: 'msg', msg: 'latest' },
    txl: 7,
    [SUBMISSION_COUNT_KEY]: 3,
    [TIMER_KEY]: 1700000000000,
    'app/store/x': false
  }
  const view = new MemoryView(initial)
  assert.deepEqual(await c.execute(txOp('readSnapshot', null), view), {
    admin: 'aa'.repeat(32), chatStatus: 'on', messages: 2, transactions: 7, submissions: 3, currentTime: 1700000000000
  })
  const readFalse = await c.execute(txOp('readKey', { key: 'app/store/x' }), view)
  assert.deepEqual(readFalse, { key: 'app/store/x', value: false })
  assert.equal(contractResultError(readFalse), null)
  assert.deepEqual(await c.execute(txOp('readKey', { key: 'nothing' }), view), { key: 'nothing', value: null })
  assert.ok(await c.execute(txOp('readKey', {}), view) instanceof UnknownContractOperationType)
  assert.deepEqual(await c.execute(txOp('readChatLast', null), view), { index: 1, message: { type: 'msg', msg: 'latest' } })
  assert.deepEqual(await c.execute(txOp('readTimer', null), view), { currentTime: 1700000000000 })
  assert.deepEqual(view.snapshot(), initial)

  const empty = new MemoryView()
  assert.deepEqual(await c.execute(txOp('readChatLast', null), empty), { index: null, message: null })
  assert.deepEqual(await c.execute(txOp('readSnapshot', null), empty), {
    admin: null, chatStatus: null, messages: 0, transactions: 0, submissions: 0, currentTime: null
  })
})

test('timer_feature stores the time it receives; other keys are ignored', async () => {
  const c = new SampleContract()
  const view = new MemoryView()
  await c.execute(featureOp('timer', 'currentTime', 1700000000123), view)
  assert.equal(await view.get(TIMER_KEY), 1700000000123)
  await c.execute(featureOp('timer', 'somethingElse', 5), view)
  await c.execute(featureOp('timer', 'currentTime', null), view)
  assert.deepEqual(view.snapshot(), { [TIMER_KEY]: 1700000000123 })
})

test('timer feature → contract: an appended op is what the contract handles', async () => {
  const runtime = new FakeRuntime()
  const { protocol, contract } = sampleApp(runtime)
  const timer = new TimerFeature(runtime, { intervalMs: 60_000, now: () => 1700000000999 })
  protocol.addFeature('timer', timer)
  await timer.start()
  await timer.stop()
  const view = new MemoryView()
  await contract.execute(runtime.appended[0]!, view)
  assert.deepEqual(view.snapshot(), { [TIMER_KEY]: 1700000000999 })
})

test('chat hook accepts real messages and rejects blank or oversized ones', async () => {
  const c = new SampleContract()
  const view = new MemoryView()
  assert.equal(contractResultError(await c.execute(msgOp('hello'), view)), null)
  assert.equal(contractResultError(await c.execute(msgOp('x'.repeat(4096)), view)), null)
  assert.equal(contractResultError(await c.execute(msgOp('   '), view))?.message, 'Empty message.')
  assert.equal(contractResultError(await c.execute(msgOp('x'.repeat(4097)), view))?.message, 'Message too long.')
  assert.equal(view.data.size, 0)
})

test('mapTxCommand: JSON and the simple forms', () => {
  const p = new SampleProtocol(new FakeRuntime())
  assert.deepEqual(p.mapTxCommand('{"type":"anything","value":{"a":1}}'), { type: 'anything', value: { a: 1 } })
  assert.deepEqual(p.mapTxCommand(' {"type":"x","value":null} '), { type: 'x', value: null })
  assert.equal(p.mapTxCommand('{"type":"x"}'), null)
  assert.equal(p.mapTxCommand('{"type":"","value":1}'), null)
  assert.equal(p.mapTxCommand('{not json'), null)
  assert.deepEqual(p.mapTxCommand('store greeting "hello world"'), { type: 'storeSomething', value: { key: 'greeting', value: 'hello world' } })
  assert.deepEqual(p.mapTxCommand('store n 42'), { type: 'storeSomething', value: { key: 'n', value: 42 } })
  assert.deepEqual(p.mapTxCommand('store obj {"a":1}'), { type: 'storeSomething', value: { key: 'obj', value: { a: 1 } } })
  assert.deepEqual(p.mapTxCommand('submit some text'), { type: 'submitSomething', value: 'some text' })
  assert.deepEqual(p.mapTxCommand('read_key app/store/n'), { type: 'readKey', value: { key: 'app/store/n' } })
  assert.deepEqual(p.mapTxCommand('read_snapshot'), { type: 'readSnapshot', value: null })
  assert.deepEqual(p.mapTxCommand('read_chat_last'), { type: 'readChatLast', value: null })
  assert.deepEqual(p.mapTxCommand('read_timer'), { type: 'readTimer', value: null })
  for (const bad of ['', 'store onlykey', 'submit', 'read_key', 'read_key a b', 'ping', 'catch']) assert.equal(p.mapTxCommand(bad), null, bad)
})

test('/get reads the confirmed view by default; /print prints; other lines are not handled', async () => {
  const runtime = new FakeRuntime(undefined, {
    unconfirmed: new MemoryView({ 'app/k': 'local' }),
    confirmed: new MemoryView({ 'app/k': { signed: true } })
  })
  const { protocol } = sampleApp(runtime)
  const out: unknown[][] = []
  const print = (...args: unknown[]) => { out.push(args) }
  const run = async (line: string) => { out.length = 0; const handled = await protocol.customCommand(line, print); return { handled, out: [...out] } }

  assert.deepEqual(await run('/get --key app/k'), { handled: true, out: [[{ signed: true }]] })
  assert.deepEqual(await run('/get --key app/k --confirmed true'), { handled: true, out: [[{ signed: true }]] })
  assert.deepEqual(await run('/get --key app/k --confirmed false'), { handled: true, out: [['local']] })
  assert.deepEqual(await run('/get --key "app/k" --unconfirmed 1'), { handled: true, out: [['local']] })
  assert.deepEqual(await run('/get --key missing'), { handled: true, out: [[null]] })
  assert.match(String((await run('/get')).out[0]![0]), /^Usage: \/get/)
  assert.deepEqual(await run('/print --text "hello there"'), { handled: true, out: [['hello there']] })
  assert.match(String((await run('/print')).out[0]![0]), /^Usage: \/print/)
  assert.deepEqual(await run('/getx --key a'), { handled: false, out: [] })
  assert.deepEqual(await run('hello'), { handled: false, out: [] })

  out.length = 0
  await protocol.printOptions(print)
  const help = out.map((l) => String(l[0])).join('\n')
  assert.match(help, /\/get/)
  assert.match(help, /\/print/)
  assert.match(help, /read_snapshot/)
})

test('extendApi adds read methods as own properties', async () => {
  const runtime = new FakeRuntime(undefined, {
    unconfirmed: new MemoryView({ 'app/store/a': 1, [TIMER_KEY]: 5 }),
    confirmed: new MemoryView({ 'app/store/a': 2, [TIMER_KEY]: 6 })
  })
  const { protocol } = sampleApp(runtime)
  await protocol.extendApi()
  const api = protocol.api as Record<string, (...args: unknown[]) => Promise<unknown>>
  assert.deepEqual(Object.keys(api), ['getStoredValue', 'getCurrentTime'])
  assert.equal(await api.getStoredValue!('a'), 2)
  assert.equal(await api.getStoredValue!('a', false), 1)
  assert.equal(await api.getCurrentTime!(), 6)
  assert.equal(await api.getCurrentTime!(false), 5)
})

test('/tx --sim end to end: the sample contract runs on an overlay of the unconfirmed view', async () => {
  const unconfirmed = new MemoryView({ [SUBMISSION_COUNT_KEY]: 4 })
  const runtime = new FakeRuntime(undefined, { unconfirmed })
  const { protocol } = sampleApp(runtime)
  assert.deepEqual(await protocol.tx({ command: 'store greeting hi' }, true), { key: 'app/store/greeting' })
  assert.deepEqual(await protocol.tx({ command: 'submit hello' }, true), { index: 4 })
  assert.deepEqual(await protocol.tx({ command: 'read_key app/submission_count' }, true), { key: 'app/submission_count', value: 4 })
  assert.deepEqual(unconfirmed.snapshot(), { [SUBMISSION_COUNT_KEY]: 4 })
  await assert.rejects(protocol.tx({ command: 'store greeting hi' }, false), /MSB client/)
})
