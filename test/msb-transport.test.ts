// The MSB validator transport over real Noise streams (in memory): the liveness probe, a forged answer, the
// legacy fallback for a node without `network/v1`, deterministic rejections, answering as a reader, and the
// network presets.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import NoiseSecretStream from '@hyperswarm/secret-stream'
import Protomux from 'protomux'
import c from 'compact-encoding'
import { keyPairFromSeed, randomBytes, toHex } from '../src/crypto/index.js'
import { MsbTransport, MsbBroadcastError, isDeterministicRejection } from '../src/msb/transport.js'
import { openV1Channel } from '../src/msb/v1/channel.js'
import {
  V1MessageType,
  V1ResultCode,
  buildBroadcastRequest,
  buildBroadcastResponse,
  buildLivenessRequest,
  buildLivenessResponse,
  verifyV1Signature,
  type V1Message
} from '../src/msb/v1/envelope.js'
import { MSB_PRESETS, channelTo32, resolveMsbNetwork } from '../src/msb/network.js'

const CHANNEL32 = channelTo32('unit-msb')

function pair(): {
  client: any
  server: any
  clientKp: ReturnType<typeof keyPairFromSeed>
  serverKp: ReturnType<typeof keyPairFromSeed>
} {
  const clientKp = keyPairFromSeed(randomBytes(32))
  const serverKp = keyPairFromSeed(randomBytes(32))
  const client = new NoiseSecretStream(true, null, { keyPair: clientKp })
  const server = new NoiseSecretStream(false, null, { keyPair: serverKp })
  client.rawStream.pipe(server.rawStream).pipe(client.rawStream)
  return { client, server, clientKp, serverKp }
}

async function opened(s: any): Promise<void> {
  await new Promise<void>((resolve) => s.once('open', () => resolve()))
}

type Answer = (msg: V1Message, kp: { publicKey: Uint8Array; secretKey: Uint8Array }) => V1Message | null

/** A fake validator: answers liveness OK and broadcasts with `answer`. */
function fakeValidator(
  stream: any,
  kp: { publicKey: Uint8Array; secretKey: Uint8Array },
  answer: Answer
): { received: V1Message[] } {
  const received: V1Message[] = []
  const ch = openV1Channel(Protomux.from(stream), {
    onmessage: (msg) => {
      if (msg === null) return
      received.push(msg)
      if (msg.type === V1MessageType.LIVENESS_REQUEST) ch!.send(buildLivenessResponse(kp, msg.id, V1ResultCode.OK))
      else {
        const out = answer(msg, kp)
        if (out !== null) ch!.send(out)
      }
    }
  })
  return { received }
}

async function until(fn: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now()
  while (!fn()) {
    if (Date.now() - start > ms) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}

test('probe, broadcast accepted, signatures checked both ways', { timeout: 20_000 }, async () => {
  const { client, server, clientKp, serverKp } = pair()
  const transport = new MsbTransport({ keyPair: clientKp, channel32: CHANNEL32, pendingTimeoutMs: 1000 })
  try {
    const v = fakeValidator(server, serverKp, (msg, kp) =>
      buildBroadcastResponse(kp, msg.id, {
        proof: new Uint8Array([1]),
        ledgerTimestamp: Date.now(),
        result: V1ResultCode.OK
      })
    )
    await opened(client)
    transport.setValidators([toHex(serverKp.publicKey)])
    transport.attach(client)
    await until(() => transport.sessionMode(toHex(serverKp.publicKey)) === 'v1')
    const r = await transport.broadcast(new Uint8Array([1, 2, 3]))
    assert.equal(r.code, 1)
    assert.equal(r.via, 'v1')
    assert.equal(r.validator, toHex(serverKp.publicKey))
    const req = v.received.find((m) => m.type === V1MessageType.BROADCAST_TRANSACTION_REQUEST)!
    assert.ok(verifyV1Signature(req, clientKp.publicKey), 'requests are signed with the connection key')
    assert.equal(transport.connectedValidatorCount(), 1)
  } finally {
    transport.close()
    client.destroy()
    server.destroy()
  }
})

test('a forged answer is dropped and the send times out; deterministic rejections are not retried', {
  timeout: 20_000
}, async () => {
  const { client, server, clientKp, serverKp } = pair()
  const impostor = keyPairFromSeed(randomBytes(32))
  const logs: string[] = []
  const transport = new MsbTransport({
    keyPair: clientKp,
    channel32: CHANNEL32,
    pendingTimeoutMs: 400,
    maxRetries: 1,
    connectWaitMs: 500,
    log: (l) => logs.push(l)
  })
  let mode: 'forge' | 'expired' = 'forge'
  try {
    const v = fakeValidator(server, serverKp, (msg, kp) =>
      mode === 'forge'
        ? buildBroadcastResponse(impostor, msg.id, {
            proof: new Uint8Array([1]),
            ledgerTimestamp: 1,
            result: V1ResultCode.OK
          })
        : buildBroadcastResponse(kp, msg.id, {
            proof: new Uint8Array(0),
            ledgerTimestamp: 0,
            result: V1ResultCode.TX_EXPIRED
          })
    )
    await opened(client)
    transport.setValidators([toHex(serverKp.publicKey)])
    transport.attach(client)
    await until(() => transport.sessionMode(toHex(serverKp.publicKey)) === 'v1')
    await assert.rejects(
      transport.broadcast(new Uint8Array([9])),
      (err: unknown) => err instanceof MsbBroadcastError && /did not answer/.test(err.message)
    )
    assert.equal(transport.stats().drops['bad signature'], 1, 'the forged answer was counted as a drop')
    assert.ok(
      logs.some((l) => /rotated out/.test(l)),
      'the silent validator was rotated out'
    )
    mode = 'expired'
    const before = v.received.length
    await assert.rejects(
      transport.broadcast(new Uint8Array([9])),
      (err: unknown) =>
        err instanceof MsbBroadcastError &&
        err.resultCode === 17 &&
        err.reason === 'TX_EXPIRED' &&
        err.code === 'MSB_REFUSED' &&
        /TX_EXPIRED/.test(err.message)
    )
    assert.equal(v.received.length - before, 1, 'TX_EXPIRED is final: sent once')
    assert.ok(isDeterministicRejection(17) && !isDeterministicRejection(6) && !isDeterministicRejection(7))
  } finally {
    transport.close()
    client.destroy()
    server.destroy()
  }
})

test('a node without network/v1 falls back to the legacy channel (JSON, no answer)', { timeout: 20_000 }, async () => {
  const { client, server, clientKp, serverKp } = pair()
  const transport = new MsbTransport({ keyPair: clientKp, channel32: CHANNEL32, probeTimeoutMs: 500 })
  try {
    const got: unknown[] = []
    const mux = Protomux.from(server)
    const ch = mux.createChannel({ protocol: Buffer.from(CHANNEL32).toString('utf8') })!
    ch.addMessage({
      encoding: c.json as any,
      onmessage: (m: unknown) => {
        got.push(m)
      }
    })
    ch.open()
    await opened(client)
    transport.setValidators([toHex(serverKp.publicKey)])
    transport.attach(client)
    await until(() => transport.sessionMode(toHex(serverKp.publicKey)) === 'legacy')
    const r = await transport.broadcast(new Uint8Array([1]), {
      legacyJson: { type: 13, address: 'x', tro: { tx: 'ab' } }
    })
    assert.equal(r.via, 'legacy')
    assert.equal(r.code, null)
    await until(() => got.length === 1)
    assert.deepEqual(got[0], { type: 13, address: 'x', tro: { tx: 'ab' } })
  } finally {
    transport.close()
    client.destroy()
    server.destroy()
  }
})

test("as a reader the transport answers liveness and refuses broadcasts; sends skip the requester's own node", {
  timeout: 20_000
}, async () => {
  const { client, server, clientKp, serverKp } = pair()
  const transport = new MsbTransport({ keyPair: serverKp, channel32: CHANNEL32, connectWaitMs: 300 })
  try {
    const answers: V1Message[] = []
    const ch = openV1Channel(Protomux.from(client), {
      onmessage: (m) => {
        if (m !== null) answers.push(m)
      }
    })!
    await opened(server)
    transport.attach(server)
    assert.ok(await ch.opened)
    ch.send(buildLivenessRequest(clientKp))
    ch.send(buildBroadcastRequest(clientKp, new Uint8Array([1])))
    await until(() => answers.length >= 2)
    const live = answers.find((m) => m.type === V1MessageType.LIVENESS_RESPONSE)!
    const refused = answers.find((m) => m.type === V1MessageType.BROADCAST_TRANSACTION_RESPONSE)!
    assert.equal(live.livenessResponse!.result, V1ResultCode.OK)
    assert.equal(refused.broadcastTransactionResponse!.result, V1ResultCode.NODE_HAS_NO_WRITE_ACCESS)
    assert.ok(verifyV1Signature(refused, serverKp.publicKey))
    transport.setValidators([toHex(clientKp.publicKey)])
    await assert.rejects(
      transport.broadcast(new Uint8Array([1]), { requesterKeyHex: toHex(clientKp.publicKey) }),
      /No MSB validator is reachable/
    )
  } finally {
    transport.close()
    client.destroy()
    server.destroy()
  }
})

test('network presets and overrides', () => {
  const main = resolveMsbNetwork({ network: 'mainnet', bootstrap: null, channel: null })
  assert.equal(main.bootstrapHex, MSB_PRESETS.mainnet!.bootstrapHex)
  assert.equal(Buffer.from(main.channel32).toString('utf8'), '0000trac0network0msb0mainnet0000')
  const test = resolveMsbNetwork({ network: 'testnet', bootstrap: 'AB'.repeat(32), channel: 'trac-peer-subnet' })
  assert.equal(test.networkId, 919)
  assert.equal(test.addressPrefix, 'testtrac')
  assert.equal(test.bootstrapHex, 'ab'.repeat(32))
  assert.equal(Buffer.from(test.channel32).toString('utf8'), 'trac-peer-subnettrac-peer-subnet')
  assert.throws(
    () => resolveMsbNetwork({ network: 'mainnet', bootstrap: null, channel: 'x'.repeat(33) }),
    /--msb-channel/
  )
  assert.throws(() => resolveMsbNetwork({ network: 'nope', bootstrap: null, channel: null }), /--msb-network/)
})
