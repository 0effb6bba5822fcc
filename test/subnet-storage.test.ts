// The subnet store on disk: the reference's storage format with our memory settings, and a clear refusal of
// the format earlier intercom-ts releases wrote.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Corestore from 'corestore'
import CorestoreSubnet from 'corestore-subnet'
import { createSubnetStorage } from '../src/subnet/storage.js'
import { SubnetRuntime } from '../src/subnet/runtime.js'
import { SubnetStoreFormatError } from '../src/subnet/errors.js'
import { SampleContract } from '../contract/contract.js'
import { SampleProtocol } from '../protocol/protocol.js'
import { Wallet } from '../src/wallet/index.js'

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'subnet-storage-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** `option` of each column family (its CF and table sections), from the newest RocksDB OPTIONS file. */
function cfOption(dir: string, option: string): Record<string, string> {
  const file = fs
    .readdirSync(path.join(dir, 'db'))
    .filter((f) => f.startsWith('OPTIONS-'))
    .sort()
    .pop()!
  const out: Record<string, string> = {}
  let family = ''
  for (const line of fs.readFileSync(path.join(dir, 'db', file), 'utf8').split('\n')) {
    const section = /^\[(?:CFOptions|TableOptions\/BlockBasedTable) "([^"]+)"\]/.exec(line)
    if (section) family = section[1]!
    const m = new RegExp(`^\\s*${option}=(.*)$`).exec(line)
    if (m && family) out[family] = m[1]!
  }
  return out
}

test('subnet storage: the corestore column family gets the write buffer and filters asked for, data reads back', async (t) => {
  const dir = tmp(t)
  const open = () =>
    new CorestoreSubnet(
      createSubnetStorage(dir, {
        writeBufferSize: 4 << 20,
        blockCache: false,
        tableCacheIndexAndFilterBlocks: false,
        bloomFilters: false
      })
    )
  let store = open()
  await store.ready()
  const core = store.get({ name: 'probe' })
  await core.ready()
  await core.append(Buffer.from('block 0'))
  await store.close()
  assert.deepEqual(cfOption(dir, 'write_buffer_size'), { default: String(4 << 20), corestore: String(4 << 20) })
  assert.equal(cfOption(dir, 'filter_policy').corestore, 'nullptr')
  store = open()
  await store.ready()
  const again = store.get({ name: 'probe' })
  await again.ready()
  assert.equal(again.length, 1)
  assert.equal(Buffer.from(await again.get(0)).toString(), 'block 0')
  await store.close()
})

test('a subnet store in the newer format of earlier releases is refused with a clear error and left as it was', async (t) => {
  const dir = tmp(t)
  // What intercom-ts wrote before it moved the subnet to the reference's stack: hypercore-storage 3 (format 2).
  const old = new Corestore(dir)
  const core = old.get({ name: 'local' })
  await core.ready()
  await core.append(Buffer.from('old subnet data'))
  await old.close()
  fs.mkdirSync(path.join(dir, 'db'), { recursive: true })
  fs.writeFileSync(path.join(dir, 'db', 'keypair.json'), '{"kept":true}')
  const wallet = Wallet.generate()
  const rt = new SubnetRuntime({
    storeDir: dir,
    swarm: null,
    wallet: { publicKeyHex: wallet.publicKeyHex, sign: (m) => wallet.sign(m) },
    channel: 'old-format',
    bootstrap: null,
    ProtocolClass: SampleProtocol,
    ContractClass: SampleContract,
    log: () => {}
  })
  await assert.rejects(rt.ready(), (err: unknown) => {
    assert.ok(err instanceof SubnetStoreFormatError)
    assert.match(err.message, /newer storage format/)
    assert.match(err.message, /keypair\.json/)
    return true
  })
  await rt.close()
  // The old data is still there, readable by the version that wrote it, and the wallet file is untouched.
  const again = new Corestore(dir)
  const c = again.get({ name: 'local' })
  await c.ready()
  assert.equal(Buffer.from(await c.get(0)).toString(), 'old subnet data')
  await again.close()
  assert.equal(fs.readFileSync(path.join(dir, 'db', 'keypair.json'), 'utf8'), '{"kept":true}')
  assert.equal(fs.existsSync(path.join(dir, 'subnet-bootstrap.hex')), false)
})
