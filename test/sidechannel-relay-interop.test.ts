// Invite-only traffic through reference relays, with the reference's relay behaviour modelled by a test
// double: a peer of ours whose auth step behaves like the reference's (it shows its invite to every peer that
// opens the channel, spec §5.5 / B15), everything else being the same gates (both ends invited, relay only to
// authorized connections). `npm run interop` runs the same line with a real reference peer in the middle.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Cluster, waitFor, waitChannelOpen, messagesOn, sleep, hex, type TestPeer } from './helpers/peers.js'
import { RawClient } from './helpers/raw-client.js'
import { authControl, withoutChannelKey } from '../src/sidechannel/codec/index.js'
import { inviteRequired, selfIsInviter } from '../src/sidechannel/policy.js'

const T = { timeout: 90_000 }

/** Makes `tp` send its auth the reference's way: to every connection, as soon as the channel opens there. */
function behaveLikeReference(tp: TestPeer): void {
  const sc = tp.peer.sidechannel as any
  sc.maybeSendAuth = function (this: any, _c: unknown, s: { name: string; authSent: boolean }): void {
    if (s.authSent || !inviteRequired(this.policy, s.name) || selfIsInviter(this.policy)) return
    if (!this.access.holdsInvite(s.name)) return
    s.authSent = true
    this.sendDirect(s, authControl(withoutChannelKey(this.access.localInvites.get(s.name).invite)))
  }
}

/** Auth controls this peer sent on `channel`, as a raw listener connected to it sees them. */
function authsSeenBy(spy: RawClient, channel: string): number {
  return spy.received.filter((r) => r.channel === channel && (r.value as any)?.message?.control === 'auth').length
}

async function lineWithRelay(
  t: { after: (fn: () => Promise<void> | void) => void },
  opts: { sealed: boolean; relayIsReference: boolean; endsAreReference: boolean }
) {
  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  const [inviterId, relayId, farId] = [
    await cl.identity('inviter'),
    await cl.identity('relay'),
    await cl.identity('far')
  ]
  const flags = [
    '--sidechannel-invite-required',
    '1',
    '--sidechannel-invite-channels',
    'vip',
    '--sidechannel-inviter-keys',
    inviterId.publicKeyHex,
    '--sidechannel-welcome-required',
    '0'
  ]
  const sealedFlags = opts.sealed ? ['--sidechannel-encrypt-channels', 'vip'] : []
  // inviter — relay — far: the two ends never connect directly.
  const inviter = await cl.peer('inviter', [...flags, ...sealedFlags], {
    firewall: (remote) => hex(remote) === farId.publicKeyHex
  })
  const relay = await cl.peer('relay', flags)
  const far = await cl.peer('far', [...flags, ...sealedFlags], {
    firewall: (remote) => hex(remote) === inviterId.publicKeyHex
  })
  if (opts.relayIsReference) behaveLikeReference(relay)
  if (opts.endsAreReference) behaveLikeReference(far)

  await inviter.peer.sidechannel.join('vip')
  // A reference relay knows nothing of sealed channels: its invite carries no channel key.
  const relayInvite = withoutChannelKey(inviter.peer.sidechannel.signInvite('vip', relayId.publicKeyHex, 60_000))
  assert.equal(await relay.peer.sidechannel.join('vip', { invite: relayInvite }), true)
  assert.equal(
    await far.peer.sidechannel.join('vip', {
      invite: inviter.peer.sidechannel.signInvite('vip', farId.publicKeyHex, 60_000)
    }),
    true
  )
  await waitChannelOpen(inviter, relay, 'vip')
  await waitChannelOpen(relay, far, 'vip')
  assert.ok(
    ![...inviter.peer.swarm.connections].some((c) => hex(c.remotePublicKey) === far.key),
    'the ends are not connected'
  )

  const there = await waitFor(
    () => {
      inviter.peer.sidechannel.send('vip', 'from the inviter')
      return messagesOn(far, 'vip').find((m) => m.payload.message === 'from the inviter')
    },
    20_000,
    'far end receives through the relay'
  )
  assert.equal(there.payload.relayedBy, relay.key)
  assert.equal(there.payload.from, inviter.key)
  assert.equal(Boolean(there.sealed), opts.sealed)
  const back = await waitFor(
    () => {
      far.peer.sidechannel.send('vip', 'from the far end')
      return messagesOn(inviter, 'vip').find((m) => m.payload.message === 'from the far end')
    },
    20_000,
    'inviter receives through the relay'
  )
  assert.equal(back.payload.relayedBy, relay.key)
  if (opts.sealed) {
    // The relay forwarded ciphertext it cannot open.
    const seenByRelay = messagesOn(relay, 'vip')
    assert.ok(
      seenByRelay.length > 0 && seenByRelay.every((m) => typeof m.payload.message !== 'string'),
      'the relay saw only sealed payloads'
    )
  }
  return { cl, inviter, relay, far }
}

test('ours ↔ reference relay ↔ ours: invite-only traffic flows both ways', T, async (t) => {
  await lineWithRelay(t, { sealed: false, relayIsReference: true, endsAreReference: false })
})

test(
  'ours ↔ reference relay ↔ ours: sealed invite-only traffic flows both ways, the relay reads nothing',
  T,
  async (t) => {
    await lineWithRelay(t, { sealed: true, relayIsReference: true, endsAreReference: false })
  }
)

test('ours ↔ our relay ↔ reference: the far reference invitee is served by our relay', T, async (t) => {
  await lineWithRelay(t, { sealed: false, relayIsReference: false, endsAreReference: true })
})

test('our invitee shows its invite only to peers entitled to it, never to an uninvited listener', T, async (t) => {
  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  const inviterId = await cl.identity('inviter')
  const flags = [
    '--sidechannel-invite-required',
    '1',
    '--sidechannel-invite-channels',
    'vip',
    '--sidechannel-inviter-keys',
    inviterId.publicKeyHex,
    '--sidechannel-welcome-required',
    '0'
  ]
  const inviter = await cl.peer('inviter', flags)
  const guest = await cl.peer('guest', flags)
  await inviter.peer.sidechannel.join('vip')
  assert.equal(
    await guest.peer.sidechannel.join('vip', { invite: inviter.peer.sidechannel.signInvite('vip', guest.key, 60_000) }),
    true
  )
  await waitChannelOpen(inviter, guest, 'vip')

  const spy = new RawClient(cl.net!)
  t.after(() => spy.destroy())
  await spy.join('vip')
  await waitFor(() => spy.openTo('vip', guest.key), 15_000, 'spy session to the guest')
  spy.sendJson('vip', { hello: true })
  await sleep(1500)
  assert.equal(authsSeenBy(spy, 'vip'), 0, 'the guest never sent its invite to the uninvited listener')
  const inviterSessions = [...(inviter.peer.sidechannel as any).sessions.connections()].filter(
    (c: any) => c.remoteKey === guest.key
  )
  assert.ok(inviterSessions.length > 0)
  assert.ok(inviter.peer.sidechannel.access.isAuthorized('vip', guest.key), 'the inviter did get it')
})
