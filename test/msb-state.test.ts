// MSB state value codecs (spec msb.md §1.2): exact byte layouts, round trips, and null on malformed input.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import b4a from 'b4a'
import { fromHex, toHex } from '../src/crypto/index.js'
import { encodeAddress } from '../src/wallet/address.js'
import { MAX_AMOUNT, parseAmount } from '../src/msb/amount.js'
import {
  ADMIN_KEY,
  INITIALIZATION_KEY,
  LICENSE_COUNT_KEY,
  NODE_ENTRY_BYTES,
  NODE_ENTRY_OFFSETS,
  ROLE_INDEXER,
  ROLE_READER,
  ROLE_WHITELISTED,
  ROLE_WRITER,
  WRITERS_LENGTH_KEY,
  NODE_ROLES,
  decodeAddressValue,
  decodeAdminEntry,
  decodeDeploymentEntry,
  decodeNodeEntry,
  decodeU32BE,
  deploymentKey,
  encodeAddressValue,
  encodeAdminEntry,
  encodeDeploymentEntry,
  encodeInitialization,
  encodeNodeEntry,
  encodeU32BE,
  isIndexer,
  isInitializationDisabled,
  isValidRole,
  isWhitelisted,
  isWriter,
  keySuffix,
  licenseIndexKey,
  txKey,
  writerAddressKey,
  writerAddressKeyOf,
  writerIndexKey,
  type NodeEntry
} from '../src/msb/state.js'

const wk = b4a.alloc(32)
for (let i = 0; i < 32; i++) wk[i] = i + 1
const addr = encodeAddress(b4a.alloc(32, 0xab))
const testAddr = encodeAddress(b4a.alloc(32, 0xcd), 'testtrac')
// MSB constants: ADMIN_INITIAL_BALANCE (1000 TNK) and ADMIN_INITIAL_STAKED_BALANCE (0.3 TNK), as MSB writes them.
const ADMIN_INITIAL_BALANCE = b4a.from([0, 0, 0, 0, 0, 0, 0, 54, 53, 201, 173, 197, 222, 160, 0, 0])
const ADMIN_INITIAL_STAKED_BALANCE = b4a.from([0, 0, 0, 0, 0, 0, 0, 0, 4, 41, 208, 105, 24, 158, 0, 0])

test('node entry: 69-byte layout [role][wk 32][balance u128 BE][license u32 BE][staked u128 BE]', () => {
  assert.equal(NODE_ENTRY_BYTES, 69)
  assert.deepEqual(NODE_ENTRY_OFFSETS, { role: 0, writingKey: 1, balance: 33, license: 49, stakedBalance: 53 })
  // The admin's entry as MSB's ADD_ADMIN writes it: INDEXER, 1000 TNK, license 1, 0.3 TNK staked.
  const admin: NodeEntry = {
    role: ROLE_INDEXER,
    writingKey: wk,
    balance: parseAmount('1000'),
    license: 1,
    stakedBalance: parseAmount('0.3')
  }
  const bytes = encodeNodeEntry(admin)
  const expected = b4a.concat([
    b4a.from([7]),
    wk,
    ADMIN_INITIAL_BALANCE,
    b4a.from([0, 0, 0, 1]),
    ADMIN_INITIAL_STAKED_BALANCE
  ])
  assert.equal(toHex(bytes), toHex(expected))
  assert.equal(bytes.byteLength, 69)
  assert.deepEqual(decodeNodeEntry(bytes), admin)

  const big: NodeEntry = {
    role: ROLE_WRITER,
    writingKey: b4a.alloc(32, 0xff),
    balance: MAX_AMOUNT,
    license: 0xffffffff,
    stakedBalance: 1n
  }
  const bb = encodeNodeEntry(big)
  assert.equal(toHex(bb), '03' + 'ff'.repeat(32) + 'ff'.repeat(16) + 'ffffffff' + '00'.repeat(15) + '01')
  assert.deepEqual(decodeNodeEntry(bb), big)
  const reader: NodeEntry = { role: ROLE_READER, writingKey: b4a.alloc(32), balance: 0n, license: 0, stakedBalance: 0n }
  assert.equal(toHex(encodeNodeEntry(reader)), '00'.repeat(69))
  assert.deepEqual(decodeNodeEntry(encodeNodeEntry(reader)), reader)
  // The decoded key is a copy: mutating the source buffer does not change it.
  const decoded = decodeNodeEntry(bytes)!
  bytes[1] = 0xee
  assert.equal(decoded.writingKey[0], 1)
})

test('node entry: roles and bitmask helpers', () => {
  assert.deepEqual(NODE_ROLES, { READER: 0, WHITELISTED: 1, WRITER: 3, INDEXER: 7 })
  assert.deepEqual([0, 1, 3, 7].map(isValidRole), [true, true, true, true])
  assert.deepEqual([2, 4, 5, 6, 8, 255, -1, 1.5, '1'].map(isValidRole), Array(9).fill(false))
  const table: Array<[number, boolean, boolean, boolean]> = [
    [ROLE_READER, false, false, false],
    [ROLE_WHITELISTED, true, false, false],
    [ROLE_WRITER, true, true, false],
    [ROLE_INDEXER, true, true, true]
  ]
  for (const [role, wl, w, ix] of table) {
    assert.equal(isWhitelisted(role), wl, `whitelisted ${role}`)
    assert.equal(isWriter(role), w, `writer ${role}`)
    assert.equal(isIndexer(role), ix, `indexer ${role}`)
    const e = decodeNodeEntry(encodeNodeEntry({ role, writingKey: wk, balance: 5n, license: 2, stakedBalance: 0n }))!
    assert.equal(isWriter(e), w)
    assert.equal(isIndexer(e), ix)
  }
  // Decoding accepts any role byte, as MSB's decoder does; the flags follow the bits.
  const odd = b4a.alloc(69)
  odd[0] = 0x06
  const d = decodeNodeEntry(odd)!
  assert.equal(d.role, 6)
  assert.equal(isValidRole(d.role), false)
  assert.equal(isWriter(d), true)
  assert.equal(isWhitelisted(d), false)
})

test('node entry: encoder rejects invalid input, decoder returns null', () => {
  const ok: NodeEntry = { role: ROLE_WRITER, writingKey: wk, balance: 1n, license: 1, stakedBalance: 0n }
  assert.throws(() => encodeNodeEntry({ ...ok, role: 5 }), RangeError)
  assert.throws(() => encodeNodeEntry({ ...ok, writingKey: b4a.alloc(31) }), TypeError)
  assert.throws(() => encodeNodeEntry({ ...ok, balance: -1n }), RangeError)
  assert.throws(() => encodeNodeEntry({ ...ok, balance: MAX_AMOUNT + 1n }), RangeError)
  assert.throws(() => encodeNodeEntry({ ...ok, stakedBalance: 1 as unknown as bigint }), TypeError)
  assert.throws(() => encodeNodeEntry({ ...ok, license: 2 ** 32 }), RangeError)
  assert.throws(() => encodeNodeEntry({ ...ok, license: -1 }), RangeError)
  assert.throws(() => encodeNodeEntry(null as unknown as NodeEntry), TypeError)
  for (const bad of [null, undefined, 'x', 69, [], b4a.alloc(0), b4a.alloc(68), b4a.alloc(70), new ArrayBuffer(69)]) {
    assert.equal(decodeNodeEntry(bad), null)
  }
})

test('u32 BE values (wrl, lc, init) and the init rule', () => {
  assert.equal(toHex(encodeU32BE(0)), '00000000')
  assert.equal(toHex(encodeU32BE(1)), '00000001')
  assert.equal(toHex(encodeU32BE(0x01020304)), '01020304')
  assert.equal(toHex(encodeU32BE(0xffffffff)), 'ffffffff')
  for (const n of [0, 1, 255, 256, 65536, 0x7fffffff, 0x80000000, 0xffffffff])
    assert.equal(decodeU32BE(encodeU32BE(n)), n)
  for (const bad of [-1, 2 ** 32, 1.5, NaN, Infinity]) assert.throws(() => encodeU32BE(bad), RangeError)
  for (const bad of [null, b4a.alloc(3), b4a.alloc(5), 'abcd', 4]) assert.equal(decodeU32BE(bad), null)
  assert.equal(toHex(encodeInitialization(true)), '00000001')
  assert.equal(toHex(encodeInitialization(false)), '00000000')
  assert.equal(isInitializationDisabled(encodeInitialization(false)), true)
  assert.equal(isInitializationDisabled(encodeInitialization(true)), false)
  assert.equal(isInitializationDisabled(null), false, 'absent: not disabled')
  assert.equal(isInitializationDisabled(b4a.alloc(5)), false)
})

test('deployment entry: [txHash 32][deployer address ascii]', () => {
  const txHash = fromHex('11'.repeat(32))
  const bytes = encodeDeploymentEntry({ txHash, address: addr })
  assert.equal(bytes.byteLength, 32 + 63)
  assert.equal(toHex(bytes.subarray(0, 32)), '11'.repeat(32))
  assert.equal(b4a.toString(bytes.subarray(32), 'ascii'), addr)
  assert.deepEqual(decodeDeploymentEntry(bytes), { txHash, address: addr })
  assert.deepEqual(decodeDeploymentEntry(bytes, 'trac'), { txHash, address: addr })
  assert.equal(decodeDeploymentEntry(bytes, 'testtrac'), null, 'prefix mismatch')
  const t = encodeDeploymentEntry({ txHash, address: testAddr }, 'testtrac')
  assert.equal(t.byteLength, 32 + 67)
  assert.deepEqual(decodeDeploymentEntry(t, 'testtrac'), { txHash, address: testAddr })
  assert.throws(() => encodeDeploymentEntry({ txHash: b4a.alloc(31), address: addr }), TypeError)
  assert.throws(() => encodeDeploymentEntry({ txHash, address: 'trac1notanaddress' }), TypeError)
  assert.throws(() => encodeDeploymentEntry({ txHash, address: addr }, 'testtrac'), TypeError)
  const corrupted = b4a.from(bytes)
  corrupted[40] ^= 1
  for (const bad of [
    null,
    b4a.alloc(32),
    b4a.alloc(95),
    bytes.subarray(0, 94),
    corrupted,
    b4a.concat([bytes, b4a.from([0])])
  ]) {
    assert.equal(decodeDeploymentEntry(bad), null)
  }
})

test('admin entry: [address ascii][writingKey 32]', () => {
  const bytes = encodeAdminEntry({ address: addr, writingKey: wk })
  assert.equal(bytes.byteLength, 63 + 32)
  assert.equal(b4a.toString(bytes.subarray(0, 63), 'ascii'), addr)
  assert.equal(toHex(bytes.subarray(63)), toHex(wk))
  assert.deepEqual(decodeAdminEntry(bytes), { address: addr, writingKey: wk })
  assert.deepEqual(decodeAdminEntry(bytes, 'trac'), { address: addr, writingKey: wk })
  assert.equal(decodeAdminEntry(bytes, 'testtrac'), null)
  const t = encodeAdminEntry({ address: testAddr, writingKey: wk }, 'testtrac')
  assert.deepEqual(decodeAdminEntry(t, 'testtrac'), { address: testAddr, writingKey: wk })
  assert.throws(() => encodeAdminEntry({ address: addr, writingKey: b4a.alloc(33) }), TypeError)
  assert.throws(() => encodeAdminEntry({ address: 'nope', writingKey: wk }), TypeError)
  for (const bad of [null, b4a.alloc(32), b4a.alloc(95), bytes.subarray(1), b4a.concat([b4a.from([0x20]), bytes])]) {
    assert.equal(decodeAdminEntry(bad), null)
  }
})

test('address values (wka/, wri/, li/)', () => {
  const bytes = encodeAddressValue(addr)
  assert.equal(b4a.toString(bytes, 'ascii'), addr)
  assert.equal(decodeAddressValue(bytes), addr)
  assert.equal(decodeAddressValue(bytes, 'trac'), addr)
  assert.equal(decodeAddressValue(bytes, 'testtrac'), null)
  assert.throws(() => encodeAddressValue(addr.toUpperCase()), TypeError)
  for (const bad of [null, b4a.alloc(0), b4a.alloc(63), b4a.from(addr + ' '), b4a.from('é' + addr)])
    assert.equal(decodeAddressValue(bad), null)
})

test('state keys', () => {
  assert.equal(ADMIN_KEY, 'admin')
  assert.equal(WRITERS_LENGTH_KEY, 'wrl')
  assert.equal(LICENSE_COUNT_KEY, 'lc')
  assert.equal(INITIALIZATION_KEY, 'init')
  const bs = 'AB'.repeat(32)
  assert.equal(deploymentKey(bs), 'deployment/' + 'ab'.repeat(32))
  assert.equal(writerIndexKey(0), 'wri/0')
  assert.equal(writerIndexKey(12), 'wri/12')
  assert.equal(licenseIndexKey(3), 'li/3')
  assert.equal(writerAddressKey(toHex(wk)), 'wka/' + toHex(wk))
  assert.equal(writerAddressKey(toHex(wk).toUpperCase()), 'wka/' + toHex(wk))
  assert.equal(writerAddressKeyOf(wk), 'wka/' + toHex(wk))
  assert.equal(txKey('CD'.repeat(32)), 'cd'.repeat(32))
  assert.equal(txKey(b4a.alloc(32, 0xcd)), 'cd'.repeat(32))
  assert.equal(keySuffix('wri/7', 'wri/'), '7')
  assert.equal(keySuffix('wka/7', 'wri/'), null)
  assert.throws(() => deploymentKey('ab'), TypeError)
  assert.throws(() => deploymentKey('zz'.repeat(32)), TypeError)
  assert.throws(() => writerAddressKey('00'.repeat(31)), TypeError)
  assert.throws(() => writerAddressKeyOf(b4a.alloc(31)), TypeError)
  assert.throws(() => txKey('00'), TypeError)
  for (const bad of [-1, 1.5, NaN, Number.MAX_SAFE_INTEGER + 1]) {
    assert.throws(() => writerIndexKey(bad), RangeError)
    assert.throws(() => licenseIndexKey(bad), RangeError)
  }
})
