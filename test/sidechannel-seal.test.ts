// Sealed (end-to-end encrypted) channels: codec properties, and three real peers where only the
// holders of the channel key read the messages while the payloads stay valid signed sidechannel traffic.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  sealMessage,
  openSealed,
  isSealed,
  newChannelKey,
  encodeChannelKey,
  decodeChannelKey,
  withoutChannelKey,
  SEAL_VERSION
} from '../src/sidechannel/codec/index.js'
import { Cluster, waitFor, waitChannelOpen, messagesOn } from './helpers/peers.js'

test('seal: round trip, and wrong key, wrong channel or tampering fail closed', () => {
  const key = newChannelKey()
  for (const m of ['text', { a: [1, 'ü', null] }, null, 42]) {
    const s = sealMessage(key, 'vip', m)
    assert.equal(s.enc, SEAL_VERSION)
    assert.deepEqual(Object.keys(s), ['enc', 'n', 'c'])
    assert.deepEqual(openSealed(key, 'vip', JSON.parse(JSON.stringify(s))), { ok: true, message: m })
    assert.equal(openSealed(newChannelKey(), 'vip', s).ok, false, 'wrong key')
    assert.equal(openSealed(key, 'other', s).ok, false, 'moved to another channel')
  }
  const s = sealMessage(key, 'vip', 'x')
  const c = Buffer.from(s.c, 'base64')
  c[0] ^= 1
  assert.equal(openSealed(key, 'vip', { ...s, c: c.toString('base64') }).ok, false, 'tampered')
  for (const bad of [
    null,
    'x',
    { enc: SEAL_VERSION },
    { enc: SEAL_VERSION, n: '!!', c: 5 },
    { enc: SEAL_VERSION, n: '', c: '' }
  ]) {
    assert.equal(openSealed(key, 'vip', bad).ok, false)
  }
  assert.equal(isSealed(s), true)
  assert.equal(isSealed({ enc: 'other' }), false)
  assert.deepEqual(decodeChannelKey(encodeChannelKey(key)), key)
  for (const bad of ['', 'abc', encodeChannelKey(key).slice(1), 5, null]) assert.equal(decodeChannelKey(bad), null)
  assert.deepEqual(withoutChannelKey({ payload: 1, sig: 'x', channelKey: 'k' }), { payload: 1, sig: 'x' })
})

test('sealed channel: invitees with the key read it, a member without the key sees only ciphertext', {
  timeout: 90_000
}, async (t) => {
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
    '0',
    '--sidechannel-encrypt-channels',
    'vip'
  ]
  const inviter = await cl.peer('inviter', flags)
  const guest = await cl.peer('guest', flags)
  const keyless = await cl.peer('keyless', flags)

  const guestInvite = inviter.peer.sidechannel.signInvite('vip', guest.key, 600_000) as any
  assert.equal(typeof guestInvite.channelKey, 'string', 'invites to a sealed channel carry its key')
  const keylessInvite = withoutChannelKey(inviter.peer.sidechannel.signInvite('vip', keyless.key, 600_000))
  await inviter.peer.sidechannel.join('vip')
  assert.equal(await guest.peer.sidechannel.join('vip', { invite: guestInvite }), true)
  assert.equal(await keyless.peer.sidechannel.join('vip', { invite: keylessInvite }), true)
  await waitChannelOpen(inviter, guest, 'vip')
  await waitChannelOpen(inviter, keyless, 'vip')

  await waitFor(
    () => {
      inviter.peer.sidechannel.send('vip', 'top secret')
      return (
        messagesOn(guest, 'vip').find((m) => m.payload.message === 'top secret') &&
        messagesOn(keyless, 'vip').length > 0
      )
    },
    20_000,
    'delivery to guest and keyless'
  )
  const g = messagesOn(guest, 'vip').find((m) => m.payload.message === 'top secret')!
  assert.equal(g.sealed, true)
  const k = messagesOn(keyless, 'vip')[0]!
  assert.equal(k.payload.message.enc, SEAL_VERSION)
  assert.ok(!JSON.stringify(k.payload).includes('top secret'), 'no plaintext on the wire')
  assert.equal(k.sealed, undefined)

  guest.peer.sidechannel.send('vip', { reply: 'understood' })
  await waitFor(
    () => messagesOn(inviter, 'vip').find((m) => (m.payload.message as any)?.reply === 'understood'),
    15_000,
    'inviter decrypts'
  )
  const res = keyless.peer.sidechannel.send('vip', 'let me talk')
  assert.deepEqual(res, { ok: false, recipients: 0, reason: 'no channel key' })

  // The guest keeps its key across a restart.
  await cl.stop(guest)
  const again = await cl.peer('guest', flags)
  assert.ok(again.peer.sidechannel.channelKey('vip'), 'channel key restored from the peer store')
})
