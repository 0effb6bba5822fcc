// MsbLightReader against a synthetic MSB-like Autobase (spec msb-light-client.md §3, §4, §10): writer A with the
// MSB options and a Hyperbee view on core 'TracNetwork'; readers are plain Corestores with in-memory replication
// (nothing leaves the process). Covers first sync, reads equal to A's signed view, waits, checkouts, history,
// passive growth, indexer add/remove (view key switches, rule A and rule B), a late reader that starts after the
// bootstrap stopped being an indexer, and rejected views.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Corestore from 'corestore'
import Autobase from 'autobase'
import Hyperbee from 'hyperbee'
import b4a from 'b4a'
import { toHex } from '../src/crypto/index.js'
import { blake3Hex } from '../src/common/index.js'
import {
  MsbLightReader,
  MSB_VIEW_NAME,
  checkSignedManifest,
  deriveViewNamespace,
  majorityQuorum,
  type CoreManifest,
  type MsbHistoryEntry
} from '../src/msb/light-reader.js'

type Op =
  | { type: 'put'; key: string; value: string }
  | { type: 'add'; key: string; indexer: boolean }
  | { type: 'rm'; key: string }

interface Stream {
  pipe(s: Stream): Stream
  destroy(): void
  on(ev: string, fn: (...a: unknown[]) => void): unknown
}
interface Replicable {
  replicate(isInitiator: boolean): Stream
}
interface ManifestCore {
  key: Uint8Array
  manifest: CoreManifest | null
  signedLength: number
}
type Base = Autobase<Hyperbee>

const T0 = Date.now()
const elapsed = (): string => `${((Date.now() - T0) / 1000).toFixed(1)}s`

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'msb-lr-'))
}

const rmdir = (dir: string): void => fs.rmSync(dir, { recursive: true, force: true })

/** Registers teardown steps that run in reverse order after the test, each even if an earlier one failed. */
function teardown(t: { after: (fn: () => Promise<void>) => void }): (fn: () => unknown) => void {
  const steps: Array<() => unknown> = []
  t.after(async () => {
    for (const fn of steps.reverse()) {
      try {
        await fn()
      } catch (err) {
        console.error('teardown step failed:', err)
      }
    }
  })
  return (fn) => {
    steps.push(fn)
  }
}

function makeBase(store: Corestore, bootstrap: Uint8Array | null): Base {
  return new Autobase<Hyperbee>(store, bootstrap, {
    valueEncoding: 'binary',
    ackInterval: 1000,
    open: (s: Corestore) =>
      new Hyperbee(s.get('TracNetwork'), { extension: false, keyEncoding: 'ascii', valueEncoding: 'binary' }),
    apply: async (nodes, view, host) => {
      for (const node of nodes) {
        const op = JSON.parse(b4a.toString(node.value as Uint8Array)) as Op
        if (op.type === 'put') await view.put(op.key, b4a.from(op.value))
        else if (op.type === 'add') await host.addWriter(b4a.from(op.key, 'hex'), { indexer: op.indexer })
        else if (op.type === 'rm') await host.removeWriter(b4a.from(op.key, 'hex'))
      }
    }
  })
}

/** Bidirectional in-memory replication; returns the teardown. */
function link(a: Replicable, b: Replicable): () => void {
  const s1 = a.replicate(true)
  const s2 = b.replicate(false)
  s1.on('error', () => {})
  s2.on('error', () => {})
  s1.pipe(s2).pipe(s1)
  return () => {
    s1.destroy()
    s2.destroy()
  }
}

const rep = (x: unknown): Replicable => x as Replicable
const sysCore = (b: Base): ManifestCore => (b as unknown as { core: ManifestCore }).core
const viewCore = (b: Base): ManifestCore => b.view.core as unknown as ManifestCore
const put = (b: Base, key: string, value: string): Promise<number> =>
  b.append(b4a.from(JSON.stringify({ type: 'put', key, value })))
const addIndexer = (b: Base, key: Uint8Array): Promise<number> =>
  b.append(b4a.from(JSON.stringify({ type: 'add', key: toHex(key), indexer: true })))
const removeWriter = (b: Base, key: Uint8Array): Promise<number> =>
  b.append(b4a.from(JSON.stringify({ type: 'rm', key: toHex(key) })))

async function waitUntil(
  fn: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string | (() => string)
): Promise<void> {
  const start = Date.now()
  while (!(await fn())) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** A's confirmed value at `length` (MSB getSigned semantics). */
async function signedGet(b: Base, key: string, length: number): Promise<Uint8Array | null> {
  const snap = b.view.checkout(length)
  try {
    const node = await snap.get(key)
    return node === null ? null : (node.value as Uint8Array)
  } finally {
    await snap.close()
  }
}

/** Waits until `key` = `value` is confirmed on `b` and returns its signed length. */
async function confirmed(b: Base, key: string, value: string, timeoutMs = 20_000): Promise<number> {
  let len = 0
  await waitUntil(
    async () => {
      await b.update()
      len = viewCore(b).signedLength
      const v = await signedGet(b, key, len)
      return v !== null && b4a.toString(v) === value
    },
    timeoutMs,
    `${key}=${value} confirmed`
  )
  return len
}

async function signedPuts(b: Base, length: number): Promise<MsbHistoryEntry[]> {
  const snap = b.view.checkout(length)
  const out: MsbHistoryEntry[] = []
  try {
    for await (const e of (
      snap as unknown as {
        createHistoryStream(o: object): AsyncIterable<{ type: string; seq: number; key: string; value: Uint8Array }>
      }
    ).createHistoryStream({ gte: 1, lt: length })) {
      if (e.type === 'put') out.push({ seq: e.seq, key: e.key, value: e.value })
    }
  } finally {
    await snap.close()
  }
  return out
}

async function collect(it: AsyncIterable<MsbHistoryEntry>): Promise<MsbHistoryEntry[]> {
  const out: MsbHistoryEntry[] = []
  for await (const e of it) out.push(e)
  return out
}

/** Compares every key of A's confirmed view at `length` with the reader's getAt at the same length. */
async function assertSameAt(b: Base, reader: MsbLightReader, keys: string[], length: number): Promise<void> {
  for (const k of keys) {
    const want = await signedGet(b, k, length)
    const got = await reader.getAt(k, length)
    assert.deepEqual(
      got === null ? null : b4a.toString(got),
      want === null ? null : b4a.toString(want),
      `${k} at ${length}`
    )
  }
}

function lines(): { log: (l: string) => void; all: string[] } {
  const all: string[] = []
  return {
    all,
    log: (l: string) => {
      all.push(l)
      if (process.env.MSB_LR_DEBUG) console.log(elapsed(), l)
    }
  }
}

/** Stores named `names` in a temp dir and a bootstrap base A on the first one, all cleaned up after the test. */
async function stores(
  cleanup: (fn: () => unknown) => void,
  names: string[]
): Promise<{ stores: Corestore[]; A: ReturnType<typeof makeBase> }> {
  const dir = tmpdir()
  cleanup(() => rmdir(dir))
  const list = names.map((n) => new Corestore(path.join(dir, n)))
  for (const s of list) cleanup(() => s.close())
  const A = makeBase(list[0]!, null)
  cleanup(() => A.close())
  await A.ready()
  return { stores: list, A }
}

test('pure manifest checks: derived namespace, majority quorum, unsigned and tampered manifests are rejected', {
  timeout: 20_000
}, async (t) => {
  assert.deepEqual([0, 1, 2, 3, 4, 5].map(majorityQuorum), [0, 1, 2, 2, 3, 3])
  const defer = teardown(t)
  const dir = tmpdir()
  defer(() => rmdir(dir))
  const store = new Corestore(path.join(dir, 'a'))
  defer(() => store.close())
  const A = makeBase(store, null)
  defer(() => A.close())
  await A.ready()

  // Before the first indexer exists the view is static: quorum 0, no signers. Never acceptable.
  const staticManifest = viewCore(A).manifest
  assert.ok(staticManifest !== null)
  assert.equal(staticManifest.quorum, 0)
  assert.equal(staticManifest.signers.length, 0)

  await put(A, 'k', 'v')
  await confirmed(A, 'k', 'v')
  const local = store.get({ key: A.local.key }) as unknown as ManifestCore & {
    ready(): Promise<void>
    close(): Promise<void>
  }
  await local.ready()
  const signer = local.manifest!.signers[0]
  await local.close()
  const expectation = {
    bootstrap: A.key,
    name: MSB_VIEW_NAME,
    signerKeys: [signer.publicKey],
    entropy: signer.namespace
  }

  const viewManifest = viewCore(A).manifest!
  assert.equal(checkSignedManifest(viewManifest, expectation), null)
  assert.ok(b4a.equals(viewManifest.signers[0].namespace, deriveViewNamespace(A.key, 'TracNetwork', signer.namespace)))
  assert.equal(
    checkSignedManifest(sysCore(A).manifest, { ...expectation, name: '_system' }),
    null,
    'the system core uses the same derivation'
  )

  assert.match(checkSignedManifest(staticManifest, expectation) ?? '', /unsigned core \(quorum 0, no signers\)/)
  assert.match(checkSignedManifest(null, expectation) ?? '', /no manifest/)
  assert.match(checkSignedManifest(viewManifest, { ...expectation, name: 'TracNamespace' }) ?? '', /namespace/)
  assert.match(checkSignedManifest(viewManifest, { ...expectation, bootstrap: b4a.alloc(32, 1) }) ?? '', /namespace/)
  assert.match(checkSignedManifest(viewManifest, { ...expectation, entropy: b4a.alloc(32, 2) }) ?? '', /namespace/)
  assert.match(checkSignedManifest(viewManifest, { ...expectation, signerKeys: [b4a.alloc(32, 3)] }) ?? '', /signers/)
  assert.match(
    checkSignedManifest(viewManifest, { ...expectation, signerKeys: [signer.publicKey, b4a.alloc(32, 3)] }) ?? '',
    /signers/
  )
  assert.match(checkSignedManifest({ ...viewManifest, quorum: 0 }, expectation) ?? '', /quorum 0 is not the majority 1/)
})

test('single indexer: first sync, reads equal the signed view, waits, getAt, history, passive growth, rejected view', {
  timeout: 40_000
}, async (t) => {
  const cleanup = teardown(t)
  const {
    stores: [, storeB, storeP, storeX],
    A
  } = await stores(cleanup, ['a', 'b', 'p', 'x'])

  for (let i = 0; i < 30; i++) await put(A, `k${i}`, `v${i}`)
  await put(A, 'over', 'first')
  const L1 = await confirmed(A, 'over', 'first')
  await put(A, 'over', 'second')
  const L2 = await confirmed(A, 'over', 'second')
  assert.ok(L2 > L1)

  cleanup(link(rep(A), rep(storeB)))
  const { log, all } = lines()
  const reader = new MsbLightReader({ store: storeB, bootstrap: A.key, refreshIntervalMs: 200, log })
  cleanup(() => reader.close())
  const appends: number[] = []
  reader.on('append', (len: number) => appends.push(len))
  const t1 = Date.now()
  await reader.ready()
  assert.equal(await reader.waitForSignedLength(L2, 10_000), true, 'first sync')
  const syncMs = Date.now() - t1
  t.diagnostic(`first sync (bootstrap → view at length ${L2}): ${syncMs} ms`)

  const st = reader.status()
  assert.equal(st.viewKeyHex, toHex(viewCore(A).key))
  assert.equal(st.systemKeyHex, toHex(sysCore(A).key))
  assert.equal(reader.viewKeyHex, st.viewKeyHex)
  assert.equal(reader.systemKeyHex, st.systemKeyHex)
  assert.deepEqual(reader.indexers(), [toHex(A.local.key)])
  assert.equal(reader.txv(), blake3Hex(A.local.key))
  assert.equal(st.txv, reader.txv())
  assert.equal(st.bootstrapHex, toHex(A.key))
  assert.equal(st.verified, true)
  assert.equal(st.error, null)
  assert.ok(st.lastGrowthAt !== null && st.staleMs !== null && st.staleMs >= 0)
  assert.ok(appends.length > 0 && appends[appends.length - 1] === reader.signedLength())

  const keys = [...Array.from({ length: 30 }, (_, i) => `k${i}`), 'over', 'missing']
  const L = reader.signedLength()
  assert.equal(L, viewCore(A).signedLength)
  for (const k of keys) {
    const want = await signedGet(A, k, L)
    const got = await reader.get(k)
    assert.deepEqual(got === null ? null : b4a.toString(got), want === null ? null : b4a.toString(want), k)
  }
  // getAt at an older confirmed length sees the older value.
  assert.equal(b4a.toString((await reader.getAt('over', L1))!), 'first')
  assert.equal(b4a.toString((await reader.get('over'))!), 'second')
  assert.equal(await reader.getAt('k3', 1), null)
  await assert.rejects(reader.getAt('k3', L + 1), RangeError)

  // waitForSignedLength: immediate, timeout, Infinity resolved by growth.
  assert.equal(await reader.waitForSignedLength(L, 0), true)
  const tw = Date.now()
  assert.equal(await reader.waitForSignedLength(L + 10_000, 150), false)
  assert.ok(Date.now() - tw >= 140)
  const infinite = reader.waitForSignedLength(L + 1, Infinity)

  // History: every confirmed put in order, equal to A's signed history.
  const hist = await collect(reader.historySince(0))
  const wantHist = await signedPuts(A, L)
  assert.equal(hist.length, 32)
  assert.deepEqual(
    hist.map((e) => [e.seq, e.key, b4a.toString(e.value)]),
    wantHist.map((e) => [e.seq, e.key, b4a.toString(e.value)])
  )
  assert.ok(hist.every((e, i) => i === 0 || e.seq > hist[i - 1].seq))
  const lastSeq = hist[hist.length - 1].seq

  // Live growth, confirmation latency, and history continuation.
  const tp = Date.now()
  await put(A, 'live', 'x')
  assert.equal(await infinite, true)
  const latencyMs = Date.now() - tp
  await waitUntil(async () => (await reader.get('live')) !== null, 10_000, 'live key visible')
  t.diagnostic(
    `append → confirmed on the reader (1 indexer): ${latencyMs} ms (key visible after ${Date.now() - tp} ms)`
  )
  const more = await collect(reader.historySince(lastSeq + 1))
  assert.deepEqual(
    more.map((e) => e.key),
    ['live']
  )

  // A passive reader: no timer refreshes, no refresh on indexer appends. Growth arrives by replication alone.
  cleanup(link(rep(A), rep(storeP)))
  const passive = new MsbLightReader({
    store: storeP,
    bootstrap: A.key,
    refreshIntervalMs: 3_600_000,
    refreshOnIndexerAppend: false
  })
  cleanup(() => passive.close())
  await passive.ready()
  if (passive.signedLength() === 0) await passive.refresh() // the first sync may need a second look
  assert.ok(passive.signedLength() > 0, 'passive reader synced on ready')
  const before = passive.signedLength()
  const tg = Date.now()
  for (let i = 0; i < 5; i++) await put(A, `p${i}`, `pv${i}`)
  const Lp = await confirmed(A, 'p4', 'pv4')
  assert.equal(await passive.waitForSignedLength(Lp, 10_000), true, `passive growth from ${before} to ${Lp}`)
  t.diagnostic(
    `passive growth without refresh: ${before} → ${passive.signedLength()} within ${Date.now() - tg} ms of the first of 5 appends`
  )
  assert.equal(b4a.toString((await passive.get('p4'))!), 'pv4')

  // A reader expecting another view name derives another namespace: the view is rejected and never read.
  cleanup(link(rep(A), rep(storeX)))
  const xl = lines()
  const wrong = new MsbLightReader({
    store: storeX,
    bootstrap: A.key,
    refreshIntervalMs: 100,
    viewName: 'TracNamespace',
    log: xl.log
  })
  cleanup(() => wrong.close())
  await wrong.ready()
  await waitUntil(() => wrong.status().error !== null, 10_000, 'rejection')
  assert.equal(await wrong.waitForSignedLength(1, 300), false)
  const ws = wrong.status()
  assert.equal(ws.signedLength, 0)
  assert.equal(ws.viewKeyHex, null)
  assert.equal(ws.verified, false)
  assert.match(ws.error ?? '', /view .* rejected: signer namespace/)
  assert.equal(await wrong.get('k1'), null)
  assert.deepEqual(await collect(wrong.historySince(0)), [])
  assert.equal(ws.systemKeyHex, toHex(sysCore(A).key), 'the system itself was fine')
  assert.ok(xl.all.some((l) => l.includes('rejected')))

  await reader.close()
  assert.equal(await reader.waitForSignedLength(L + 1_000_000, Infinity), false, 'closed: resolves false')
  assert.ok(all.some((l) => l.includes('verified')))
})

test('indexer added and removed: the reader follows each view key, verifies it, and reads across the switches', {
  timeout: 60_000
}, async (t) => {
  const cleanup = teardown(t)
  const {
    stores: [, storeC, storeB],
    A
  } = await stores(cleanup, ['a', 'c', 'b'])
  const C = makeBase(storeC, A.key)
  cleanup(() => C.close())
  await C.ready()
  cleanup(link(rep(A), rep(C)))
  cleanup(link(rep(A), rep(storeB)))
  cleanup(link(rep(C), rep(storeB)))

  for (let i = 0; i < 10; i++) await put(A, `a${i}`, `one${i}`)
  const L1 = await confirmed(A, 'a9', 'one9')
  const view1 = toHex(viewCore(A).key)

  const { log, all } = lines()
  const reader = new MsbLightReader({ store: storeB, bootstrap: A.key, refreshIntervalMs: 250, log })
  cleanup(() => reader.close())
  const indexerEvents: Array<[string[], string[]]> = []
  const viewEvents: Array<[string, string | null]> = []
  reader.on('indexers', (o: string[], n: string[]) => indexerEvents.push([o, n]))
  reader.on('view', (n: string, o: string | null) => viewEvents.push([n, o]))
  await reader.ready()
  assert.equal(await reader.waitForSignedLength(L1, 10_000), true)
  assert.equal(reader.viewKeyHex, view1)

  // Add C as an indexer: new system, new view (2 signers, quorum 2). Rule A: A points at the new system.
  const tAdd = Date.now()
  await addIndexer(A, C.local.key)
  await waitUntil(() => C.isIndexer, 20_000, 'C is an indexer')
  await put(A, 'after-add', 'yes')
  await put(C, 'from-c', 'hello')
  await waitUntil(
    () => reader.indexers().length === 2 && reader.viewKeyHex === toHex(viewCore(A).key) && reader.viewKeyHex !== view1,
    25_000,
    () => `reader on the 2-indexer view (reader ${JSON.stringify(reader.status())})`
  )
  t.diagnostic(`add indexer → reader on the new view: ${Date.now() - tAdd} ms`)
  const view2 = reader.viewKeyHex!
  assert.deepEqual(reader.indexers().sort(), [toHex(A.local.key), toHex(C.local.key)].sort())
  assert.equal(reader.txv(), blake3Hex(b4a.concat(reader.indexers().map((h) => b4a.from(h, 'hex')))))
  assert.equal(reader.status().verified, true)
  assert.equal(reader.systemKeyHex, toHex(sysCore(A).key))
  const m2 = viewCore(A).manifest!
  assert.equal(m2.signers.length, 2)
  assert.equal(m2.quorum, 2)
  assert.ok(m2.prologue !== null && m2.prologue.length >= L1, 'the new view continues the old one')
  assert.deepEqual(indexerEvents.at(-1), [[toHex(A.local.key)], reader.indexers()])
  assert.ok(viewEvents.some(([n, o]) => n === view2 && o === view1))

  const tConf = Date.now()
  const L2 = await confirmed(C, 'from-c', 'hello', 25_000)
  assert.equal(await reader.waitForSignedLength(L2, 15_000), true)
  t.diagnostic(`2 indexers: C's put confirmed on the reader ${Date.now() - tConf} ms after C's append returned`)
  await assertSameAt(A, reader, ['a0', 'a9', 'after-add', 'from-c', 'none'], L2)
  // Lengths continue across the switch: the old length still reads the old state through the new core.
  assert.equal(b4a.toString((await reader.getAt('a9', L1))!), 'one9')
  assert.equal(await reader.getAt('from-c', L1), null)

  // Remove C again: back to one indexer (A), another new view.
  const tRm = Date.now()
  await removeWriter(A, C.local.key)
  await waitUntil(() => !C.isIndexer, 25_000, 'C no longer an indexer')
  await put(A, 'after-rm', 'done')
  await waitUntil(
    () => reader.indexers().length === 1 && reader.viewKeyHex === toHex(viewCore(A).key) && reader.viewKeyHex !== view2,
    25_000,
    () => `reader back on a 1-indexer view (reader ${JSON.stringify(reader.status())})`
  )
  t.diagnostic(`remove indexer → reader on the new view: ${Date.now() - tRm} ms`)
  assert.deepEqual(reader.indexers(), [toHex(A.local.key)])
  assert.equal(reader.txv(), blake3Hex(A.local.key))
  assert.deepEqual(indexerEvents.at(-1)?.[1], [toHex(A.local.key)])
  assert.equal(viewCore(A).manifest!.signers.length, 1)
  const L3 = await confirmed(A, 'after-rm', 'done')
  assert.equal(await reader.waitForSignedLength(L3, 15_000), true)
  await assertSameAt(A, reader, ['a0', 'after-add', 'from-c', 'after-rm', 'none'], L3)
  assert.equal(b4a.toString((await reader.getAt('a9', L1))!), 'one9')

  // The confirmed history is continuous across both switches and equals A's.
  const hist = await collect(reader.historySince(0))
  const want = await signedPuts(A, reader.signedLength())
  assert.deepEqual(
    hist.map((e) => [e.seq, e.key]),
    want.map((e) => [e.seq, e.key])
  )
  assert.ok(hist.some((e) => e.key === 'from-c') && hist.some((e) => e.key === 'after-rm'))
  assert.equal(reader.status().error, null)
  assert.ok(all.filter((l) => l.includes('verified')).length >= 3, 'three views verified')
})

test('late reader after the bootstrap stopped being an indexer (rule B), and a live reader through the same change', {
  timeout: 60_000
}, async (t) => {
  const cleanup = teardown(t)
  const {
    stores: [storeA, storeC, storeB, storeD],
    A
  } = await stores(cleanup, ['a', 'c', 'b', 'd'])
  const C = makeBase(storeC, A.key)
  cleanup(() => C.close())
  await C.ready()
  const unlinkAC = link(rep(A), rep(C))
  const unlinkAB = link(rep(A), rep(storeB))
  cleanup(link(rep(C), rep(storeB)))

  const { log, all } = lines()
  const live = new MsbLightReader({ store: storeB, bootstrap: A.key, refreshIntervalMs: 250, log })
  cleanup(() => live.close())
  await live.ready()

  for (let i = 0; i < 10; i++) await put(A, `a${i}`, `v${i}`)
  await confirmed(A, 'a9', 'v9')
  await addIndexer(A, C.local.key)
  await waitUntil(() => C.isIndexer, 20_000, 'C is an indexer')
  for (let i = 0; i < 5; i++) await put(A, `b${i}`, `w${i}`)
  await confirmed(A, 'b4', 'w4', 25_000)
  await waitUntil(() => live.indexers().length === 2, 15_000, 'live reader sees 2 indexers')

  // A removes itself: C becomes the only indexer. A's last digest still names the 2-indexer system.
  await removeWriter(A, A.local.key)
  await waitUntil(
    () => !A.isIndexer && C.isIndexer && viewCore(C).manifest?.signers.length === 1,
    25_000,
    'C sole indexer'
  )
  for (let i = 0; i < 5; i++) await put(C, `c${i}`, `x${i}`)
  const Lc = await confirmed(C, 'c4', 'x4', 25_000)
  const cView = toHex(viewCore(C).key)

  await waitUntil(
    () => live.viewKeyHex === cView,
    20_000,
    () => `live reader on C's view (${JSON.stringify(live.status())})`
  )
  assert.deepEqual(live.indexers(), [toHex(C.local.key)])
  assert.equal(await live.waitForSignedLength(Lc, 15_000), true)
  await assertSameAt(C, live, ['a0', 'b4', 'c4', 'none'], Lc)

  // A goes away for good; D knows only the bootstrap and talks only to C.
  unlinkAC()
  unlinkAB()
  await A.close()
  await storeA.close()
  cleanup(link(rep(C), rep(storeD)))
  const dl = lines()
  const late = new MsbLightReader({ store: storeD, bootstrap: A.key, refreshIntervalMs: 250, log: dl.log })
  cleanup(() => late.close())
  const tLate = Date.now()
  await late.ready()
  assert.equal(
    await late.waitForSignedLength(Lc, 20_000),
    true,
    `late reader synced (${JSON.stringify(late.status())})`
  )
  t.diagnostic(
    `late reader: bootstrap → C's view in ${Date.now() - tLate} ms; log: ${dl.all.filter((l) => l.includes('system')).length} system hops`
  )
  assert.equal(late.viewKeyHex, cView)
  assert.deepEqual(late.indexers(), [toHex(C.local.key)])
  assert.ok(
    dl.all.some((l) => l.includes('(rule B')),
    'the removal was followed by rule B'
  )
  assert.equal(late.status().verified, true)
  await assertSameAt(C, late, ['a0', 'a9', 'b0', 'b4', 'c0', 'c4', 'none'], Lc)
  const hist = await collect(late.historySince(0))
  assert.equal(hist.filter((e) => /^[abc]\d$/.test(e.key)).length, 20)
  assert.ok(all.some((l) => l.includes('indexer set changed')))
})
