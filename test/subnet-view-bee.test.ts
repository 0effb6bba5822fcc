// The view's Hyperbee (src/subnet/view-bee.ts): after a truncation, entries below the new length stay cached,
// and nothing at or past it is ever served again, however long the truncation.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Corestore from 'corestore'
import Rache from 'rache'
import { ViewBee, dropFrom } from '../src/common/index.js'

test('dropFrom removes exactly the sequence numbers at or past the length', () => {
  const rache = new Rache({ maxSize: 100 })
  const cache = { keys: rache.sub(), length: 0 }
  for (let i = 0; i < 50; i++) {
    cache.keys.set(i, `v${i}`)
    cache.length = i + 1
  }
  assert.equal(dropFrom(cache, 20), true)
  assert.equal(cache.length, 20)
  assert.deepEqual(
    [...cache.keys.keys()].sort((a, b) => (a as number) - (b as number)),
    Array.from({ length: 20 }, (_, i) => i)
  )
  // The dropped entries left the shared array too (a clear() would leave their slots behind).
  assert.equal(rache.globalSize, 20)
  assert.equal(dropFrom(null, 3), false)
  assert.equal(dropFrom({ keys: {} as never, length: 1 }, 0), false)
})

for (const cut of [10, 200]) {
  test(`a truncation by ${cut} entries: later writes at the same positions are read back, earlier entries stay cached`, async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'intercom-view-bee-'))
    const store = new Corestore(dir, { globalCache: new Rache({ maxSize: 8192 }) })
    t.after(async () => {
      await store.close()
      fs.rmSync(dir, { recursive: true, force: true })
    })
    const core = store.get({ name: 'view' })
    const bee = new ViewBee(core, { keyEncoding: 'utf-8', valueEncoding: 'json' })
    await bee.ready()
    const n = 300
    for (let i = 0; i < n; i++) await bee.put(`k${String(i).padStart(3, '0')}`, { i, gen: 1 })
    for (let i = 0; i < n; i++)
      assert.deepEqual((await bee.get(`k${String(i).padStart(3, '0')}`))?.value, { i, gen: 1 })
    const nodeCache = (bee as unknown as { _nodeCache: { keys: Rache } })._nodeCache
    const before = nodeCache.keys.size
    assert.ok(before > cut, 'the reads filled the node cache')

    const length = core.length - cut
    await core.truncate(length)
    const cached = [...nodeCache.keys.keys()] as number[]
    assert.ok(
      cached.every((seq) => seq < length),
      'nothing at or past the new length is cached'
    )
    assert.ok(cached.length > 0, 'entries below the new length are kept (Hyperbee alone clears them all past 128)')

    // Rewrite the truncated positions with other values: reads must see the new ones.
    const lost = Array.from({ length: n }, (_, i) => `k${String(i).padStart(3, '0')}`).filter((_, i) => i >= n - cut)
    for (const k of lost) await bee.put(k, { k, gen: 2 })
    for (let i = 0; i < n; i++) {
      const k = `k${String(i).padStart(3, '0')}`
      assert.deepEqual((await bee.get(k))?.value, lost.includes(k) ? { k, gen: 2 } : { i, gen: 1 }, k)
    }
    await bee.close()
  })
}
