// A long-running peer keeps auto-joining: 1,000 remote open requests, each channel auto-joined and then left.
// Two sidechannel managers on real swarms over a loopback testnet; the joining side runs on a test clock so
// the per-minute auto-join rate (10) does not stretch the test to 100 minutes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createLocalNet, waitFor } from './helpers/peers.js'
import { createPeerSwarm } from '../src/net/index.js'
import { parseDhtNode } from '../src/net/bootstrap.js'
import { SidechannelManager } from '../src/sidechannel/manager.js'
import { defaultConfig, type SidechannelSection } from '../src/config/index.js'
import { ENTRY_CHANNEL } from '../src/sidechannel/index.js'
import { Wallet } from '../src/wallet/index.js'

/** Default flags, but no PoW and no welcome gate, so opens and messages need no extra setup. */
function section(autoJoin: boolean): SidechannelSection {
  return {
    ...defaultConfig().sidechannel,
    pow: false,
    welcomeRequired: false,
    allowRemoteOpen: true,
    autoJoin,
    maxAgeSec: 0,
    verifyWorkers: 0
  }
}

test('1,000 auto-join / leave cycles: a left channel frees its auto-join slot', { timeout: 180_000 }, async (t) => {
  const net = await createLocalNet()
  const bootstrap = net.bootstrap.split(',').map((n) => parseDhtNode(n))
  const managers: SidechannelManager[] = []
  const swarms: Array<ReturnType<typeof createPeerSwarm>> = []
  t.after(async () => {
    for (const m of managers) await m.close().catch(() => {})
    for (const s of swarms) await s.destroy().catch(() => {})
    await net.destroy()
  })
  let clock = Date.now()
  const make = (wallet: Wallet, opts: { autoJoin: boolean; now?: () => number }): SidechannelManager => {
    const swarm = createPeerSwarm({ keyPair: wallet.keyPair, bootstrap })
    swarms.push(swarm)
    const m = new SidechannelManager(
      {
        swarm,
        identity: { publicKeyHex: wallet.publicKeyHex, keyPair: wallet.keyPair, address: wallet.address },
        flushTimeoutMs: 200,
        statePath: null,
        ...(opts.now ? { now: opts.now } : {})
      },
      section(opts.autoJoin)
    )
    managers.push(m)
    return m
  }
  const joiner = make(Wallet.generate(), { autoJoin: true, now: () => clock })
  const asker = make(Wallet.generate(), { autoJoin: false })
  await joiner.ready()
  await asker.ready()
  await waitFor(() => joiner.connectionCount() > 0 && asker.connectionCount() > 0, 20_000, 'the two managers connect')

  const CYCLES = 1000
  const BATCH = 10 // the limiter's per-minute rate
  let joined = 0
  for (let batch = 0; batch < CYCLES / BATCH; batch++) {
    const names = Array.from({ length: BATCH }, (_, i) => `auto-${batch}-${i}`)
    await waitFor(
      () => {
        // Re-ask for what is not joined yet (the entry channel may still be opening on the first round).
        for (const n of names) if (!joiner.channelNames().includes(n)) asker.requestOpen(n)
        return names.every((n) => joiner.channelNames().includes(n))
      },
      20_000,
      () => `batch ${batch}: joined ${names.filter((n) => joiner.channelNames().includes(n)).length} of ${BATCH}`
    )
    joined += BATCH
    for (const n of names) assert.equal(await joiner.leave(n), true)
    clock += 61_000
  }
  assert.equal(joined, CYCLES)
  assert.deepEqual(joiner.channelNames(), [ENTRY_CHANNEL], 'every auto-joined channel was left')
})
