// The subnet's bytes against the reference's: test/fixtures/subnet-blocks.json was recorded by running the
// reference (intercom 964f578 on trac-peer b157f7e with Autobase 7.6.3, Corestore 7.4.4, Hypercore 11.8.3,
// hypercore-storage 1.18.0, its sample contract) on one node: 44 ops appended by the subnet creator, then every
// core of its store dumped (the fixture's `description` says how; the recorder is not in this repository).
// Here our runtime appends the same values from a store with the same primary key and wallet, and every core
// of our store must equal the recorded one: the writer core's oplog blocks, the system core, the view core the
// indexer signs (so the order and number of view writes per op too), and the view entries.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import b4a from 'b4a'
import { SubnetRuntime } from '../src/subnet/runtime.js'
import { dumpStore } from '../src/subnet/store-dump.js'
import type { MsbView } from '../src/subnet/types.js'
import { SampleContract } from '../contract/contract.js'
import { SampleProtocol } from '../protocol/protocol.js'
import { Wallet } from '../src/wallet/index.js'
import { fromHex } from '../src/crypto/index.js'

interface RecordedCore {
  key: string
  length: number
  treeHash: string | null
  blocks: string[]
}
interface Fixture {
  corestorePrimaryKey: string
  walletSeed: string
  walletPublicKey: string
  subnetBootstrap: string
  msb: { bootstrap: string; signedLength: number; entries: Record<string, string> }
  steps: Array<{ name: string }>
  appendsRawJson: Array<string | null>
  localKey: string
  viewKey: string
  systemKey: string
  cores: RecordedCore[]
  viewEntries: Array<[string, string]>
  logs: string[]
}

const fixture = JSON.parse(
  fs.readFileSync(new URL('./fixtures/subnet-blocks.json', import.meta.url), 'utf8')
) as Fixture

/** The recorder's MSB stub: the same confirmed records at the same signed length. */
class RecordedMsb implements MsbView {
  readonly bootstrapHex = fixture.msb.bootstrap
  readonly addressPrefix = 'trac'
  signedLength(): number {
    return fixture.msb.signedLength
  }

  async waitForSignedLength(length: number): Promise<boolean> {
    return length <= fixture.msb.signedLength
  }

  async getAt(key: string, length: number): Promise<Uint8Array | null> {
    const hex = fixture.msb.entries[key]
    return hex !== undefined && length <= fixture.msb.signedLength ? fromHex(hex) : null
  }
}

test("our runtime writes the reference's blocks: 44 ops replayed, every core identical", {
  timeout: 120_000
}, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'subnet-blocks-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const wallet = Wallet.fromSeed(fromHex(fixture.walletSeed))
  assert.equal(wallet.publicKeyHex, fixture.walletPublicKey)
  const logs: string[] = []
  const rt = new SubnetRuntime({
    storeDir: dir,
    swarm: null,
    wallet: { publicKeyHex: wallet.publicKeyHex, sign: (m) => wallet.sign(m) },
    channel: 'subnet-blocks',
    bootstrap: null,
    primaryKey: fromHex(fixture.corestorePrimaryKey),
    ProtocolClass: SampleProtocol,
    ContractClass: SampleContract,
    msb: new RecordedMsb(),
    log: (line) => logs.push(line),
    updaterIntervalMs: 3_600_000
  })
  await rt.ready()
  assert.equal(
    rt.bootstrapHex,
    fixture.subnetBootstrap,
    'the same primary key gives the same writer core, so the same subnet'
  )
  assert.equal(fixture.appendsRawJson.length, fixture.steps.length)

  for (const raw of fixture.appendsRawJson) {
    const value = raw === null ? null : (JSON.parse(raw) as Record<string, unknown>)
    if (value !== null) assert.equal(JSON.stringify(value), raw, 'JSON.parse keeps the recorded key order')
    await rt.append(value)
    await rt.base.update()
  }
  const view = rt.base.view.core
  assert.equal(view.signedLength, view.length, 'a single indexer signs everything it applied')
  assert.equal(b4a.toString(view.key, 'hex'), fixture.viewKey)
  assert.equal(b4a.toString(rt.base.system.core.key, 'hex'), fixture.systemKey)
  assert.equal(rt.stats.skipped > 0, true, 'the malformed and rejected ops were skipped')
  await rt.close()

  const ours = await dumpStore(dir, fixture.viewKey)
  const recorded = new Map(fixture.cores.map((c) => [c.key, c]))
  assert.deepEqual(
    [...ours.cores.keys()].sort(),
    [...recorded.keys()].sort(),
    'the same cores, with the same keys (manifests)'
  )
  for (const [key, want] of recorded) {
    const got = ours.cores.get(key)!
    const name =
      key === fixture.localKey
        ? 'writer'
        : key === fixture.viewKey
          ? 'view'
          : key === fixture.systemKey
            ? 'system'
            : key.slice(0, 8)
    assert.equal(got.length, want.length, `${name} core length`)
    for (let i = 0; i < want.length; i++) assert.equal(got.blocks[i], want.blocks[i], `${name} core block ${i}`)
    if (want.length > 0) assert.equal(got.treeHash, want.treeHash, `${name} core tree hash`)
  }
  assert.deepEqual(ours.view, fixture.viewEntries, 'every view entry, byte for byte')

  // What apply prints (trac-peer's handlers and the contract, with console.log there) comes out the same, line
  // for line: agents read these lines (SC-Bridge `cli` captures them).
  assert.deepEqual(logs, fixture.logs)
})

test("a store written by the reference's stack reopens: same subnet, same view, still writable", {
  timeout: 120_000
}, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'subnet-blocks-reopen-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const wallet = Wallet.fromSeed(fromHex(fixture.walletSeed))
  const make = (): SubnetRuntime =>
    new SubnetRuntime({
      storeDir: dir,
      swarm: null,
      wallet: { publicKeyHex: wallet.publicKeyHex, sign: (m) => wallet.sign(m) },
      channel: 'subnet-blocks',
      bootstrap: null,
      primaryKey: fromHex(fixture.corestorePrimaryKey),
      ProtocolClass: SampleProtocol,
      ContractClass: SampleContract,
      msb: new RecordedMsb(),
      log: () => {},
      updaterIntervalMs: 3_600_000
    })
  let rt = make()
  await rt.ready()
  for (const raw of fixture.appendsRawJson.slice(0, 20)) {
    await rt.append(raw === null ? null : (JSON.parse(raw) as Record<string, unknown>))
    await rt.base.update()
  }
  const msgl = await rt.get('msgl')
  await rt.close()
  rt = make()
  await rt.ready()
  t.after(() => rt.close())
  assert.equal(rt.bootstrapSource, 'file')
  assert.equal(rt.bootstrapHex, fixture.subnetBootstrap)
  assert.equal(await rt.get('msgl'), msgl)
  assert.equal(await rt.get('msgl', { confirmed: true }), msgl)
  for (const raw of fixture.appendsRawJson.slice(20)) {
    await rt.append(raw === null ? null : (JSON.parse(raw) as Record<string, unknown>))
    await rt.base.update()
  }
  // After a restart in the middle the view still ends where the reference's did.
  const entries: Array<[string, string]> = []
  for await (const e of rt.base.view.createReadStream()) entries.push([String(e.key), JSON.stringify(e.value)])
  assert.deepEqual(entries, fixture.viewEntries)
})
