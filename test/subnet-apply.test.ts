// Subnet apply against the reference vectors: the 27-step sequence (full state after every step), the 207
// negative/edge cases, our deliberate skips where the reference crashes, and hostile node shapes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toHex } from '../src/crypto/index.js'
import { applyOp, contractErrorOf, OP_TYPES, UnknownContractOperationType } from '../src/subnet/apply.js'
import { buildAddWriter, buildRemoveWriter, buildTxOp } from '../src/subnet/builders.js'
import { commandHash, txHash } from '../src/common/index.js'
import { Contract } from '../src/subnet/contract.js'
import { encodeMsbOperation } from '../src/common/index.js'
import type { ApplyOutcome, ContractRuntime, ViewStore } from '../src/subnet/types.js'
import { encodeAddress } from '../src/wallet/index.js'
import {
  MemoryStore,
  RecordingHost,
  StubMsb,
  VectorContract,
  baseStateOf,
  diff,
  identityKeyPair,
  makeContext,
  vectors,
  type NegativeCase
} from './helpers/subnet.js'

const { identities } = vectors
const steps = vectors.sequence.steps
const cases = vectors.negatives.cases
const BOOTSTRAP = identities.subnetBootstrap

async function applyJson(
  store: ViewStore,
  host: RecordingHost,
  ctx: ReturnType<typeof makeContext>,
  opJson: string,
  from = BOOTSTRAP
): Promise<ApplyOutcome> {
  return await applyOp({ value: JSON.parse(opJson), fromWriterHex: from }, store, host, ctx)
}

test('sequence: all 27 steps reproduce the reference state, host calls and logs after every step', async () => {
  assert.equal(steps.length, 27)
  const store = new MemoryStore()
  const ctx = makeContext()
  for (const step of steps) {
    const host = new RecordingHost()
    ctx.logs.length = 0
    const outcome = await applyJson(store, host, ctx, step.opJson, step.appendedByWriter)
    const label = `step ${step.index} ${step.name}`
    assert.deepEqual(store.snapshot(), step.stateAfter, label)
    assert.deepEqual(host.calls, step.hostCalls, label)
    assert.deepEqual(ctx.logs, step.logs, label)
    assert.equal(outcome.applied, step.accepted, `${label}: ${outcome.reason ?? ''}`)
    assert.equal(outcome.fatal, undefined, label)
  }
})

test('sequence: the tx step waits for msbsl and runs the contract with the op', async () => {
  const store = new MemoryStore(steps[24].stateAfter)
  const msb = new StubMsb()
  const contract = new VectorContract()
  const ctx = makeContext({ msb, contract })
  const outcome = await applyJson(store, new RecordingHost(), ctx, steps[25].opJson)
  assert.deepEqual(outcome, { applied: true })
  assert.deepEqual(msb.waits, [42])
  assert.deepEqual(contract.calls, [JSON.parse(steps[25].opJson)])
})

function caseLabel(c: NegativeCase): string {
  return `${c.name}: ${c.description}`
}

test('negatives: all 207 cases match the reference (changes, host calls, logs, skips)', async () => {
  assert.equal(cases.length, 207)
  let threw = 0
  for (const c of cases) {
    const base = baseStateOf(c)
    const store = new MemoryStore(base)
    const host = new RecordingHost()
    const msb = new StubMsb()
    if (c.msbRecord !== undefined) msb.add(c.msbRecord.tx, c.msbRecord.protobufHex, c.msbRecord.atSignedLength)
    const ctx = makeContext({ msb })
    const outcome = await applyJson(store, host, ctx, c.opJson, c.fromWriter)
    const label = caseLabel(c)
    const changes = diff(base, store.snapshot())
    assert.deepEqual(host.calls, c.expect.hostCalls, label)
    assert.equal(outcome.fatal, undefined, label)
    if (c.expect.changed) {
      assert.deepEqual(
        changes,
        [...(c.expect.changes ?? [])].sort((a, b) => (a.key < b.key ? -1 : 1)),
        label
      )
      assert.equal(outcome.applied, true, `${label}: ${outcome.reason ?? ''}`)
    } else {
      assert.deepEqual(changes, [], label)
      assert.equal(outcome.applied, false, label)
      assert.equal(typeof outcome.reason, 'string', label)
    }
    assert.deepEqual(ctx.logs, c.logs ?? [], label)
    if (c.expect.threw !== null) {
      // The reference crashes apply here; we skip without a trace and say why.
      threw++
      assert.match(outcome.reason ?? '', /no admin/, label)
    }
  }
  assert.equal(threw, 4)
})

test('negatives: stall guards skip without waiting for the MSB', async () => {
  for (const name of ['tx/msbsl-over-max', 'tx/msbsl-beyond-future-delta']) {
    const c = cases.find((x) => x.name === name)
    assert.ok(c)
    const msb = new StubMsb()
    const outcome = await applyJson(
      new MemoryStore(baseStateOf(c)),
      new RecordingHost(),
      makeContext({ msb }),
      c.opJson
    )
    assert.equal(outcome.applied, false)
    assert.deepEqual(msb.waits, [], name)
  }
})

/** The vector app written on the Contract base class, to check apply against the real execute rules. */
class VectorApp extends Contract {
  constructor() {
    super()
    for (const type of ['catch', 'fail', 'assertfail', 'retfalse']) this.addFunction(type)
    this.addFeature('timer_feature', async () => {
      const op = this.op as { key: string; value: unknown }
      await this.put('app/timer/' + op.key, op.value)
    })
  }

  async catch(): Promise<void> {
    await this.put('app/catch/' + String(this.address), { tx: this.tx, wp: this.validator_address })
  }

  async fail(): Promise<Error> {
    await this.put('app/fail/' + String(this.tx), this.value)
    return new Error(String((this.value as { reason: unknown }).reason))
  }

  async assertfail(): Promise<void> {
    this.assert(false, 'assert says no')
  }

  async retfalse(): Promise<boolean> {
    return false
  }
}

test('with the Contract base class: the sequence and every contract-driven negative match the reference', async () => {
  const store = new MemoryStore()
  const ctx = makeContext({ contract: new VectorApp() })
  for (const step of steps) {
    const host = new RecordingHost()
    const outcome = await applyJson(store, host, ctx, step.opJson, step.appendedByWriter)
    assert.deepEqual(store.snapshot(), step.stateAfter, step.name)
    assert.deepEqual(host.calls, step.hostCalls, step.name)
    assert.equal(outcome.applied, step.accepted, step.name)
  }
  for (const c of cases.filter((x) => x.opType === 'tx' || x.opType === 'feature' || x.opType === 'msg')) {
    const base = baseStateOf(c)
    const store = new MemoryStore(base)
    const msb = new StubMsb()
    if (c.msbRecord !== undefined) msb.add(c.msbRecord.tx, c.msbRecord.protobufHex, c.msbRecord.atSignedLength)
    await applyJson(store, new RecordingHost(), makeContext({ msb, contract: new VectorApp() }), c.opJson, c.fromWriter)
    const expected = c.expect.changed ? [...(c.expect.changes ?? [])].sort((a, b) => (a.key < b.key ? -1 : 1)) : []
    assert.deepEqual(diff(base, store.snapshot()), expected, caseLabel(c))
  }
})

// ---- deliberate deviations and seam behaviour ----

const txStepJson = steps[25].opJson
const beforeTx = (): MemoryStore => new MemoryStore(steps[24].stateAfter)

test('removeWriter of the last indexer is skipped (the reference crashes apply); no sh/ mark', async () => {
  const store = new MemoryStore(steps[5].stateAfter)
  const host = new RecordingHost()
  host.lastIndexers.add(identities.writerKey)
  const before = store.snapshot()
  const outcome = await applyJson(store, host, makeContext(), steps[6].opJson)
  assert.equal(outcome.applied, false)
  assert.match(outcome.reason ?? '', /last indexer/)
  assert.deepEqual(store.snapshot(), before)
  assert.deepEqual(host.calls, [])
})

test('membership ops with a writer key that is not 32 bytes are skipped (is_hex has no length check)', async () => {
  const admin = identityKeyPair('admin')
  for (const op of [
    buildAddWriter(admin, 'abcd', 'aa'.repeat(32)),
    buildRemoveWriter(admin, 'abcd', 'bb'.repeat(32))
  ]) {
    const store = new MemoryStore(steps[2].stateAfter)
    const host = new RecordingHost()
    const outcome = await applyJson(store, host, makeContext(), JSON.stringify(op))
    assert.equal(outcome.applied, false)
    assert.match(outcome.reason ?? '', /32 bytes/)
    assert.deepEqual(store.snapshot(), steps[2].stateAfter)
    assert.deepEqual(host.calls, [])
  }
  const store = new MemoryStore(steps[2].stateAfter)
  const host = new RecordingHost()
  const outcome = await applyJson(store, host, makeContext(), '{"type":"autoAddWriter","key":"abcd"}')
  assert.equal(outcome.applied, false)
  assert.deepEqual(host.calls, [])
})

class ThrowingContract implements ContractRuntime {
  async execute(_op: Record<string, unknown>, storage: ViewStore): Promise<unknown> {
    await storage.put('app/partial', 1)
    throw new TypeError('boom')
  }
}

test('a contract that throws (not an assertion) skips tx, msg and feature ops and drops their writes', async () => {
  for (const stepIndex of [11, 24, 25]) {
    const store = new MemoryStore(steps[stepIndex - 1].stateAfter)
    const outcome = await applyJson(
      store,
      new RecordingHost(),
      makeContext({ contract: new ThrowingContract() }),
      steps[stepIndex].opJson
    )
    assert.equal(outcome.applied, false, steps[stepIndex].name)
    assert.match(outcome.reason ?? '', /contract threw: boom/)
    assert.deepEqual(store.snapshot(), steps[stepIndex - 1].stateAfter, steps[stepIndex].name)
  }
})

test('without a contract, tx, msg and feature ops are skipped (the reference crashes apply)', async () => {
  for (const stepIndex of [11, 24, 25]) {
    const store = new MemoryStore(steps[stepIndex - 1].stateAfter)
    const outcome = await applyJson(
      store,
      new RecordingHost(),
      makeContext({ contract: null }),
      steps[stepIndex].opJson
    )
    assert.deepEqual(outcome, { applied: false, reason: 'no contract' })
    assert.deepEqual(store.snapshot(), steps[stepIndex - 1].stateAfter)
  }
})

test('a contract result of UnknownContractOperationType is not indexed, but earlier contract writes stay', async () => {
  class Writes implements ContractRuntime {
    async execute(_op: Record<string, unknown>, storage: ViewStore): Promise<unknown> {
      await storage.put('app/before-unknown', true)
      return new UnknownContractOperationType('Function not registered.')
    }
  }
  const store = beforeTx()
  const outcome = await applyJson(store, new RecordingHost(), makeContext({ contract: new Writes() }), txStepJson)
  assert.equal(outcome.applied, false)
  assert.deepEqual(diff(steps[24].stateAfter, store.snapshot()), [
    { key: 'app/before-unknown', before: null, after: 'true' }
  ])
  // A foreign class with the same constructor name counts too, as in the reference.
  class UnknownContractOperationTypeLookalike extends Error {}
  Object.defineProperty(UnknownContractOperationTypeLookalike, 'name', { value: 'UnknownContractOperationType' })
  const store2 = beforeTx()
  const foreign: ContractRuntime = { execute: async () => new UnknownContractOperationTypeLookalike('x') }
  assert.equal(
    (await applyJson(store2, new RecordingHost(), makeContext({ contract: foreign }), txStepJson)).applied,
    false
  )
  assert.deepEqual(store2.snapshot(), steps[24].stateAfter)
})

test('contractErrorOf follows Protocol.getError', () => {
  assert.deepEqual(contractErrorOf(false), new Error('Error'))
  assert.equal(contractErrorOf(null), null)
  assert.equal(contractErrorOf(undefined), null)
  assert.equal(contractErrorOf(true), null)
  assert.equal(contractErrorOf('bad'), null)
  assert.equal(contractErrorOf(42), null)
  assert.equal(contractErrorOf({ message: 'x' }), null)
  const e = new Error('x')
  assert.equal(contractErrorOf(e), e)
  // An error-like plain object stands for an error with its message (the same indexed `err`).
  assert.equal(contractErrorOf({ stack: 's', message: 'm' })?.message, 'm')
  assert.equal(contractErrorOf({ stack: 's', message: 42 })?.message, '42')
})

test('tx: txen stored as null disables transactions (exists and is not true)', async () => {
  const store = beforeTx()
  await store.put('txen', null)
  const outcome = await applyJson(store, new RecordingHost(), makeContext(), txStepJson)
  assert.equal(outcome.applied, false)
  assert.match(outcome.reason ?? '', /disabled/)
})

test('tx: MSB record checks (size limit, undecodable, type, subnet, MSB, address bytes)', async () => {
  const e2e = vectors.tx.endToEnd
  const decoded = e2e.msbApplyRecord.decodedBack
  const txo = Object.fromEntries(Object.entries(decoded.txo).map(([k, v]) => [k, Buffer.from(v, 'hex')]))
  const address = Buffer.from(decoded.address as string, 'ascii')
  const variants: Array<[string, Uint8Array, RegExp]> = [
    ['undecodable', Buffer.from('ffff', 'hex'), /does not decode/],
    ['wrong type', encodeMsbOperation({ type: 11, address, txo }), /not a subnet tx/],
    ['no txo', encodeMsbOperation({ type: 12, address, txo: undefined as never }), /not a subnet tx/],
    [
      'other subnet',
      encodeMsbOperation({ type: 12, address, txo: { ...txo, bs: Buffer.alloc(32, 9) } }),
      /another subnet/
    ],
    ['other MSB', encodeMsbOperation({ type: 12, address, txo: { ...txo, mbs: Buffer.alloc(32, 9) } }), /another MSB/],
    [
      'other tx',
      encodeMsbOperation({ type: 12, address, txo: { ...txo, tx: Buffer.alloc(32, 9) } }),
      /differs from key/
    ],
    [
      'high-bit address',
      encodeMsbOperation({ type: 12, address: Buffer.from(address.map((b, i) => (i === 5 ? b | 0x80 : b))), txo }),
      /requester/
    ]
  ]
  for (const [name, bytes, reason] of variants) {
    const msb = new StubMsb()
    msb.records.set(JSON.parse(txStepJson).key, { from: 42, bytes })
    const store = beforeTx()
    const outcome = await applyJson(store, new RecordingHost(), makeContext({ msb }), txStepJson)
    assert.equal(outcome.applied, false, name)
    assert.match(outcome.reason ?? '', reason, name)
    assert.deepEqual(store.snapshot(), steps[24].stateAfter, name)
  }
  const record = Buffer.from(e2e.msbApplyRecord.protobufHex, 'hex')
  const tight = makeContext({ limits: { ...makeContext().limits, maxMsbApplyOperationBytes: record.byteLength - 1 } })
  assert.match(
    (await applyJson(beforeTx(), new RecordingHost(), tight, txStepJson)).reason ?? '',
    /maxMsbApplyOperationBytes/
  )
  const exact = makeContext({ limits: { ...makeContext().limits, maxMsbApplyOperationBytes: record.byteLength } })
  assert.equal((await applyJson(beforeTx(), new RecordingHost(), exact, txStepJson)).applied, true)
})

test('tx: a record built from scratch for a new dispatch is indexed after the existing one', async () => {
  const validator = identityKeyPair('msbValidator')
  const admin = identityKeyPair('admin')
  const dispatch = { type: 'catch', value: { n: 7 } }
  const nonce = 'cd'.repeat(32)
  const ch = commandHash(dispatch)
  const hash = txHash({
    networkId: 918,
    txv: '01'.repeat(32),
    iw: BOOTSTRAP,
    ch,
    bs: BOOTSTRAP,
    mbs: identities.msbBootstrap,
    nonce
  })
  const msb = new StubMsb()
  msb.length = 50
  msb.records.set(hash, {
    from: 50,
    bytes: encodeMsbOperation({
      type: 12,
      address: Buffer.from(encodeAddress(admin.publicKey), 'ascii'),
      txo: {
        tx: Buffer.from(hash, 'hex'),
        ch: Buffer.from(ch, 'hex'),
        bs: Buffer.from(BOOTSTRAP, 'hex'),
        mbs: Buffer.from(identities.msbBootstrap, 'hex'),
        va: Buffer.from(encodeAddress(validator.publicKey), 'ascii')
      }
    })
  })
  const store = new MemoryStore(steps[25].stateAfter)
  const op = buildTxOp({
    txHash: hash,
    msbsl: 50,
    dispatch,
    ipk: toHex(admin.publicKey),
    wp: toHex(validator.publicKey)
  })
  const outcome = await applyJson(store, new RecordingHost(), makeContext({ msb }), JSON.stringify(op))
  assert.deepEqual(outcome, { applied: true })
  const state = store.snapshot()
  assert.equal(state.txl, '2')
  assert.equal(state['tx/' + hash], '1')
  assert.equal(state[`utxi/${toHex(admin.publicKey)}/1`], '1')
  assert.equal(
    state['txi/1'],
    JSON.stringify({ val: dispatch, err: null, tx: hash, ipk: toHex(admin.publicKey), wp: toHex(validator.publicKey) })
  )
})

test('seam failures are fatal, not skips, and leave no writes', async () => {
  class FailingGet extends MemoryStore {
    override async get(key: string): Promise<unknown> {
      if (key === 'chat_status') throw new Error('disk gone')
      return await super.get(key)
    }
  }
  const store = new FailingGet(steps[10].stateAfter)
  const outcome = await applyJson(store, new RecordingHost(), makeContext(), steps[11].opJson)
  assert.equal(outcome.fatal, true)
  assert.match(outcome.reason ?? '', /disk gone/)
  assert.deepEqual(store.snapshot(), steps[10].stateAfter)

  // A contract that swallows the store error does not hide it.
  class Swallowing implements ContractRuntime {
    async execute(_op: Record<string, unknown>, storage: ViewStore): Promise<unknown> {
      try {
        await storage.get('app/x')
      } catch {}
      return undefined
    }
  }
  class FailingAppGet extends MemoryStore {
    override async get(key: string): Promise<unknown> {
      if (key.startsWith('app/')) throw new Error('io')
      return await super.get(key)
    }
  }
  const store2 = new FailingAppGet(steps[24].stateAfter)
  const o2 = await applyJson(store2, new RecordingHost(), makeContext({ contract: new Swallowing() }), txStepJson)
  assert.equal(o2.fatal, true)
  assert.deepEqual(store2.snapshot(), steps[24].stateAfter)

  // The MSB wait giving up cannot become a skip either.
  const msb = new StubMsb()
  msb.waitResult = false
  const o3 = await applyJson(beforeTx(), new RecordingHost(), makeContext({ msb }), txStepJson)
  assert.equal(o3.fatal, true)

  // A failing host call at commit: fatal, and the store is left untouched.
  const host = new RecordingHost()
  host.addWriter = async () => {
    throw new Error('autobase says no')
  }
  const store4 = new MemoryStore(steps[3].stateAfter)
  const o4 = await applyJson(store4, host, makeContext(), steps[4].opJson)
  assert.equal(o4.fatal, true)
  assert.deepEqual(store4.snapshot(), steps[3].stateAfter)
})

test('a throwing logger changes nothing', async () => {
  const store = new MemoryStore()
  const ctx = makeContext({
    log: () => {
      throw new Error('tty closed')
    }
  })
  const outcome = await applyJson(store, new RecordingHost(), ctx, steps[0].opJson)
  assert.equal(outcome.applied, true)
  assert.deepEqual(store.snapshot(), steps[0].stateAfter)
})

// ---- hostile node shapes ----

const HUGE = 'x'.repeat(2_000_000)

function hostileValues(type: string): unknown[] {
  const circular: Record<string, unknown> = { type }
  circular.value = circular
  const throwingGetter = {
    type,
    get value(): unknown {
      throw new Error('getter')
    }
  }
  return [
    { type },
    { type, key: null, value: null, hash: null, nonce: null },
    { type, key: 5, value: 5, hash: 5, nonce: 5 },
    { type, key: [], value: [], hash: [], nonce: [] },
    { type, key: {}, value: {}, hash: {}, nonce: {} },
    { type, key: HUGE, value: { dispatch: HUGE, msg: HUGE }, hash: HUGE, nonce: HUGE },
    { type, key: 'ab', value: { dispatch: null, msg: null }, hash: 'ab', nonce: 'n' },
    { type, key: 'ab', value: { dispatch: [], msg: [] }, hash: 'ab', nonce: 'n' },
    {
      type,
      key: 'ab',
      value: { dispatch: { type, value: HUGE, address: HUGE, id: HUGE }, msbsl: -1 },
      hash: 'ab',
      nonce: 'n'
    },
    {
      type,
      key: 'ab',
      value: { msbsl: Number.MAX_VALUE, dispatch: { type: 'catch', value: null }, ipk: 'ab', wp: 'ab' }
    },
    { type, key: 'ab', value: { msbsl: 1.5, dispatch: { type: 'catch', value: null }, ipk: 'ab', wp: 'ab' } },
    JSON.parse(
      `{"type":${JSON.stringify(type)},"__proto__":{"key":"ab","value":{"msg":{"type":${JSON.stringify(type)},"key":"ab"}}}}`
    ),
    JSON.parse(`{"type":${JSON.stringify(type)},"key":"__proto__","value":{"__proto__":{"dispatch":{}}}}`),
    { type, key: 10n, value: { dispatch: { type, value: 10n } } },
    circular,
    throwingGetter
  ]
}

test('hostile nodes are skipped without throwing and without effects', async () => {
  const nodes: unknown[] = [
    null,
    undefined,
    0,
    'addAdmin',
    [],
    ['addAdmin'],
    { value: null },
    { value: undefined },
    { value: 42 },
    { value: 'x' },
    { value: [] },
    { value: {} },
    { value: { type: '' } },
    { value: { type: 'x'.repeat(257) } },
    { value: { type: 5 } },
    { value: { type: null } },
    { value: { type: ['addAdmin'] } },
    { value: { type: HUGE } },
    { value: { type: '__proto__' } },
    { value: { type: 'constructor' } },
    { value: { type: 'toString' } },
    { value: { type: 'hasOwnProperty' } },
    { value: JSON.parse('{"__proto__":{"type":"addAdmin","key":"ab"}}') },
    {
      get value(): unknown {
        throw new Error('node getter')
      }
    }
  ]
  for (const type of OP_TYPES) {
    // From a non-bootstrap writer: `{ type: 'addAdmin', key: 'ab' }` is a valid op when the creator appends it.
    for (const value of hostileValues(type)) nodes.push({ value, fromWriterHex: identities.writerKey })
  }
  let count = 0
  for (const base of [{}, steps[23].stateAfter]) {
    for (const node of nodes) {
      const store = new MemoryStore(base)
      const host = new RecordingHost()
      const ctx = makeContext()
      const outcome = await applyOp(node as never, store, host, ctx)
      count++
      assert.equal(outcome.applied, false, `node #${count}`)
      assert.equal(outcome.fatal, undefined)
      assert.equal(typeof outcome.reason, 'string')
      assert.deepEqual(store.snapshot(), base)
      assert.deepEqual(host.calls, [])
      assert.equal(Object.hasOwn(Object.prototype, 'key'), false)
    }
  }
  assert.ok(count > 600)
})

test('node values are not mutated by apply, except through the contract', async () => {
  const store = new MemoryStore(steps[10].stateAfter)
  const value = JSON.parse(steps[11].opJson)
  await applyOp({ value, fromWriterHex: BOOTSTRAP }, store, new RecordingHost(), makeContext())
  assert.equal(JSON.stringify(value), steps[11].opJson)
})
