// The sample app against the reference's sample (Trac-Systems/intercom 964f578, contract/contract.js and
// contract/protocol.js, read as the specification): the keys and values it writes, what it accepts, what it
// prints and how `/tx --command` maps. Printed lines are compared with the strings the reference's console.log
// prints for the same values.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { UnknownContractOperationType, contractResultError } from '../src/subnet/errors.js'
import { createSubnetApp } from '../src/subnet/protocol.js'
import { SampleContract, TIMER_KEY } from '../contract/contract.js'
import { SampleProtocol, parseGetLine } from '../protocol/protocol.js'
import { TimerFeature } from '../features/timer.js'
import { FakeRuntime, IPK, MemoryView, featureOp, msgOp, txOp } from './helpers/subnet-app.js'

function sampleApp(runtime = new FakeRuntime()) {
  return { runtime, ...createSubnetApp(runtime, SampleProtocol, SampleContract) }
}

/** Runs one op and returns its result and the lines the contract printed. */
async function run(
  c: SampleContract,
  op: Record<string, unknown>,
  view: MemoryView
): Promise<{ result: unknown; lines: string[] }> {
  const lines: string[] = []
  const result = await c.execute(op, view, { log: (line) => lines.push(line) })
  return { result, lines }
}

test("sample contract registers the reference sample's functions, schemas and feature", () => {
  const c = new SampleContract()
  assert.deepEqual(c.metadata.functions, ['storeSomething', 'readSnapshot', 'readChatLast', 'readTimer'])
  assert.deepEqual(Object.keys(c.metadata.schemas), ['submitSomething', 'feature_entry', 'readKey'])
  assert.deepEqual(c.metadata.features, ['timer_feature'])
})

test('storeSomething sets `something` once and prints what it found', async () => {
  const c = new SampleContract()
  const view = new MemoryView()
  const first = await run(c, txOp('storeSomething', null), view)
  assert.equal(first.result, undefined)
  assert.equal(contractResultError(first.result), null)
  assert.deepEqual(first.lines, ['is there already something? null'])
  assert.deepEqual(view.snapshot(), { something: 'there is something' })
  const second = await run(c, txOp('storeSomething', null), view)
  assert.deepEqual(second.lines, ['is there already something? there is something'])
  // Registered without a schema: any value is accepted and ignored.
  assert.equal((await run(c, txOp('storeSomething', { any: 'thing' }), view)).result, undefined)
  assert.deepEqual(view.snapshot(), { something: 'there is something' })
})

test('submitSomething stores some_key per invoker; the schema decides what passes', async () => {
  const c = new SampleContract()
  const view = new MemoryView({ currentTime: 1700000000000 })
  const ok = await run(c, txOp('submitSomething', { op: 'do_something', some_key: 'some_data' }), view)
  assert.equal(ok.result, undefined)
  assert.deepEqual(ok.lines, [
    `submitted by ${IPK} { op: 'do_something', some_key: 'some_data', timestamp: 1700000000000 }`
  ])
  assert.equal(await view.get('submitted_by/' + IPK), 'some_data')

  // fastest-validator 1.19 ignores `$$strict` inside the `$$type` shorthand, so extra keys pass (as there).
  const extra = await run(c, txOp('submitSomething', { op: 'x', some_key: 'second', more: [1] }), view)
  assert.equal(extra.result, undefined)
  assert.equal(await view.get('submitted_by/' + IPK), 'second')

  const bad = [
    null,
    'text',
    {},
    { op: 'x' },
    { op: '', some_key: 'a' },
    { op: 'x', some_key: '' },
    { op: 'x', some_key: 1 },
    { op: 'x'.repeat(129), some_key: 'a' },
    { op: 'x', some_key: 'a'.repeat(129) }
  ]
  for (const value of bad) {
    const { result, lines } = await run(c, txOp('submitSomething', value), view)
    assert.ok(result instanceof UnknownContractOperationType, JSON.stringify(value))
    assert.equal(result.message, 'Invalid schema.')
    assert.deepEqual(lines, [])
  }
  assert.deepEqual(view.snapshot(), { currentTime: 1700000000000, ['submitted_by/' + IPK]: 'second' })
})

test('read functions print what they read and write nothing', async () => {
  const c = new SampleContract()
  const empty = new MemoryView()
  assert.deepEqual((await run(c, txOp('readSnapshot', null), empty)).lines, [
    'snapshot { something: null, currentTime: null, msgl: 0, msg0: null, msg1: null }'
  ])
  assert.deepEqual((await run(c, txOp('readChatLast', null), empty)).lines, ['chat_last: null'])
  assert.deepEqual((await run(c, txOp('readTimer', null), empty)).lines, ['currentTime: null'])
  assert.deepEqual(empty.snapshot(), {})

  const initial = {
    something: 'there is something',
    currentTime: 1700000000000,
    msgl: 1,
    'msg/0': { type: 'msg', msg: 'hi' },
    chat_last: { msg: 'hi', address: 'ab', at: null },
    admin: 'cd'
  }
  const view = new MemoryView(initial)
  const snap = await run(c, txOp('readSnapshot', null), view)
  assert.equal(snap.result, undefined)
  // Longer than 80 columns: console.log breaks it over lines.
  assert.deepEqual(snap.lines, [
    [
      'snapshot {',
      "  something: 'there is something',",
      '  currentTime: 1700000000000,',
      '  msgl: 1,',
      "  msg0: { type: 'msg', msg: 'hi' },",
      '  msg1: null',
      '}'
    ].join('\n')
  ])
  assert.deepEqual((await run(c, txOp('readChatLast', null), view)).lines, [
    "chat_last: { msg: 'hi', address: 'ab', at: null }"
  ])
  assert.deepEqual((await run(c, txOp('readTimer', null), view)).lines, ['currentTime: 1700000000000'])
  // readKey reads any key, reserved ones included.
  assert.deepEqual((await run(c, txOp('readKey', { op: 'read_key', key: 'admin' }), view)).lines, ['readKey admin: cd'])
  assert.deepEqual((await run(c, txOp('readKey', { op: 'read_key', key: 'nothing' }), view)).lines, [
    'readKey nothing: null'
  ])
  for (const value of [
    null,
    {},
    { key: 'admin' },
    { op: 'read_key', key: '' },
    { op: 'read_key', key: 'k'.repeat(257) }
  ]) {
    const { result } = await run(c, txOp('readKey', value), view)
    assert.ok(result instanceof UnknownContractOperationType, JSON.stringify(value))
  }
  assert.deepEqual(view.snapshot(), initial)
})

test('tx types the sample does not implement are unknown, feature_entry included', async () => {
  const c = new SampleContract()
  const view = new MemoryView()
  const entry = await run(c, txOp('feature_entry', { key: 'a', value: 1 }), view)
  assert.ok(entry.result instanceof UnknownContractOperationType)
  assert.equal(entry.result.message, 'Unknown contract operation type.')
  const other = await run(c, txOp('catch', null), view)
  assert.equal((other.result as Error).message, 'Unknown contract operation type.')
  assert.deepEqual(view.snapshot(), {})
})

test('timer_feature stores currentTime, prints once when it starts, ignores other entries', async () => {
  const c = new SampleContract()
  const view = new MemoryView()
  const first = await run(c, featureOp('timer', 'currentTime', 1700000000123), view)
  assert.equal(first.result, undefined)
  assert.deepEqual(first.lines, ['timer started at 1700000000123'])
  assert.equal(await view.get(TIMER_KEY), 1700000000123)
  assert.deepEqual((await run(c, featureOp('timer', 'currentTime', 1700000060123), view)).lines, [])
  assert.equal(await view.get('currentTime'), 1700000060123)
  await run(c, featureOp('timer', 'somethingElse', 5), view)
  // feature_entry requires a value: null fails it, so nothing is stored.
  await run(c, featureOp('timer', 'currentTime', null), view)
  // Another feature's handler is not registered: nothing happens.
  await run(c, featureOp('clock', 'currentTime', 1), view)
  assert.deepEqual(view.snapshot(), { currentTime: 1700000060123 })
})

test('timer feature → contract: the op it appends is what the contract stores', async () => {
  const runtime = new FakeRuntime()
  const { protocol, contract } = sampleApp(runtime)
  const timer = new TimerFeature(runtime, { intervalMs: 60_000, now: () => 1700000000999 })
  protocol.addFeature('timer', timer)
  await timer.start()
  await timer.stop()
  assert.equal(runtime.appended[0]!.key, 'timer_currentTime')
  const view = new MemoryView()
  await contract.execute(runtime.appended[0]!, view)
  assert.deepEqual(view.snapshot(), { currentTime: 1700000000999 })
})

test('the chat hook accepts every message and records the last one with the timer time', async () => {
  const c = new SampleContract()
  const view = new MemoryView()
  for (const text of ['hello', '   ', 'x'.repeat(5000)]) {
    const { result } = await run(c, msgOp(text), view)
    assert.equal(contractResultError(result), null, JSON.stringify(text.slice(0, 10)))
    assert.deepEqual(await view.get('chat_last'), { msg: text, address: IPK, at: null })
  }
  await view.put('currentTime', 1700000000000)
  const { lines } = await run(c, msgOp('with time'), view)
  assert.deepEqual(await view.get('chat_last'), { msg: 'with time', address: IPK, at: 1700000000000 })
  assert.deepEqual(lines, [
    [
      'message triggered contract {',
      "  type: 'msg',",
      "  msg: 'with time',",
      `  address: '${IPK}',`,
      '  attachments: [],',
      '  deleted_by: null,',
      '  reply_to: null,',
      '  pinned: false,',
      '  pin_id: null',
      '}'
    ].join('\n')
  ])
  // The stored object's key order is part of the view bytes.
  assert.equal(view.data.get('chat_last'), `{"msg":"with time","address":"${IPK}","at":1700000000000}`)
})

test("mapTxCommand maps exactly the reference sample's commands", () => {
  const p = new SampleProtocol(new FakeRuntime())
  assert.deepEqual(p.mapTxCommand('something'), { type: 'storeSomething', value: null })
  assert.deepEqual(p.mapTxCommand('read_snapshot'), { type: 'readSnapshot', value: null })
  assert.deepEqual(p.mapTxCommand('read_chat_last'), { type: 'readChatLast', value: null })
  assert.deepEqual(p.mapTxCommand('read_timer'), { type: 'readTimer', value: null })
  assert.deepEqual(p.mapTxCommand('{ "op" : "do_something", "some_key" : "some_data" }'), {
    type: 'submitSomething',
    value: { op: 'do_something', some_key: 'some_data' }
  })
  assert.deepEqual(p.mapTxCommand('{"op":"read_key","key":"msgl"}'), {
    type: 'readKey',
    value: { op: 'read_key', key: 'msgl' }
  })
  assert.deepEqual(p.mapTxCommand('{"op":"read_chat_last","x":1}'), { type: 'readChatLast', value: null })
  assert.deepEqual(p.mapTxCommand('{"op":"read_timer"}'), { type: 'readTimer', value: null })
  // The JSON keeps the key order typed, which the dispatch hash covers.
  assert.deepEqual(Object.keys(p.mapTxCommand('{"some_key":"a","op":"do_something"}')!.value as object), [
    'some_key',
    'op'
  ])
  for (const none of [
    '',
    ' something',
    'something ',
    'Something',
    'store k v',
    '{"op":"nope"}',
    '{}',
    '[]',
    '42',
    '"something"',
    'null',
    '{not json',
    '{"type":"storeSomething","value":null}'
  ]) {
    assert.equal(p.mapTxCommand(none), null, none)
  }
})

test('/get options are read as the reference reads them', () => {
  assert.deepEqual(parseGetLine('/get --key msgl'), { key: 'msgl', confirmed: true })
  assert.deepEqual(parseGetLine('/get --key "msg/0" --confirmed false'), { key: 'msg/0', confirmed: false })
  assert.deepEqual(parseGetLine("/get --key 'a b' --confirmed 1"), { key: 'a b', confirmed: true })
  assert.deepEqual(parseGetLine('/get --key=msgl --confirmed=true'), { key: 'msgl', confirmed: true })
  // Anything but true/1 is false; any --unconfirmed means the local view, whatever its value.
  assert.deepEqual(parseGetLine('/get --key k --confirmed yes'), { key: 'k', confirmed: false })
  assert.deepEqual(parseGetLine('/get --key k --unconfirmed 0'), { key: 'k', confirmed: false })
  assert.deepEqual(parseGetLine('/get --key k --unconfirmed'), { key: 'k', confirmed: false })
  assert.deepEqual(parseGetLine('/get'), { key: null, confirmed: true })
  assert.deepEqual(parseGetLine('/get --key'), { key: null, confirmed: true })
})

test('/get and /print print what the reference prints; other lines are not handled', async () => {
  const runtime = new FakeRuntime(undefined, {
    unconfirmed: new MemoryView({ k: 'local' }),
    confirmed: new MemoryView({ k: { signed: true } })
  })
  const { protocol } = sampleApp(runtime)
  const out: unknown[][] = []
  const print = (...args: unknown[]) => {
    out.push(args)
  }
  const call = async (line: string) => {
    out.length = 0
    const handled = await protocol.customCommand(line, print)
    return { handled, out: [...out] }
  }

  assert.deepEqual(await call('/get --key k'), { handled: true, out: [[{ signed: true }]] })
  assert.deepEqual(await call('/get --key k --confirmed false'), { handled: true, out: [['local']] })
  assert.deepEqual(await call('/get --key missing'), { handled: true, out: [[null]] })
  assert.deepEqual(await call('/get'), {
    handled: true,
    out: [['Usage: /get --key "<hyperbee-key>" [--confirmed true|false] [--unconfirmed 1]']]
  })
  assert.deepEqual(await call('/print --text "hello there"'), { handled: true, out: [['hello there']] })
  assert.deepEqual(await call('/print'), { handled: true, out: [[undefined]] })
  assert.deepEqual(await call('hello'), { handled: false, out: [] })
})

test("printOptions prints the reference sample's command list", async () => {
  const { protocol } = sampleApp()
  const out: string[] = []
  await protocol.printOptions((...args) => out.push(args.join(' ')))
  assert.deepEqual(out.slice(0, 4), [
    ' ',
    '- Sample Commands:',
    '- /print | use this flag to print some text to the terminal: \'--text "I am printing"',
    '- /get --key "<key>" [--confirmed true|false] | reads subnet state key (confirmed defaults to true).'
  ])
  assert.equal(out.length, 13)
  assert.equal(out[12], '- /sc_stats | show sidechannel channels + connection count.')
})

test('extendApi adds getSampleData as an own property', async () => {
  const { protocol } = sampleApp()
  await protocol.extendApi()
  const api = protocol.api as Record<string, () => unknown>
  assert.deepEqual(Object.keys(api), ['getSampleData'])
  assert.equal(api.getSampleData!(), 'Some sample data')
})

test('/tx --sim runs the contract on an overlay of the unconfirmed view and prints its lines', async () => {
  const unconfirmed = new MemoryView({ currentTime: 5 })
  const runtime = new FakeRuntime(undefined, { unconfirmed })
  const { protocol } = sampleApp(runtime)
  const lines: string[] = []
  const log = (line: string) => lines.push(line)
  assert.equal(await protocol.tx({ command: 'something' }, true, null, { log }), undefined)
  assert.equal(await protocol.tx({ command: '{"op":"do_something","some_key":"v"}' }, true, null, { log }), undefined)
  assert.equal(await protocol.tx({ command: 'read_timer' }, true, null, { log }), undefined)
  const me = runtime.walletPublicKeyHex
  assert.deepEqual(lines, [
    'is there already something? null',
    `submitted by ${me} { op: 'do_something', some_key: 'v', timestamp: 5 }`,
    'currentTime: 5'
  ])
  assert.deepEqual(unconfirmed.snapshot(), { currentTime: 5 })
  const invalid = await protocol.tx({ command: '{"op":"do_something"}' }, true, null, { log })
  assert.equal(contractResultError(invalid)?.message, 'Invalid schema.')
  await assert.rejects(protocol.tx({ command: 'nothing' }, true), /HyperMallProtocol::tx\(\): command not found\./)
  await assert.rejects(protocol.tx({ command: 'something' }, false), /MSB client/)
})
