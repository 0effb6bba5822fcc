import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fromHex, toHex } from '../src/crypto/index.js'
import { Wallet } from '../src/wallet/index.js'
import {
  V1MessageType,
  V1ResultCode,
  buildBroadcastRequest,
  buildBroadcastResponse,
  buildLivenessRequest,
  buildLivenessResponse,
  decodeV1,
  encodeV1,
  resultName,
  uuidv7,
  v1ShapeError,
  v1SignedPreimage,
  validatorClosesAfter,
  verifyV1Signature
} from '../src/msb/v1/envelope.js'

const v = JSON.parse(readFileSync(new URL('./fixtures/msb-vectors.json', import.meta.url), 'utf8'))
const wallet = Wallet.fromSecretKey(v.wallet.secretKey)
const kp = { publicKey: wallet.publicKey, secretKey: wallet.secretKey }
const br = v.v1BroadcastRequest
const lr = v.v1LivenessRequest
const envNonce = fromHex(br.envNonce)

test('v1 broadcast request: preimage, signature and protobuf bytes equal the vector', () => {
  const data = fromHex(v.transfer.operationProtobuf)
  const msg = buildBroadcastRequest(kp, data, {
    id: br.id,
    timestamp: br.timestamp,
    nonce: envNonce,
    capabilities: br.capabilities
  })
  assert.equal(toHex(v1SignedPreimage(msg)!), br.signedPreimage)
  assert.equal(toHex(msg.broadcastTransactionRequest!.signature), br.signature)
  assert.equal(toHex(encodeV1(msg)), br.messageHeaderProtobuf)
  assert.ok(verifyV1Signature(msg, wallet.publicKey))
})

test('v1 liveness request equals the vector and decodes back', () => {
  const msg = buildLivenessRequest(kp, { id: br.id, timestamp: br.timestamp, nonce: envNonce })
  assert.equal(toHex(v1SignedPreimage(msg)!), lr.signedPreimage)
  assert.equal(toHex(encodeV1(msg)), lr.messageHeaderProtobuf)
  const back = decodeV1(fromHex(lr.messageHeaderProtobuf))
  assert.ok(back !== null)
  assert.equal(back.type, V1MessageType.LIVENESS_REQUEST)
  assert.equal(back.id, br.id)
  assert.equal(back.timestamp, br.timestamp)
  assert.deepEqual(back.capabilities, br.capabilities)
  assert.equal(toHex(back.livenessRequest!.signature), lr.signature)
  assert.equal(v1ShapeError(back), null)
  assert.ok(verifyV1Signature(back, wallet.publicKey))
})

test('v1 decode of the broadcast vector round-trips, and a flipped bit fails the signature', () => {
  const bytes = fromHex(br.messageHeaderProtobuf)
  const msg = decodeV1(bytes)
  assert.ok(msg !== null)
  assert.equal(toHex(msg.broadcastTransactionRequest!.data), v.transfer.operationProtobuf)
  assert.equal(toHex(encodeV1(msg)), br.messageHeaderProtobuf)
  assert.ok(verifyV1Signature(msg, wallet.publicKey))
  msg.broadcastTransactionRequest!.data[5] ^= 1
  assert.equal(verifyV1Signature(msg, wallet.publicKey), false)
  const other = Wallet.fromSecretKey(v.wallet.secretKey)
  assert.equal(verifyV1Signature(decodeV1(bytes)!, fromHex('11'.repeat(32))), false)
  void other
})

test('v1 responses sign and verify; result names and close policy', () => {
  const ok = buildBroadcastResponse(kp, 'abc', {
    proof: new Uint8Array([1, 2, 3]),
    ledgerTimestamp: 1764000000123,
    result: V1ResultCode.OK
  })
  const back = decodeV1(encodeV1(ok))!
  assert.equal(back.broadcastTransactionResponse!.timestamp, 1764000000123)
  assert.equal(back.broadcastTransactionResponse!.result, 1)
  assert.ok(verifyV1Signature(back, wallet.publicKey))
  back.broadcastTransactionResponse!.result = 8
  assert.equal(verifyV1Signature(back, wallet.publicKey), false)
  const live = decodeV1(encodeV1(buildLivenessResponse(kp, 'x', V1ResultCode.OK)))!
  assert.equal(live.livenessResponse!.result, 1)
  assert.ok(verifyV1Signature(live, wallet.publicKey))
  assert.equal(resultName(17), 'TX_EXPIRED')
  assert.equal(resultName(999), 'RESULT_999')
  assert.equal(validatorClosesAfter(1), false)
  assert.equal(validatorClosesAfter(8), false)
  assert.equal(validatorClosesAfter(17), true)
  assert.equal(validatorClosesAfter(50), false)
})

test('v1 decode never throws and shape checks name the problem', () => {
  for (const junk of [new Uint8Array(0), new Uint8Array([0xff, 0xff, 0xff]), new Uint8Array(5000), fromHex('0a05')]) {
    assert.doesNotThrow(() => decodeV1(junk))
  }
  assert.equal(decodeV1(new Uint8Array(5000)), null)
  const msg = buildLivenessRequest(kp)
  assert.equal(v1ShapeError(msg), null)
  assert.match(v1ShapeError({ ...msg, id: '' }) ?? '', /id/)
  assert.match(v1ShapeError({ ...msg, type: 3 }) ?? '', /broadcastTransactionRequest/)
  assert.match(
    v1ShapeError({
      ...msg,
      livenessRequest: { nonce: new Uint8Array(3), signature: msg.livenessRequest!.signature }
    }) ?? '',
    /nonce/
  )
  assert.throws(() => buildBroadcastRequest(kp, new Uint8Array(0)), /1\.\.3072/)
})

test('uuidv7 request ids: layout, time order', () => {
  const id = uuidv7(0x0190_1234_5678)
  assert.match(id, /^01901234-5678-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  assert.ok(uuidv7(1000) < uuidv7(2000))
  assert.notEqual(uuidv7(5), uuidv7(5))
})
