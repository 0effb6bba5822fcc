// The local MSB devnet: an in-process network on a loopback testnet (admin/indexer + 2 validators), driven by a
// raw v1 client (its own Hyperswarm keyed by a wallet, connecting to validators by public key), plus the CLI as a
// child process. Checks the §1.2 layout, the faucet, fee splits, the §3 result codes and the v1 response rules.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import Hyperswarm from 'hyperswarm'
import HyperDHT from 'hyperdht'
import b4a from 'b4a'
import { blake3 } from '@noble/hashes/blake3.js'
import { fromHex, randomBytes, toHex } from '../src/crypto/index.js'
import { Wallet } from '../src/wallet/index.js'
import { parseDhtNode } from '../src/net/index.js'
import {
  UNITS_PER_TNK,
  buildBootstrapDeployment,
  buildTransfer,
  buildTxOperation,
  decodeOperation,
  encodeOperation,
  encodePartialOperation,
  parseAmount,
  type PartialOperation,
  type TransferPartial
} from '../src/msb/index.js'
import {
  ADMIN_KEY,
  INITIALIZATION_KEY,
  ROLE_INDEXER,
  ROLE_READER,
  ROLE_WRITER,
  WRITERS_LENGTH_KEY,
  decodeAdminEntry,
  decodeDeploymentEntry,
  decodeNodeEntry,
  decodeU32BE,
  deploymentKey,
  writerAddressKey,
  writerIndexKey
} from '../src/msb/state.js'
import { openV1Channel, type V1Channel } from '../src/msb/v1/channel.js'
import {
  V1MessageType,
  V1ResultCode,
  buildBroadcastRequest,
  buildLivenessRequest,
  validatorClosesAfter,
  verifyV1Signature,
  type V1Message
} from '../src/msb/v1/envelope.js'
import { msbChannelTopic, startDevnet, type Devnet } from '../src/msb/devnet/index.js'
import {
  buildAddAdmin,
  buildAddWriterPartial,
  buildAdminControl,
  buildBalanceInitialization,
  completeOperation,
  decodeFullOperation
} from '../src/msb/devnet/admin-ops.js'
import { MSB_FEE, applyOperation, type ApplyHost } from '../src/msb/devnet/apply.js'
import type { MsbNode } from '../src/msb/devnet/node.js'

const require = createRequire(import.meta.url)
const remoteProof = require('hypercore/lib/fully-remote-proof.js') as {
  verify(storage: unknown, proof: Uint8Array): Promise<{ key: Uint8Array; length: number } | null>
}

const R = V1ResultCode
const TNK = UNITS_PER_TNK
const pct = (n: bigint, p: bigint): bigint => (n * p) / 100n

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** A raw v1 sender: its own swarm (wallet key pair), sessions by remote key, responses matched by id. */
class V1Client {
  readonly wallet = Wallet.generate()
  readonly swarm: Hyperswarm
  private readonly sessions = new Map<string, { channel: V1Channel; conn: any }>()
  private readonly waiters = new Map<string, (m: V1Message) => void>()

  constructor(bootstrap: string[], topic: Uint8Array) {
    const nodes = bootstrap.map((s) => parseDhtNode(s))
    assert.ok(
      nodes.every((n) => n.host === '127.0.0.1'),
      'loopback only'
    )
    this.swarm = new Hyperswarm({
      keyPair: this.wallet.keyPair,
      dht: new HyperDHT({ bootstrap: nodes, host: '127.0.0.1' }),
      backoffs: [100, 200, 500, 2000]
    } as any)
    this.swarm.on('connection', (conn: any) => {
      conn.on('error', () => {})
      const key = toHex(conn.remotePublicKey)
      const channel = openV1Channel(conn, {
        onmessage: (msg) => {
          if (msg === null) return
          const w = this.waiters.get(msg.id)
          if (w !== undefined) {
            this.waiters.delete(msg.id)
            w(msg)
          }
        }
      })
      if (channel === null) return
      channel.opened.then(
        (ok) => {
          if (ok && !conn.destroyed) this.sessions.set(key, { channel, conn })
        },
        () => {}
      )
      conn.once('close', () => {
        if (this.sessions.get(key)?.conn === conn) this.sessions.delete(key)
      })
    })
    this.swarm.join(topic, { server: false, client: true })
  }

  async session(keyHex: string): Promise<{ channel: V1Channel; conn: any }> {
    this.swarm.joinPeer(fromHex(keyHex))
    await waitFor(
      () => {
        const x = this.sessions.get(keyHex)
        return x !== undefined && x.channel.isOpen && x.conn.destroyed !== true
      },
      15_000,
      `a v1 session with ${keyHex.slice(0, 8)}`
    )
    return this.sessions.get(keyHex)!
  }

  /** Sends `msg` and waits for the response with its id (null after `timeoutMs`). After a closing code, waits for the close. */
  async request(keyHex: string, msg: V1Message, timeoutMs = 6000): Promise<V1Message | null> {
    const s = await this.session(keyHex)
    const response = new Promise<V1Message | null>((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(msg.id)
        resolve(null)
      }, timeoutMs)
      this.waiters.set(msg.id, (m) => {
        clearTimeout(timer)
        resolve(m)
      })
    })
    assert.ok(s.channel.send(msg), 'sent')
    const res = await response
    const result = res?.broadcastTransactionResponse?.result ?? res?.livenessResponse?.result
    if (result !== undefined && validatorClosesAfter(result)) {
      await waitFor(() => this.sessions.get(keyHex)?.conn !== s.conn, 5000, 'the validator to close the connection')
    }
    return res
  }

  broadcast(keyHex: string, data: Uint8Array, timeoutMs?: number): Promise<V1Message | null> {
    return this.request(keyHex, buildBroadcastRequest(this.wallet.keyPair, data), timeoutMs)
  }

  async close(): Promise<void> {
    await this.swarm.destroy()
  }
}

const resultOf = (m: V1Message | null): number | undefined => m?.broadcastTransactionResponse?.result

describe('devnet apply (pure, in memory)', () => {
  it('accepts admin and completed ops only from the right writers; ignores replays and overdrafts', async () => {
    const view = new Map<string, Uint8Array>()
    const store = {
      get: async (k: string) => view.get(k) ?? null,
      put: async (k: string, v: Uint8Array) => {
        view.set(k, v)
      }
    }
    const calls: string[] = []
    const boot = randomBytes(32)
    const host: ApplyHost = {
      indexerKeys: () => [boot],
      addWriter: async (k, o) => {
        calls.push(`add ${toHex(k).slice(0, 8)} ${o.indexer}`)
      },
      removeWriter: async (k) => {
        calls.push(`rm ${toHex(k).slice(0, 8)}`)
      }
    }
    const cfg = { networkId: 918, hrp: 'trac', bootstrap: boot }
    const txv = blake3(boot)
    const admin = Wallet.generate()
    const val = Wallet.generate()
    const valKey = randomBytes(32)
    const a = Wallet.generate()
    const apply = async (value: Uint8Array, from: Uint8Array): Promise<string> => {
      const out = await applyOperation({ value, from }, store, host, cfg)
      return out.status + (out.reason ? `: ${out.reason}` : '')
    }
    const addAdmin = buildAddAdmin({ signer: admin, networkId: 918, txv, writerKey: boot })
    assert.match(await apply(addAdmin, randomBytes(32)), /^failure: ADD_ADMIN must come from the bootstrap writer/)
    assert.equal(await apply(addAdmin, boot), 'success')
    assert.match(await apply(addAdmin, boot), /^failure/, 'only once')
    const fundA = buildBalanceInitialization({ signer: admin, networkId: 918, txv, to: a.address, amount: TNK })
    assert.match(await apply(fundA, valKey), /admin only/)
    assert.match(
      await apply(buildBalanceInitialization({ signer: a, networkId: 918, txv, to: a.address, amount: TNK }), boot),
      /admin and requester keys do not match/
    )
    assert.match(
      await apply(
        buildBalanceInitialization({ signer: admin, networkId: 918, txv: randomBytes(32), to: a.address, amount: TNK }),
        boot
      ),
      /txv/
    )
    assert.equal(await apply(fundA, boot), 'success')
    assert.equal(
      await apply(
        buildBalanceInitialization({ signer: admin, networkId: 918, txv, to: val.address, amount: TNK }),
        boot
      ),
      'success'
    )
    // ADD_WRITER needs a whitelisted requester.
    const addWriter = completeOperation(
      buildAddWriterPartial({ signer: val, networkId: 918, txv, writerKey: valKey }),
      admin,
      918
    )
    assert.match(await apply(addWriter, boot), /whitelisted/)
    assert.equal(
      await apply(buildAdminControl({ signer: admin, networkId: 918, txv, type: 4, target: val.address }), boot),
      'success'
    )
    assert.equal(
      await apply(
        completeOperation(buildAddWriterPartial({ signer: val, networkId: 918, txv, writerKey: valKey }), admin, 918),
        boot
      ),
      'success'
    )
    assert.deepEqual(calls, [`add ${toHex(valKey).slice(0, 8)} false`])
    const v = decodeNodeEntry(view.get(val.address))!
    assert.deepEqual([v.role, v.balance, v.stakedBalance], [ROLE_WRITER, TNK - 11n * MSB_FEE, 10n * MSB_FEE])

    const complete = (op: PartialOperation): Uint8Array =>
      completeOperation(decodeFullOperation(encodePartialOperation(op))!, val, 918)
    const t1 = complete(
      buildTransfer({ signer: a, networkId: 918, txv: toHex(txv), to: val.address, amount: parseAmount('0.5') })
    )
    assert.match(await apply(t1, randomBytes(32)), /not appended by the validator's writer key/)
    assert.match(await apply(t1, boot), /not appended by the validator's writer key/)
    assert.equal(await apply(t1, valKey), 'success')
    assert.match(await apply(t1, valKey), /^ignore: operation has already been applied/)
    // The recipient is the validator: it gets the amount and 75% of the fee.
    assert.equal(
      decodeNodeEntry(view.get(val.address))!.balance,
      TNK - 11n * MSB_FEE + parseAmount('0.5') + pct(MSB_FEE, 75n)
    )
    assert.equal(decodeNodeEntry(view.get(a.address))!.balance, TNK - parseAmount('0.5') - MSB_FEE)
    const before = new Map(view)
    assert.match(
      await apply(
        complete(buildTransfer({ signer: a, networkId: 918, txv: toHex(txv), to: admin.address, amount: TNK })),
        valKey
      ),
      /^ignore: insufficient/
    )
    const partialOnly = encodePartialOperation(
      buildTransfer({ signer: a, networkId: 918, txv: toHex(txv), to: admin.address, amount: 1n })
    )
    assert.match(await apply(partialOnly, valKey), /not complete/)
    const otherNet = completeOperation(
      decodeFullOperation(
        encodePartialOperation(
          buildTransfer({ signer: a, networkId: 919, txv: toHex(txv), to: admin.address, amount: 1n })
        )
      )!,
      val,
      919
    )
    assert.match(await apply(otherNet, valKey), /hash does not match/)
    assert.match(await apply(new Uint8Array([1, 2, 3]), valKey), /^failure/)
    assert.deepEqual(view, before, 'rejected ops leave no trace')
  })
})

describe('MSB devnet', { timeout: 120_000 }, () => {
  let devnet: Devnet
  let client: V1Client
  let v0: string
  let v1: string
  const alice = Wallet.generate()
  const bob = Wallet.generate()
  const carol = Wallet.generate()
  let txvAtStart = ''

  before(async () => {
    devnet = await startDevnet({ validators: 2 })
    client = new V1Client(devnet.dhtBootstrap, msbChannelTopic(devnet.channel))
    v0 = devnet.validators[0]!.publicKeyHex
    v1 = devnet.validators[1]!.publicKeyHex
    txvAtStart = devnet.txv()
  })

  after(async () => {
    await client?.close().catch(() => {})
    await devnet?.close()
  })

  const balance = async (address: string): Promise<bigint | null> => await devnet.balance(address, { confirmed: true })
  const confirmed = async (txHex: string): Promise<void> => {
    await waitFor(
      async () => (await devnet.get(txHex, { confirmed: true })) !== null,
      20_000,
      `tx ${txHex.slice(0, 8)} to confirm`
    )
  }
  const transfer = (signer: Wallet, to: string, amount: bigint, txv = devnet.txv()): TransferPartial =>
    buildTransfer({ signer, networkId: devnet.networkId, txv, to, amount })
  const txOf = (op: PartialOperation): string => (op.type === 13 ? op.tro.tx : op.type === 12 ? op.txo.tx : op.bdo.tx)

  it('bootstraps with the MSB layout: admin, writers, txv = blake3(bootstrap)', async () => {
    assert.equal(devnet.networkId, 918)
    assert.equal(txvAtStart, toHex(blake3(fromHex(devnet.bootstrapHex))))
    const admin = decodeAdminEntry(await devnet.get(ADMIN_KEY, { confirmed: true }), 'trac')
    assert.deepEqual(admin && { address: admin.address, wk: toHex(admin.writingKey) }, {
      address: devnet.admin.address,
      wk: devnet.bootstrapHex
    })
    assert.equal(devnet.admin.writerKeyHex, devnet.bootstrapHex)
    assert.equal(b4a.toString((await devnet.get(writerAddressKey(devnet.bootstrapHex)))!), devnet.admin.address)
    assert.equal(decodeU32BE(await devnet.get(INITIALIZATION_KEY)), 1)
    assert.equal(decodeU32BE(await devnet.get(WRITERS_LENGTH_KEY)), 3)
    assert.equal(b4a.toString((await devnet.get(writerIndexKey(0)))!), devnet.admin.address)
    const adminEntry = decodeNodeEntry(await devnet.get(devnet.admin.address))!
    assert.equal(adminEntry.role, ROLE_INDEXER)
    for (const v of devnet.validators) {
      const e = decodeNodeEntry(await devnet.get(v.address, { confirmed: true }))!
      assert.equal(e.role, ROLE_WRITER)
      assert.equal(toHex(e.writingKey), v.writerKeyHex)
      assert.equal(e.stakedBalance, 10n * MSB_FEE)
      assert.equal(e.balance, TNK - 11n * MSB_FEE)
      assert.equal(b4a.toString((await devnet.get(writerAddressKey(v.writerKeyHex)))!), v.address)
    }
  })

  it('faucet: /fund credits an address, confirmed', async () => {
    const tx = await devnet.fund(alice.address, 10n * TNK)
    assert.equal(await balance(alice.address), 10n * TNK)
    const entry = decodeNodeEntry(await devnet.get(alice.address, { confirmed: true }))!
    assert.equal(entry.role, ROLE_READER)
    const stored = decodeFullOperation((await devnet.get(tx, { confirmed: true }))!)
    assert.equal(stored?.type, 3)
    assert.equal(b4a.toString(stored!.members.bio!.ia!), alice.address)
    await devnet.fund(alice.address, 1n * TNK)
    assert.equal(await balance(alice.address), 11n * TNK, 'the faucet credits, it does not overwrite')
  })

  it('liveness → OK, signed by the validator key', async () => {
    const res = await client.request(v0, buildLivenessRequest(client.wallet.keyPair))
    assert.equal(res?.type, V1MessageType.LIVENESS_RESPONSE)
    assert.equal(res?.livenessResponse?.result, R.OK)
    assert.ok(verifyV1Signature(res!, fromHex(v0)))
  })

  it('TRANSFER: OK with a proof, then confirmed with the 75/25 fee split', async () => {
    const before = { v0: (await balance(devnet.validators[0]!.address))! }
    const op = transfer(alice, bob.address, parseAmount('1.5'))
    const res = await client.broadcast(v0, encodePartialOperation(op))
    const r = res?.broadcastTransactionResponse
    assert.ok(r !== undefined, 'a response')
    assert.equal(r.result, R.OK)
    assert.ok(r.timestamp > 0)
    assert.ok(verifyV1Signature(res!, fromHex(v0)))
    await confirmed(op.tro.tx)
    // The proof is a hypercore fully-remote proof of a block of validator 0's writer core, checkable by any replica.
    const verified = await remoteProof.verify((devnet.adminNode.store as any).storage, r.proof)
    assert.ok(verified !== null, 'the proof verifies against a replica')
    assert.equal(toHex(verified.key), devnet.validators[0]!.writerKeyHex)
    assert.equal(await balance(alice.address), 11n * TNK - parseAmount('1.5') - MSB_FEE)
    assert.equal(await balance(bob.address), parseAmount('1.5'))
    assert.equal(await balance(devnet.validators[0]!.address), before.v0 + pct(MSB_FEE, 75n))
    // The stored op is the complete one: the sent fields plus va/vn/vs by validator 0.
    const stored = decodeOperation((await devnet.get(op.tro.tx, { confirmed: true }))!)!
    assert.equal(b4a.toString(stored.tro!.va!), devnet.validators[0]!.address)
    assert.equal(toHex(stored.tro!.is!), op.tro.is)
    assert.equal(stored.tro!.vn!.byteLength, 32)
    assert.equal(stored.tro!.vs!.byteLength, 64)

    const dup = await client.broadcast(v0, encodePartialOperation(op))
    assert.equal(resultOf(dup), R.TX_ALREADY_EXISTS, 'the same tx again')
    assert.equal(dup?.broadcastTransactionResponse?.timestamp, 0)
    assert.equal(dup?.broadcastTransactionResponse?.proof.byteLength, 0)
  })

  it('envelope and operation failures carry their codes (and close the connection)', async () => {
    // Envelope signed by another key than the connection's.
    const stranger = Wallet.generate()
    const forged = buildBroadcastRequest(stranger.keyPair, encodePartialOperation(transfer(alice, bob.address, 1n)))
    assert.equal(resultOf(await client.request(v0, forged)), R.SIGNATURE_INVALID)
    // Requester signature broken (the hash still matches).
    const bad = transfer(alice, bob.address, 1n)
    const is = fromHex(bad.tro.is)
    is[0] ^= 0xff
    bad.tro.is = toHex(is)
    assert.equal(resultOf(await client.broadcast(v0, encodePartialOperation(bad))), R.TX_SIGNATURE_INVALID)
    // An unfunded requester.
    assert.equal(
      resultOf(await client.broadcast(v0, encodePartialOperation(transfer(carol, bob.address, 1n)))),
      R.TRANSFER_SENDER_NOT_FOUND
    )
    const carolDeploy = buildBootstrapDeployment({
      signer: carol,
      networkId: 918,
      txv: devnet.txv(),
      bs: toHex(randomBytes(32)),
      channel: 'c'
    })
    assert.equal(resultOf(await client.broadcast(v0, encodePartialOperation(carolDeploy))), R.REQUESTER_NOT_FOUND)
    // More than the balance.
    assert.equal(
      resultOf(await client.broadcast(v0, encodePartialOperation(transfer(bob, alice.address, 2n * TNK)))),
      R.TRANSFER_INSUFFICIENT_BALANCE
    )
    // The validator's own address as the requester.
    const self = devnet.validatorMembers[0]!.wallet
    assert.equal(
      resultOf(await client.broadcast(v0, encodePartialOperation(transfer(self, bob.address, 1n)))),
      R.SELF_VALIDATION_FORBIDDEN
    )
    // A partial that already carries validator fields fails the schema.
    const withVa = encodeOperation({
      type: 13,
      address: b4a.from(alice.address),
      tro: {
        ...Object.fromEntries(
          Object.entries(transfer(alice, bob.address, 1n).tro).map(([k, v]) => [
            k,
            k === 'to' ? b4a.from(v) : fromHex(v)
          ])
        ),
        va: b4a.from(bob.address)
      }
    })
    assert.equal(resultOf(await client.broadcast(v0, withVa)), R.SCHEMA_VALIDATION_FAILED)
    // Bytes that are no Operation, and an admin op type over v1.
    assert.equal(resultOf(await client.broadcast(v0, new Uint8Array([0xff, 0xff, 0xff]))), R.UNEXPECTED_ERROR)
    const addAdmin = buildAddAdmin({
      signer: alice,
      networkId: 918,
      txv: fromHex(devnet.txv()),
      writerKey: randomBytes(32)
    })
    assert.equal(resultOf(await client.broadcast(v0, addAdmin)), R.TX_INVALID_PAYLOAD)
    // The admin-indexer does not validate by default.
    const adminKey = devnet.admin.publicKeyHex
    assert.equal(
      resultOf(await client.broadcast(adminKey, encodePartialOperation(transfer(alice, bob.address, 1n)))),
      R.NODE_HAS_NO_WRITE_ACCESS
    )
  })

  let subnet = ''
  it('BOOTSTRAP_DEPLOYMENT: deployment/<bs> confirmed, a second deploy is refused', async () => {
    subnet = toHex(randomBytes(32))
    const beforeV0 = (await balance(devnet.validators[0]!.address))!
    const beforeAlice = (await balance(alice.address))!
    const op = buildBootstrapDeployment({
      signer: alice,
      networkId: 918,
      txv: devnet.txv(),
      bs: subnet,
      channel: 'alice-subnet'
    })
    const res = await client.broadcast(v0, encodePartialOperation(op))
    assert.ok(resultOf(res) === R.OK || resultOf(res) === R.TX_ACCEPTED_PROOF_UNAVAILABLE, `result ${resultOf(res)}`)
    await waitFor(
      async () => (await devnet.get(deploymentKey(subnet), { confirmed: true })) !== null,
      20_000,
      'the deployment'
    )
    const dep = decodeDeploymentEntry(await devnet.get(deploymentKey(subnet), { confirmed: true }), 'trac')!
    assert.equal(toHex(dep.txHash), op.bdo.tx)
    assert.equal(dep.address, alice.address)
    await confirmed(op.bdo.tx)
    assert.equal(await balance(alice.address), beforeAlice - MSB_FEE)
    assert.equal(await balance(devnet.validators[0]!.address), beforeV0 + pct(MSB_FEE, 75n))
    const again = buildBootstrapDeployment({ signer: bob, networkId: 918, txv: devnet.txv(), bs: subnet, channel: 'x' })
    assert.equal(resultOf(await client.broadcast(v0, encodePartialOperation(again))), R.BOOTSTRAP_ALREADY_EXISTS)
    const msb = buildBootstrapDeployment({
      signer: bob,
      networkId: 918,
      txv: devnet.txv(),
      bs: devnet.bootstrapHex,
      channel: 'x'
    })
    assert.equal(
      resultOf(await client.broadcast(v0, encodePartialOperation(msb))),
      R.EXTERNAL_BOOTSTRAP_EQUALS_MSB_BOOTSTRAP
    )
  })

  it('TX: applied with the 50/25/25 split; refused for an undeployed subnet', async () => {
    const txFor = (signer: Wallet, bs: string): PartialOperation =>
      buildTxOperation({
        signer,
        networkId: 918,
        txv: devnet.txv(),
        iw: toHex(randomBytes(32)),
        ch: toHex(randomBytes(32)),
        bs,
        mbs: devnet.bootstrapHex
      })
    assert.equal(
      resultOf(await client.broadcast(v0, encodePartialOperation(txFor(alice, toHex(randomBytes(32)))))),
      R.EXTERNAL_BOOTSTRAP_NOT_DEPLOYED
    )
    const wrongMbs = buildTxOperation({
      signer: alice,
      networkId: 918,
      txv: devnet.txv(),
      iw: toHex(randomBytes(32)),
      ch: toHex(randomBytes(32)),
      bs: subnet,
      mbs: toHex(randomBytes(32))
    })
    assert.equal(resultOf(await client.broadcast(v0, encodePartialOperation(wrongMbs))), R.MSB_BOOTSTRAP_MISMATCH)

    const v0Address = devnet.validators[0]!.address
    const b0 = {
      alice: (await balance(alice.address))!,
      bob: (await balance(bob.address))!,
      v0: (await balance(v0Address))!
    }
    // The requester is the subnet creator: validator 50%, 50% burned.
    const own = txFor(alice, subnet)
    assert.ok(
      [R.OK, R.TX_ACCEPTED_PROOF_UNAVAILABLE].includes(
        resultOf(await client.broadcast(v0, encodePartialOperation(own))) as any
      )
    )
    // A third party: validator 50%, creator 25%, 25% burned.
    const third = txFor(bob, subnet)
    assert.ok(
      [R.OK, R.TX_ACCEPTED_PROOF_UNAVAILABLE].includes(
        resultOf(await client.broadcast(v0, encodePartialOperation(third))) as any
      )
    )
    await confirmed(txOf(own))
    await confirmed(txOf(third))
    assert.equal(await balance(alice.address), b0.alice - MSB_FEE + pct(MSB_FEE, 25n))
    assert.equal(await balance(bob.address), b0.bob - MSB_FEE)
    assert.equal(await balance(v0Address), b0.v0 + 2n * pct(MSB_FEE, 50n))
    const stored = decodeOperation((await devnet.get(txOf(third), { confirmed: true }))!)!
    assert.equal(stored.type, 12)
    assert.equal(toHex(stored.txo!.bs!), subnet)
  })

  it('dropRequests: no answer; the same op then goes through another validator', async () => {
    devnet.setDrop(0, true)
    const op = transfer(alice, carol.address, parseAmount('0.1'))
    const data = encodePartialOperation(op)
    assert.equal(await client.broadcast(v0, data, 1500), null, 'a dropping validator does not answer')
    devnet.setDrop(0, false)
    const res = await client.broadcast(v1, data)
    assert.ok(resultOf(res) === R.OK || resultOf(res) === R.TX_ACCEPTED_PROOF_UNAVAILABLE, `result ${resultOf(res)}`)
    await confirmed(op.tro.tx)
    assert.equal(await balance(carol.address), parseAmount('0.1'))
    const stored = decodeOperation((await devnet.get(op.tro.tx))!)!
    assert.equal(b4a.toString(stored.tro!.va!), devnet.validators[1]!.address)
  })

  it('indexer change: txv moves, old ops expire (17), an indexer validator answers 7; removal restores it', async () => {
    const old = transfer(alice, bob.address, 1n)
    await devnet.addIndexer(1)
    const txv2 = devnet.txv()
    assert.notEqual(txv2, txvAtStart)
    assert.equal(
      txv2,
      toHex(blake3(b4a.concat([fromHex(devnet.bootstrapHex), fromHex(devnet.validators[1]!.writerKeyHex)])))
    )
    assert.equal(decodeNodeEntry(await devnet.get(devnet.validators[1]!.address))!.role, ROLE_INDEXER)
    assert.equal(resultOf(await client.broadcast(v0, encodePartialOperation(old))), R.TX_EXPIRED)
    assert.equal(
      resultOf(await client.broadcast(v1, encodePartialOperation(transfer(alice, bob.address, 1n)))),
      R.NODE_HAS_NO_WRITE_ACCESS
    )
    await devnet.removeIndexer(1)
    assert.equal(devnet.txv(), txvAtStart, 'back to the single-indexer set')
    assert.equal(
      decodeNodeEntry(await devnet.get(devnet.validators[1]!.address, { confirmed: true }))!.role,
      ROLE_WRITER
    )
  })

  it('rate limit: more than 50 v1 messages a second from one key get RATE_LIMITED', async () => {
    const s = await client.session(v1)
    // The limit is a fixed 1-second window per key: let any window opened by an earlier test run out first.
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const results: Array<Promise<number | undefined>> = []
    for (let i = 0; i < 60; i++) {
      const msg = buildLivenessRequest(client.wallet.keyPair)
      results.push(
        new Promise((resolve) => {
          const timer = setTimeout(() => resolve(undefined), 1500)
          ;(client as any).waiters.set(msg.id, (m: V1Message) => {
            clearTimeout(timer)
            resolve(m.livenessResponse?.result)
          })
        })
      )
      s.channel.send(msg)
    }
    const got = await Promise.all(results)
    assert.deepEqual(got.slice(0, 50), new Array(50).fill(R.OK))
    assert.equal(got[50], R.RATE_LIMITED)
  })

  it('every node holds the same confirmed view', async () => {
    const dump = async (node: MsbNode, length: number): Promise<string[]> => {
      const snap = node.base.view.checkout(length)
      const out: string[] = []
      for await (const e of snap.createReadStream()) out.push(`${e.key}=${toHex(e.value)}`)
      await snap.close()
      return out
    }
    const length = devnet.adminNode.lengths().signed
    const expected = await dump(devnet.adminNode, length)
    assert.ok(expected.length > 20)
    for (const node of devnet.validatorNodes) {
      await waitFor(() => node.lengths().signed >= length, 20_000, `${node.name} to reach the admin's confirmed length`)
      assert.deepEqual(await dump(node, length), expected, node.name)
    }
  })

  it('refuses a non-loopback DHT', async () => {
    await assert.rejects(startDevnet({ dhtBootstrap: ['8.8.8.8:49737'] }), /loopback/)
  })

  it('CLI: prints the peer-flags line, /fund from stdin, exits 0 on /exit and on SIGTERM', async () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
    const entry = path.join(root, 'src', 'msb', 'devnet', 'main.ts')
    const run = (): { child: ChildProcess; out: () => string; exited: Promise<number | null> } => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', entry, '--dht-bootstrap', devnet.dhtBootstrap.join(','), '--channel', 'devnet-cli-test'],
        {
          cwd: root,
          env: { ...process.env, INTERCOM_LOCAL_ONLY: '1' },
          stdio: ['pipe', 'pipe', 'pipe']
        }
      )
      let text = ''
      child.stdout!.on('data', (d) => {
        text += String(d)
      })
      child.stderr!.on('data', (d) => {
        text += String(d)
      })
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
      return { child, out: () => text, exited }
    }
    const a = run()
    try {
      await waitFor(() => /Ready\./.test(a.out()), 30_000, 'the CLI devnet to start')
      const line = a
        .out()
        .split('\n')
        .find((l) => l.startsWith('peer flags:'))
      assert.match(
        line ?? '',
        /^peer flags: --msb-dht-bootstrap 127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+)* --msb-bootstrap [0-9a-f]{64} --msb-channel devnet-cli-test$/
      )
      const who = Wallet.generate().address
      a.child.stdin!.write(`/fund ${who} 1.25\n`)
      await waitFor(() => a.out().includes(`funded ${who} with 1.25 TNK`), 20_000, 'the /fund result')
      assert.match(a.out(), /confirmed balance 1\.25 TNK/)
      a.child.stdin!.write('/exit\n')
      assert.equal(await a.exited, 0)
    } finally {
      a.child.kill('SIGKILL')
    }
    const b = run()
    try {
      await waitFor(() => /Ready\./.test(b.out()), 30_000, 'the second CLI devnet to start')
      b.child.kill('SIGTERM')
      assert.equal(await b.exited, 0)
      assert.match(b.out(), /Devnet stopped\./)
    } finally {
      b.child.kill('SIGKILL')
    }
  })
})
