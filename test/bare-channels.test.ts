// Mixed runtimes on the channels that carry signatures: a peer under Bare (the runtime Pear runs)
// and a peer under Node, each with an SC-Bridge agent. The Bare peer owns `room` and signs its
// welcome (typed into its piped TTY); the Node peer accepts it. The Node peer owns and guards the
// invite-only `vip`, signs an invite over its bridge; the Bare peer accepts it on its TTY. The two
// agents then exchange messages on both channels, each through its own peer's bridge.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { tmpDir, waitFor } from './helpers/peers.js'
import { bareBinary, spawnPeer, stopAll, grab, type Proc } from './helpers/runtimes.js'
import { IntercomBridgeClient, type SidechannelMessageEvent } from '../src/bridge/client.js'
import { loadOrCreateWallet } from '../src/wallet/index.js'

const TOKEN = 'bare-channels-token'

/** Sends again every 700 ms (the channel may still be opening or authorizing) until `seen` holds. */
async function sendUntil(
  send: () => Promise<unknown>,
  seen: () => unknown,
  what: () => string,
  timeoutMs = 30_000
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!seen()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`)
    await send()
    await waitFor(seen, 700).catch(() => {})
  }
}

function agent(url: string, events: SidechannelMessageEvent[]): IntercomBridgeClient {
  const client = new IntercomBridgeClient({ url, token: TOKEN, reconnect: false, requestTimeoutMs: 20_000 })
  client.on('message', (ev) => {
    events.push(ev)
  })
  return client
}

test('Bare and Node peers: owner-welcomed and invite-only channels across runtimes, an agent on each bridge', {
  timeout: 150_000
}, async (t) => {
  const bin = await bareBinary()
  if (!bin) return t.skip(`no Bare runtime package for ${process.platform}-${process.arch}`)
  const dir = tmpDir()
  const procs: Proc[] = []
  const clients: IntercomBridgeClient[] = []
  t.after(async () => {
    for (const c of clients) await c.close().catch(() => {})
    await stopAll(procs)
    fs.rmSync(dir, { recursive: true, force: true })
  })

  // Identities first, so each peer's flags can name the other as a channel owner and inviter.
  const keyOf = async (name: string) =>
    (await loadOrCreateWallet(path.join(dir, 'stores', name, 'db', 'keypair.json'))).wallet.publicKeyHex
  const bareKey = await keyOf('barepeer')
  const nodeKey = await keyOf('nodepeer')
  const flags = [
    '--sidechannel-owner',
    `room:${bareKey},vip:${nodeKey}`,
    '--sidechannel-invite-required',
    '1',
    '--sidechannel-invite-channels',
    'vip',
    '--sidechannel-inviter-keys',
    nodeKey,
    '--sc-bridge',
    '1',
    '--sc-bridge-port',
    '0',
    '--sc-bridge-token',
    TOKEN,
    '--sc-bridge-cli',
    '1'
  ]

  const bare = spawnPeer(bin, ['barepeer', '--dht-bootstrap', 'local', ...flags], { cwd: dir })
  procs.push(bare)
  await waitFor(
    () => bare.out().includes('Sidechannel: ready'),
    40_000,
    () => `bare peer ready:\n${bare.out()}`
  )
  const addr = grab(/Local DHT started on (\S+)/, bare.out())
  const node = spawnPeer(process.execPath, ['nodepeer', '--dht-bootstrap', addr, ...flags], { cwd: dir })
  procs.push(node)
  await waitFor(
    () => node.out().includes('Sidechannel: ready'),
    40_000,
    () => `node peer ready:\n${node.out()}`
  )
  assert.equal(grab(/Peer pubkey \(hex\): ([0-9a-f]{64})/, bare.out()), bareKey)
  assert.equal(grab(/Peer pubkey \(hex\): ([0-9a-f]{64})/, node.out()), nodeKey)

  const atBare: SidechannelMessageEvent[] = []
  const atNode: SidechannelMessageEvent[] = []
  const bareAgent = agent(grab(/SC-Bridge: (ws:\/\/\S+)/, bare.out()), atBare)
  const nodeAgent = agent(grab(/SC-Bridge: (ws:\/\/\S+)/, node.out()), atNode)
  clients.push(bareAgent, nodeAgent)
  assert.equal((await bareAgent.connect()).peer, bareKey)
  assert.equal((await nodeAgent.connect()).peer, nodeKey)
  const logs = () => `\n--- bare ---\n${bare.out()}\n--- node ---\n${node.out()}`

  // room: welcome signed under Bare (on its TTY), verified under Node.
  bare.send('/sc_welcome --channel room --text "Welcome to room (signed under Bare)"')
  const welcome = await waitFor(
    () => /welcome_b64: (\S+)/.exec(bare.out())?.[1],
    15_000,
    () => `welcome_b64 from the Bare TTY${logs()}`
  )
  assert.equal((await bareAgent.join('room')).type, 'joined')
  assert.equal(
    (await nodeAgent.join('room', { welcome })).type,
    'joined',
    'the Node peer accepts the welcome Bare signed'
  )
  await sendUntil(
    () => bareAgent.send('room', 'hello from the Bare side'),
    () => atNode.find((e) => e.channel === 'room' && e.message === 'hello from the Bare side'),
    () => `room Bare → Node${logs()}`
  )
  assert.equal(atNode.find((e) => e.channel === 'room')!.from, bareKey)
  await sendUntil(
    () => nodeAgent.send('room', { from: 'node agent', n: 1 }),
    () => atBare.find((e) => e.channel === 'room' && (e.message as any)?.from === 'node agent'),
    () => `room Node → Bare${logs()}`
  )
  const fromNode = atBare.find((e) => e.channel === 'room' && (e.message as any)?.from === 'node agent')!
  assert.deepEqual(fromNode.message, { from: 'node agent', n: 1 })
  assert.equal(fromNode.from, nodeKey)

  // vip: invite-only. Without an invite the Bare peer is refused; the Node peer (owner and inviter)
  // signs a welcome and an invite over its bridge's cli; the Bare peer joins with it on its TTY.
  await assert.rejects(
    bareAgent.join('vip'),
    (err: any) => err.message === 'Join denied (invite required or invalid).' && err.code === 'BRIDGE_DENIED'
  )
  assert.equal((await nodeAgent.cli('/sc_welcome --channel vip --text "VIP lounge"')).ok, true)
  assert.equal((await nodeAgent.join('vip')).type, 'joined')
  const inv = await nodeAgent.cli(`/sc_invite --channel vip --pubkey ${bareKey} --ttl 600`)
  assert.equal(inv.ok, true, inv.error ?? '')
  const invite = grab(/^invite_b64: (\S+)$/m, inv.output.join('\n'))
  bare.send(`/sc_join --channel vip --invite ${invite}`)
  await waitFor(
    () => bare.out().includes('Joined sidechannel: vip'),
    15_000,
    () => `Bare joins vip with the Node-signed invite${logs()}`
  )
  await sendUntil(
    () => nodeAgent.send('vip', 'vip: Node → Bare'),
    () => atBare.find((e) => e.channel === 'vip' && e.message === 'vip: Node → Bare'),
    () => `vip Node → Bare${logs()}`
  )
  await sendUntil(
    () => bareAgent.send('vip', 'vip: Bare → Node'),
    () => atNode.find((e) => e.channel === 'vip' && e.message === 'vip: Bare → Node'),
    () => `vip Bare → Node${logs()}`
  )
  assert.equal(atNode.find((e) => e.channel === 'vip')!.from, bareKey)
  assert.equal(atBare.find((e) => e.channel === 'vip')!.from, nodeKey)

  // The piped TTY under Bare prints plain lines, like Node's.
  assert.ok(!bare.out().includes('\x1b['), 'no prompt or cursor escape codes on a piped Bare TTY')

  for (const c of clients.splice(0)) await c.close()
  bare.child.kill('SIGINT')
  node.child.kill('SIGINT')
  assert.deepEqual(await bare.exited, { code: 0, signal: null }, bare.out())
  assert.deepEqual(await node.exited, { code: 0, signal: null }, node.out())
})
