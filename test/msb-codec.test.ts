import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fromHex, toHex } from '../src/crypto/index.js'
import { Wallet } from '../src/wallet/index.js'
import { decodeMsbOperation, encodeMsbOperation } from '../src/common/index.js'
import {
  MAX_AMOUNT,
  amountFromBytes,
  amountFromHex,
  amountToBytes,
  amountToHex,
  formatAmount,
  parseAmount,
  bootstrapDeploymentPreimage,
  buildBootstrapDeployment,
  buildTransfer,
  buildTxOperation,
  channelToIc,
  decodeOperation,
  decodePartialOperation,
  encodeOperation,
  encodePartialOperation,
  operationToJson,
  partialToJson,
  transferPreimage,
  txOpPreimage,
  validatePartialOperation,
  type PartialOperation,
  type PartialValidation
} from '../src/msb/index.js'

const v = JSON.parse(readFileSync(new URL('./fixtures/msb-vectors.json', import.meta.url), 'utf8'))
const { networkId, txv, nonce } = v.common
const mbs = v.common.msbBootstrap_mainnet
const wallet = Wallet.fromSecretKey(v.wallet.secretKey)
const other = v.wallet.second_address_m918_0_0_1 as string

const transfer = (): PartialOperation =>
  buildTransfer({ signer: wallet, networkId, txv, nonce, to: v.transfer.to, amount: parseAmount('1.5') })
const txOp = (): PartialOperation =>
  buildTxOperation({ signer: wallet, networkId, txv, nonce, iw: v.tx.iw, ch: v.tx.ch, bs: v.tx.bs, mbs })
const deploy = (): PartialOperation =>
  buildBootstrapDeployment({
    signer: wallet,
    networkId,
    txv,
    nonce,
    bs: v.bootstrapDeployment.bs,
    channel: 'my-subnet-channel'
  })

function expectFail(r: PartialValidation, code: string, pattern?: RegExp): void {
  assert.equal(r.ok, false, 'expected a failure')
  if (r.ok) return
  assert.equal(r.code, code, r.error)
  if (pattern !== undefined) assert.match(r.error, pattern)
}

const clone = (op: PartialOperation): any => JSON.parse(JSON.stringify(op))

test('wallet of the vectors', () => {
  assert.equal(wallet.address, v.wallet.address)
  assert.equal(toHex(wallet.publicKey), v.wallet.publicKey)
})

test('amount: parse, format, bytes', () => {
  assert.equal(amountToHex(parseAmount('1.5')), v.transfer.am)
  assert.equal(parseAmount('1.5'), 1_500_000_000_000_000_000n)
  assert.equal(parseAmount('0'), 0n)
  assert.equal(parseAmount(' 10 '), 10n * 10n ** 18n)
  assert.equal(parseAmount('0.000000000000000001'), 1n)
  assert.equal(parseAmount('007.250'), 7_250_000_000_000_000_000n)
  assert.equal(formatAmount(1_500_000_000_000_000_000n), '1.5')
  assert.equal(formatAmount(0n), '0')
  assert.equal(formatAmount(1n), '0.000000000000000001')
  assert.equal(formatAmount(2n * 10n ** 18n), '2')
  assert.equal(parseAmount(formatAmount(MAX_AMOUNT)), MAX_AMOUNT)
  assert.equal(formatAmount(MAX_AMOUNT), '340282366920938463463.374607431768211455')
  assert.equal(toHex(amountToBytes(MAX_AMOUNT)), 'f'.repeat(32))
  assert.equal(amountFromBytes(fromHex(v.transfer.am)), 1_500_000_000_000_000_000n)
  assert.equal(amountFromHex('00'.repeat(16)), 0n)
  assert.equal(amountToBytes(0n).byteLength, 16)

  assert.throws(() => parseAmount('-1'), /negative/)
  assert.throws(() => parseAmount('0.0000000000000000001'), /more than 18 decimal/)
  assert.throws(() => parseAmount('340282366920938463463.374607431768211456'), /u128/)
  assert.throws(() => parseAmount('1e18'), /invalid amount/)
  assert.throws(() => parseAmount('1.'), /invalid amount/)
  assert.throws(() => parseAmount('.5'), /invalid amount/)
  assert.throws(() => parseAmount(''), /invalid amount/)
  assert.throws(() => parseAmount('1,5'), /invalid amount/)
  assert.throws(() => parseAmount('+1'), /invalid amount/)
  assert.throws(() => amountToBytes(-1n), /negative/)
  assert.throws(() => amountToBytes(MAX_AMOUNT + 1n), /u128/)
  assert.throws(() => amountFromBytes(new Uint8Array(15)), /16 bytes/)
  assert.throws(() => amountFromHex('zz'.repeat(16)), /hex/)
})

test('TRANSFER matches the vectors byte for byte', () => {
  const pre = transferPreimage({ networkId, txv, to: v.transfer.to, am: v.transfer.am, nonce })
  assert.equal(toHex(pre), v.transfer.preimage)
  const op = transfer()
  assert.equal(op.type, 13)
  if (op.type !== 13) return
  assert.equal(op.tro.tx, v.transfer.tx)
  assert.equal(op.tro.is, v.transfer.is)
  assert.equal(toHex(encodePartialOperation(op)), v.transfer.operationProtobuf)
  assert.equal(
    partialToJson(op),
    JSON.stringify({
      type: 13,
      address: v.wallet.address,
      tro: { tx: v.transfer.tx, txv, to: v.transfer.to, am: v.transfer.am, in: nonce, is: v.transfer.is }
    })
  )
  assert.deepEqual(decodePartialOperation(fromHex(v.transfer.operationProtobuf)), op)
  assert.deepEqual(validatePartialOperation(op, { networkId, txv }), { ok: true, op })
  assert.equal(validatePartialOperation(fromHex(v.transfer.operationProtobuf), { networkId }).ok, true)
})

test('TX matches the vectors byte for byte', () => {
  assert.equal(
    toHex(txOpPreimage({ networkId, txv, iw: v.tx.iw, ch: v.tx.ch, bs: v.tx.bs, mbs, nonce })),
    v.tx.preimage
  )
  const op = txOp()
  if (op.type !== 12) throw new Error('type')
  assert.equal(op.txo.tx, v.tx.tx)
  assert.equal(op.txo.is, v.tx.is)
  assert.equal(toHex(encodePartialOperation(op)), v.tx.operationProtobuf)
  assert.equal(
    partialToJson(op),
    JSON.stringify({
      type: 12,
      address: v.wallet.address,
      txo: { tx: v.tx.tx, txv, iw: v.tx.iw, ch: v.tx.ch, bs: v.tx.bs, mbs, in: nonce, is: v.tx.is }
    })
  )
  assert.deepEqual(decodePartialOperation(fromHex(v.tx.operationProtobuf)), op)
  assert.equal(validatePartialOperation(op, { networkId, txv, msbBootstrap: mbs }).ok, true)
  // The subnet plane's stored-record reader still reads the shared schema.
  const record = decodeMsbOperation(fromHex(v.tx.operationProtobuf))
  assert.equal(record?.type, 12)
  assert.equal(toHex(record?.txo?.is ?? new Uint8Array()), v.tx.is)
  assert.equal(record?.txo?.va.byteLength, 0)
  assert.equal(toHex(encodeMsbOperation({ type: 12, address: record!.address, txo: record!.txo! })).length > 0, true)
})

test('BOOTSTRAP_DEPLOYMENT matches the vectors byte for byte', () => {
  const bd = v.bootstrapDeployment
  assert.equal(channelToIc('my-subnet-channel'), bd.ic)
  assert.equal(toHex(bootstrapDeploymentPreimage({ networkId, txv, bs: bd.bs, ic: bd.ic, nonce })), bd.preimage)
  const op = deploy()
  if (op.type !== 11) throw new Error('type')
  assert.equal(op.bdo.tx, bd.tx)
  assert.equal(op.bdo.is, bd.is)
  assert.deepEqual(buildBootstrapDeployment({ signer: wallet, networkId, txv, nonce, bs: bd.bs, ic: bd.ic }), op)
  assert.equal(toHex(encodePartialOperation(op)), bd.operationProtobuf)
  assert.equal(
    partialToJson(op),
    JSON.stringify({
      type: 11,
      address: v.wallet.address,
      bdo: { tx: bd.tx, txv, bs: bd.bs, ic: bd.ic, in: nonce, is: bd.is }
    })
  )
  assert.deepEqual(decodePartialOperation(fromHex(bd.operationProtobuf)), op)
  assert.equal(validatePartialOperation(op, { networkId, txv, msbBootstrap: mbs }).ok, true)
})

test('builders: random nonce, uppercase inputs normalized, signer checks', () => {
  const a = buildTransfer({ signer: wallet, networkId, txv, to: other, amount: 0n })
  const b = buildTransfer({ signer: wallet, networkId, txv, to: other, amount: 0n })
  if (a.type !== 13 || b.type !== 13) throw new Error('type')
  assert.notEqual(a.tro.in, b.tro.in)
  assert.equal(a.tro.am, '00'.repeat(16))
  assert.equal(validatePartialOperation(a, { networkId }).ok, true)
  const up = buildTxOperation({
    signer: wallet,
    networkId,
    txv: txv.toUpperCase(),
    nonce,
    iw: v.tx.iw,
    ch: v.tx.ch,
    bs: v.tx.bs,
    mbs: mbs.toUpperCase()
  })
  assert.deepEqual(up, txOp())
  const stranger = Wallet.fromSeed(new Uint8Array(32).fill(7))
  assert.throws(
    () =>
      buildTransfer({
        signer: { address: wallet.address, secretKey: stranger.secretKey },
        networkId,
        txv,
        to: other,
        amount: 1n
      }),
    /does not belong/
  )
  assert.throws(() => buildTransfer({ signer: wallet, networkId: 0, txv, to: other, amount: 1n }), /networkId/)
  assert.throws(() => buildTransfer({ signer: wallet, networkId, txv: 'abc', to: other, amount: 1n }), /txv/)
  assert.throws(() => buildTransfer({ signer: wallet, networkId, txv, to: other, amount: -1n }), /negative/)
  assert.throws(() => buildBootstrapDeployment({ signer: wallet, networkId, txv, bs: v.tx.bs }), /exactly one/)
  assert.throws(() => channelToIc(''), /non-empty/)
})

test('protobuf: client ops omit va/vn/vs; presence survives decoding', () => {
  const decoded = decodeOperation(fromHex(v.transfer.operationProtobuf))
  assert.ok(decoded?.tro)
  assert.deepEqual(Object.keys(decoded.tro), ['tx', 'txv', 'to', 'am', 'in', 'is'])
  assert.equal(decoded.txo, undefined)
  assert.equal(decodeOperation(fromHex('ff')), null)
  // a completed op (validator fields present) round-trips
  const completed = encodeOperation({
    ...decoded,
    tro: { ...decoded.tro, va: new Uint8Array(63), vn: new Uint8Array(32), vs: new Uint8Array(64) }
  })
  assert.deepEqual(Object.keys(decodeOperation(completed)!.tro!), [
    'tx',
    'txv',
    'to',
    'am',
    'in',
    'is',
    'va',
    'vn',
    'vs'
  ])
  assert.equal(decodePartialOperation(completed), null)
  expectFail(
    validatePartialOperation(completed, { networkId }),
    'SCHEMA_VALIDATION_FAILED',
    /va\/vn\/vs must be absent/
  )
  // an empty bytes field is present (length 0) and fails the schema
  const emptyVa = encodeOperation({ ...decoded, tro: { ...decoded.tro, va: new Uint8Array(0) } })
  assert.equal(decodeOperation(emptyVa)!.tro!.va!.byteLength, 0)
  expectFail(validatePartialOperation(emptyVa, { networkId }), 'SCHEMA_VALIDATION_FAILED', /va must be absent/)
  // missing field
  const { am: _am, ...noAm } = decoded.tro
  const missing = operationToJson({ ...decoded, tro: noAm })
  expectFail(validatePartialOperation(missing, { networkId }), 'SCHEMA_VALIDATION_FAILED', /tro\.am/)
  expectFail(validatePartialOperation(fromHex('ff'), { networkId }), 'UNEXPECTED_ERROR')
})

test('validation: schema failures', () => {
  const opts = { networkId }
  expectFail(validatePartialOperation(null, opts), 'SCHEMA_VALIDATION_FAILED', /object/)
  expectFail(validatePartialOperation({ ...clone(transfer()), type: 5 }, opts), 'TX_INVALID_PAYLOAD')
  expectFail(
    validatePartialOperation({ ...clone(transfer()), type: 12 }, opts),
    'SCHEMA_VALIDATION_FAILED',
    /unexpected field/
  )
  expectFail(validatePartialOperation({ ...clone(transfer()), extra: 1 }, opts), 'SCHEMA_VALIDATION_FAILED', /extra/)
  let op = clone(transfer())
  op.tro.foo = 'aa'
  expectFail(validatePartialOperation(op, opts), 'SCHEMA_VALIDATION_FAILED', /tro\.foo/)
  op = clone(transfer())
  op.tro.in = '00'.repeat(32)
  expectFail(validatePartialOperation(op, opts), 'SCHEMA_VALIDATION_FAILED', /all zeros/)
  op = clone(transfer())
  op.tro.is = op.tro.is.slice(2)
  expectFail(validatePartialOperation(op, opts), 'SCHEMA_VALIDATION_FAILED', /tro\.is must be 64 bytes/)
  op = clone(transfer())
  op.tro.tx = op.tro.tx.toUpperCase()
  expectFail(validatePartialOperation(op, opts), 'SCHEMA_VALIDATION_FAILED', /lowercase hex/)
  op = clone(transfer())
  op.tro.am = op.tro.am.slice(2)
  expectFail(validatePartialOperation(op, opts), 'SCHEMA_VALIDATION_FAILED', /tro\.am must be 16 bytes/)
  op = clone(transfer())
  op.tro.to = op.tro.to.slice(1)
  expectFail(validatePartialOperation(op, opts), 'SCHEMA_VALIDATION_FAILED', /tro\.to/)
  op = clone(txOp())
  op.address = 'trac1short'
  expectFail(validatePartialOperation(op, opts), 'SCHEMA_VALIDATION_FAILED', /63-character/)
  op = clone(deploy())
  op.bdo.ic = '00'.repeat(32)
  expectFail(validatePartialOperation(op, opts), 'SCHEMA_VALIDATION_FAILED', /bdo\.ic must not be all zeros/)
  op = clone(txOp())
  delete op.txo.mbs
  expectFail(validatePartialOperation(op, opts), 'SCHEMA_VALIDATION_FAILED', /txo\.mbs/)
  // the testnet HRP changes the expected address length
  expectFail(
    validatePartialOperation(transfer(), { networkId, hrp: 'testtrac' }),
    'SCHEMA_VALIDATION_FAILED',
    /67-character/
  )
})

test('validation: addresses, hash, signature, txv, bootstraps', () => {
  const opts = { networkId }
  expectFail(
    validatePartialOperation(transfer(), { networkId, validatorAddress: wallet.address }),
    'SELF_VALIDATION_FORBIDDEN'
  )
  let op = clone(transfer())
  op.address = 'trax1' + op.address.slice(5)
  expectFail(validatePartialOperation(op, opts), 'REQUESTER_ADDRESS_INVALID', /start with "trac1"/)
  op = clone(transfer())
  op.address = op.address.slice(0, 10) + 'b' + op.address.slice(11)
  expectFail(validatePartialOperation(op, opts), 'REQUESTER_ADDRESS_INVALID', /charset/)
  op = clone(transfer())
  op.address = op.address.toUpperCase()
  expectFail(validatePartialOperation(op, opts), 'REQUESTER_ADDRESS_INVALID')
  op = clone(transfer())
  op.address = op.address.slice(0, -1) + (op.address.endsWith('q') ? 'p' : 'q')
  expectFail(validatePartialOperation(op, opts), 'REQUESTER_PUBLIC_KEY_INVALID', /checksum|invalid/i)
  // wrong network id, changed field or foreign signature
  expectFail(validatePartialOperation(transfer(), { networkId: 919 }), 'TX_HASH_MISMATCH')
  op = clone(transfer())
  op.tro.am = amountToHex(2n)
  expectFail(validatePartialOperation(op, opts), 'TX_HASH_MISMATCH')
  op = clone(txOp())
  op.txo.ch = '77'.repeat(32)
  expectFail(validatePartialOperation(op, opts), 'TX_HASH_MISMATCH')
  op = clone(transfer())
  op.address = other
  expectFail(validatePartialOperation(op, opts), 'TX_SIGNATURE_INVALID')
  op = clone(deploy())
  op.bdo.is = op.bdo.is.slice(0, -2) + (op.bdo.is.endsWith('00') ? '01' : '00')
  expectFail(validatePartialOperation(op, opts), 'TX_SIGNATURE_INVALID')
  expectFail(validatePartialOperation(transfer(), { networkId, txv: '99'.repeat(32) }), 'TX_EXPIRED')
  // bootstraps
  const tx2 = buildTxOperation({
    signer: wallet,
    networkId,
    txv,
    iw: v.tx.iw,
    ch: v.tx.ch,
    bs: v.tx.bs,
    mbs: '88'.repeat(32)
  })
  expectFail(validatePartialOperation(tx2, { networkId, msbBootstrap: mbs }), 'MSB_BOOTSTRAP_MISMATCH')
  const tx3 = buildTxOperation({ signer: wallet, networkId, txv, iw: v.tx.iw, ch: v.tx.ch, bs: mbs, mbs })
  expectFail(validatePartialOperation(tx3, { networkId, msbBootstrap: mbs }), 'EXTERNAL_BOOTSTRAP_EQUALS_MSB_BOOTSTRAP')
  const d2 = buildBootstrapDeployment({ signer: wallet, networkId, txv, bs: mbs, channel: 'x' })
  expectFail(validatePartialOperation(d2, { networkId, msbBootstrap: mbs }), 'EXTERNAL_BOOTSTRAP_EQUALS_MSB_BOOTSTRAP')
  assert.equal(validatePartialOperation(d2, opts).ok, true)
  // recipient: bad charset and bad checksum (signed, so the hash and signature pass)
  const badTo = other.slice(0, 10) + 'o' + other.slice(11)
  const t1 = buildTransfer({ signer: wallet, networkId, txv, to: badTo, amount: 1n })
  expectFail(validatePartialOperation(t1, opts), 'TRANSFER_RECIPIENT_ADDRESS_INVALID', /charset/)
  const badSum = other.slice(0, -1) + (other.endsWith('q') ? 'p' : 'q')
  const t2 = buildTransfer({ signer: wallet, networkId, txv, to: badSum, amount: 1n })
  expectFail(validatePartialOperation(t2, opts), 'TRANSFER_RECIPIENT_PUBLIC_KEY_INVALID')
  // a self-transfer is fine statelessly
  assert.equal(
    validatePartialOperation(buildTransfer({ signer: wallet, networkId, txv, to: wallet.address, amount: 5n }), opts)
      .ok,
    true
  )
  assert.throws(() => validatePartialOperation(transfer(), { networkId: 0 }), /networkId/)
})
