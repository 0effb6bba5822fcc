import { test } from 'node:test'
import assert from 'node:assert/strict'
import nodeAssert from 'node:assert'
import { Contract, createSubnetValidator, isReservedKey } from '../src/subnet/contract.js'
import {
  ContractAssertionError,
  ContractExecutionError,
  ReservedKeyError,
  UnknownContractOperationType,
  ViewStorageError,
  contractResultError
} from '../src/subnet/errors.js'
import type { ViewStore } from '../src/subnet/types.js'
import { IPK, MemoryView, TX_HASH, WP, featureOp, msgOp, txOp } from './helpers/subnet-app.js'

interface Seen {
  address: string | null
  validator_address: string | null
  tx: string | null
  op: Record<string, unknown> | null
  value: unknown
  is_feature: boolean
  is_message: boolean
  hasStorage: boolean
  self: boolean
}

class TestContract extends Contract {
  seen: Seen[] = []
  afterReturn: unknown = undefined

  constructor() {
    super()
    this.addFunction('record')
    this.addFunction('returnIt')
    this.addFunction('assertFail')
    this.addFunction('nodeAssertFail')
    this.addFunction('explode')
    this.addFunction('writeThenExplode')
    this.addFunction('writeReserved')
    this.addFunction('delReserved')
    this.addFunction('writeUndefined')
    this.addFunction('slow')
    this.addSchema('typed', {
      value: { $$type: 'object', id: { type: 'is_hex' }, amt: { type: 'bigint', unsigned: true } }
    })
    this.addFeature('clock_feature', async function () {
      this.snap()
      await this.put('app/clock', this.value)
      return 'ignored'
    })
    this.messageHandler(function () {
      this.snap()
      return this.op?.msg === 'bad' ? new Error('rejected') : 'anything'
    })
  }

  snap(): void {
    this.seen.push({
      address: this.address,
      validator_address: this.validator_address,
      tx: this.tx,
      op: this.op,
      value: this.value,
      is_feature: this.is_feature,
      is_message: this.is_message,
      hasStorage: this.storage !== null,
      self: this instanceof TestContract
    })
  }

  async record(): Promise<unknown> {
    this.snap()
    await this.put('app/record', this.value)
    return { ok: true }
  }

  async returnIt(): Promise<unknown> {
    return (this.value as { ret: unknown }).ret === 'error' ? new Error('42') : (this.value as { ret: unknown }).ret
  }

  async assertFail(): Promise<unknown> {
    this.assert(false, 'assert says no')
  }

  async nodeAssertFail(): Promise<unknown> {
    nodeAssert.equal(1, 2, 'node assert says no')
    return null
  }

  async explode(): Promise<unknown> {
    const x = this.value as { a: { b: number } }
    return x.a.b
  }

  async writeThenExplode(): Promise<unknown> {
    await this.put('app/partial', 1)
    throw new Error('boom')
  }

  async writeReserved(): Promise<unknown> {
    await this.put(String(this.value), 1)
    return null
  }

  async delReserved(): Promise<unknown> {
    await this.del(String(this.value))
    return null
  }

  async writeUndefined(): Promise<unknown> {
    await this.put('app/u', undefined)
    return null
  }

  async slow(): Promise<unknown> {
    const before = this.address
    await new Promise((resolve) => setTimeout(resolve, 20))
    return { before, after: this.address }
  }

  async typed(): Promise<unknown> {
    return 'typed ok'
  }

  async notRegistered(): Promise<unknown> {
    return 'should not run'
  }
}

test('registration: one namespace for functions, schemas and features; base members refused', () => {
  const c = new TestContract()
  assert.throws(() => c.addFunction('record'), /already registered/)
  assert.throws(() => c.addSchema('record', {}), /already registered/)
  assert.throws(() => c.addFeature('record', () => {}), /already registered/)
  assert.throws(() => c.addFunction('clock_feature'), /already registered/)
  assert.throws(() => c.addFeature('typed', () => {}), /already registered/)
  assert.throws(() => c.messageHandler(() => {}), /already registered/)
  for (const name of ['execute', 'get', 'put', 'assert', 'constructor', 'toString', 'value', 'storage', 'address']) {
    assert.throws(() => c.addFunction(name), /collides/, name)
  }
  assert.throws(() => c.addFunction(''), TypeError)
  assert.throws(() => c.addSchema('bad', { value: { type: 'bitcoin_address' } }), /Invalid 'bitcoin_address' type/)
  assert.deepEqual(c.metadata.functions, [
    'record',
    'returnIt',
    'assertFail',
    'nodeAssertFail',
    'explode',
    'writeThenExplode',
    'writeReserved',
    'delReserved',
    'writeUndefined',
    'slow'
  ])
  assert.deepEqual(c.metadata.features, ['clock_feature'])
  assert.deepEqual(Object.keys(c.metadata.schemas), ['typed'])
})

test('metadata keeps a copy of the schema', () => {
  class C extends Contract {
    constructor(schema: Record<string, unknown>) {
      super()
      this.addSchema('x', schema)
    }

    async x(): Promise<unknown> {
      return null
    }
  }
  const schema = { value: { $$type: 'object', n: { type: 'number' } } }
  const c = new C(schema)
  ;(schema.value as Record<string, unknown>).extra = { type: 'string' }
  assert.deepEqual(c.metadata.schemas.x, { value: { $$type: 'object', n: { type: 'number' } } })
})

test('tx: context fields are set during the call and reset afterwards', async () => {
  const c = new TestContract()
  const view = new MemoryView()
  const result = await c.execute(txOp('record', { n: 1 }), view)
  assert.deepEqual(result, { ok: true })
  assert.deepEqual(c.seen, [
    {
      address: IPK,
      validator_address: WP,
      tx: TX_HASH,
      op: { type: 'record', value: { n: 1 } },
      value: { n: 1 },
      is_feature: false,
      is_message: false,
      hasStorage: true,
      self: true
    }
  ])
  assert.deepEqual(view.snapshot(), { 'app/record': { n: 1 } })
  for (const field of ['address', 'validator_address', 'tx', 'op', 'value', 'storage'] as const)
    assert.equal(c[field], null, field)
  assert.equal(c.is_feature, false)
  assert.equal(c.is_message, false)
})

test('tx: a missing dispatch value is null for the contract only when present as null', async () => {
  const c = new TestContract()
  await c.execute(txOp('record', null), new MemoryView())
  assert.equal(c.seen[0]!.value, null)
  // dispatch.value absent: the tx schema requires it, nothing runs.
  const op = txOp('record', null)
  delete ((op.value as Record<string, unknown>).dispatch as Record<string, unknown>).value
  assert.equal(await c.execute(op, new MemoryView()), false)
  assert.equal(c.seen.length, 1)
})

test('ops without the expected shape return false and run nothing', async () => {
  const c = new TestContract()
  const view = new MemoryView()
  const bad: unknown[] = [
    null,
    'tx',
    [],
    {},
    { type: 'tx' },
    { type: 'tx', value: {} },
    { type: 'tx', value: { dispatch: {} } },
    { type: 'tx', value: { dispatch: { type: '' } } },
    txOp('x'.repeat(257), null),
    txOp('record', 1, { ipk: IPK.toUpperCase() }),
    txOp('record', 1, { wp: 'abc' }),
    txOp('record', 1, { key: 'zz' }),
    featureOp('clock', 'now', 1, 'not-hex'),
    { ...featureOp('clock', 'now', 1), key: '' },
    { ...featureOp('clock', 'now', 1), key: 'k'.repeat(257) },
    msgOp('hi', 'XYZ')
  ]
  for (const op of bad) assert.equal(await c.execute(op as Record<string, unknown>, view), false, JSON.stringify(op))
  assert.equal(c.seen.length, 0)
  assert.equal(view.data.size, 0)
})

test('tx: unknown, unregistered and schema-failing types give UnknownContractOperationType', async () => {
  const c = new TestContract()
  const view = new MemoryView()
  const cases: Array<[string, unknown, string]> = [
    ['nosuch', null, 'Unknown contract operation type.'],
    ['notRegistered', null, 'Function not registered.'],
    ['execute', null, 'Function not registered.'],
    ['toString', null, 'Function not registered.'],
    ['__proto__', null, 'Function not registered.'],
    ['typed', { id: 'AB', amt: '1' }, 'Invalid schema.'],
    ['typed', { id: 'ab', amt: '-1' }, 'Invalid schema.'],
    ['typed', null, 'Invalid schema.']
  ]
  for (const [type, value, message] of cases) {
    const result = await c.execute(txOp(type, value), view)
    assert.ok(result instanceof UnknownContractOperationType, type)
    assert.equal(result.message, message, type)
    assert.equal(result.name, 'UnknownContractOperationType')
  }
  assert.equal(await c.execute(txOp('typed', { id: 'ab01', amt: '1000', extra: true }), view), 'typed ok')
})

test('tx: every result kind, and what getError makes of it', async () => {
  const c = new TestContract()
  const view = new MemoryView()
  const run = (type: string, value: unknown = null) => c.execute(txOp(type, value), view)

  assert.equal(await run('returnIt', { ret: 'fine' }), 'fine')
  assert.equal(contractResultError('fine'), null)
  assert.equal(await run('returnIt', { ret: false }), false)
  assert.equal(contractResultError(false)?.message, 'Error')
  assert.equal(await run('returnIt', { ret: null }), null)

  const err = await run('returnIt', { ret: 'error' })
  assert.ok(err instanceof Error)
  assert.equal(contractResultError(err), err)
  assert.equal(err.message, '42')

  const asserted = await run('assertFail')
  assert.ok(asserted instanceof ContractAssertionError)
  assert.equal(asserted.message, 'assert says no')

  const nodeAsserted = await run('nodeAssertFail')
  assert.ok(nodeAsserted instanceof Error)
  assert.equal(nodeAsserted.name, 'AssertionError')
  assert.equal(nodeAsserted.message, 'node assert says no')

  const exploded = await run('explode', {})
  assert.ok(exploded instanceof ContractExecutionError)
  assert.equal(exploded.message, 'Error in contract.')
  assert.ok((exploded.cause as Error) instanceof TypeError)

  // Writes before the failure stay (no rollback, as in the reference); the tx is recorded as failed.
  const partial = await run('writeThenExplode')
  assert.ok(partial instanceof ContractExecutionError)
  assert.equal((partial.cause as Error).message, 'boom')
  assert.equal(await view.get('app/partial'), 1)

  const undef = await run('writeUndefined')
  assert.ok(undef instanceof ContractExecutionError)
  assert.ok((undef.cause as Error) instanceof TypeError)
})

test('getError semantics', () => {
  assert.equal(contractResultError(undefined), null)
  assert.equal(contractResultError(null), null)
  assert.equal(contractResultError(true), null)
  assert.equal(contractResultError(0), null)
  assert.equal(contractResultError(''), null)
  assert.equal(contractResultError({ message: 'only message' }), null)
  assert.equal(contractResultError({ stack: 'only stack' }), null)
  const plain = contractResultError({ message: 7, stack: '' })
  assert.ok(plain instanceof Error)
  assert.equal(plain.message, '7')
  const unknown = new UnknownContractOperationType()
  assert.equal(contractResultError(unknown), unknown)
})

test('reserved keys: the reference list plus msg/ and umsgl/', async () => {
  for (const key of [
    'admin',
    'auto_add_writers',
    'chat_status',
    'delml',
    'wlst',
    'txl',
    'pnl',
    'txen',
    'msgl',
    'sh/x',
    'tx/x',
    'kcin/x',
    'delm/1',
    'umsg/a/0',
    'msgl/x',
    'nick/a',
    'mod/a',
    'mtd/a',
    'txi/0',
    'wl/a',
    'pni/0',
    'utxl/a',
    'utxi/a/0',
    'bnd/a',
    'msg/0',
    'umsgl/a'
  ]) {
    assert.equal(isReservedKey(key), true, key)
  }
  for (const key of ['app/x', 'wrl', 'msg', 'umsgl', 'message/0', 'txenx', 'administrator', 'timer']) {
    assert.equal(isReservedKey(key), false, key)
  }

  const c = new TestContract()
  const view = new MemoryView({ admin: 'aa', 'msg/0': { msg: 'hi' } })
  for (const [fn, key] of [
    ['writeReserved', 'admin'],
    ['writeReserved', 'msg/0'],
    ['delReserved', 'admin'],
    ['delReserved', 'umsgl/a']
  ]) {
    const result = await c.execute(txOp(fn!, key), view)
    assert.ok(result instanceof ContractExecutionError, `${fn} ${key}`)
    assert.ok(result.cause instanceof ReservedKeyError)
  }
  assert.deepEqual(view.snapshot(), { admin: 'aa', 'msg/0': { msg: 'hi' } })
})

test('state access outside execute throws', async () => {
  const c = new TestContract()
  await assert.rejects(c.get('app/x'), /only available/)
  await assert.rejects(c.put('app/x', 1), /only available/)
  await assert.rejects(c.del('app/x'), /only available/)
})

test('a failing store is not recorded as a tx result: execute rejects with ViewStorageError', async () => {
  const c = new TestContract()
  const broken: ViewStore = {
    get: async () => {
      throw new Error('disk gone')
    },
    has: async () => false,
    put: async () => {
      throw new Error('disk gone')
    },
    del: async () => {}
  }
  await assert.rejects(c.execute(txOp('record', 1), broken), (err: unknown) => err instanceof ViewStorageError)
  assert.equal(c.storage, null)
})

test('other op types run as tx but only type "tx" sets this.tx', async () => {
  const c = new TestContract()
  const op = { ...txOp('record', 5), type: 'somethingElse' }
  assert.deepEqual(await c.execute(op, new MemoryView()), { ok: true })
  assert.equal(c.seen[0]!.tx, null)
  assert.equal(c.seen[0]!.address, IPK)
})

test('feature: handler runs with this = contract, its return is ignored, unknown features do nothing', async () => {
  const c = new TestContract()
  const view = new MemoryView()
  assert.equal(await c.execute(featureOp('clock', 'now', 1700000000000), view), undefined)
  assert.deepEqual(c.seen, [
    {
      address: IPK,
      validator_address: null,
      tx: null,
      op: (featureOp('clock', 'now', 1700000000000).value as Record<string, unknown>).dispatch,
      value: 1700000000000,
      is_feature: true,
      is_message: false,
      hasStorage: true,
      self: true
    }
  ])
  assert.deepEqual(view.snapshot(), { 'app/clock': 1700000000000 })
  assert.equal(await c.execute(featureOp('other', 'now', 1), view), undefined)
  assert.equal(c.seen.length, 1)
})

test('feature: arrow-function handlers work too', async () => {
  class Arrow extends Contract {
    constructor() {
      super()
      this.addFeature('t_feature', async () => {
        await this.put('app/t', this.value)
      })
    }
  }
  const view = new MemoryView()
  await new Arrow().execute(featureOp('t', 'k', 'v'), view)
  assert.deepEqual(view.snapshot(), { 'app/t': 'v' })
})

test('msg: the message handler result is returned; no handler accepts everything', async () => {
  const c = new TestContract()
  const view = new MemoryView()
  assert.equal(await c.execute(msgOp('hello'), view), 'anything')
  const rejected = await c.execute(msgOp('bad'), view)
  assert.ok(rejected instanceof Error)
  assert.equal(rejected.message, 'rejected')
  assert.equal(c.seen[0]!.is_message, true)
  assert.equal(c.seen[0]!.address, IPK)
  assert.equal(c.seen[0]!.value, null)
  assert.equal(c.seen[0]!.tx, null)

  class Plain extends Contract {}
  assert.equal(await new Plain().execute(msgOp('x'), view), undefined)
})

test('overlapping executes do not share context', async () => {
  const c = new TestContract()
  const view = new MemoryView()
  const other = 'ee'.repeat(32)
  const [a, b] = await Promise.all([
    c.execute(txOp('slow', null), view),
    c.execute(txOp('slow', null, { ipk: other }), view)
  ])
  assert.deepEqual(a, { before: IPK, after: IPK })
  assert.deepEqual(b, { before: other, after: other })
})

test('is_hex and bigint schema rules', () => {
  const v = createSubnetValidator()
  const hex = v.compile({ h: { type: 'is_hex' } })
  for (const ok of ['', 'ab', '00ff', 'deadbeef']) assert.equal(hex({ h: ok }), true, ok)
  for (const bad of ['AB', 'aB', 'abc', 'zz', '0x00', ' ab', 12, null, undefined, ['ab'], { h: 'ab' }]) {
    assert.notEqual(hex({ h: bad }), true, String(bad))
  }
  const nullableHex = v.compile({ h: { type: 'is_hex', nullable: true } })
  assert.equal(nullableHex({ h: null }), true)
  const optionalHex = v.compile({ h: { type: 'is_hex', optional: true } })
  assert.equal(optionalHex({}), true)

  const big = v.compile({ n: { type: 'bigint' } })
  for (const ok of ['0', '7', '-7', '123456789012345678901234567890']) assert.equal(big({ n: ok }), true, ok)
  assert.equal(big({ n: 5n }), true)
  for (const bad of ['', '007', '-0', '+1', '1.5', ' 1', '1e3', 'abc', 5, null, true])
    assert.notEqual(big({ n: bad }), true, String(bad))
  const unsigned = v.compile({ n: { type: 'bigint', unsigned: true } })
  assert.equal(unsigned({ n: '10' }), true)
  assert.notEqual(unsigned({ n: '-10' }), true)
  assert.notEqual(unsigned({ n: -10n }), true)
})

test('reference vector: feature op without dispatch.address is not run', async () => {
  class Timer extends Contract {
    constructor() {
      super()
      this.addFeature('timer_feature', async function () {
        await this.put(`app/timer/${String(this.op?.key)}`, this.value)
      })
    }
  }
  const withAddress = JSON.parse(
    '{"type":"feature","key":"timer_currentTime","value":{"dispatch":{"type":"timer_feature","key":"currentTime","hash":"079b62d07f9b45e16990b3eed9577c4126f9a34bedfbf32cb2cbe2061ad299c423e466c5b6b737d70d8469a0910a8ef873827067e1ba7ed93d011a62577a190b","value":{"ts":1700000000000,"src":"vector"},"nonce":"b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8b8","address":"d04ab232742bb4ab3a1368bd4615e4e6d0224ab71a016baf8520a332c9778737"}}}'
  )
  const withoutAddress = JSON.parse(JSON.stringify(withAddress))
  delete withoutAddress.value.dispatch.address
  const view = new MemoryView()
  assert.equal(await new Timer().execute(withoutAddress, view), false)
  assert.equal(view.data.size, 0)
  await new Timer().execute(withAddress, view)
  assert.deepEqual(view.snapshot(), { 'app/timer/currentTime': { ts: 1700000000000, src: 'vector' } })
})
