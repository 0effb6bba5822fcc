import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Contract } from '../src/subnet/contract.js'
import { ReservedKeyError, SettlementUnavailableError, UnknownContractOperationType } from '../src/subnet/errors.js'
import {
  formatNumberString,
  jsonParse,
  jsonStringify,
  removeTrailingZeros,
  resolveNumberString,
  safeBigInt,
  safeClone,
  visibleLength
} from '../src/subnet/numbers.js'
import {
  Protocol,
  createSubnetApp,
  type PreparedTx,
  type TxDispatch,
  type TxSurrogate
} from '../src/subnet/protocol.js'
import { SimStorage } from '../src/subnet/sim-storage.js'
import { FakeRuntime, MemoryView } from './helpers/subnet-app.js'

class EchoProtocol extends Protocol {
  override mapTxCommand(command: string): TxDispatch | null {
    const parsed = jsonParse(command) as TxDispatch | undefined
    return parsed ?? null
  }
}

class CounterContract extends Contract {
  constructor(protocol: Protocol | null) {
    super(protocol)
    this.addFunction('bump')
    this.addFunction('fail')
  }

  async bump(): Promise<unknown> {
    const n = ((await this.get('app/n')) as number | null) ?? 0
    await this.put('app/n', n + 1)
    return { n: await this.get('app/n'), tx: this.tx, address: this.address, wp: this.validator_address }
  }

  async fail(): Promise<unknown> {
    return new Error('nope')
  }
}

function app(runtime = new FakeRuntime()) {
  return { runtime, ...createSubnetApp(runtime, EchoProtocol, CounterContract) }
}

test('parseArgs and tokenizeInput', () => {
  const { protocol } = app()
  assert.deepEqual(protocol.parseArgs('/get --key "a b" --confirmed false'), { key: 'a b', confirmed: 'false' })
  assert.deepEqual(protocol.parseArgs('/tx --command \'{"type":"x","value":1}\' --sim 1'), {
    command: '{"type":"x","value":1}',
    sim: '1'
  })
  assert.deepEqual(protocol.parseArgs('/post --message'), { message: null })
  assert.deepEqual(protocol.tokenizeInput('/print --text "hi there"'), ['/print', '--text', 'hi there'])
  assert.equal(protocol.input, '/print --text "hi there"')
})

test('getError follows the contract result rules', () => {
  const { protocol } = app()
  assert.equal(protocol.getError(false)?.message, 'Error')
  assert.equal(protocol.getError(null), null)
  assert.equal(protocol.getError(undefined), null)
  assert.equal(protocol.getError('text'), null)
  assert.equal(protocol.getError({ a: 1 }), null)
  const e = new Error('x')
  assert.equal(protocol.getError(e), e)
})

test('number-string helpers (18 decimals by default)', () => {
  assert.equal(resolveNumberString('1.5'), '1500000000000000000')
  assert.equal(resolveNumberString('1.5', 18), '1500000000000000000')
  assert.equal(resolveNumberString('0.000000000000000001'), '1')
  assert.equal(resolveNumberString('1.1234567890123456789999'), '1123456789012345678')
  assert.equal(resolveNumberString('.5', 2), '50')
  assert.equal(resolveNumberString('5.', 2), '500')
  assert.equal(resolveNumberString('007', 0), '7')
  assert.equal(resolveNumberString(2, 3), '2000')
  assert.equal(resolveNumberString('-1.5', 1), '-15')
  assert.equal(resolveNumberString('-0.0', 1), '0')
  for (const bad of ['', '.', 'abc', '1e5', '1.2.3', ' 1', '1,5', '--1'])
    assert.equal(resolveNumberString(bad), '0', bad)
  assert.equal(resolveNumberString('1', -1), '0')

  assert.equal(formatNumberString('1500000000000000000'), '1.5')
  assert.equal(formatNumberString('1500000000000000000', 18), '1.5')
  assert.equal(formatNumberString('1000000000000000000'), '1')
  assert.equal(formatNumberString('1'), '0.000000000000000001')
  assert.equal(formatNumberString('0'), '0')
  assert.equal(formatNumberString('000120', 2), '1.2')
  assert.equal(formatNumberString('-15', 1), '-1.5')
  assert.equal(formatNumberString(12345n, 0), '12345')
  for (const bad of ['', '1.5', 'x', '1e3', ' 1']) assert.equal(formatNumberString(bad), '0', bad)

  for (const amount of ['0', '1', '1.5', '123.000000000000000001', '99999999999.99']) {
    assert.equal(formatNumberString(resolveNumberString(amount)), amount)
  }
  assert.equal(removeTrailingZeros('1.500'), '1.5')
  assert.equal(removeTrailingZeros('2.000'), '2')
  assert.equal(removeTrailingZeros('100'), '100')
  assert.equal(visibleLength('é€'), 5)

  const { protocol } = app()
  assert.equal(protocol.toBigIntString('2', 2), '200')
  assert.equal(protocol.fromBigIntString('200', 2), '2')
  assert.equal(protocol.safeBigInt('12'), 12n)
  assert.equal(protocol.safeBigInt('1.2'), null)
  assert.equal(safeBigInt({}), null)
  assert.match(protocol.generateNonce(), /^[0-9a-f]{64}$/)
  assert.notEqual(protocol.generateNonce(), protocol.generateNonce())
})

test('safe JSON helpers', () => {
  const cyclic: Record<string, unknown> = {}
  cyclic.self = cyclic
  assert.equal(jsonStringify(cyclic), null)
  assert.equal(jsonStringify(undefined), null)
  assert.equal(jsonStringify(1n), null)
  assert.equal(jsonStringify({ a: 1 }), '{"a":1}')
  assert.equal(jsonParse('{'), undefined)
  assert.equal(jsonParse(42), undefined)
  assert.deepEqual(jsonParse('{"a":[1]}'), { a: [1] })
  const original = { a: { b: [1, 2] } }
  const copy = safeClone(original)
  assert.deepEqual(copy, original)
  assert.notEqual(copy, original)
  assert.equal(safeClone(cyclic), undefined)
})

test('limits', () => {
  const { protocol } = app()
  assert.equal(protocol.txMaxBytes(), 4096)
  assert.equal(protocol.msgMaxBytes(), 8192)
  assert.equal(protocol.featMaxBytes(), 4096)
})

test('get reads the unconfirmed view, getSigned the confirmed one', async () => {
  const runtime = new FakeRuntime(undefined, {
    unconfirmed: new MemoryView({ k: 'local' }),
    confirmed: new MemoryView({ k: 'signed' })
  })
  const { protocol } = app(runtime)
  assert.equal(await protocol.get('k'), 'local')
  assert.equal(await protocol.getSigned('k'), 'signed')
  assert.equal(await protocol.get('missing'), null)
})

test('tx --sim runs the contract on an overlay over the unconfirmed view; nothing reaches the view', async () => {
  const unconfirmed = new MemoryView({ 'app/n': 41 })
  const confirmed = new MemoryView({ 'app/n': 1 })
  const runtime = new FakeRuntime(undefined, { unconfirmed, confirmed })
  const { protocol } = app(runtime)
  const result = await protocol.tx({ command: '{"type":"bump","value":null}' }, true)
  assert.deepEqual(result, { n: 42, tx: '00'.repeat(32), address: runtime.walletPublicKeyHex, wp: '00'.repeat(32) })
  assert.deepEqual(unconfirmed.snapshot(), { 'app/n': 41 })
  assert.deepEqual(confirmed.snapshot(), { 'app/n': 1 })
  assert.equal(runtime.appended.length, 0)

  // A second simulation starts from the view again, not from the first one's overlay.
  assert.deepEqual(((await protocol.tx({ command: '{"type":"bump","value":null}' }, true)) as { n: number }).n, 42)

  // Errors come back as results (the caller decides); unknown types too.
  const failed = await protocol.tx({ command: '{"type":"fail","value":1}' }, true)
  assert.equal(protocol.getError(failed)?.message, 'nope')
  assert.ok(
    (await protocol.tx({ command: '{"type":"nosuch","value":1}' }, true)) instanceof UnknownContractOperationType
  )

  // A surrogate (external wallet) is the invoker.
  const surrogate: TxSurrogate = {
    tx: '11'.repeat(32),
    nonce: '22'.repeat(32),
    signature: '33'.repeat(64),
    address: 'ab'.repeat(32)
  }
  assert.equal(
    ((await protocol.tx({ command: '{"type":"bump","value":0}' }, true, surrogate)) as { address: string }).address,
    'ab'.repeat(32)
  )
})

test('tx: command mapping, txen, size and settlement errors', async () => {
  const runtime = new FakeRuntime()
  const { protocol } = app(runtime)
  for (const command of ['nope', '{"type":"bump"}', '{"value":1}', '{"type":5,"value":1}', 'null']) {
    await assert.rejects(protocol.tx({ command }, true), /command not found/, command)
  }
  // Not settled without the MSB client: a clear error, never a fake success.
  await assert.rejects(
    protocol.tx({ command: '{"type":"bump","value":null}' }, false),
    (err: unknown) => err instanceof SettlementUnavailableError
  )
  await assert.rejects(
    protocol.tx({ command: JSON.stringify({ type: 'bump', value: 'x'.repeat(4000) }) }, true),
    /too large/
  )
  // Just under the limit passes.
  assert.ok(await protocol.tx({ command: JSON.stringify({ type: 'bump', value: 'x'.repeat(3700) }) }, true))

  await runtime.unconfirmed.put('txen', false)
  await assert.rejects(protocol.tx({ command: '{"type":"bump","value":null}' }, true), /Tx is not enabled/)
  await runtime.unconfirmed.put('txen', true)
  assert.ok(await protocol.tx({ command: '{"type":"bump","value":null}' }, true))

  const bare = new Protocol(new FakeRuntime())
  await assert.rejects(bare.tx({ command: '{"type":"bump","value":null}' }, true), /command not found/)
  await assert.rejects(bare.broadcastTransaction({ type: 'bump', value: null }, true), /No contract/)
})

test('tx with MSB settlement: sim sees the prepared hash, broadcast returns the payload', async () => {
  const runtime = new FakeRuntime()
  const calls: string[] = []
  const prepared: PreparedTx = { tx: '77'.repeat(32), ipk: 'cd'.repeat(32), payload: { type: 12 } }
  runtime.settlement = {
    prepare: async (dispatch) => {
      calls.push(`prepare ${dispatch.type}`)
      return prepared
    },
    broadcast: async (p, dispatch) => {
      calls.push(`broadcast ${dispatch.type} ${p.tx}`)
      return true
    }
  }
  const { protocol } = app(runtime)
  const sim = (await protocol.tx({ command: '{"type":"bump","value":null}' }, true)) as { tx: string; address: string }
  assert.equal(sim.tx, '77'.repeat(32))
  assert.equal(sim.address, 'cd'.repeat(32))
  assert.deepEqual(await protocol.tx({ command: '{"type":"bump","value":null}' }, false), { type: 12 })
  assert.deepEqual(calls, ['prepare bump', 'prepare bump', `broadcast bump ${'77'.repeat(32)}`])
})

test('addFeature sets the key; a taken key keeps working under another slot', () => {
  const { protocol } = app()
  const a = { key: '' } as unknown as Parameters<Protocol['addFeature']>[1]
  const b = { key: '' } as unknown as Parameters<Protocol['addFeature']>[1]
  protocol.addFeature('timer', a)
  protocol.addFeature('timer', b)
  assert.equal(a.key, 'timer')
  assert.equal(b.key, 'timer')
  assert.deepEqual([...protocol.features.keys()], ['timer', 'timer#2'])
})

test('base protocol hooks are inert', async () => {
  const { protocol, contract } = app()
  assert.equal(protocol.contract, contract)
  assert.equal((contract as Contract).protocol, protocol)
  assert.equal(new Protocol(new FakeRuntime()).mapTxCommand('x'), null)
  const printed: unknown[] = []
  assert.equal(await new Protocol(new FakeRuntime()).customCommand('/x', (...a) => printed.push(a)), false)
  await new Protocol(new FakeRuntime()).printOptions((...a) => printed.push(a))
  assert.deepEqual(printed, [])
})

test('SimStorage: overlay first, then the view; reserved keys refused; JSON copies', async () => {
  const view = new MemoryView({ 'app/a': { v: 1 }, 'app/b': 2, 'app/null': null })
  const sim = new SimStorage(view)
  assert.deepEqual(await sim.get('app/a'), { v: 1 })
  const obj = { v: 5 }
  await sim.put('app/a', obj)
  obj.v = 6
  assert.deepEqual(await sim.get('app/a'), { v: 5 })
  const read = (await sim.get('app/a')) as { v: number }
  read.v = 7
  assert.deepEqual(await sim.get('app/a'), { v: 5 })
  await sim.del('app/b')
  assert.equal(await sim.get('app/b'), null)
  assert.equal(await sim.has('app/b'), false)
  assert.equal(await sim.has('app/null'), true)
  assert.equal(await sim.has('app/a'), true)
  assert.equal(await sim.get('app/missing'), null)
  await assert.rejects(sim.put('admin', 'x'), (err: unknown) => err instanceof ReservedKeyError)
  await assert.rejects(sim.del('msg/0'), (err: unknown) => err instanceof ReservedKeyError)
  await assert.rejects(sim.put('app/u', undefined), TypeError)
  assert.deepEqual(view.snapshot(), { 'app/a': { v: 1 }, 'app/b': 2, 'app/null': null })
  assert.deepEqual(
    [...sim.changes()],
    [
      ['app/a', { v: 5 }],
      ['app/b', null]
    ]
  )
  // Without `has` on the base, a null value counts as absent.
  const noHas = new SimStorage({ get: (key) => view.get(key) })
  assert.equal(await noHas.has('app/null'), false)
  assert.equal(await noHas.has('app/b'), true)
})
