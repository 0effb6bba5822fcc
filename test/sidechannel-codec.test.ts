import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'fs'
import b4a from 'b4a'
import c from 'compact-encoding'
import { fromHex, keyPairFromSeed, randomBytes, sha256, toHex, utf8, type KeyPair } from '../src/crypto/index.js'
import {
  ENTRY_CHANNEL,
  canonicalJson,
  normalizeChannelName,
  channelTopic,
  channelProtocol,
  subnetTopic,
  leadingZeroBits,
  powBaseString,
  powHash,
  checkPow,
  findPowNonce,
  PowMidstate,
  randomSuffix,
  messageId,
  normHex,
  signatureBaseString,
  buildPayload,
  verifyPayloadSignature,
  relayCopy,
  encodedSize,
  createWelcome,
  normalizeWelcome,
  welcomeSigningString,
  verifyWelcome,
  createInvite,
  normalizeInvite,
  inviteSigningString,
  verifyInvite,
  INVITE_CLOCK_SKEW_MS,
  parseBlobArg,
  toBase64Json,
  authControl,
  welcomeControl,
  openChannelControl,
  readControl,
  type PayloadCore,
  type SidechannelPayload
} from '../src/sidechannel/codec/index.js'

const V = JSON.parse(fs.readFileSync(new URL('./fixtures/sidechannel-vectors.json', import.meta.url), 'utf8'))

const FIXED_RANDOM = V._meta.conventions.fixedMathRandom as number
const fixedRandom = (): number => FIXED_RANDOM
const NOW = V._meta.conventions.fixedNow as number

function keyPairOf(name: 'owner' | 'invitee' | 'outsider'): KeyPair {
  return keyPairFromSeed(fromHex(V.keys[name].seedHex))
}
const owner = keyPairOf('owner')
const invitee = keyPairOf('invitee')
const outsider = keyPairOf('outsider')
const OWNER = V.keys.owner.publicKeyHex as string
const INVITEE = V.keys.invitee.publicKeyHex as string
const OUTSIDER = V.keys.outsider.publicKeyHex as string

/** Evaluates the JavaScript source kept in vectors whose input JSON cannot express. */
function jsValue(source: string): unknown {
  return new Function(`return (${source})`)()
}

function naiveFirstNonce(p: PayloadCore, difficulty: number): number {
  for (let nonce = 0; ; nonce++) if (leadingZeroBits(powHash(p, nonce)) >= difficulty) return nonce
}

/** A message with a mix of ASCII, 2-, 3- and 4-byte UTF-8, escapes and nesting, shaped by `seed`. */
function randomMessage(seed: Uint8Array): unknown {
  const pieces = ['a', 'é', '日', '😀', '"', '\\', '\n', '\u0001', ' ', 'Z', '\u2028', '\ud800']
  let text = ''
  for (let i = 0; i < seed.length; i++) text += pieces[seed[i] % pieces.length]
  switch (seed[0] % 4) {
    case 0:
      return text
    case 1:
      return { text, n: seed[1], nested: { list: [seed[2], text.slice(0, 3), null, true] } }
    case 2:
      return [text, { z: 1, a: text }]
    default:
      return seed[3]
  }
}

function randomCore(i: number): PayloadCore {
  const key = toHex(randomBytes(32))
  const seed = randomBytes(8 + ((i * 37) % 300))
  return {
    id: `${key}:${1700000000000 + i}:${i.toString(36)}`,
    channel: i % 3 === 0 ? 'ünï-😀' : `ch${i}`,
    from: key,
    origin: i % 5 === 0 ? null : key,
    message: randomMessage(seed),
    ts: 1700000000000 + i
  }
}

// ------------------------------------------------------------------------------------ canonical

test('canonicalJson reproduces every canonical vector (string, UTF-8 bytes, SHA-256)', () => {
  assert.equal(V.canonical.length, 11)
  for (const v of V.canonical) {
    const value = 'valueJs' in v ? jsValue(v.valueJs) : v.value
    const text = canonicalJson(value)
    assert.equal(text, v.canonical, v.name)
    assert.equal(toHex(utf8(text)), v.utf8Hex, v.name)
    assert.equal(toHex(sha256(text)), v.sha256, v.name)
  }
})

test('canonicalJson: sparse array holes become null, key order is by UTF-16 code units', () => {
  // eslint-disable-next-line no-sparse-arrays
  // biome-ignore lint/suspicious/noSparseArray: a hole is what this case checks
  assert.equal(canonicalJson([1, , 3]), '[1,null,3]')
  assert.equal(canonicalJson({ '\ue000': 1, '😀': 2 }), '{"😀":2,"\ue000":1}')
  assert.equal(canonicalJson({ b: { d: 1, c: [{ y: 1, x: 2 }] }, a: 'x' }), '{"a":"x","b":{"c":[{"x":2,"y":1}],"d":1}}')
})

test('canonicalJson refuses BigInt, functions and symbols with a TypeError', () => {
  assert.throws(() => canonicalJson(10n), TypeError)
  assert.throws(() => canonicalJson({ a: () => 1 }), TypeError)
  assert.throws(() => canonicalJson([Symbol('s')]), TypeError)
})

// ------------------------------------------------------------------------------------ topics

test('topics, protocols and name normalization match the vectors', () => {
  for (const v of V.topics) {
    assert.equal(normalizeChannelName(v.channelInput), v.normalizedName)
    assert.equal(toHex(channelTopic(v.channelInput)), v.topicHex)
    assert.equal(toHex(sha256(utf8(v.preimageUtf8))), v.topicHex)
    assert.equal(channelProtocol(v.channelInput), v.protomuxProtocol)
  }
  assert.equal(ENTRY_CHANNEL, V.topics[0].normalizedName)
})

test('empty, whitespace-only and non-string channel names are refused', () => {
  for (const bad of ['', '   ', '\u00a0\u2003\n', null, undefined, 42, {}])
    assert.equal(normalizeChannelName(bad), null)
  assert.throws(() => channelTopic(' \t'), TypeError)
  assert.throws(() => channelProtocol(''), TypeError)
})

test('subnetTopic repeats and truncates the UTF-8 name to 32 bytes', () => {
  const v = V.subnetTopic
  assert.equal(toHex(subnetTopic(v.subnetChannel)), v.topicHex)
  assert.equal(b4a.toString(subnetTopic(v.subnetChannel), 'utf8'), v.protomuxProtocol)
  assert.equal(toHex(subnetTopic('a'.repeat(40))), '61'.repeat(32))
  assert.equal(toHex(subnetTopic('')), '00'.repeat(32))
})

// ------------------------------------------------------------------------------------ PoW

test('leadingZeroBits matches the vectors', () => {
  for (const v of V.leadingZeroBits) assert.equal(leadingZeroBits(fromHex(v.digestHex)), v.bits, v.digestHex)
  assert.equal(leadingZeroBits(new Uint8Array(32)), 256)
})

const pub1Core = (): PayloadCore => {
  const p = JSON.parse(V.payloads[1].wireJson)
  return { id: p.id, channel: p.channel, from: p.from, origin: p.origin, message: p.message, ts: p.ts }
}

test('PoW base strings, hashes and first nonces match the pow and powNonce0 vectors', () => {
  const core = pub1Core()
  assert.equal(powBaseString(core, 0), V.powNonce0.powBase)
  assert.equal(toHex(powHash(core, 0)), V.powNonce0.sha256)
  assert.equal(leadingZeroBits(powHash(core, 0)), V.powNonce0.leadingZeroBits)
  for (const v of V.pow) {
    assert.equal(powBaseString(core, v.nonce), v.powBase)
    assert.equal(toHex(powHash(core, v.nonce)), v.sha256)
    assert.equal(leadingZeroBits(powHash(core, v.nonce)), v.leadingZeroBits)
    assert.equal(findPowNonce(core, v.difficulty), v.nonce, `difficulty ${v.difficulty}`)
  }
  assert.equal(findPowNonce(core, 0), 0)
  assert.equal(findPowNonce(core, -3), 0)
  assert.throws(() => findPowNonce(core, 257), RangeError)
  assert.throws(() => findPowNonce(core, Number.NaN), RangeError)
})

test('midstate digests equal the naive PoW hash for random payloads and nonces', () => {
  const nonces = [0, 1, 9, 10, 11, 99, 100, 999, 1000, 4095, 65536, 1234567, 2 ** 32, Number.MAX_SAFE_INTEGER]
  for (let i = 0; i < 60; i++) {
    const core = randomCore(i)
    const hasher = new PowMidstate(core)
    const extra = Array.from({ length: 10 }, () => Math.floor(Math.random() * 1e9))
    // Out-of-order nonces exercise the digit-count changes in both directions.
    for (const nonce of [...nonces, ...extra, 5, 123, 7]) {
      assert.equal(toHex(hasher.digest(nonce)), toHex(powHash(core, nonce)), `payload ${i} nonce ${nonce}`)
    }
  }
  const hasher = new PowMidstate(randomCore(1))
  assert.throws(() => hasher.digest(-1), RangeError)
  assert.throws(() => hasher.digest(1.5), RangeError)
  assert.throws(() => hasher.digest(1, new Uint8Array(31)), RangeError)
})

test('findPowNonce finds the same first nonce as a naive linear search', () => {
  for (let i = 0; i < 25; i++) {
    const core = randomCore(100 + i)
    const difficulty = 4 + (i % 5)
    assert.equal(findPowNonce(core, difficulty), naiveFirstNonce(core, difficulty), `payload ${i}`)
  }
})

test('checkPow uses the receiver difficulty and requires a numeric nonce', () => {
  const decoded = JSON.parse(V.payloads[1].wireJson)
  assert.equal(checkPow(decoded, 12), true)
  assert.equal(checkPow(decoded, 13), false)
  assert.equal(checkPow({ ...decoded, pow: { nonce: 1419, difficulty: 99 } }, 12), true)
  assert.equal(checkPow({ ...decoded, pow: { nonce: 126, difficulty: 12 } }, 12), false)
  assert.equal(checkPow({ ...decoded, pow: { nonce: '1419', difficulty: 12 } }, 12), false)
  assert.equal(checkPow({ ...decoded, pow: null }, 12), false)
  assert.equal(checkPow({ ...decoded, pow: undefined }, 12), false)
  assert.equal(checkPow({ ...decoded, message: { tampered: true } }, 12), false)
  assert.equal(checkPow({ ...decoded, ts: decoded.ts + 1 }, 12), false)
  for (const junk of [null, undefined, 'x', 5, [], true]) assert.equal(checkPow(junk, 12), false)
})

// ------------------------------------------------------------------------------------ payloads

function buildFromVectorInputs(inputs: any): SidechannelPayload {
  return buildPayload({
    channel: inputs.channel,
    message: inputs.message,
    keyPair: keyPairFromSeed(fromHex(inputs.signerSeedHex)),
    ts: inputs.ts,
    random: fixedRandom,
    ttl: inputs.ttl,
    powDifficulty: inputs.powDifficulty
  })
}

test('buildPayload reproduces every payload vector byte for byte', () => {
  assert.equal(randomSuffix(fixedRandom), V._meta.conventions.idSuffix)
  for (const v of V.payloads) {
    const p = buildFromVectorInputs(v.inputs)
    const wire = JSON.stringify(p)
    assert.equal(wire, v.wireJson, v.name)
    assert.equal(encodedSize(p), v.wireJsonUtf8Bytes, v.name)
    assert.equal(signatureBaseString(p), v.sigBase, v.name)
    assert.equal(toHex(sha256(v.sigBase)), v.sigBaseSha256, v.name)
    assert.equal(p.sig, v.sig, v.name)
    assert.deepEqual(p.pow ?? null, v.pow, v.name)
    const encoded = c.encode(c.json, p)
    assert.equal(toHex(encoded), v.cJsonHex, v.name)
    // Protomux data frame: uint(localId = 1), message type 0, then the json-encoded payload.
    assert.equal('0100' + toHex(encoded), v.protomuxMessageFrameHex_localId1, v.name)
  }
  assert.equal('0100' + toHex(c.encode(c.json, 'hello')), V.protomux.messageFrameHex_localId1_hello)
})

test('decoded vector payloads verify (signature with the sender key, PoW at 12 bits)', () => {
  for (const v of V.payloads) {
    const decoded = c.decode(c.json, fromHex(v.cJsonHex))
    assert.equal(verifyPayloadSignature(decoded, OWNER), true, v.name)
    assert.equal(verifyPayloadSignature(decoded, OWNER.toUpperCase()), true, v.name)
    assert.equal(checkPow(decoded, 12), v.pow !== null, v.name)
  }
})

test('verifyPayloadSignature rejects forgeries, tampering, wrong keys and malformed input', () => {
  const good = JSON.parse(V.payloads[2].wireJson)
  assert.equal(verifyPayloadSignature(good, OWNER), true)
  const { sig, ...unsigned } = good
  assert.equal(verifyPayloadSignature({ ...unsigned, signature: sig }, OWNER), true, 'signature key accepted')
  // Unsigned members may change freely.
  assert.equal(verifyPayloadSignature({ ...good, ttl: 0, relayedBy: OUTSIDER, type: 'x', pow: null }, OWNER), true)

  assert.equal(verifyPayloadSignature(good, INVITEE), false, 'wrong key')
  assert.equal(verifyPayloadSignature({ ...good, message: 'hellO' }, OWNER), false, 'message')
  assert.equal(verifyPayloadSignature({ ...good, ts: good.ts + 1 }, OWNER), false, 'ts')
  assert.equal(verifyPayloadSignature({ ...good, channel: 'pub1' }, OWNER), false, 'channel')
  assert.equal(verifyPayloadSignature({ ...good, id: good.id + 'x' }, OWNER), false, 'id')
  assert.equal(verifyPayloadSignature({ ...good, origin: INVITEE }, OWNER), false, 'origin')
  assert.equal(verifyPayloadSignature({ ...good, from: null }, OWNER), false, 'from')
  assert.equal(verifyPayloadSignature({ ...good, sig: toHex(randomBytes(64)) }, OWNER), false, 'random sig')
  const flipped = fromHex(good.sig)
  flipped[10] ^= 1
  assert.equal(verifyPayloadSignature({ ...good, sig: toHex(flipped) }, OWNER), false, 'flipped bit')
  const forged = buildPayload({
    channel: good.channel,
    message: 'hello',
    keyPair: outsider,
    ts: good.ts,
    random: fixedRandom
  })
  assert.equal(
    verifyPayloadSignature({ ...forged, from: OWNER, origin: OWNER, id: good.id }, OWNER),
    false,
    'signed by someone else'
  )

  for (const badSig of ['', 'zz', good.sig.slice(2), good.sig + '00', 42, null, { sig: good.sig }]) {
    assert.equal(verifyPayloadSignature({ ...good, sig: badSig }, OWNER), false, `sig ${String(badSig)}`)
  }
  for (const badKey of ['', OWNER.slice(2), OWNER + '00', 'x'.repeat(64), 42 as unknown as string]) {
    assert.equal(verifyPayloadSignature(good, badKey), false, `key ${String(badKey)}`)
  }
  for (const junk of [null, undefined, 'str', 42, [], [good]]) assert.equal(verifyPayloadSignature(junk, OWNER), false)
})

test('signatureBaseString normalizes keys and JSON-round-trips the message', () => {
  const base = JSON.parse(
    signatureBaseString({
      id: 'x',
      channel: 'c',
      from: ' ABCDEF ',
      origin: { type: 'Buffer', data: [171, 205] },
      ts: 5,
      message: { a: undefined, d: new Date(0) }
    })
  )
  assert.deepEqual(base, {
    channel: 'c',
    from: 'abcdef',
    id: 'x',
    kind: 'sidechannel_message_v1',
    message: { d: '1970-01-01T00:00:00.000Z' },
    origin: 'abcd',
    ts: 5
  })
  assert.equal(
    signatureBaseString({}),
    '{"channel":null,"from":null,"id":null,"kind":"sidechannel_message_v1","message":null,"origin":null,"ts":null}'
  )
  const cyclic: Record<string, unknown> = {}
  cyclic.self = cyclic
  assert.equal(JSON.parse(signatureBaseString({ message: cyclic })).message, null)
})

test('normHex, messageId and encodedSize', () => {
  assert.equal(normHex(' AbC '), 'abc')
  assert.equal(normHex(new Uint8Array([1, 255])), '01ff')
  assert.equal(normHex({ type: 'Buffer', data: [1, 2] }), '0102')
  assert.equal(normHex({ type: 'Buffer', data: [1, 256] }), null)
  for (const falsy of [null, undefined, '', 0, false]) assert.equal(normHex(falsy), null)
  assert.equal(normHex(12), null)
  assert.equal(
    messageId(null, 5, () => 0.5),
    'anon:5:i'
  )
  assert.equal(messageId(OWNER, NOW, fixedRandom), `${OWNER}:${NOW}:4fzzzxjy`)
  assert.equal(encodedSize({ t: 'é😀' }), 14)
})

test('buildPayload hashes and signs pure JSON (B1) and refuses bad input', () => {
  const p = buildPayload({
    channel: '  pub1 ',
    message: { keep: 1, drop: undefined, when: new Date(0) },
    keyPair: owner,
    ts: NOW,
    random: fixedRandom,
    invite: { a: 1, gone: undefined },
    powDifficulty: 8
  })
  assert.equal(p.channel, 'pub1')
  assert.deepEqual(p.message, { keep: 1, when: '1970-01-01T00:00:00.000Z' })
  assert.deepEqual(p.invite, { a: 1 })
  assert.deepEqual(Object.keys(p), [
    'type',
    'id',
    'channel',
    'from',
    'origin',
    'message',
    'ts',
    'ttl',
    'invite',
    'pow',
    'sig'
  ])
  const decoded = JSON.parse(JSON.stringify(p))
  assert.equal(checkPow(decoded, 8), true)
  assert.equal(verifyPayloadSignature(decoded, OWNER), true)

  const bare = buildPayload({ channel: 'pub1', message: undefined, keyPair: owner, ts: NOW })
  assert.equal(bare.message, null)
  assert.equal(bare.ttl, 3)
  assert.equal('pow' in bare || 'invite' in bare, false)
  assert.match(bare.id, new RegExp(`^${OWNER}:${NOW}:[0-9a-z]{1,8}$`))

  assert.throws(() => buildPayload({ channel: ' ', message: 'x', keyPair: owner, ts: NOW }), TypeError)
  assert.throws(() => buildPayload({ channel: 'c', message: { n: 1n }, keyPair: owner, ts: NOW }), TypeError)
  const cyclic: Record<string, unknown> = {}
  cyclic.self = cyclic
  assert.throws(() => buildPayload({ channel: 'c', message: cyclic, keyPair: owner, ts: NOW }), TypeError)
  assert.throws(() => buildPayload({ channel: 'c', message: () => 1, keyPair: owner, ts: NOW }), TypeError)
})

// ------------------------------------------------------------------------------------ relay

test('relayCopy reproduces the relay vector and keeps PoW and signature valid', () => {
  const original = JSON.parse(V.payloads[1].wireJson)
  const copy = relayCopy(original, INVITEE, 3)
  assert.ok(copy)
  assert.equal(JSON.stringify(copy), V.relay.relayedWireJson)
  assert.equal(original.ttl, 3, 'input untouched')
  assert.equal(verifyPayloadSignature(copy, OWNER), V.relay.sigValid)
  assert.equal(leadingZeroBits(powHash(copy as PayloadCore, (copy.pow as { nonce: number }).nonce)), V.relay.powBits)
  assert.equal(checkPow(copy, 12), true)
})

test('relayCopy caps the TTL, stops at zero and rejects odd TTLs', () => {
  const base = JSON.parse(V.payloads[1].wireJson)
  assert.equal(relayCopy({ ...base, ttl: 100 }, INVITEE, 3)?.ttl, 2)
  assert.equal(relayCopy({ ...base, ttl: 1 }, INVITEE, 3)?.ttl, 0)
  for (const ttl of [0, -1, '3', null, undefined, Number.NaN, Infinity, -Infinity]) {
    assert.equal(relayCopy({ ...base, ttl }, INVITEE, 3), null, `ttl ${String(ttl)}`)
  }
  assert.equal(relayCopy(base, INVITEE, 0), null)
  const again = relayCopy({ ...base, relayedBy: OUTSIDER }, INVITEE, 3)
  assert.deepEqual(Object.keys(again ?? {}).slice(-2), ['sig', 'relayedBy'])
  assert.equal(again?.relayedBy, INVITEE)
  const reordered = relayCopy({ relayedBy: OUTSIDER, ttl: 2 }, INVITEE, 3)
  assert.deepEqual(Object.keys(reordered ?? {}), ['relayedBy', 'ttl'], 'overwritten members keep their place')
  for (const junk of [null, undefined, 'x', 3, []]) assert.equal(relayCopy(junk, INVITEE, 3), null)
})

// ------------------------------------------------------------------------------------ welcomes

const welcomeVector = V.welcome

test('createWelcome reproduces the welcome vector', () => {
  const inputs = welcomeVector.inputs
  const w = createWelcome({ channel: inputs.channel, text: inputs.text, keyPair: owner, issuedAt: inputs.issuedAt })
  const normalized = normalizeWelcome(w)
  assert.ok(normalized)
  assert.equal(welcomeSigningString(normalized), welcomeVector.canonical)
  assert.equal(toHex(sha256(welcomeVector.canonical)), welcomeVector.canonicalSha256)
  assert.equal(w.sig, welcomeVector.sig)
  assert.equal(JSON.stringify(w), welcomeVector.json)
  assert.equal(toBase64Json(w), welcomeVector.b64)
  assert.deepEqual([JSON.stringify(w), `welcome_b64: ${toBase64Json(w)}`], welcomeVector.ttyOutputLines)
})

test('createWelcome trims the channel before signing (B18)', () => {
  const w = createWelcome({ channel: '  pub1 ', text: 'hi', keyPair: owner, issuedAt: NOW })
  assert.equal(w.payload.channel, 'pub1')
  assert.equal(verifyWelcome(w, 'pub1', OWNER), true)
})

test('verifyWelcome satisfies every welcomeVerification vector', () => {
  assert.equal(V.welcomeVerification.length, 10)
  for (const v of V.welcomeVerification) {
    assert.equal(verifyWelcome(v.welcome, v.channel, v.configuredOwnerKey), v.expect, v.name)
  }
})

test('verifyWelcome rejects malformed welcomes without throwing', () => {
  const good = JSON.parse(welcomeVector.json)
  assert.equal(verifyWelcome(good, 'pub1', ` ${OWNER.toUpperCase()} `), true, 'configured key is normalized')
  const { sig, ...unsigned } = good
  assert.equal(verifyWelcome(unsigned, 'pub1', OWNER), false, 'missing sig')
  assert.equal(verifyWelcome({ ...good, sig: '' }, 'pub1', OWNER), false)
  assert.equal(verifyWelcome({ ...good, sig: 'zz' }, 'pub1', OWNER), false)
  assert.equal(verifyWelcome({ ...good, sig: sig.slice(2) }, 'pub1', OWNER), false)
  assert.equal(
    verifyWelcome({ ...good, payload: { ...good.payload, issuedAt: good.payload.issuedAt + 1 } }, 'pub1', OWNER),
    false
  )
  assert.equal(verifyWelcome(good, 'pub1', OWNER.slice(2)), false, 'short owner key')
  assert.equal(verifyWelcome(good, 'pub1', ''), false)
  const nan = createWelcome({ channel: 'pub1', text: 'x', keyPair: owner, issuedAt: Number.NaN })
  assert.equal(verifyWelcome(nan, 'pub1', OWNER), false, 'non-finite issuedAt')
  const byOutsider = createWelcome({ channel: 'pub1', text: 'x', keyPair: outsider, issuedAt: NOW })
  assert.equal(
    verifyWelcome({ ...byOutsider, payload: { ...byOutsider.payload, ownerPubKey: OWNER } }, 'pub1', OWNER),
    false
  )
  for (const junk of [null, undefined, 'x', 1, [], [good]]) assert.equal(verifyWelcome(junk, 'pub1', OWNER), false)
  const huge = createWelcome({ channel: 'pub1', text: 'x'.repeat(2_000_000), keyPair: owner, issuedAt: NOW })
  assert.equal(verifyWelcome(huge, 'pub1', OWNER), true)
  assert.equal(
    verifyWelcome({ ...huge, payload: { ...huge.payload, text: huge.payload.text + 'y' } }, 'pub1', OWNER),
    false
  )
})

test('normalizeWelcome applies the §5.1 coercions', () => {
  assert.deepEqual(
    normalizeWelcome({ channel: ' c ', ownerPubKey: ' AB ', text: 5, issuedAt: '7', version: '2', signature: 's' }),
    {
      channel: 'c',
      ownerPubKey: 'ab',
      text: '5',
      issuedAt: 7,
      version: 1,
      sig: 's'
    }
  )
  const empty = normalizeWelcome({ payload: {} })
  assert.ok(empty)
  assert.deepEqual(
    { ...empty, issuedAt: String(empty.issuedAt) },
    {
      channel: '',
      ownerPubKey: '',
      text: '',
      issuedAt: 'NaN',
      version: 1,
      sig: null
    }
  )
  assert.equal(normalizeWelcome('x'), null)
})

// ------------------------------------------------------------------------------------ invites

const inviteVector = V.invite
const vectorWelcome = JSON.parse(welcomeVector.json)

function vectorInvite(withWelcome: boolean) {
  const inputs = inviteVector.inputs
  return createInvite({
    channel: inputs.channel,
    inviteePubKey: inputs.inviteePubKey,
    keyPair: owner,
    inviterAddress: inputs.inviterAddress,
    issuedAt: inputs.issuedAt,
    ttlMs: inputs.ttlSec * 1000,
    nonce: inputs.nonce,
    ...(withWelcome ? { welcome: vectorWelcome } : {})
  })
}

test('createInvite reproduces the invite vector with and without welcome', () => {
  const withWelcome = vectorInvite(true)
  const without = vectorInvite(false)
  const normalized = normalizeInvite(withWelcome)
  assert.ok(normalized)
  assert.equal(inviteSigningString(normalized), inviteVector.canonical)
  assert.equal(toHex(sha256(inviteVector.canonical)), inviteVector.canonicalSha256)
  assert.equal(withWelcome.sig, inviteVector.sig)
  assert.equal(withWelcome.payload.expiresAt, inviteVector.inputs.expiresAt)
  assert.equal(JSON.stringify(withWelcome), inviteVector.jsonWithWelcome)
  assert.equal(toBase64Json(withWelcome), inviteVector.b64WithWelcome)
  assert.equal(JSON.stringify(without), inviteVector.jsonWithoutWelcome)
  assert.equal(toBase64Json(without), inviteVector.b64WithoutWelcome)
  assert.deepEqual(
    [JSON.stringify(withWelcome), `invite_b64: ${toBase64Json(withWelcome)}`],
    inviteVector.ttyOutputLines
  )
  assert.equal(randomSuffix(fixedRandom), inviteVector.inputs.nonce)
})

test('verifyInvite satisfies every inviteVerification vector', () => {
  assert.equal(V.inviteVerification.length, 8)
  for (const v of V.inviteVerification) {
    const res = verifyInvite(v.invite, v.channel, v.remoteKey, {
      inviterKeys: v.inviterKeys === null ? null : new Set<string>(v.inviterKeys),
      now: v.nowMs
    })
    assert.equal(res.ok, v.expect, v.name)
    if (res.ok) assert.equal(res.expiresAt, v.invite.payload.expiresAt)
  }
})

test('verifyInvite reasons, optional lifetime hardening and robustness', () => {
  const invite = vectorInvite(true)
  const trusted = new Set([OWNER])
  const now = NOW + 1000
  const verdict = (
    inv: unknown,
    opts: Partial<Parameters<typeof verifyInvite>[3]> = {},
    channel = 'pub1',
    key = INVITEE
  ) => verifyInvite(inv, channel, key, { inviterKeys: trusted, now, ...opts })

  assert.deepEqual(verdict(invite), { ok: true, expiresAt: inviteVector.inputs.expiresAt })
  assert.equal(verdict(invite, {}, 'pub1', ` ${INVITEE.toUpperCase()}`).ok, true, 'invitee key normalized')
  assert.deepEqual(verdict('x'), { ok: false, reason: 'not an object' })
  assert.deepEqual(verdict({ payload: invite.payload }), { ok: false, reason: 'missing signature' })
  assert.deepEqual(verdict(invite, {}, 'pub2'), { ok: false, reason: 'wrong channel' })
  assert.deepEqual(verdict(invite, {}, 'pub1', OUTSIDER), { ok: false, reason: 'wrong invitee' })
  assert.deepEqual(verdict({ ...invite, payload: { ...invite.payload, inviterPubKey: '' } }), {
    ok: false,
    reason: 'missing inviter'
  })
  assert.deepEqual(verdict(invite, { inviterKeys: new Set([OUTSIDER]) }), { ok: false, reason: 'untrusted inviter' })
  assert.deepEqual(verdict({ ...invite, payload: { ...invite.payload, expiresAt: 'soon' } }), {
    ok: false,
    reason: 'bad timestamps'
  })
  assert.deepEqual(verdict(invite, { now: invite.payload.expiresAt }), { ok: false, reason: 'expired' })
  assert.deepEqual(verdict({ ...invite, sig: toHex(randomBytes(64)) }), { ok: false, reason: 'bad signature' })
  assert.deepEqual(verdict({ ...invite, payload: { ...invite.payload, inviterAddress: 'trac1other' } }), {
    ok: false,
    reason: 'bad signature'
  })
  assert.equal(verdict({ ...invite, signature: invite.sig, sig: undefined }).ok, true, 'signature key')
  assert.equal(verdict({ ...invite.payload, sig: invite.sig }).ok, true, 'flat form')

  // Local lifetime limits (B10) only apply when asked for.
  const day = 24 * 3600 * 1000
  assert.deepEqual(verdict(invite, { maxLifetimeMs: 30 * day }), { ok: false, reason: 'lifetime too long' })
  const fresh = (issuedAt: number) =>
    createInvite({
      channel: 'pub1',
      inviteePubKey: INVITEE,
      keyPair: owner,
      inviterAddress: null,
      issuedAt,
      ttlMs: day,
      nonce: 'abc'
    })
  assert.equal(verdict(fresh(now), { maxLifetimeMs: day }).ok, true)
  assert.deepEqual(verdict(fresh(now), { maxLifetimeMs: day - 1 }), { ok: false, reason: 'lifetime too long' })
  assert.equal(verdict(fresh(now + INVITE_CLOCK_SKEW_MS - 1), { maxLifetimeMs: day }).ok, true)
  assert.deepEqual(verdict(fresh(now + INVITE_CLOCK_SKEW_MS + 1), { maxLifetimeMs: day }), {
    ok: false,
    reason: 'issued in the future'
  })
  assert.equal(verdict(fresh(now + 10 * day)).ok, true, 'reference rules accept future invites')

  // A trimmed invite is what verifiers (which compare the channel untrimmed) can accept.
  assert.equal(
    createInvite({
      channel: ' pub1 ',
      inviteePubKey: INVITEE,
      keyPair: owner,
      inviterAddress: null,
      issuedAt: now,
      ttlMs: day,
      nonce: 'n'
    }).payload.channel,
    'pub1'
  )
  for (const junk of [null, undefined, 1, [], [invite]]) assert.equal(verdict(junk).ok, false)
  const hugeAddress = { ...invite, payload: { ...invite.payload, inviterAddress: 'x'.repeat(2_000_000) } }
  assert.deepEqual(verdict(hugeAddress), { ok: false, reason: 'bad signature' })
})

// ------------------------------------------------------------------------------------ controls

test('control payloads built by us match the controlPayloads vectors', () => {
  const inviteWithWelcome = JSON.parse(inviteVector.jsonWithWelcome)
  const cases: Array<[string, KeyPair, string, unknown]> = [
    ['auth', invitee, 'pub1', authControl(inviteWithWelcome)],
    ['welcome', owner, 'pub1', welcomeControl(vectorWelcome)],
    [
      'openChannelWithInviteAndWelcome',
      owner,
      ENTRY_CHANNEL,
      openChannelControl({ channel: 'pub1', invite: inviteWithWelcome, welcome: vectorWelcome })
    ]
  ]
  for (const [name, keyPair, channel, message] of cases) {
    const v = V.controlPayloads[name]
    const p = buildPayload({ channel, message, keyPair, ts: NOW, random: fixedRandom, powDifficulty: 12 })
    assert.equal(JSON.stringify(p), v.wireJson, name)
    assert.deepEqual(p.pow, v.pow, name)
    assert.equal(p.sig, v.sig, name)
    if (v.sigBase) assert.equal(signatureBaseString(p), v.sigBase, name)
    const decoded = JSON.parse(v.wireJson)
    assert.equal(checkPow(decoded, 12), true, name)
    assert.equal(verifyPayloadSignature(decoded, toHex(keyPair.publicKey)), true, name)
  }
  assert.equal(readControl(JSON.parse(V.controlPayloads.auth.wireJson).message), 'auth')
  assert.equal(readControl(JSON.parse(V.controlPayloads.welcome.wireJson).message), 'welcome')
  assert.equal(
    readControl(JSON.parse(V.controlPayloads.openChannelWithInviteAndWelcome.wireJson).message),
    'open_channel'
  )
})

test('B1: our open_channel without an invite passes receiver PoW; the reference one does not', () => {
  const bug = V.controlPayloads.openChannelUndefinedInviteBug
  const referenceWire = JSON.parse(bug.wireJson)
  // What the reference sender hashed (undefined member seen as null) vs what receivers hash.
  const senderView = {
    ...referenceWire,
    message: { control: 'open_channel', channel: 'pub1', invite: undefined, welcome: vectorWelcome }
  }
  assert.equal(powBaseString(senderView, referenceWire.pow.nonce), bug.senderPowBase)
  assert.equal(powBaseString(referenceWire, referenceWire.pow.nonce), bug.receiverPowBase)
  assert.equal(leadingZeroBits(powHash(referenceWire, referenceWire.pow.nonce)), bug.receiverLeadingZeroBits)
  assert.equal(checkPow(referenceWire, 12), bug.receiverPowValidAtDifficulty12)
  assert.equal(verifyPayloadSignature(referenceWire, OWNER), bug.signatureStillValid)

  const message = openChannelControl({ channel: 'pub1', welcome: vectorWelcome })
  assert.equal('invite' in message, false)
  const ours = buildPayload({
    channel: ENTRY_CHANNEL,
    message,
    keyPair: owner,
    ts: NOW,
    random: fixedRandom,
    powDifficulty: 12
  })
  assert.equal(JSON.stringify(ours.message), JSON.stringify(referenceWire.message))
  const received = JSON.parse(JSON.stringify(ours))
  assert.equal(checkPow(received, 12), true)
  assert.equal(verifyPayloadSignature(received, OWNER), true)

  // Even a message carrying undefined members is fixed by buildPayload's round trip.
  const sloppy = buildPayload({
    channel: ENTRY_CHANNEL,
    message: { control: 'open_channel', channel: 'pub1', invite: undefined, welcome: undefined },
    keyPair: owner,
    ts: NOW,
    random: fixedRandom,
    powDifficulty: 12
  })
  assert.equal(checkPow(JSON.parse(JSON.stringify(sloppy)), 12), true)
})

test('control builders omit absent members and readControl ignores everything else', () => {
  assert.deepEqual(Object.keys(openChannelControl({ channel: 'x' })), ['control', 'channel'])
  assert.deepEqual(Object.keys(openChannelControl({ channel: 'x', invite: null, welcome: '' })), ['control', 'channel'])
  assert.deepEqual(Object.keys(openChannelControl({ channel: 'x', invite: { a: 1 }, welcome: { b: 2 } })), [
    'control',
    'channel',
    'invite',
    'welcome'
  ])
  assert.deepEqual(authControl({ a: 1 }), { control: 'auth', invite: { a: 1 } })
  assert.deepEqual(welcomeControl({ b: 1 }), { control: 'welcome', welcome: { b: 1 } })
  for (const m of [
    null,
    undefined,
    'auth',
    5,
    [],
    { control: 'AUTH' },
    { control: 'other' },
    { control: ['auth'] },
    ['auth']
  ]) {
    assert.equal(readControl(m), null)
  }
})

// ------------------------------------------------------------------------------------ blob args

test('parseBlobArg handles the flagParsing.blobArg vectors', () => {
  for (const mode of ['tty', 'startup'] as const) {
    for (const v of V.flagParsing.blobArg) {
      const result = parseBlobArg(v.input, { mode })
      // Deliberate deviation: the reference returns any JSON value; we only return plain objects,
      // since nothing else can be an invite or a welcome (the array vector becomes null).
      const expected = v.result !== null && typeof v.result === 'object' && !Array.isArray(v.result) ? v.result : null
      assert.deepEqual(result, expected, `${mode}: ${v.input.slice(0, 20)}`)
    }
  }
  assert.ok(
    V.flagParsing.blobArg.some((v: any) => Array.isArray(v.result)),
    'the array vector is still present'
  )
})

test('parseBlobArg modes: @file, b64:, JSON fall-through and bridge objects', () => {
  const welcomeJson = welcomeVector.json as string
  const files: Record<string, string> = {
    '/abs/w.json': `\n ${welcomeJson}\n`,
    'rel.b64': `b64:${welcomeVector.b64}`,
    'rel.json': welcomeJson
  }
  const readFile = (path: string): string => {
    if (!(path in files)) throw new Error('ENOENT')
    return files[path]
  }
  const resolvePath = (p: string): string =>
    p.startsWith('/') ? p : `/abs/${p.replace('rel', 'w').replace('.b64', '.json')}`

  assert.deepEqual(parseBlobArg('@/abs/w.json', { mode: 'tty', readFile }), vectorWelcome)
  assert.deepEqual(parseBlobArg('  @rel.b64 ', { mode: 'tty', readFile }), vectorWelcome)
  assert.deepEqual(
    parseBlobArg('@rel.b64', { mode: 'startup', readFile, resolvePath }),
    vectorWelcome,
    'startup resolves the path'
  )
  assert.equal(parseBlobArg('@missing', { mode: 'tty', readFile }), null)
  assert.equal(parseBlobArg('@rel.json', { mode: 'tty' }), null, 'no reader, no files')
  assert.equal(parseBlobArg('@rel.json', { mode: 'bridge', readFile }), null, 'bridge has no @file')
  assert.equal(parseBlobArg(`b64:${welcomeVector.b64}`, { mode: 'bridge' }), null, 'bridge has no b64: prefix')
  assert.deepEqual(parseBlobArg(welcomeVector.b64, { mode: 'bridge' }), vectorWelcome)
  assert.deepEqual(parseBlobArg(` ${welcomeJson} `, { mode: 'bridge' }), vectorWelcome)

  // A value starting with '{' that is not JSON: the TTY retries as (lenient) base64, startup does not.
  const braced = '{' + welcomeVector.b64
  assert.deepEqual(parseBlobArg(braced, { mode: 'tty' }), vectorWelcome)
  assert.equal(parseBlobArg(braced, { mode: 'startup' }), null)
  assert.equal(parseBlobArg(braced, { mode: 'bridge' }), null)

  const obj = { payload: { channel: 'x' } }
  assert.equal(parseBlobArg(obj, { mode: 'bridge' }), obj, 'bridge objects are used as they are')
  assert.equal(parseBlobArg(obj, { mode: 'tty' }), null)
  for (const junk of [null, undefined, 5, [], '', '   ', 'b64:', '@', '"str"', '[1]', 'bnVsbA==']) {
    for (const mode of ['tty', 'startup', 'bridge'] as const)
      assert.equal(parseBlobArg(junk, { mode, readFile }), null, `${mode} ${String(junk)}`)
  }
  const huge = 'A'.repeat(3_000_000)
  assert.equal(parseBlobArg(huge, { mode: 'tty' }), null)
  assert.equal(parseBlobArg('{' + huge, { mode: 'startup' }), null)
})

// ------------------------------------------------------------------------------------ robustness

test('verifiers never throw on huge or deeply nested hostile payloads', () => {
  const good = JSON.parse(V.payloads[1].wireJson)
  const hugeMessage = { ...good, message: 'x'.repeat(1_000_000) }
  assert.equal(verifyPayloadSignature(hugeMessage, OWNER), false)
  assert.equal(checkPow(hugeMessage, 12), false)

  let deep: unknown = 1
  for (let i = 0; i < 200_000; i++) deep = [deep]
  const nested = { ...good, message: deep }
  assert.equal(checkPow(nested, 12), false)
  assert.equal(verifyPayloadSignature(nested, OWNER), false)
  assert.equal(
    verifyWelcome({ ...vectorWelcome, payload: { ...vectorWelcome.payload, text: deep } }, 'pub1', OWNER),
    false
  )
  assert.equal(
    verifyInvite(
      { ...vectorInvite(false), payload: { ...vectorInvite(false).payload, inviterAddress: deep } },
      'pub1',
      INVITEE,
      { inviterKeys: null, now: NOW }
    ).ok,
    false
  )
  assert.equal(relayCopy(nested, INVITEE, 3)?.ttl, 2)
})

test('signature base of a decoded payload (no JSON round trip) equals the general form', async () => {
  const { signatureBaseString: base, canonicalJson: canon } = await import('../src/sidechannel/codec/index.js')
  const vec = JSON.parse(fs.readFileSync(new URL('./fixtures/sidechannel-vectors.json', import.meta.url), 'utf8'))
  for (const p of vec.payloads) {
    const decoded = JSON.parse(p.wireJson)
    assert.equal(base(decoded, { decoded: true }), p.sigBase, p.name)
    assert.equal(base(decoded), p.sigBase, p.name)
  }
  const samples: unknown[] = [
    'text',
    0,
    -1.5e-7,
    true,
    null,
    [1, 'a', { z: 1, a: [null] }],
    { '😀': 1, '\ue000': 2, b: 'x\u2028y', a: { c: '"\\' } }
  ]
  for (const message of samples) {
    const p = JSON.parse(JSON.stringify({ id: 'i', channel: 'c', from: 'AB'.repeat(32), origin: null, ts: 5, message }))
    const general = canon({
      kind: 'sidechannel_message_v1',
      id: p.id,
      channel: p.channel,
      from: p.from.toLowerCase(),
      origin: null,
      ts: p.ts,
      message: p.message
    })
    assert.equal(base(p, { decoded: true }), general)
  }
})
