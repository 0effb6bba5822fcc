// Subnet codecs against the reference vectors: the `ch` digit-bytes hash and the tx preimage/hash, the MSB
// protobuf record, and the op builders (byte-exact JSON, signed text and signature for every sequence step).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fromHex, toHex, utf8, verify } from '../src/crypto/index.js'
import {
  buildAddAdmin,
  buildAddIndexer,
  buildAddWriter,
  buildAutoAddWriter,
  buildDeleteMessage,
  buildEnableTransactions,
  buildEnableWhitelist,
  buildFeature,
  buildMessage,
  buildMessageFromPrepared,
  buildMsbTxPayload,
  buildMuteStatus,
  buildPinMessage,
  buildRemoveWriter,
  buildSetAutoAddWriters,
  buildSetChatStatus,
  buildSetMod,
  buildSetNick,
  buildSetWhitelistStatus,
  buildTxOp,
  buildUnpinMessage,
  buildUpdateAdmin,
  prepareMessage
} from '../src/subnet/builders.js'
import { blake3Hex, commandHash, commandHashOfJson, digitBytes, txHash, txPreimage } from '../src/common/index.js'
import { decodeMsbOperation, encodeMsbOperation } from '../src/common/index.js'
import { signTextHex, signedMessageOf } from '../src/subnet/signing.js'
import { identityKeyPair, vectors } from './helpers/subnet.js'

const { fixedInputs, chFunction, endToEnd, subnetMd96AsWritten } = vectors.tx
const steps = vectors.sequence.steps

test('ch: digit-bytes BLAKE3 of the dispatch JSON, for every reference example', () => {
  assert.ok(chFunction.examples.length >= 7)
  for (const ex of chFunction.examples) {
    assert.equal(digitBytes(ex.dispatchJson).byteLength, ex.jsStringLength, ex.dispatchJson)
    assert.equal(toHex(digitBytes(ex.dispatchJson)), ex.hashedBytesHex, ex.dispatchJson)
    assert.equal(commandHashOfJson(ex.dispatchJson), ex.chTracPeer, ex.dispatchJson)
    assert.equal(commandHash(JSON.parse(ex.dispatchJson)), ex.chTracPeer, ex.dispatchJson)
    assert.equal(blake3Hex(utf8(ex.dispatchJson)), ex.standardBlake3OfUtf8, ex.dispatchJson)
  }
  assert.equal(commandHash(JSON.parse(fixedInputs.dispatchJson)), fixedInputs.ch)
  assert.equal(blake3Hex(new Uint8Array(0)), fixedInputs.blake3OfEmptyString)
})

test('tx preimage is 200 bytes and hashes to the reference tx; signatures verify', () => {
  const i = fixedInputs.inputs
  const input = {
    networkId: i.networkId,
    txv: i.txv,
    iw: i.iw,
    ch: i.ch,
    bs: i.bs,
    mbs: i.mbs,
    nonce: i.nonce,
    type: i.operationType
  }
  const pre = txPreimage(input)
  assert.equal(pre.byteLength, 200)
  assert.equal(toHex(pre), fixedInputs.preimageHex)
  assert.equal(txHash(input), fixedInputs.tx)
  assert.equal(txHash({ ...input, type: undefined }), fixedInputs.tx)
  for (const sig of Object.values(fixedInputs.signatures)) {
    assert.ok(verify(fromHex(sig.signatureHex), fromHex(fixedInputs.tx), fromHex(sig.publicKey)))
  }
  // subnet.md §9.6 as first written (standard BLAKE3 as ch): tx 0d6afa…, signed by the abandon-mnemonic key.
  assert.equal(txHash({ ...input, ch: subnetMd96AsWritten.ch }), subnetMd96AsWritten.tx)
  assert.equal(subnetMd96AsWritten.tx, '0d6afa38dde03aff378dcc8086ce51002f4cc190bba7faf1e1bb0ba21f8e7341')
  assert.ok(
    verify(
      fromHex(subnetMd96AsWritten.signatureByAbandonKey),
      fromHex(subnetMd96AsWritten.tx),
      fromHex(fixedInputs.signatures.byAbandonMnemonicTracKey.publicKey)
    )
  )
  // ... and with trac-peer's real ch: 948ba8…, signature 3fe678….
  assert.equal(fixedInputs.tx, '948ba8b24d7f50e47336d4a936574ee333bc7e4a961a7bac17e5ccd4b7f33fd5')
  assert.equal(fixedInputs.signatures.byAbandonMnemonicTracKey.signatureHex.slice(0, 6), '3fe678')
  assert.throws(() => txPreimage({ ...input, networkId: 0 }), RangeError)
  assert.throws(() => txPreimage({ ...input, txv: 'ab' }), TypeError)
})

test('end to end: the tx:catch MSB payload, its hash, signature and record', () => {
  const admin = identityKeyPair('admin')
  const stub = endToEnd.msbStub
  const dispatch = JSON.parse(endToEnd.command) as { type: string; value: unknown }
  const payload = buildMsbTxPayload({
    signer: admin,
    dispatch,
    networkId: stub.networkId,
    addressPrefix: stub.addressPrefix,
    txv: stub.txvHex,
    iw: vectors.identities.subnetBootstrap,
    bs: vectors.identities.subnetBootstrap,
    mbs: stub.msbBootstrapHex,
    nonce: steps[endToEnd.stepIndex].nonce as string
  })
  assert.equal(JSON.stringify(payload), endToEnd.msbPayloadJsonKeyOrder)
  assert.equal(payload.txo.is, steps[endToEnd.stepIndex].signature)

  const record = decodeMsbOperation(fromHex(endToEnd.msbApplyRecord.protobufHex))
  assert.ok(record !== null && record.txo !== null)
  const back = endToEnd.msbApplyRecord.decodedBack
  assert.equal(record.type, back.type)
  assert.equal(Buffer.from(record.address).toString('ascii'), back.address)
  for (const [field, hex] of Object.entries(back.txo))
    assert.equal(toHex(record.txo[field as keyof typeof record.txo]), hex, field)
  // Round trip through our encoder (field order and encoding identical to trac-msb's).
  const again = encodeMsbOperation({ type: record.type, address: record.address, txo: record.txo })
  assert.equal(toHex(again), endToEnd.msbApplyRecord.protobufHex)
  assert.equal(decodeMsbOperation(fromHex('ffff')), null)
  const empty = decodeMsbOperation(fromHex('0801'))
  assert.deepEqual(empty, { type: 1, address: new Uint8Array(0), txo: null })
})

/** How the reference built each sequence step, as builder calls. */
function buildStep(index: number): unknown {
  const admin = identityKeyPair('admin')
  const user = identityKeyPair('user')
  const mod = identityKeyPair('mod')
  const { writerKey } = vectors.identities
  const userHex = vectors.identities.user.publicKey
  const modHex = vectors.identities.mod.publicKey
  const n = steps[index].nonce as string
  switch (index) {
    case 0:
      return buildAddAdmin(vectors.identities.admin.publicKey)
    case 1:
      return buildSetChatStatus(admin, true, n)
    case 2:
      return buildSetAutoAddWriters(admin, 'on', n)
    case 3:
      return buildAutoAddWriter(writerKey)
    case 4:
      return buildAddWriter(admin, writerKey, n)
    case 5:
      return buildAddIndexer(admin, writerKey, n)
    case 6:
      return buildRemoveWriter(admin, writerKey, n)
    case 7:
      return buildEnableTransactions(admin, true, n)
    case 8:
      return buildSetMod(admin, modHex, true, n)
    case 9:
      return buildSetNick(user, 'alice', n)
    case 10:
      return buildSetNick(mod, 'bob', n, userHex)
    case 11:
      return buildMessage(user, 'hello subnet', n)
    case 12: {
      // The API flow: prepareMessage, the client signs JSON.stringify(prepared) + nonce, then post.
      const prepared = prepareMessage('welcome, bob', vectors.identities.admin.publicKey, 0)
      return buildMessageFromPrepared(prepared, signTextHex(JSON.stringify(prepared) + n, admin.secretKey), n)
    }
    case 13:
      return buildEnableWhitelist(admin, true, n)
    case 14:
      return buildMessage(user, 'am I whitelisted?', n)
    case 15:
      return buildSetWhitelistStatus(admin, userHex, true, n)
    case 16:
      return buildMessage(user, 'second message', n, { replyTo: 1 })
    case 17:
      return buildMuteStatus(mod, userHex, true, n)
    case 18:
      return buildMessage(user, 'can you hear me?', n)
    case 19:
      return buildMuteStatus(admin, userHex, false, n)
    case 20:
      return buildPinMessage(mod, 0, true, n)
    case 21:
      return buildUnpinMessage(admin, 0, n)
    case 22:
      return buildDeleteMessage(admin, 0, n)
    case 23:
      return buildDeleteMessage(user, 2, n)
    case 24:
      return buildFeature(admin, 'timer', 'currentTime', { ts: 1700000000000, src: 'vector' }, n)
    case 25:
      return buildTxOp({
        txHash: JSON.parse(endToEnd.subnetOpJson).key,
        msbsl: endToEnd.msbStub.signedLength,
        dispatch: { type: 'catch', value: {} },
        ipk: vectors.identities.admin.publicKey,
        wp: endToEnd.msbApplyRecord.validatorPublicKey
      })
    case 26:
      return buildUpdateAdmin(admin, userHex, n)
    default:
      throw new Error(`no step ${index}`)
  }
}

test('builders reproduce every sequence step byte for byte (op JSON, signed text, signature)', () => {
  assert.equal(steps.length, 27)
  for (const step of steps) {
    const op = buildStep(step.index)
    const label = `step ${step.index} ${step.name}`
    assert.equal(JSON.stringify(op), step.opJson, label)
    if (step.type === 'tx') {
      assert.equal(JSON.stringify(op), endToEnd.subnetOpJson, label)
      assert.equal(signedMessageOf(op), null, label)
      continue
    }
    assert.equal(signedMessageOf(op), step.signedMessage, label)
    if (step.signature === null) continue
    const signed =
      step.type === 'feature'
        ? (op as { value: { dispatch: { hash: string } } }).value.dispatch.hash
        : (op as { hash: string }).hash
    assert.equal(signed, step.signature, label)
    assert.ok(
      verify(fromHex(step.signature), utf8(step.signedMessage as string), fromHex(step.signerPublicKey as string)),
      label
    )
  }
})

test('builders: the off switch and a given-up admin', () => {
  const admin = identityKeyPair('admin')
  const off = buildSetChatStatus(admin, false, 'aa')
  assert.equal(JSON.stringify(off.value), '{"msg":{"type":"setChatStatus","key":"off"}}')
  const giveUp = buildUpdateAdmin(admin, null, 'bb')
  assert.equal(
    JSON.stringify(giveUp.value.dispatch),
    `{"type":"updateAdmin","admin":null,"address":"${vectors.identities.admin.publicKey}"}`
  )
  assert.equal(signedMessageOf(giveUp), JSON.stringify(giveUp.value) + 'bb')
  assert.equal(signedMessageOf(null), null)
  assert.equal(signedMessageOf({ type: 'addAdmin', key: 'ab' }), null)
  assert.equal(signedMessageOf({ type: 'feature', value: { dispatch: { value: 1 } } }), null)
})
