// Three real peers sharing one subnet over a loopback DHT: admin, writers (explicit and auto-added),
// an indexer, chat moderation, a feature feeding the contract, a simulated tx, malformed ops,
// convergence of all views, and a writer restart.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Cluster, waitFor, type TestPeer } from './helpers/peers.js'
import { randomBytes, toHex } from '../src/crypto/index.js'
import {
  buildAddAdmin,
  buildAddWriter,
  buildAddIndexer,
  buildSetAutoAddWriters,
  buildSetChatStatus,
  buildMessage,
  buildSetNick,
  buildSetMod,
  buildMuteStatus,
  buildPinMessage,
  buildDeleteMessage,
  buildFeature,
  buildEnableWhitelist,
  buildSetWhitelistStatus
} from '../src/subnet/builders.js'

const nonce = () => toHex(randomBytes(32))

async function viewOf(tp: TestPeer): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for await (const e of tp.peer.subnet.base.view.createReadStream()) out[e.key] = JSON.stringify(e.value)
  return out
}

async function waitValue(tp: TestPeer, key: string, expected: unknown, timeoutMs = 20_000): Promise<void> {
  let last: unknown
  const start = Date.now()
  while (Date.now() - start < timeoutMs) {
    last = await tp.peer.subnet.get(key)
    if (JSON.stringify(last) === JSON.stringify(expected)) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`${tp.name}: ${key} is ${JSON.stringify(last)}, expected ${JSON.stringify(expected)}`)
}

test('three peers share one subnet: roles, chat, features, sim, malformed ops, convergence, restart', {
  timeout: 180_000
}, async (t) => {
  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  const a = await cl.peer('a')
  const bs = a.peer.subnet.bootstrapHex
  assert.equal(a.peer.subnet.bootstrapSource, 'created')
  assert.equal(a.peer.subnet.writerKeyHex, bs, "the creator's writer key is the subnet bootstrap")
  const b = await cl.peer('b', ['--subnet-bootstrap', bs])
  const c = await cl.peer('c', ['--subnet-bootstrap', bs])
  const [ka, kb, kc] = [a, b, c].map((p) => p.peer.wallet.keyPair)
  assert.equal(b.peer.subnet.writable, false)

  await a.peer.subnet.append(buildAddAdmin(a.key))
  await waitValue(c, 'admin', a.key)

  // An explicit writer, and one added through the auto-add invite handshake.
  await a.peer.subnet.append(buildAddWriter(ka!, b.peer.subnet.writerKeyHex, nonce()))
  await waitFor(() => b.peer.subnet.writable, 30_000, 'b writable')
  await a.peer.subnet.append(buildSetAutoAddWriters(ka!, true, nonce()))
  await waitFor(() => c.peer.subnet.writable, 40_000, 'c auto-added')
  await a.peer.subnet.append(buildAddIndexer(ka!, b.peer.subnet.writerKeyHex, nonce()))
  await waitFor(() => b.peer.subnet.isIndexer, 40_000, 'b indexer')

  // Chat with moderation.
  await a.peer.subnet.append(buildSetChatStatus(ka!, true, nonce()))
  await waitValue(b, 'chat_status', 'on')
  await b.peer.subnet.append(buildMessage(kb!, 'hello from b', nonce()))
  await waitValue(c, 'msgl', 1)
  await c.peer.subnet.append(buildSetNick(kc!, 'carol', nonce()))
  await a.peer.subnet.append(buildSetMod(ka!, c.key, true, nonce()))
  await waitValue(c, `mod/${c.key}`, true)
  await c.peer.subnet.append(buildMuteStatus(kc!, b.key, true, nonce()))
  await waitValue(b, `mtd/${b.key}`, true)
  await b.peer.subnet.append(buildMessage(kb!, 'muted words', nonce()))
  await c.peer.subnet.append(buildPinMessage(kc!, 0, true, nonce()))
  await waitValue(a, 'pnl', 1)
  await a.peer.subnet.append(buildMessage(ka!, 'from the admin', nonce()))
  await waitValue(b, 'msgl', 2)
  await a.peer.subnet.append(buildDeleteMessage(ka!, 1, nonce()))
  await waitValue(c, 'delml', 1)
  await a.peer.subnet.append(buildEnableWhitelist(ka!, true, nonce()))
  await a.peer.subnet.append(buildSetWhitelistStatus(ka!, c.key, true, nonce()))
  await waitValue(b, `wl/${c.key}`, true)

  // A feature update reaches the contract on every node.
  await a.peer.subnet.append(buildFeature(ka!, 'timer', 'currentTime', 1700000000000, nonce()))
  await waitValue(c, 'currentTime', 1700000000000)

  // Malformed ops from a writer are skipped everywhere without stalling apply.
  await b.peer.subnet.append({ type: 'msg', value: 'garbage' })
  await b.peer.subnet.append({ type: 42 } as any)
  await b.peer.subnet.append({ type: 'addWriter', key: 'zz', value: { msg: null } })
  await b.peer.subnet.append({ type: 'x'.repeat(300) })
  await c.peer.subnet.append(buildMessage(kc!, 'after the junk', nonce()))
  await waitValue(a, 'msgl', 3)

  // A simulated tx runs the contract on an overlay and leaves the view alone.
  const before = await viewOf(a)
  const sim = await a.peer.subnet.protocol.tx({ command: 'something' }, true, null, { log: () => {} })
  assert.equal(a.peer.subnet.protocol.getError(sim), null)
  assert.deepEqual(await viewOf(a), before)

  // All three views converge to the same key/values.
  let views: Array<Record<string, string>> = []
  const start = Date.now()
  while (Date.now() - start < 30_000) {
    views = await Promise.all([a, b, c].map(viewOf))
    if (JSON.stringify(views[0]) === JSON.stringify(views[1]) && JSON.stringify(views[1]) === JSON.stringify(views[2]))
      break
    await new Promise((r) => setTimeout(r, 100))
  }
  assert.deepEqual(views[1], views[0])
  assert.deepEqual(views[2], views[0])
  const v = views[0]!
  assert.equal(v[`nick/${c.key}`], '"carol"')
  assert.equal(JSON.parse(v['msg/0']!).pinned, true)
  assert.equal(JSON.parse(v['msg/1']!).deleted_by, a.key)
  assert.ok(!Object.values(v).some((x) => x.includes('muted words')), 'the muted message was not stored')
  assert.ok(a.peer.subnet.skips.size > 0, 'skips are counted')

  // Restarting a writer keeps its state and its roles.
  const bView = await viewOf(b)
  await cl.stop(b)
  const b2 = await cl.peer('b', ['--subnet-bootstrap', bs])
  assert.equal(b2.peer.subnet.bootstrapHex, bs)
  await waitFor(() => b2.peer.subnet.writable, 30_000, 'b writable after restart')
  assert.deepEqual(await viewOf(b2), bView)
  await b2.peer.subnet.append(buildSetNick(kb!, 'bob', nonce()))
  await waitValue(a, `nick/${b.key}`, 'bob')
})
