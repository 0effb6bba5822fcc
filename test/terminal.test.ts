// TTY commands against a real peer: usage lines, outputs and errors as the reference prints them.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Cluster } from './helpers/peers.js'
import { CommandRunner, REFERENCE_HELP_LINES, inspectValue } from '../src/terminal/index.js'
import { verifyWelcome, verifyInvite } from '../src/sidechannel/codec/index.js'

test('terminal commands print what the reference prints', { timeout: 60_000 }, async (t) => {
  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  const me = await cl.peer('me', [
    '--sidechannel-owner',
    'pub1:' + (await cl.identity('me')).publicKeyHex,
    '--sidechannel-welcome-required',
    '0'
  ])
  let exited = false
  const runner = new CommandRunner({
    ...me.peer.terminalPeer(),
    shutdown: async () => {
      exited = true
    }
  })
  const run = async (line: string) => {
    const out: string[] = []
    const res = await runner.run(line, (...args) => out.push(args.map((a) => inspectValue(a)).join(' ')))
    return { out, res }
  }

  assert.deepEqual((await run('/sc_join')).out, [
    'Usage: /sc_join --channel "<name>" [--invite <json|b64|@file>] [--welcome <json|b64|@file>]'
  ])
  assert.deepEqual((await run('/sc_send --channel x')).out, [
    'Usage: /sc_send --channel "<name>" --message "<text>" [--invite <json|b64|@file>] [--welcome <json|b64|@file>]'
  ])
  assert.deepEqual((await run('/sc_open')).out, [
    'Usage: /sc_open --channel "<name>" [--via "<channel>"] [--invite <json|b64|@file>] [--welcome <json|b64|@file>]'
  ])
  assert.deepEqual((await run('/sc_invite --channel a')).out, [
    'Usage: /sc_invite --channel "<name>" --pubkey "<peer-pubkey-hex>" [--ttl <sec>] [--welcome <json|b64|@file>]'
  ])
  assert.deepEqual((await run('/sc_welcome --channel a')).out, [
    'Usage: /sc_welcome --channel "<name>" --text "<message>"'
  ])
  assert.deepEqual((await run('/sc_join --channel room --invite notbase64!!')).out, [
    'Invalid invite. Pass JSON, base64, or @file.'
  ])
  assert.deepEqual((await run('/sc_join --channel room --welcome @/nonexistent/file')).out, [
    'Invalid welcome. Pass JSON, base64, or @file.'
  ])

  assert.deepEqual((await run('/sc_join --channel "room 1"')).out, ['Joined sidechannel: room 1'])
  assert.deepEqual(
    (await run('/sc_joinx --channel room2')).out,
    ['Joined sidechannel: room2'],
    'prefix match like the reference'
  )
  assert.deepEqual((await run('/sc_stats')).out, [
    "{ channels: [ '0000intercom', 'room 1', 'room2' ], connectionCount: 0 }"
  ])
  assert.deepEqual((await run('/sc_send --channel room2 --message hi')).out, [], 'a successful send prints nothing')
  assert.deepEqual((await run('/sc_open --channel room3')).out, ['Requested channel: room3'])

  const w = await run('/sc_welcome --channel pub1 --text "Welcome to pub1!"')
  assert.equal(w.out.length, 2)
  const welcome = JSON.parse(w.out[0]!)
  assert.ok(verifyWelcome(welcome, 'pub1', me.key))
  assert.equal(w.out[1], 'welcome_b64: ' + Buffer.from(w.out[0]!).toString('base64'))
  assert.ok(me.peer.sidechannel.isWelcomed('pub1'), 'the owner stores its own welcome')

  const invitee = 'ab'.repeat(32)
  const inv = await run(`/sc_invite --channel pub1 --pubkey ${invitee} --ttl 60`)
  const invite = JSON.parse(inv.out[0]!)
  assert.equal(invite.payload.inviteePubKey, invitee)
  assert.equal(invite.payload.expiresAt - invite.payload.issuedAt, 60_000)
  assert.deepEqual(invite.welcome, welcome, 'the stored welcome is embedded by default')
  assert.ok(verifyInvite(invite, 'pub1', invitee, { inviterKeys: null, now: Date.now() }).ok)
  assert.match(inv.out[1]!, /^invite_b64: [A-Za-z0-9+/=]+$/)
  assert.deepEqual((await run('/sc_invite --channel pub1 --pubkey nothex')).out, [
    'Invalid --pubkey. Expected 32-byte hex (64 chars).'
  ])
  const defaultTtl = JSON.parse((await run(`/sc_invite --channel pub1 --pubkey ${invitee}`)).out[0]!)
  assert.equal(
    defaultTtl.payload.expiresAt - defaultTtl.payload.issuedAt,
    604_800_000,
    '--sidechannel-invite-ttl default'
  )

  // The reference's labels carry their own trailing space: two spaces before each value.
  const keys = (await run('/get_keys')).out
  assert.equal(keys[0], `Address:  ${me.peer.wallet.address}`)
  assert.equal(keys[1], `Public Key:  ${me.key}`)
  assert.match(keys[2]!, /^Secret Key: {2}[0-9a-f]{128}$/)
  const stats = (await run('/stats')).out
  assert.equal(stats[0], '--- Stats ---')
  assert.equal(stats[1], `wallet.address: ${me.key}`)

  // Lines no command takes print nothing, as in the reference; so do whole-line commands with extra words.
  for (const line of ['/bogus', 'hello', '/stats extra', '/help me']) assert.deepEqual((await run(line)).out, [], line)
  // …and `/get_keys now` is not /get_keys but starts with /get, which the sample protocol takes (as there).
  assert.deepEqual((await run('/get_keys now')).out, [
    'Usage: /get --key "<hyperbee-key>" [--confirmed true|false] [--unconfirmed 1]'
  ])
  // Prefix matching as in the reference: `/sc_statsx` runs /sc_stats.
  assert.match((await run('/sc_statsx')).out[0]!, /^\{ channels: /)
  // /help: the reference's lines exactly, then the sample app's list, then the commands only this peer has.
  const help = (await run('/help')).out
  assert.deepEqual(help.slice(0, REFERENCE_HELP_LINES.length), [...REFERENCE_HELP_LINES])
  assert.deepEqual(help.slice(REFERENCE_HELP_LINES.length, REFERENCE_HELP_LINES.length + 2), [
    ' ',
    '- Sample Commands:'
  ])
  const ours = help.indexOf('- Intercom-ts Commands:')
  assert.ok(ours > REFERENCE_HELP_LINES.length)
  assert.deepEqual(
    help.slice(ours + 1).map((l) => l.split(' ')[1]),
    ['/balance', '/transfer']
  )
  assert.deepEqual((await run('/exit')).out, ['Exiting...'])
  assert.equal(exited, true)
})
