// The apply-call view store (src/subnet/batch-store.ts): its memo of primitive values must answer exactly what
// the Hyperbee batch underneath would, through the reference vectors and against a real Hyperbee.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Corestore from 'corestore'
import Hyperbee from 'hyperbee'
import { applyOp } from '../src/subnet/apply.js'
import { BatchViewStore, type BeeBatchLike } from '../src/subnet/batch-store.js'
import { MemoryStore, RecordingHost, StubMsb, baseStateOf, diff, makeContext, vectors } from './helpers/subnet.js'

const steps = vectors.sequence.steps
const cases = vectors.negatives.cases

/** A batch over a MemoryStore that counts what reaches it. */
class CountingBatch implements BeeBatchLike {
  gets = 0
  constructor(readonly mem: MemoryStore) {}
  async get(key: string): Promise<{ value: unknown } | null> {
    this.gets++
    return (await this.mem.has(key)) ? { value: await this.mem.get(key) } : null
  }

  async put(key: string, value: unknown): Promise<void> {
    await this.mem.put(key, value)
  }
  async del(key: string): Promise<void> {
    await this.mem.del(key)
  }
}

test('memo: primitives are remembered, objects read through, writes and deletes keep it exact', async () => {
  const mem = new MemoryStore({
    admin: '"ab"',
    chat_status: '"on"',
    gone: 'null',
    'msg/0': '{"msg":"hi","deleted_by":null}',
    msgl: '1'
  })
  const batch = new CountingBatch(mem)
  const store = new BatchViewStore(batch)

  assert.equal(await store.get('admin'), 'ab')
  assert.equal(await store.has('admin'), true)
  assert.equal(await store.get('admin'), 'ab')
  assert.equal(batch.gets, 1, 'one read for three questions about a primitive')

  // A stored JSON null exists; an absent key does not; both read as null.
  assert.equal(await store.get('gone'), null)
  assert.equal(await store.has('gone'), true)
  assert.equal(await store.get('nope'), null)
  assert.equal(await store.has('nope'), false)
  assert.equal(batch.gets, 3)

  // Objects: every read is a fresh copy, so a caller mutating one changes nothing for the next.
  const m = (await store.get('msg/0')) as Record<string, unknown>
  m.msg = null
  assert.deepEqual(await store.get('msg/0'), { msg: 'hi', deleted_by: null })
  assert.equal(batch.gets, 5)

  await store.put('msgl', 2)
  assert.equal(await store.get('msgl'), 2)
  await store.put('chat_status', { not: 'a primitive' })
  assert.deepEqual(await store.get('chat_status'), { not: 'a primitive' })
  await store.del('admin')
  assert.equal(await store.has('admin'), false)
  assert.equal(await store.get('admin'), null)
  // Values JSON does not keep as they are are not remembered: the store answers what was stored.
  await store.put('n', Number.NaN)
  assert.equal(await store.get('n'), null)
  assert.deepEqual(mem.snapshot(), {
    chat_status: '{"not":"a primitive"}',
    gone: 'null',
    'msg/0': '{"msg":"hi","deleted_by":null}',
    msgl: '2',
    n: 'null'
  })
})

test('memo: a failed write is forgotten, so the next read asks the batch', async () => {
  const mem = new MemoryStore({ msgl: '1' })
  const batch = new CountingBatch(mem)
  batch.put = async () => {
    throw new Error('disk full')
  }
  const store = new BatchViewStore(batch)
  assert.equal(await store.get('msgl'), 1)
  await assert.rejects(store.put('msgl', 2), /disk full/)
  assert.equal(await store.get('msgl'), 1)
})

test('negatives: all 207 cases give the same result through a warmed memo', async () => {
  for (const c of cases) {
    const base = baseStateOf(c)
    const mem = new MemoryStore(base)
    const store = new BatchViewStore(new CountingBatch(mem))
    // Warm the memo with every key of the base state, as earlier ops of the same apply call would.
    for (const key of Object.keys(base)) {
      await store.has(key)
      await store.get(key)
    }
    const msb = new StubMsb()
    if (c.msbRecord !== undefined) msb.add(c.msbRecord.tx, c.msbRecord.protobufHex, c.msbRecord.atSignedLength)
    const ctx = makeContext({ msb })
    const outcome = await applyOp(
      { value: JSON.parse(c.opJson), fromWriterHex: c.fromWriter },
      store,
      new RecordingHost(),
      ctx
    )
    const label = `${c.name}: ${c.description}`
    assert.equal(outcome.applied, c.expect.changed, `${label}: ${outcome.reason ?? ''}`)
    const changes = diff(base, mem.snapshot())
    assert.deepEqual(
      changes,
      c.expect.changed ? [...(c.expect.changes ?? [])].sort((a, b) => (a.key < b.key ? -1 : 1)) : [],
      label
    )
  }
})

test('sequence: the 27 steps through one memo over a real Hyperbee batch leave the reference state', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'intercom-batch-store-'))
  const store = new Corestore(dir)
  t.after(async () => {
    await store.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })
  const bee = new Hyperbee(store.get({ name: 'view' }), { keyEncoding: 'utf-8', valueEncoding: 'json' })
  await bee.ready()
  const ctx = makeContext()
  // Like one apply call holding every step: one batch, one memo, flushed at the end.
  const batch = bee.batch()
  const viewStore = new BatchViewStore(batch as unknown as BeeBatchLike)
  const reference = new MemoryStore()
  for (const step of steps) {
    const outcome = await applyOp(
      { value: JSON.parse(step.opJson), fromWriterHex: step.appendedByWriter },
      viewStore,
      new RecordingHost(),
      ctx
    )
    assert.equal(outcome.applied, step.accepted, `step ${step.index} ${step.name}: ${outcome.reason ?? ''}`)
    await applyOp(
      { value: JSON.parse(step.opJson), fromWriterHex: step.appendedByWriter },
      reference,
      new RecordingHost(),
      makeContext()
    )
  }
  await batch.flush()
  const stored: Record<string, string> = {}
  for await (const { key, value } of bee.createReadStream()) stored[key as string] = JSON.stringify(value)
  assert.deepEqual(stored, steps[steps.length - 1]!.stateAfter)
  assert.deepEqual(stored, reference.snapshot())
  assert.ok(
    viewStore.hits > viewStore.misses,
    `the memo answered most reads (${viewStore.hits} hits, ${viewStore.misses} misses)`
  )
  await bee.close()
})
