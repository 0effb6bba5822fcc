// Each plane on its own, built from its index.ts on real swarms over a loopback testnet, without the peer and
// without the other planes: the sidechannel plane (an invite-only channel, its access state persisted across a
// restart), the subnet plane (two nodes replicate a writer's chat message), and the MSB light client against
// a devnet (a faucet credit seen through the confirmed state).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { createLocalNet, tmpDir, waitFor, sleep } from './helpers/peers.js'
import { createPeerSwarm, parseDhtNode } from '../src/net/index.js'
import { SidechannelManager, type DeliveredMessage } from '../src/sidechannel/index.js'
import { parseConfig, type SidechannelSection } from '../src/config/index.js'
import {
  SubnetRuntime,
  Protocol,
  Contract,
  buildAddAdmin,
  buildAddWriter,
  buildSetChatStatus,
  buildMessage
} from '../src/subnet/index.js'
import { MsbClient, resolveMsbNetwork, parseAmount } from '../src/msb/index.js'
import { startDevnet } from '../src/msb/devnet/index.js'
import { Wallet } from '../src/wallet/index.js'
import { randomBytes, toHex } from '../src/crypto/index.js'

const nonce = (): string => toHex(randomBytes(32))

/** The plane's flag section, as `--sidechannel-*` flags give it: the defaults plus an invite-only `vip`. */
function section(inviter: string): SidechannelSection {
  return parseConfig(
    [
      '--sidechannel-pow',
      '0',
      '--sidechannel-invite-required',
      '1',
      '--sidechannel-invite-channels',
      'vip',
      '--sidechannel-inviter-keys',
      inviter,
      '--sidechannel-welcome-required',
      '0',
      '--sidechannel-verify-workers',
      '0'
    ],
    {}
  ).sidechannel
}

test('sidechannel plane alone: an invite-only channel between an inviter and its invitee, state kept across a restart', {
  timeout: 90_000
}, async (t) => {
  const net = await createLocalNet()
  const bootstrap = net.bootstrap.split(',').map((n) => parseDhtNode(n))
  const dir = tmpDir()
  const closers: Array<() => Promise<unknown>> = []
  t.after(async () => {
    for (const c of closers.reverse()) await c().catch(() => {})
    await net.destroy()
    fs.rmSync(dir, { recursive: true, force: true })
  })
  const inviter = Wallet.generate()
  const guest = Wallet.generate()
  const stranger = Wallet.generate()
  const make = async (
    w: Wallet,
    name: string
  ): Promise<{ m: SidechannelManager; got: DeliveredMessage[]; close: () => Promise<void> }> => {
    const swarm = createPeerSwarm({ keyPair: w.keyPair, bootstrap })
    const m = new SidechannelManager(
      {
        swarm,
        identity: { publicKeyHex: w.publicKeyHex, keyPair: w.keyPair, address: w.address },
        flushTimeoutMs: 2000,
        statePath: path.join(dir, `${name}.json`),
        log: () => {}
      },
      section(inviter.publicKeyHex)
    )
    const got: DeliveredMessage[] = []
    m.on('message', (d: DeliveredMessage) => got.push(d))
    const close = async (): Promise<void> => {
      await m.close()
      await swarm.destroy()
    }
    closers.push(close)
    await m.ready()
    return { m, got, close }
  }
  const a = await make(inviter, 'inviter')
  let b = await make(guest, 'guest')
  const c = await make(stranger, 'stranger')

  const invite = a.m.signInvite('vip', guest.publicKeyHex, 60_000)
  assert.equal(b.m.access.holdsInvite('vip'), false)
  assert.equal(await b.m.join('vip', { invite }), true)
  assert.equal(b.m.access.holdsInvite('vip'), true)
  assert.equal(await c.m.join('vip'), false, 'no invite, no registration')
  assert.equal(await a.m.join('vip'), true)

  await waitFor(() => a.m.openPeers('vip').includes(guest.publicKeyHex), 20_000, 'vip open between inviter and guest')
  // The guest shows its invite; the inviter remembers it and then sends to it.
  await waitFor(() => a.m.access.isAuthorized('vip', guest.publicKeyHex), 10_000, 'the inviter saw the guest invite')
  assert.equal(a.m.access.isAuthorized('vip', stranger.publicKeyHex), false)
  assert.equal(a.m.send('vip', 'for invited eyes').ok, true)
  await waitFor(
    () => b.got.some((d) => d.channel === 'vip' && d.payload.message === 'for invited eyes'),
    10_000,
    'delivery to the guest'
  )
  await sleep(300)
  assert.equal(c.got.filter((d) => d.channel === 'vip').length, 0)

  // The held invite is persisted: a restarted guest registers the channel again without being handed it.
  await b.close()
  b = await make(guest, 'guest')
  assert.equal(b.m.access.holdsInvite('vip'), true)
  assert.equal(await b.m.join('vip'), true)
})

class PlainProtocol extends Protocol {}
class PlainContract extends Contract {}

test('subnet plane alone: two nodes replicate; the admin adds a writer whose chat message both views hold', {
  timeout: 120_000
}, async (t) => {
  const net = await createLocalNet()
  const bootstrap = net.bootstrap.split(',').map((n) => parseDhtNode(n))
  const dir = tmpDir()
  const closers: Array<() => Promise<unknown>> = []
  t.after(async () => {
    for (const c of closers.reverse()) await c().catch(() => {})
    await net.destroy()
    fs.rmSync(dir, { recursive: true, force: true })
  })
  const make = async (w: Wallet, name: string, boot: string | null): Promise<SubnetRuntime> => {
    const swarm = createPeerSwarm({ keyPair: w.keyPair, bootstrap })
    const rt = new SubnetRuntime({
      storeDir: path.join(dir, name),
      swarm,
      wallet: { publicKeyHex: w.publicKeyHex, sign: (m) => w.sign(m) },
      channel: 'plane-test-subnet',
      bootstrap: boot,
      ProtocolClass: PlainProtocol,
      ContractClass: PlainContract,
      log: () => {}
    })
    closers.push(async () => {
      await rt.close()
      await swarm.destroy()
    })
    await rt.ready()
    return rt
  }
  const adminW = Wallet.generate()
  const writerW = Wallet.generate()
  const admin = await make(adminW, 'admin', null)
  const writer = await make(writerW, 'writer', admin.bootstrapHex)
  assert.equal(writer.bootstrapHex, admin.bootstrapHex)

  await admin.append(buildAddAdmin(adminW.publicKeyHex))
  await admin.append(buildSetChatStatus(adminW.keyPair, true, nonce()))
  await admin.append(buildAddWriter(adminW.keyPair, writer.writerKeyHex, nonce()))
  await waitFor(() => writer.writable, 60_000, 'the writer becomes writable')
  await writer.append(buildMessage(writerW.keyPair, 'hello from the subnet plane', nonce()))
  for (const rt of [admin, writer]) {
    const deadline = Date.now() + 30_000
    let msg: any = null
    while ((msg = await rt.get('msg/0')) === null) {
      if (Date.now() > deadline) throw new Error('chat message not replicated')
      await sleep(100)
    }
    assert.equal(msg.msg, 'hello from the subnet plane')
    assert.equal(msg.address, writerW.publicKeyHex)
  }
})

test('MSB plane alone: the light client syncs the devnet and sees a faucet credit', { timeout: 120_000 }, async (t) => {
  const devnet = await startDevnet({ validators: 1 })
  t.after(() => devnet.close())
  const dir = tmpDir()
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const w = Wallet.generate()
  const client = new MsbClient({
    network: resolveMsbNetwork({ network: 'mainnet', bootstrap: devnet.bootstrapHex, channel: devnet.channel }),
    dhtBootstrap: devnet.dhtBootstrap.map((n) => parseDhtNode(n)),
    storeDir: path.join(dir, 'msb'),
    keyPair: w.keyPair,
    log: () => {}
  })
  t.after(() => client.close())
  await client.ready()
  const address = client.addressOf(w.publicKey)
  assert.equal(await client.account(address), null)
  await devnet.fund(address, parseAmount('2.5'))
  const deadline = Date.now() + 60_000
  while ((await client.account(address))?.balance !== parseAmount('2.5')) {
    if (Date.now() > deadline) throw new Error(`credit not seen: ${JSON.stringify(client.status())}`)
    await sleep(200)
  }
  assert.equal(client.status().verified, true)
})
