// Signature checks on worker threads: same verdicts as inline, batched, in order, and a peer
// running with a worker still delivers in order and drops forgeries.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { WorkerPoolVerifier, InlineVerifier } from '../src/sidechannel/verifier.js'
import { keyPairFromSeed, randomBytes, sign, utf8 } from '../src/crypto/index.js'
import { Cluster, waitFor, messagesOn } from './helpers/peers.js'
import { RawClient } from './helpers/raw-client.js'
import { ENTRY_CHANNEL as ENTRY, buildPayload } from '../src/sidechannel/codec/index.js'

test('worker pool gives the same verdicts as inline verification', { timeout: 30_000 }, async (t) => {
  const pool = await WorkerPoolVerifier.create(2)
  assert.ok(pool, 'worker threads are available on Node')
  t.after(() => pool.close())
  const inline = new InlineVerifier()
  const kp = keyPairFromSeed(randomBytes(32))
  const jobs = []
  for (let i = 0; i < 1500; i++) {
    const msg = utf8('message ' + i + ' ' + 'x'.repeat(i % 300))
    const sig = sign(msg, kp.secretKey)
    if (i % 7 === 0) sig[5] ^= 1
    const job =
      i % 11 === 0 ? { sig: sig.subarray(0, 10), msg, publicKey: kp.publicKey } : { sig, msg, publicKey: kp.publicKey }
    jobs.push(job)
  }
  const results = await Promise.all(jobs.map((j) => pool.verify(j)))
  assert.deepEqual(
    results,
    jobs.map((j) => inline.verify(j))
  )
  assert.ok(results.filter(Boolean).length > 1000)
  await pool.close()
  assert.equal(await pool.verify(jobs[1]!), false, 'a closed pool fails closed')
})

test('a peer verifying on a worker delivers in order and drops forged messages', { timeout: 60_000 }, async (t) => {
  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  const r = await cl.peer('r', ['--sidechannel-verify-workers', '1', '--sidechannel-rate-bytes', '0'])
  const raw = new RawClient(cl.net!)
  t.after(() => raw.destroy())
  await raw.join(ENTRY)
  await waitFor(() => raw.openTo(ENTRY, r.key), 15000, 'raw session')
  const sent: string[] = []
  for (let i = 0; i < 200; i++) {
    const p = buildPayload({
      channel: ENTRY,
      message: 'm' + i,
      keyPair: raw.keyPair,
      ts: Date.now(),
      powDifficulty: 12
    }) as any
    if (i % 10 === 5) p.sig = p.sig.replace(/^./, (ch: string) => (ch === '0' ? '1' : '0'))
    else sent.push('m' + i)
    raw.sendJson(ENTRY, p)
  }
  await waitFor(
    () => messagesOn(r, ENTRY).length >= sent.length,
    20_000,
    () => `delivery (${messagesOn(r, ENTRY).length}/${sent.length})`
  )
  assert.deepEqual(
    messagesOn(r, ENTRY).map((m) => m.payload.message),
    sent,
    'arrival order kept'
  )
  assert.equal(r.peer.sidechannel.drops.get('bad-signature'), 20)
})
