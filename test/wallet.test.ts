import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'fs'
import os from 'os'
import path from 'path'
import util from 'util'
import sodium from 'sodium-universal'
import b4a from 'b4a'
import { bech32m } from '@scure/base'
import { entropyToMnemonic } from '@scure/bip39'
import { wordlist as english } from '@scure/bip39/wordlists/english.js'
import { fromHex, keyPairFromSeed, toHex, utf8 } from '../src/crypto/index.js'
import {
  Wallet,
  WalletFileError,
  decodeAddress,
  encodeAddress,
  encryptKeypairFile,
  fullDerivationPath,
  generateMnemonic,
  isAddress,
  keyPairFromMnemonic,
  loadOrCreateWallet,
  normalizeMnemonic,
  openKeypairFile,
  parseKeypairPlaintext,
  saveWallet,
  serializeKeypairPlaintext,
  validateMnemonic,
  type KeypairFileData
} from '../src/wallet/index.js'

interface SeedKey {
  seedHex: string
  publicKeyHex: string
  secretKeyHex: string
  tracAddress: string
}
const vectors = JSON.parse(fs.readFileSync(new URL('./fixtures/wallet-vectors.json', import.meta.url), 'utf8')) as {
  mnemonic: string
  mainnet: {
    hrp: string
    derivationPath: string
    fullSlip10Path: string
    seedK: string
    publicKey: string
    secretKey: string
    address: string
    signatureOfHello: string
  }
  mainnetSecondChild: { hrp: string; derivationPath: string; address: string }
  testnet: {
    hrp: string
    derivationPath: string
    fullSlip10Path: string
    publicKey: string
    address: string
    addressLength: number
  }
  seedKeys: Record<string, SeedKey>
}
const main = vectors.mainnet

const tmpDirs: string[] = []
after(() => {
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true })
})

function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wallet-test-'))
  tmpDirs.push(dir)
  return dir
}

function assertWalletFileError(err: unknown, filePath: string, reason: RegExp): true {
  assert.ok(err instanceof WalletFileError, `expected WalletFileError, got ${String(err)}`)
  assert.equal(err.path, filePath)
  assert.ok(err.message.includes(filePath), `message should name the file: ${err.message}`)
  assert.match(err.reason, reason)
  return true
}

// ---------------------------------------------------------------------------------------------------------------
// Keystore parameters, computed here straight from libsodium so the module is checked against the format itself.

const FIXED_SALT = b4a.alloc(16, 0x5a)
const FIXED_NONCE = b4a.alloc(24, 0xa5)
let fixedKey: Uint8Array | null = null
function keyForFixedSalt(): Uint8Array {
  if (fixedKey === null) {
    fixedKey = b4a.alloc(32)
    sodium.crypto_pwhash(fixedKey, b4a.alloc(0), FIXED_SALT, 3, 268435456, sodium.crypto_pwhash_ALG_ARGON2I13)
  }
  return fixedKey
}

function sealRaw(plaintext: string, key: Uint8Array, salt = FIXED_SALT, nonce = FIXED_NONCE): string {
  const m = utf8(plaintext)
  const c = b4a.alloc(m.byteLength + sodium.crypto_secretbox_MACBYTES)
  sodium.crypto_secretbox_easy(c, m, nonce, key)
  return JSON.stringify({ nonce: toHex(nonce), salt: toHex(salt), ciphertext: toHex(c) })
}

const vectorFileData: KeypairFileData = {
  publicKey: main.publicKey,
  secretKey: main.secretKey,
  mnemonic: vectors.mnemonic,
  derivationPath: main.derivationPath
}
const referencePlaintext = `{
  "publicKey": "${main.publicKey}",
  "secretKey": "${main.secretKey}",
  "mnemonic": "${vectors.mnemonic}",
  "derivationPath": "${main.derivationPath}"
}`

// ---------------------------------------------------------------------------------------------------------------
// Addresses

test('address: spec vectors encode and decode', () => {
  assert.equal(encodeAddress(fromHex(main.publicKey)), main.address)
  assert.equal(encodeAddress(fromHex(main.publicKey), 'trac'), main.address)
  assert.equal(main.address.length, 63)
  assert.equal(encodeAddress(fromHex(vectors.testnet.publicKey), 'testtrac'), vectors.testnet.address)
  assert.equal(vectors.testnet.address.length, vectors.testnet.addressLength)
  assert.equal(toHex(decodeAddress(main.address)), main.publicKey)
  assert.equal(toHex(decodeAddress(main.address, 'trac')), main.publicKey)
  assert.equal(toHex(decodeAddress(vectors.testnet.address, 'testtrac')), vectors.testnet.publicKey)
  for (const key of Object.values(vectors.seedKeys)) {
    assert.equal(encodeAddress(fromHex(key.publicKeyHex)), key.tracAddress)
    assert.equal(toHex(decodeAddress(key.tracAddress, 'trac')), key.publicKeyHex)
  }
})

test('address: malformed input is rejected with a reason', () => {
  const last = main.address.at(-1) === 'q' ? 'p' : 'q'
  const badChecksum = main.address.slice(0, -1) + last
  assert.throws(() => decodeAddress(badChecksum), /invalid address/)
  assert.throws(() => decodeAddress(main.address, 'testtrac'), /prefix is "trac", expected "testtrac"/)
  assert.throws(() => decodeAddress(main.address.toUpperCase()), /uppercase/)
  assert.throws(() => decodeAddress(main.address.slice(0, 10) + main.address.slice(10).toUpperCase()), /uppercase/)
  const shortPayload = bech32m.encode('trac', bech32m.toWords(b4a.alloc(31, 7)))
  assert.throws(() => decodeAddress(shortPayload), /31 bytes, expected 32/)
  const digitPrefix = bech32m.encode('trac2', bech32m.toWords(fromHex(main.publicKey)))
  assert.throws(() => decodeAddress(digitPrefix), /prefix/)
  assert.throws(() => decodeAddress(''), /invalid address/)
  assert.throws(() => decodeAddress(main.address, 'Trac'), TypeError)
  assert.throws(() => encodeAddress(b4a.alloc(31)), TypeError)
  assert.throws(() => encodeAddress(fromHex(main.publicKey), 'TRAC'), TypeError)
  assert.throws(() => encodeAddress(fromHex(main.publicKey), 'a'.repeat(32)), TypeError)

  assert.equal(isAddress(main.address), true)
  assert.equal(isAddress(main.address, 'trac'), true)
  assert.equal(isAddress(main.address, 'testtrac'), false)
  assert.equal(isAddress(badChecksum), false)
  assert.equal(isAddress(shortPayload), false)
  assert.equal(isAddress(42), false)
  assert.equal(isAddress(main.publicKey), false)
})

// ---------------------------------------------------------------------------------------------------------------
// Mnemonic and derivation

test('derivation: mainnet, second child and testnet vectors', () => {
  const mainnet = keyPairFromMnemonic(vectors.mnemonic)
  assert.equal(toHex(mainnet.publicKey), main.publicKey)
  assert.equal(toHex(mainnet.secretKey), main.secretKey)
  assert.equal(toHex(mainnet.secretKey.subarray(0, 32)), main.seedK)
  assert.deepEqual(keyPairFromMnemonic(vectors.mnemonic, { hrp: 'trac', derivationPath: main.derivationPath }), mainnet)

  const second = keyPairFromMnemonic(vectors.mnemonic, { derivationPath: vectors.mainnetSecondChild.derivationPath })
  assert.equal(encodeAddress(second.publicKey), vectors.mainnetSecondChild.address)

  const testnet = keyPairFromMnemonic(vectors.mnemonic, {
    hrp: vectors.testnet.hrp,
    derivationPath: vectors.testnet.derivationPath
  })
  assert.equal(toHex(testnet.publicKey), vectors.testnet.publicKey)
  assert.equal(encodeAddress(testnet.publicKey, 'testtrac'), vectors.testnet.address)

  assert.equal(fullDerivationPath('trac', main.derivationPath), main.fullSlip10Path)
  assert.equal(fullDerivationPath('testtrac', vectors.testnet.derivationPath), vectors.testnet.fullSlip10Path)
})

test('derivation: spacing and case of the mnemonic do not change the keys', () => {
  const messy = `  ${vectors.mnemonic.toUpperCase().split(' ').join('   ')}\n`
  assert.equal(normalizeMnemonic(messy), vectors.mnemonic)
  assert.equal(toHex(keyPairFromMnemonic(messy).publicKey), main.publicKey)
})

test('derivation: bad mnemonics and paths throw', () => {
  assert.throws(() => keyPairFromMnemonic('abandon '.repeat(12).trim()), /invalid mnemonic/)
  assert.throws(() => keyPairFromMnemonic(vectors.mnemonic, { derivationPath: "m/918'/0'/0'/0" }), /not hardened/)
  assert.throws(() => keyPairFromMnemonic(vectors.mnemonic, { derivationPath: "918'/0'" }), /invalid derivation path/)
  assert.throws(() => keyPairFromMnemonic(vectors.mnemonic, { derivationPath: "m/2147483648'" }), /out of range/)
  assert.throws(() => keyPairFromMnemonic(vectors.mnemonic, { hrp: 'TRAC' }), TypeError)
})

test('mnemonic: generation gives fresh valid 24-word phrases; only 12 or 24 words are accepted', () => {
  const a = generateMnemonic()
  const b = generateMnemonic()
  assert.equal(a.split(' ').length, 24)
  assert.notEqual(a, b)
  assert.equal(validateMnemonic(a), true)
  assert.equal(normalizeMnemonic(a), a)
  assert.equal(validateMnemonic(vectors.mnemonic), true)
  assert.equal(validateMnemonic('abandon '.repeat(12).trim()), false) // checksum
  assert.equal(validateMnemonic(vectors.mnemonic.replace('about', 'abouts')), false) // unknown word
  const fifteenWords = entropyToMnemonic(b4a.alloc(20, 1), english)
  assert.equal(fifteenWords.split(' ').length, 15)
  assert.equal(validateMnemonic(fifteenWords), false)
  assert.equal(validateMnemonic(null), false)
})

// ---------------------------------------------------------------------------------------------------------------
// Wallet

test('wallet: identity, signature vector and verification', () => {
  const wallet = Wallet.fromMnemonic(vectors.mnemonic)
  assert.equal(wallet.publicKeyHex, main.publicKey)
  assert.equal(toHex(wallet.publicKey), main.publicKey)
  assert.equal(toHex(wallet.secretKey), main.secretKey)
  assert.equal(wallet.address, main.address)
  assert.equal(wallet.hrp, 'trac')
  assert.equal(wallet.mnemonic, vectors.mnemonic)
  assert.equal(wallet.derivationPath, main.derivationPath)
  assert.deepEqual(wallet.keyPair, { publicKey: wallet.publicKey, secretKey: wallet.secretKey })

  assert.equal(wallet.sign('hello'), main.signatureOfHello)
  assert.equal(wallet.sign(utf8('hello')), main.signatureOfHello)
  assert.equal(toHex(wallet.signBytes('hello')), main.signatureOfHello)
  assert.equal(Wallet.verify(main.signatureOfHello, 'hello', main.publicKey), true)
  assert.equal(Wallet.verify(main.signatureOfHello, utf8('hello'), main.publicKey), true)
  assert.equal(Wallet.verify(main.signatureOfHello.toUpperCase(), 'hello', main.publicKey), true)
  assert.equal(wallet.verify(main.signatureOfHello, 'hello'), true)

  const testnet = Wallet.fromMnemonic(vectors.mnemonic, {
    hrp: 'testtrac',
    derivationPath: vectors.testnet.derivationPath
  })
  assert.equal(testnet.address, vectors.testnet.address)
  assert.equal(testnet.publicKeyHex, vectors.testnet.publicKey)
})

test('wallet: verify returns false, silently, for anything malformed', () => {
  const logged: unknown[] = []
  const saved = { error: console.error, warn: console.warn, log: console.log }
  console.error =
    console.warn =
    console.log =
      (...args: unknown[]) => {
        logged.push(args)
      }
  try {
    const flipped = (main.signatureOfHello[0] === '0' ? '1' : '0') + main.signatureOfHello.slice(1)
    const other = vectors.seedKeys.owner!.publicKeyHex
    assert.equal(Wallet.verify(flipped, 'hello', main.publicKey), false)
    assert.equal(Wallet.verify(main.signatureOfHello, 'hellO', main.publicKey), false)
    assert.equal(Wallet.verify(main.signatureOfHello, 'hello', other), false)
    assert.equal(Wallet.verify(main.signatureOfHello.slice(2), 'hello', main.publicKey), false)
    assert.equal(Wallet.verify(main.signatureOfHello + '00', 'hello', main.publicKey), false)
    assert.equal(Wallet.verify(main.signatureOfHello, 'hello', main.publicKey.slice(2)), false)
    assert.equal(Wallet.verify('zz'.repeat(64), 'hello', main.publicKey), false)
    assert.equal(Wallet.verify(null, 'hello', main.publicKey), false)
    assert.equal(Wallet.verify(main.signatureOfHello, 'hello', undefined), false)
    assert.equal(Wallet.verify(main.signatureOfHello, 42 as unknown as string, main.publicKey), false)
    const wallet = Wallet.fromMnemonic(vectors.mnemonic)
    assert.equal(Wallet.verify(wallet.sign(''), '', main.publicKey), false) // the reference refuses empty messages
  } finally {
    Object.assign(console, saved)
  }
  assert.deepEqual(logged, [])
})

test('wallet: sidechannel seed key pairs', () => {
  for (const key of Object.values(vectors.seedKeys)) {
    const derived = keyPairFromSeed(fromHex(key.seedHex))
    assert.equal(toHex(derived.publicKey), key.publicKeyHex)
    assert.equal(toHex(derived.secretKey), key.secretKeyHex)
    const fromSeed = Wallet.fromSeed(fromHex(key.seedHex))
    assert.equal(fromSeed.address, key.tracAddress)
    assert.equal(fromSeed.mnemonic, null)
    assert.equal(fromSeed.derivationPath, null)
    const fromSecret = Wallet.fromSecretKey(key.secretKeyHex)
    assert.equal(fromSecret.publicKeyHex, key.publicKeyHex)
    assert.equal(fromSecret.address, key.tracAddress)
    assert.equal(Wallet.fromSecretKey(fromHex(key.secretKeyHex)).address, key.tracAddress)
  }
})

test('wallet: inconsistent or malformed keys are refused', () => {
  const owner = vectors.seedKeys.owner!
  const invitee = vectors.seedKeys.invitee!
  // seed of one key with the public half of another
  const spliced = owner.secretKeyHex.slice(0, 64) + invitee.publicKeyHex
  assert.throws(() => Wallet.fromSecretKey(spliced), /seed half/)
  assert.throws(() => Wallet.fromSecretKey(owner.secretKeyHex.slice(2)), TypeError)
  assert.throws(() => Wallet.fromSecretKey(b4a.alloc(32)), TypeError)
  assert.throws(
    () => new Wallet({ publicKey: fromHex(invitee.publicKeyHex), secretKey: fromHex(owner.secretKeyHex) }),
    /last 32 bytes/
  )
  assert.throws(() => Wallet.fromSecretKey(owner.secretKeyHex, { hrp: 'tr4c' }), TypeError)
  assert.throws(() => Wallet.fromSecretKey(owner.secretKeyHex, { mnemonic: 'not a mnemonic' }), /mnemonic/)
})

test('wallet: the secret key and mnemonic stay out of inspect, JSON and toString', () => {
  const wallet = Wallet.fromMnemonic(vectors.mnemonic)
  const secretHex = main.secretKey
  const seedHex = main.seedK
  for (const rendered of [
    util.inspect(wallet, { showHidden: true, depth: 5 }),
    JSON.stringify(wallet),
    String(wallet),
    `${wallet}`
  ]) {
    assert.ok(!rendered.includes(secretHex) && !rendered.includes(seedHex), rendered)
    assert.ok(!rendered.includes('abandon'), rendered)
    assert.ok(rendered.includes(main.address), rendered)
  }
  assert.deepEqual(JSON.parse(JSON.stringify(wallet)), {
    address: main.address,
    publicKey: main.publicKey,
    hrp: 'trac',
    derivationPath: main.derivationPath
  })
  assert.deepEqual(
    Object.keys(wallet).filter((k) => /secret|mnemonic/i.test(k)),
    []
  )
  assert.deepEqual(wallet.toKeypairFileData(), vectorFileData)
})

test('wallet: generate() makes a fresh identity that its own mnemonic reproduces', () => {
  const wallet = Wallet.generate()
  assert.ok(wallet.mnemonic !== null)
  assert.equal(Wallet.fromMnemonic(wallet.mnemonic).address, wallet.address)
  assert.notEqual(Wallet.generate().address, wallet.address)
})

// ---------------------------------------------------------------------------------------------------------------
// keypair.json plaintext (no key derivation needed)

test('keystore plaintext: reference layout and v1/v2 shapes', () => {
  assert.equal(serializeKeypairPlaintext(vectorFileData), referencePlaintext)
  assert.deepEqual(parseKeypairPlaintext(referencePlaintext), { ...vectorFileData, addressPrefix: null })

  const v2 = JSON.stringify({
    addressPrefix: 'trac',
    publicKey: main.publicKey.toUpperCase(),
    secretKey: main.secretKey,
    address: main.address,
    mnemonic: `  ${vectors.mnemonic.toUpperCase()} `,
    derivationPath: main.derivationPath,
    version: '1.0.0'
  })
  assert.deepEqual(parseKeypairPlaintext(v2), { ...vectorFileData, addressPrefix: 'trac' })

  const v2NoMnemonic = JSON.stringify({
    addressPrefix: 'testtrac',
    publicKey: vectors.testnet.publicKey,
    secretKey: keyPairHex(vectors.testnet.derivationPath, 'testtrac'),
    address: vectors.testnet.address,
    version: '1.0.0'
  })
  assert.deepEqual(parseKeypairPlaintext(v2NoMnemonic), {
    publicKey: vectors.testnet.publicKey,
    secretKey: keyPairHex(vectors.testnet.derivationPath, 'testtrac'),
    mnemonic: null,
    derivationPath: null,
    addressPrefix: 'testtrac'
  })
})

function keyPairHex(derivationPath: string, hrp: string): string {
  return toHex(keyPairFromMnemonic(vectors.mnemonic, { hrp, derivationPath }).secretKey)
}

test('keystore plaintext: unusable mnemonic or path is dropped, bad keys are errors', () => {
  const base = JSON.parse(referencePlaintext) as Record<string, unknown>
  const variant = (patch: Record<string, unknown>): string => JSON.stringify({ ...base, ...patch })

  assert.equal(parseKeypairPlaintext(variant({ mnemonic: 'abandon '.repeat(12).trim() })).mnemonic, null)
  assert.equal(parseKeypairPlaintext(variant({ mnemonic: 7 })).mnemonic, null)
  assert.equal(parseKeypairPlaintext(variant({ derivationPath: "m/918'/x" })).derivationPath, null)
  assert.equal(parseKeypairPlaintext(variant({ derivationPath: "m/0/1'" })).derivationPath, "m/0/1'")

  const owner = vectors.seedKeys.owner!
  const cases: Array<[string, RegExp]> = [
    [referencePlaintext.slice(0, referencePlaintext.length - 20), /not valid JSON/],
    ['[]', /not a JSON object/],
    ['null', /not a JSON object/],
    [variant({ publicKey: main.publicKey.slice(2) }), /publicKey is not 32 bytes/],
    [variant({ publicKey: undefined }), /publicKey is not 32 bytes/],
    [variant({ secretKey: main.secretKey + '00' }), /secretKey is not 64 bytes/],
    [variant({ publicKey: owner.publicKeyHex }), /last 32 bytes/],
    [variant({ secretKey: owner.seedHex + main.publicKey }), /seed half/],
    [variant({ address: owner.tracAddress }), /address/],
    [variant({ addressPrefix: 'testtrac', address: main.address }), /address/]
  ]
  for (const [text, reason] of cases) {
    assert.throws(
      () => parseKeypairPlaintext(text),
      (err: unknown) => {
        assert.ok(err instanceof WalletFileError)
        assert.equal(err.path, null)
        assert.match(err.reason, reason)
        return true
      },
      text
    )
  }
})

test('keystore: encrypting invalid data fails before any key derivation', async () => {
  const started = Date.now()
  await assert.rejects(
    encryptKeypairFile({ ...vectorFileData, publicKey: vectors.seedKeys.owner!.publicKeyHex }),
    TypeError
  )
  await assert.rejects(encryptKeypairFile({ ...vectorFileData, mnemonic: 'one two three' }), /invalid mnemonic/)
  await assert.rejects(encryptKeypairFile({ ...vectorFileData, derivationPath: 'x' }), /invalid derivationPath/)
  assert.ok(Date.now() - started < 500, 'no Argon2 run expected')
})

// ---------------------------------------------------------------------------------------------------------------
// keypair.json encryption. Argon2i at 256 MiB costs about a second per call: 8 calls in this file in total.

test('keystore: fixed salt and nonce reproduce the reference file byte for byte, without blocking', async () => {
  const expected = sealRaw(referencePlaintext, keyForFixedSalt()) // pwhash #1 (raw libsodium)

  let ticks = 0
  const timer = setInterval(() => {
    ticks++
  }, 5)
  let produced: string
  try {
    produced = await encryptKeypairFile(vectorFileData, undefined, { salt: FIXED_SALT, nonce: FIXED_NONCE }) // pwhash #2
  } finally {
    clearInterval(timer)
  }
  assert.equal(produced, expected)
  assert.deepEqual(Object.keys(JSON.parse(produced)), ['nonce', 'salt', 'ciphertext'])
  assert.ok(ticks > 0, 'the event loop should keep running while Argon2 works')

  // Same derived key, no further Argon2: the opened contents and the v2 shape.
  assert.deepEqual(openKeypairFile(expected, keyForFixedSalt()), { ...vectorFileData, addressPrefix: null })
  const v2 = sealRaw(
    JSON.stringify({
      addressPrefix: 'trac',
      publicKey: main.publicKey,
      secretKey: main.secretKey,
      address: main.address,
      version: '1.0.0'
    }),
    keyForFixedSalt()
  )
  assert.deepEqual(openKeypairFile(v2, keyForFixedSalt()), {
    ...vectorFileData,
    mnemonic: null,
    derivationPath: null,
    addressPrefix: 'trac'
  })
  const truncated = sealRaw(referencePlaintext.slice(0, 40), keyForFixedSalt())
  assert.throws(() => openKeypairFile(truncated, keyForFixedSalt()), /not valid JSON/)
  assert.throws(() => openKeypairFile(expected, b4a.alloc(32, 1)), /wrong password or corrupted/)
})

test('file: loading a reference-format file yields the vector identity and leaves the file alone', async () => {
  const dir = tmpDir()
  const file = path.join(dir, 'db', 'keypair.json')
  fs.mkdirSync(path.dirname(file))
  const text = sealRaw(referencePlaintext, keyForFixedSalt())
  fs.writeFileSync(file, text)
  let createdCalls = 0
  const { wallet, created } = await loadOrCreateWallet(file, {
    onCreated: () => {
      createdCalls++
    }
  }) // pwhash #3
  assert.equal(created, false)
  assert.equal(createdCalls, 0)
  assert.equal(wallet.address, main.address)
  assert.equal(wallet.mnemonic, vectors.mnemonic)
  assert.equal(wallet.derivationPath, main.derivationPath)
  assert.equal(wallet.sign('hello'), main.signatureOfHello)
  assert.equal(fs.readFileSync(file, 'utf8'), text)
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['keypair.json'])
})

async function assertRejectedAndUntouched(file: string, reason: RegExp, password?: string): Promise<void> {
  const before = fs.readFileSync(file)
  let createdCalls = 0
  await assert.rejects(
    loadOrCreateWallet(file, {
      password,
      onCreated: () => {
        createdCalls++
      }
    }),
    (err) => assertWalletFileError(err, file, reason)
  )
  assert.equal(createdCalls, 0)
  assert.ok(b4a.equals(fs.readFileSync(file), before), 'the file must not be modified')
  assert.deepEqual(fs.readdirSync(path.dirname(file)), [path.basename(file)])
}

test('file: wrong password, corrupt ciphertext and inconsistent keys are errors and never overwrite', async () => {
  const dir = tmpDir()
  const file = path.join(dir, 'keypair.json')
  const good = sealRaw(referencePlaintext, keyForFixedSalt())

  fs.writeFileSync(file, good)
  await assertRejectedAndUntouched(file, /wrong password or corrupted/, 'not-the-password') // pwhash #4

  const envelope = JSON.parse(good) as { nonce: string; salt: string; ciphertext: string }
  const flipped = envelope.ciphertext[10] === '0' ? '1' : '0'
  fs.writeFileSync(
    file,
    JSON.stringify({
      ...envelope,
      ciphertext: envelope.ciphertext.slice(0, 10) + flipped + envelope.ciphertext.slice(11)
    })
  )
  await assertRejectedAndUntouched(file, /wrong password or corrupted/) // pwhash #5

  const wrongPublicKey = referencePlaintext.replace(main.publicKey + '"', vectors.seedKeys.owner!.publicKeyHex + '"')
  assert.notEqual(wrongPublicKey, referencePlaintext)
  fs.writeFileSync(file, sealRaw(wrongPublicKey, keyForFixedSalt()))
  await assertRejectedAndUntouched(file, /keys do not match/) // pwhash #6
})

test('file: structurally broken files are rejected before key derivation and never overwritten', async () => {
  const dir = tmpDir()
  const file = path.join(dir, 'keypair.json')
  const good = JSON.parse(sealRaw(referencePlaintext, keyForFixedSalt())) as Record<string, string>
  const cases: Array<[string, RegExp]> = [
    ['', /not JSON/],
    ['{"nonce": "00"', /not JSON/],
    [JSON.stringify(good).slice(0, 80), /not JSON/],
    ['[1,2,3]', /not a JSON object/],
    [JSON.stringify({ ...good, nonce: good.nonce!.slice(2) }), /nonce/],
    [JSON.stringify({ ...good, salt: undefined }), /salt/],
    [JSON.stringify({ ...good, ciphertext: 'abc' }), /ciphertext/],
    [referencePlaintext, /nonce/] // a plaintext key file is not the keystore format
  ]
  const started = Date.now()
  for (const [text, reason] of cases) {
    fs.writeFileSync(file, text)
    await assertRejectedAndUntouched(file, reason)
  }
  assert.ok(Date.now() - started < 1000, 'no Argon2 run expected')

  const asDirectory = path.join(dir, 'dir-keypair.json')
  fs.mkdirSync(asDirectory)
  await assert.rejects(loadOrCreateWallet(asDirectory), (err) => assertWalletFileError(err, asDirectory, /cannot read/))
})

test('file: loadOrCreate creates once, atomically, then reloads the same identity', async () => {
  const dir = tmpDir()
  const file = path.join(dir, 'stores', 'peer', 'db', 'keypair.json')
  const mnemonics: string[] = []
  const first = await loadOrCreateWallet(file, {
    onCreated: ({ mnemonic }) => {
      mnemonics.push(mnemonic)
    }
  }) // pwhash #7
  assert.equal(first.created, true)
  assert.equal(mnemonics.length, 1)
  assert.equal(mnemonics[0]!.split(' ').length, 24)
  assert.equal(first.wallet.mnemonic, mnemonics[0])
  assert.equal(first.wallet.derivationPath, "m/918'/0'/0'/0'")
  assert.equal(Wallet.fromMnemonic(mnemonics[0]!).address, first.wallet.address)
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['keypair.json'], 'no temporary files left behind')
  if (process.platform !== 'win32') assert.equal(fs.statSync(file).mode & 0o777, 0o600)

  const text = fs.readFileSync(file, 'utf8')
  const envelope = JSON.parse(text) as Record<string, string>
  assert.deepEqual(Object.keys(envelope), ['nonce', 'salt', 'ciphertext'])
  assert.equal(envelope.nonce!.length, 48)
  assert.equal(envelope.salt!.length, 32)

  const second = await loadOrCreateWallet(file, {
    onCreated: ({ mnemonic }) => {
      mnemonics.push(mnemonic)
    }
  }) // pwhash #8
  assert.equal(second.created, false)
  assert.equal(mnemonics.length, 1)
  assert.equal(second.wallet.address, first.wallet.address)
  assert.ok(b4a.equals(second.wallet.secretKey, first.wallet.secretKey))
  assert.equal(second.wallet.mnemonic, first.wallet.mnemonic)
  assert.equal(fs.readFileSync(file, 'utf8'), text)

  // saveWallet refuses to replace it (checked before any key derivation).
  await assert.rejects(saveWallet(file, Wallet.generate()), (err) =>
    assertWalletFileError(err, file, /refusing to overwrite/)
  )
  assert.equal(fs.readFileSync(file, 'utf8'), text)
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['keypair.json'])
})
