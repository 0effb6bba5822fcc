// Real peers on a loopback hyperdht testnet: delivery, relay, welcome/owner/invite gates, PoW,
// rate limit, size guard, remote open, persistence and hostile payloads.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Cluster, waitFor, waitChannelOpen, messagesOn, sleep, hex } from './helpers/peers.js'
import { RawClient } from './helpers/raw-client.js'
import { ENTRY_CHANNEL as ENTRY, buildPayload, createWelcome, findPowNonce } from '../src/sidechannel/codec/index.js'

/** Re-stamps PoW after a test tampered with a payload, so the signature check is what must catch it. */
function restamp(p: any): any {
  p.pow = { nonce: findPowNonce(p, 12), difficulty: 12 }
  return p
}

const T = { timeout: 90_000 }

function dropTable(tp: { peer: { sidechannel: { drops: Map<string, number> } } }): string {
  return JSON.stringify(Object.fromEntries(tp.peer.sidechannel.drops))
}

function drops(tp: { peer: { sidechannel: { drops: Map<string, number> } } }, reason: string): number {
  return tp.peer.sidechannel.drops.get(reason) ?? 0
}

test('entry channel: a message goes both ways, signed by its sender', T, async (t) => {
  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  const a = await cl.peer('a')
  const b = await cl.peer('b')
  await waitChannelOpen(a, b, ENTRY)

  const res = a.peer.sidechannel.send(ENTRY, 'hello from a')
  assert.equal(res.ok, true)
  assert.equal(res.recipients, 1)
  const got = await waitFor(() => messagesOn(b, ENTRY).find((m) => m.payload.message === 'hello from a'))
  assert.equal(got.payload.from, a.key)
  assert.equal(got.payload.origin, a.key)
  assert.equal(got.payload.channel, ENTRY)
  assert.match(got.payload.sig, /^[0-9a-f]{128}$/)
  assert.equal(typeof got.payload.pow.nonce, 'number', 'default policy attaches PoW on the entry channel')

  b.peer.sidechannel.send(ENTRY, { kind: 'reply', n: 1 })
  const back = await waitFor(() => messagesOn(a, ENTRY).find((m) => (m.payload.message as any)?.kind === 'reply'))
  assert.deepEqual(back.payload.message, { kind: 'reply', n: 1 })
  assert.equal(
    messagesOn(a, ENTRY).filter((m) => m.payload.message === 'hello from a').length,
    0,
    'no loop-back of own messages'
  )
})

test('relay: A and C never connect, B forwards with ttl-1 and relayedBy', T, async (t) => {
  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  const aWallet = await cl.identity('a')
  const cWallet = await cl.identity('c')
  const a = await cl.peer('a', [], { firewall: (remote) => hex(remote) === cWallet.publicKeyHex })
  const b = await cl.peer('b')
  const c = await cl.peer('c', [], { firewall: (remote) => hex(remote) === aWallet.publicKeyHex })
  await waitChannelOpen(a, b, ENTRY)
  await waitChannelOpen(b, c, ENTRY)
  assert.ok(![...a.peer.swarm.connections].some((x) => hex(x.remotePublicKey) === c.key), 'A and C are not connected')

  a.peer.sidechannel.send(ENTRY, 'over the hill')
  const got = await waitFor(() => messagesOn(c, ENTRY).find((m) => m.payload.message === 'over the hill'))
  assert.equal(got.payload.from, a.key)
  assert.equal(got.payload.relayedBy, b.key)
  assert.equal(got.payload.ttl, 2)
  assert.equal(got.remoteKey, b.key)
  await sleep(300)
  assert.equal(
    messagesOn(c, ENTRY).filter((m) => m.payload.message === 'over the hill').length,
    1,
    'delivered exactly once'
  )
  assert.equal(messagesOn(b, ENTRY).filter((m) => m.payload.message === 'over the hill').length, 1)
})

test('welcome required: messages wait for the owner welcome, then flow; owner sends it on open', T, async (t) => {
  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  const ownerWallet = await cl.identity('owner')
  const flags = ['--sidechannel-owner', `pub1:${ownerWallet.publicKeyHex}`]
  const owner = await cl.peer('owner', flags)
  const b = await cl.peer('b', flags)
  await owner.peer.sidechannel.join('pub1')
  await b.peer.sidechannel.join('pub1')
  await waitChannelOpen(owner, b, 'pub1')

  owner.peer.sidechannel.send('pub1', 'before welcome')
  await waitFor(() => drops(b, 'awaiting-welcome') >= 1, 10000, 'awaiting-welcome drop')
  assert.equal(messagesOn(b, 'pub1').length, 0)

  const welcome = owner.peer.sidechannel.signWelcome('pub1', 'Welcome to pub1!')
  assert.equal(await b.peer.sidechannel.join('pub1', { welcome }), true)
  assert.equal(b.peer.sidechannel.isWelcomed('pub1'), true)
  owner.peer.sidechannel.send('pub1', 'after welcome')
  await waitFor(() => messagesOn(b, 'pub1').find((m) => m.payload.message === 'after welcome'))

  // A newcomer gets the stored welcome from the owner as soon as the channel opens.
  const c = await cl.peer('c', flags)
  await c.peer.sidechannel.join('pub1')
  const wmsg = await waitFor(() => messagesOn(c, 'pub1').find((m) => (m.payload.message as any)?.control === 'welcome'))
  assert.equal((wmsg.payload.message as any).welcome.payload.text, 'Welcome to pub1!')
  assert.equal(c.peer.sidechannel.isWelcomed('pub1'), true)
  owner.peer.sidechannel.send('pub1', 'hi newcomer')
  await waitFor(() => messagesOn(c, 'pub1').find((m) => m.payload.message === 'hi newcomer'))
})

test('owner-only channel: non-owner refused locally, forged from and foreign signatures dropped', T, async (t) => {
  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  const ownerWallet = await cl.identity('owner')
  const flags = [
    '--sidechannel-owner',
    `news:${ownerWallet.publicKeyHex}`,
    '--sidechannel-owner-write-channels',
    'news',
    '--sidechannel-welcome-required',
    '0'
  ]
  const owner = await cl.peer('owner', flags)
  const reader = await cl.peer('reader', flags)
  await owner.peer.sidechannel.join('news')
  await reader.peer.sidechannel.join('news')
  await waitChannelOpen(owner, reader, 'news')

  assert.equal(reader.peer.sidechannel.send('news', 'i am not the owner').ok, false)
  owner.peer.sidechannel.send('news', 'official')
  await waitFor(() => messagesOn(reader, 'news').find((m) => m.payload.message === 'official'))

  const mallory = new RawClient(cl.net!)
  t.after(() => mallory.destroy())
  await mallory.join('news')
  await waitFor(() => mallory.openTo('news', reader.key), 15000, 'raw session to reader')
  // Claims to be the owner but signs with its own key.
  const forged = buildPayload({
    channel: 'news',
    message: 'forged',
    keyPair: mallory.keyPair,
    ts: Date.now(),
    powDifficulty: 12
  }) as any
  forged.from = ownerWallet.publicKeyHex
  forged.origin = ownerWallet.publicKeyHex
  mallory.sendJson('news', restamp(forged))
  // Honestly signed by a non-owner.
  mallory.sendJson(
    'news',
    buildPayload({ channel: 'news', message: 'not owner', keyPair: mallory.keyPair, ts: Date.now(), powDifficulty: 12 })
  )
  await waitFor(
    () => drops(reader, 'bad-signature') >= 1 && drops(reader, 'owner-only') >= 1,
    10000,
    () => `forged and non-owner drops: ${dropTable(reader)}`
  )
  assert.equal(messagesOn(reader, 'news').filter((m) => m.payload.message !== 'official').length, 0)
})

test('invite-only channel: uninvited listener gets nothing, invited peer exchanges both ways', T, async (t) => {
  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  const inviterWallet = await cl.identity('inviter')
  const flags = [
    '--sidechannel-invite-required',
    '1',
    '--sidechannel-invite-channels',
    'vip',
    '--sidechannel-inviter-keys',
    inviterWallet.publicKeyHex,
    '--sidechannel-welcome-required',
    '0'
  ]
  const inviter = await cl.peer('inviter', flags)
  const guest = await cl.peer('guest', flags)
  const outsider = await cl.peer('outsider', flags)
  assert.equal(await outsider.peer.sidechannel.join('vip'), false, 'joining without an invite is refused')
  assert.equal(await guest.peer.sidechannel.join('vip'), false)

  const spy = new RawClient(cl.net!)
  t.after(() => spy.destroy())
  await spy.join('vip')

  const invite = inviter.peer.sidechannel.signInvite('vip', guest.key, 60_000)
  await inviter.peer.sidechannel.join('vip')
  assert.equal(await guest.peer.sidechannel.join('vip', { invite }), true)
  await waitChannelOpen(inviter, guest, 'vip')
  await waitFor(() => spy.openTo('vip', inviter.key), 15000, 'spy session to inviter')

  // The guest's auth reaches the inviter, which then authorizes the guest's key.
  await waitFor(
    () => {
      inviter.peer.sidechannel.send('vip', 'secret plan')
      return messagesOn(guest, 'vip').find((m) => m.payload.message === 'secret plan')
    },
    15000,
    'guest receives'
  )
  guest.peer.sidechannel.send('vip', 'count me in')
  await waitFor(() => messagesOn(inviter, 'vip').find((m) => m.payload.message === 'count me in'))

  // The spy forges an invite-less message and tries to listen.
  spy.sendJson(
    'vip',
    buildPayload({ channel: 'vip', message: 'let me in', keyPair: spy.keyPair, ts: Date.now(), powDifficulty: 12 })
  )
  await sleep(500)
  assert.equal(spy.received.filter((r) => r.channel === 'vip').length, 0, 'uninvited listener received zero payloads')
  assert.equal(messagesOn(inviter, 'vip').filter((m) => m.payload.message === 'let me in').length, 0)
  assert.ok(drops(inviter, 'invite') >= 1)
})

test('PoW: a sender without PoW is dropped by default receivers; a wrong nonce is dropped', T, async (t) => {
  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  const r = await cl.peer('r')
  const lazy = await cl.peer('lazy', ['--sidechannel-pow', '0'])
  await waitChannelOpen(r, lazy, ENTRY)
  lazy.peer.sidechannel.send(ENTRY, 'no work done')
  await waitFor(() => drops(r, 'invalid-pow') >= 1, 10000, 'pow drop')

  const raw = new RawClient(cl.net!)
  t.after(() => raw.destroy())
  await raw.join(ENTRY)
  await waitFor(() => raw.openTo(ENTRY, r.key), 15000, 'raw session')
  const p = buildPayload({
    channel: ENTRY,
    message: 'bad nonce',
    keyPair: raw.keyPair,
    ts: Date.now(),
    powDifficulty: 12
  }) as any
  p.pow = { nonce: p.pow.nonce + 1, difficulty: 12 }
  raw.sendJson(ENTRY, p)
  await waitFor(() => drops(r, 'invalid-pow') >= 2, 10000, 'second pow drop')
  raw.sendJson(
    ENTRY,
    buildPayload({ channel: ENTRY, message: 'good work', keyPair: raw.keyPair, ts: Date.now(), powDifficulty: 12 })
  )
  await waitFor(() => messagesOn(r, ENTRY).find((m) => m.payload.message === 'good work'))
  assert.equal(messagesOn(r, ENTRY).filter((m) => m.payload.message !== 'good work').length, 0)
})

test('rate limit: a flooding remote is blocked, then recovers after the block', T, async (t) => {
  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  const r = await cl.peer('r', [
    '--sidechannel-rate-bytes',
    '2000',
    '--sidechannel-rate-burst',
    '4000',
    '--sidechannel-max-strikes',
    '2',
    '--sidechannel-rate-block-sec',
    '2'
  ])
  const raw = new RawClient(cl.net!)
  t.after(() => raw.destroy())
  await raw.join(ENTRY)
  await waitFor(() => raw.openTo(ENTRY, r.key), 15000, 'raw session')
  const msg = (text: string) =>
    buildPayload({
      channel: ENTRY,
      message: text + ' ' + 'x'.repeat(1500),
      keyPair: raw.keyPair,
      ts: Date.now(),
      powDifficulty: 12
    })
  for (let i = 0; i < 6; i++) raw.sendJson(ENTRY, msg('flood ' + i))
  await waitFor(() => drops(r, 'rate-limit') >= 2, 10000, 'rate-limit strikes')
  raw.sendJson(ENTRY, msg('while blocked'))
  await waitFor(() => drops(r, 'blocked') >= 1, 10000, 'blocked drop')
  const deliveredDuringFlood = messagesOn(r, ENTRY).length
  assert.ok(
    deliveredDuringFlood >= 1 && deliveredDuringFlood <= 3,
    `only the budget got through (${deliveredDuringFlood})`
  )
  await sleep(2600)
  raw.sendJson(ENTRY, msg('after the block'))
  await waitFor(
    () => messagesOn(r, ENTRY).find((m) => String(m.payload.message).startsWith('after the block')),
    10000,
    'recovery'
  )
})

test('size guard: oversized sends are refused locally and oversized frames dropped without harm', T, async (t) => {
  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  const a = await cl.peer('a', ['--sidechannel-max-bytes', '2000'])
  const b = await cl.peer('b', ['--sidechannel-rate-bytes', '0'])
  await waitChannelOpen(a, b, ENTRY)
  const res = a.peer.sidechannel.send(ENTRY, 'y'.repeat(3000))
  assert.equal(res.ok, false)
  assert.ok(a.logs.some((l) => /message too large \(\d+ bytes > 2000\)/.test(l)))

  const raw = new RawClient(cl.net!)
  t.after(() => raw.destroy())
  await raw.join(ENTRY)
  await waitFor(() => raw.openTo(ENTRY, b.key), 15000, 'raw session')
  raw.sendText(ENTRY, JSON.stringify({ junk: 'z'.repeat(1_100_000) }))
  await waitFor(() => drops(b, 'too-large') >= 1, 10000, 'too-large drop')
  raw.sendJson(
    ENTRY,
    buildPayload({ channel: ENTRY, message: 'still alive', keyPair: raw.keyPair, ts: Date.now(), powDifficulty: 12 })
  )
  await waitFor(() => messagesOn(b, ENTRY).find((m) => m.payload.message === 'still alive'))
})

test(
  'bad payloads: wrong types, non-JSON, stale, replayed and cross-channel copies are counted, not fatal',
  T,
  async (t) => {
    const cl = await new Cluster().start()
    t.after(() => cl.cleanup())
    const b = await cl.peer('b', ['--sidechannel-rate-bytes', '0'])
    await b.peer.sidechannel.join('side')
    const raw = new RawClient(cl.net!)
    t.after(() => raw.destroy())
    await raw.join(ENTRY)
    await waitFor(() => raw.openTo(ENTRY, b.key), 15000, 'raw session')
    const good = (message: unknown, extra: { ts?: number; channel?: string } = {}) =>
      buildPayload({
        channel: extra.channel ?? ENTRY,
        message,
        keyPair: raw.keyPair,
        ts: extra.ts ?? Date.now(),
        powDifficulty: 12
      }) as any

    raw.sendText(ENTRY, '{not json')
    raw.sendRaw(ENTRY, new Uint8Array([0xff, 0xff]))
    raw.sendJson(ENTRY, [1, 2, 3])
    raw.sendJson(ENTRY, 'just a string')
    raw.sendJson(ENTRY, null)
    raw.sendJson(ENTRY, { ...good('x'), id: 42 })
    raw.sendJson(ENTRY, { ...good('x'), ts: 'yesterday' })
    raw.sendJson(ENTRY, { ...good('x'), from: 'not-hex' })
    raw.sendJson(ENTRY, good('stale', { ts: Date.now() - 3_600_000 }))
    raw.sendJson(ENTRY, good('other channel', { channel: 'side' }))
    const once = good('only once')
    raw.sendJson(ENTRY, once)
    raw.sendJson(ENTRY, once)
    const tampered = good('original')
    tampered.message = 'tampered'
    raw.sendJson(ENTRY, restamp(tampered))

    await waitFor(() => messagesOn(b, ENTRY).find((m) => m.payload.message === 'only once'), 10000)
    await waitFor(
      () =>
        drops(b, 'duplicate') >= 1 &&
        drops(b, 'stale') >= 1 &&
        drops(b, 'channel-mismatch') >= 1 &&
        drops(b, 'bad-signature') >= 1,
      10000,
      () => `drops: ${dropTable(b)}`
    )
    const total = [...b.peer.sidechannel.drops.values()].reduce((x, y) => x + y, 0)
    assert.ok(
      total >= 12,
      `every bad frame counted (${total}): ${JSON.stringify(Object.fromEntries(b.peer.sidechannel.drops))}`
    )
    assert.deepEqual(
      messagesOn(b, ENTRY).map((m) => m.payload.message),
      ['only once']
    )
    raw.sendJson(ENTRY, good('after the junk'))
    await waitFor(() => messagesOn(b, ENTRY).find((m) => m.payload.message === 'after the junk'))
  }
)

test('remote open: auto-join on joins the channel, off only reports the request', T, async (t) => {
  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  const flags = ['--sidechannel-welcome-required', '0']
  const eager = await cl.peer('eager', [...flags, '--sidechannel-auto-join', '1'])
  const shy = await cl.peer('shy', flags)
  const asker = await cl.peer('asker', flags)
  await waitChannelOpen(asker, eager, ENTRY)
  await waitChannelOpen(asker, shy, ENTRY)
  asker.peer.sidechannel.requestOpen('room1')
  await waitFor(() => eager.peer.sidechannel.channelNames().includes('room1'), 10000, 'auto-join')
  await waitFor(() => shy.logs.some((l) => l.includes('channel request received: room1')), 10000, 'request report')
  assert.equal(shy.peer.sidechannel.channelNames().includes('room1'), false)
  // The channel is registered at once; the line comes once its topic is announced (slower on a busy machine).
  await waitFor(() => eager.logs.some((l) => l.includes('auto-joined channel: room1')), 10000, 'auto-join line')
  assert.equal(messagesOn(eager, ENTRY).length, 0, 'accepted open requests are not delivered as messages')
})

test('restart: a verified welcome survives a restart of the peer', T, async (t) => {
  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  const ownerWallet = await cl.identity('owner')
  const flags = ['--sidechannel-owner', `club:${ownerWallet.publicKeyHex}`]
  const welcome = createWelcome({ channel: 'club', text: 'hi', keyPair: ownerWallet.keyPair, issuedAt: Date.now() })
  let b = await cl.peer('b', flags)
  assert.equal(await b.peer.sidechannel.join('club', { welcome }), true)
  await cl.stop(b)

  b = await cl.peer('b', flags)
  assert.equal(b.peer.sidechannel.isWelcomed('club'), true, 'welcome restored from the peer store')
  const owner = await cl.peer('owner', flags)
  await owner.peer.sidechannel.join('club')
  await b.peer.sidechannel.join('club')
  await waitChannelOpen(owner, b, 'club')
  owner.peer.sidechannel.send('club', 'welcome back')
  await waitFor(() => messagesOn(b, 'club').find((m) => m.payload.message === 'welcome back'))
})

test('leave and rejoin: a left channel cannot be reopened by a remote; rejoining works again', T, async (t) => {
  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  const flags = ['--sidechannel-welcome-required', '0']
  const a = await cl.peer('a', flags)
  const b = await cl.peer('b', flags)
  await a.peer.sidechannel.join('room')
  await b.peer.sidechannel.join('room')
  await waitChannelOpen(a, b, 'room')
  a.peer.sidechannel.send('room', 'one')
  await waitFor(() => messagesOn(b, 'room').find((m) => m.payload.message === 'one'))

  assert.equal(await b.peer.sidechannel.leave('room'), true)
  assert.equal(await b.peer.sidechannel.leave(ENTRY), false, 'the entry channel cannot be left')
  await waitFor(() => !a.peer.sidechannel.openPeers('room').includes(b.key), 10000, 'remote close seen by a')
  // a still has the channel and retries opening it on the connection: b must refuse (B13).
  a.peer.sidechannel.send('room', 'two')
  await sleep(1500)
  assert.equal(messagesOn(b, 'room').filter((m) => m.payload.message === 'two').length, 0)
  assert.equal(b.peer.sidechannel.channelNames().includes('room'), false)

  // Rejoining opens the channel on the existing connection again (B12).
  await b.peer.sidechannel.join('room')
  await waitChannelOpen(a, b, 'room')
  a.peer.sidechannel.send('room', 'three')
  await waitFor(() => messagesOn(b, 'room').find((m) => m.payload.message === 'three'))
})
