import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'

import {
  type ChannelPolicyConfig,
  effectiveInviterKeys,
  inviteRequired,
  ownerKeyFor,
  ownerWriteOnly,
  powRequired,
  requiredPowBits,
  selfIsInviter,
  selfIsOwner,
  welcomeRequired
} from '../src/sidechannel/policy.js'
import { RateLimiter } from '../src/sidechannel/rate-limiter.js'
import { SeenCache } from '../src/sidechannel/seen-cache.js'
import {
  AutoJoinLimiter,
  type InboundContext,
  type InboundPayload,
  type OpenRequestInput,
  checkChannelBinding,
  checkFrameSize,
  checkFreshness,
  checkInviteGate,
  checkOwnerOnly,
  checkRegistration,
  checkShape,
  checkWelcomeControl,
  checkWelcomeGate,
  decideOpenRequest,
  extractWelcome,
  isAuthorized,
  shouldSendAuth,
  nextRelayTtl,
  sendDecision
} from '../src/sidechannel/gates.js'
import { readControl } from '../src/sidechannel/codec/index.js'

interface PolicyVector {
  name: string
  flags: Record<string, string>
  channels: Record<
    string,
    { powRequired: boolean; inviteRequired: boolean; ownerWriteOnly: boolean; welcomeRequired: boolean }
  >
}
interface RateStep {
  t: number
  bytes: number
  ok: boolean
  why?: string
  tokens: number
  strikes: number
  blockedUntil: number
}
interface SeenStep {
  id: string
  t: number
  duplicate: boolean
}
interface Vectors {
  policy: PolicyVector[]
  rateLimiter: {
    config: {
      rateBytesPerSecond: number
      rateBurstBytes: number
      maxStrikes: number
      strikeWindowMs: number
      blockMs: number
    }
    steps: RateStep[]
  }
  seen: { config: { maxSeen: number; seenTtlMs: number }; steps: SeenStep[] }
}

const vectors = JSON.parse(readFileSync(new URL('./fixtures/policy-vectors.json', import.meta.url), 'utf8')) as Vectors

const ENTRY = '0000intercom'
const SELF = 'aa'.repeat(32)
const OWNER = '8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c'
const INVITER = 'bb'.repeat(32)
const REMOTE = 'cc'.repeat(32)
const NOW = 1_700_000_000_000

function baseConfig(overrides: Partial<ChannelPolicyConfig> = {}): ChannelPolicyConfig {
  return {
    entryChannel: ENTRY,
    powEnabled: true,
    powDifficulty: 12,
    powEntryOnly: false,
    powChannels: null,
    inviteRequired: false,
    inviteChannels: null,
    invitePrefixes: null,
    ownerWriteOnly: false,
    ownerWriteChannels: null,
    owners: new Map(),
    welcomeRequired: true,
    inviterKeys: null,
    selfKey: SELF,
    ...overrides
  }
}

// Maps the vector's startup flags onto a config the way the flag parser does (spec §6.1): booleans are
// 1/true/yes/on, integers go through parseInt, CSV lists drop empties and an empty value means no list.
function configFromFlags(flags: Record<string, string>): ChannelPolicyConfig {
  const bool = (name: string, dflt: boolean): boolean => {
    const v = flags[name]
    if (v === undefined || v === '') return dflt
    return ['1', 'true', 'yes', 'on'].includes(v.trim().toLowerCase())
  }
  const int = (name: string, dflt: number): number => {
    const v = flags[name]
    if (v === undefined || v === '') return dflt
    const n = Number.parseInt(v, 10)
    return Number.isSafeInteger(n) ? n : dflt
  }
  const csv = (name: string): string[] | null => {
    const v = flags[name]
    if (v === undefined || v === '') return null
    return v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
  }
  const known = new Set([
    'sidechannel-pow',
    'sidechannel-pow-difficulty',
    'sidechannel-pow-entry',
    'sidechannel-pow-channels',
    'sidechannel-invite-required',
    'sidechannel-invite-channels',
    'sidechannel-invite-prefixes',
    'sidechannel-owner-write-only',
    'sidechannel-owner-write-channels',
    'sidechannel-welcome-required'
  ])
  for (const name of Object.keys(flags)) assert.ok(known.has(name), `unmapped flag ${name}`)
  return baseConfig({
    powEnabled: bool('sidechannel-pow', true),
    powDifficulty: int('sidechannel-pow-difficulty', 12),
    powEntryOnly: bool('sidechannel-pow-entry', false),
    powChannels: csv('sidechannel-pow-channels'),
    inviteRequired: bool('sidechannel-invite-required', false),
    inviteChannels: csv('sidechannel-invite-channels'),
    invitePrefixes: csv('sidechannel-invite-prefixes'),
    ownerWriteOnly: bool('sidechannel-owner-write-only', false),
    ownerWriteChannels: csv('sidechannel-owner-write-channels'),
    welcomeRequired: bool('sidechannel-welcome-required', true)
  })
}

// ---------------------------------------------------------------- policy

test('policy vectors: 12 flag combinations × 4 channels', () => {
  assert.equal(vectors.policy.length, 12)
  for (const vector of vectors.policy) {
    const cfg = configFromFlags(vector.flags)
    assert.equal(Object.keys(vector.channels).length, 4)
    for (const [ch, want] of Object.entries(vector.channels)) {
      const where = `${vector.name} / ${ch}`
      assert.equal(powRequired(cfg, ch), want.powRequired, `${where} pow`)
      assert.equal(requiredPowBits(cfg, ch), want.powRequired ? cfg.powDifficulty : 0, `${where} bits`)
      assert.equal(inviteRequired(cfg, ch), want.inviteRequired, `${where} invite`)
      assert.equal(ownerWriteOnly(cfg, ch), want.ownerWriteOnly, `${where} owner-only`)
      assert.equal(welcomeRequired(cfg, ch), want.welcomeRequired, `${where} welcome`)
    }
  }
})

test('policy: requiredPowBits carries the configured difficulty', () => {
  assert.equal(requiredPowBits(baseConfig({ powDifficulty: 16 }), 'pub1'), 16)
  assert.equal(requiredPowBits(baseConfig({ powDifficulty: -3 }), 'pub1'), 0)
  assert.equal(requiredPowBits(baseConfig({ powEnabled: false }), ENTRY), 0)
})

test('policy: names are compared trimmed; empty lists and empty prefixes scope nothing', () => {
  const cfg = baseConfig({ inviteRequired: true, inviteChannels: ['pub1'], ownerWriteChannels: ['swap-x'] })
  assert.equal(inviteRequired(cfg, '  pub1 '), true)
  assert.equal(ownerWriteOnly(cfg, '\tswap-x\n'), true)
  assert.equal(welcomeRequired(cfg, ` ${ENTRY} `), false)
  // An empty list is no list: every non-entry channel stays invite-only / PoW-gated.
  assert.equal(inviteRequired(baseConfig({ inviteRequired: true, inviteChannels: [] }), 'x'), true)
  assert.equal(powRequired(baseConfig({ powChannels: [] }), 'x'), true)
  // An empty prefix is ignored, and alone it leaves the "no list, no prefixes" rule in force.
  assert.equal(inviteRequired(baseConfig({ inviteRequired: true, invitePrefixes: [''] }), 'x'), true)
  assert.equal(inviteRequired(baseConfig({ inviteRequired: true, invitePrefixes: ['', 'otc-'] }), 'pub1'), false)
  assert.equal(
    inviteRequired(baseConfig({ inviteRequired: true, inviteChannels: ['a'], invitePrefixes: ['otc-'] }), 'otc-1'),
    true
  )
  // The entry is never invite-only or owner-only, whatever the lists say.
  const entryListed = baseConfig({
    inviteRequired: true,
    inviteChannels: [ENTRY],
    ownerWriteChannels: [ENTRY],
    ownerWriteOnly: true
  })
  assert.equal(inviteRequired(entryListed, ENTRY), false)
  assert.equal(ownerWriteOnly(entryListed, ENTRY), false)
  // ...but it is PoW-gated when listed.
  assert.equal(powRequired(baseConfig({ powChannels: [ENTRY] }), ENTRY), true)
})

test('policy: owner key lookup and selfIsOwner', () => {
  const cfg = baseConfig({
    owners: new Map([
      ['pub1', OWNER.toUpperCase()],
      ['mine', SELF]
    ])
  })
  assert.equal(ownerKeyFor(cfg, 'pub1'), OWNER)
  assert.equal(ownerKeyFor(cfg, ' pub1 '), OWNER)
  assert.equal(ownerKeyFor(cfg, 'other'), null)
  assert.equal(selfIsOwner(cfg, 'pub1'), false)
  assert.equal(selfIsOwner(cfg, 'mine'), true)
  assert.equal(selfIsOwner(cfg, 'other'), false)
  assert.equal(
    selfIsOwner(baseConfig({ selfKey: SELF.toUpperCase(), owners: new Map([['mine', SELF]]) }), 'mine'),
    true
  )
})

test('policy: inviter keys and the self-key fallback', () => {
  // Invites off, no keys: no set at all (verification then accepts any inviter); self is no inviter.
  const open = baseConfig()
  assert.equal(effectiveInviterKeys(open), null)
  assert.equal(selfIsInviter(open), false)

  // Invites required, no keys: only self.
  const alone = baseConfig({ inviteRequired: true })
  assert.deepEqual(effectiveInviterKeys(alone), new Set([SELF]))
  assert.equal(selfIsInviter(alone), true)
  assert.deepEqual(effectiveInviterKeys(baseConfig({ inviteRequired: true, inviterKeys: [] })), new Set([SELF]))

  // Configured keys are normalized and replace the fallback.
  const listed = baseConfig({ inviteRequired: true, inviterKeys: [` ${INVITER.toUpperCase()} `] })
  assert.deepEqual(effectiveInviterKeys(listed), new Set([INVITER]))
  assert.equal(selfIsInviter(listed), false)
  assert.equal(selfIsInviter(baseConfig({ inviteRequired: true, inviterKeys: [INVITER, SELF] })), true)

  // Keys given while invites are off still form a set.
  assert.deepEqual(effectiveInviterKeys(baseConfig({ inviterKeys: [INVITER] })), new Set([INVITER]))

  // Without a wallet key there is nobody to fall back to.
  const keyless = baseConfig({ inviteRequired: true, selfKey: '' })
  assert.deepEqual(effectiveInviterKeys(keyless), new Set())
  assert.equal(selfIsInviter(keyless), false)
})

// ---------------------------------------------------------------- rate limiter

test('rateLimiter vectors: every step, with state after each', () => {
  const { config, steps } = vectors.rateLimiter
  const limiter = new RateLimiter({
    rateBytesPerSecond: config.rateBytesPerSecond,
    burstBytes: config.rateBurstBytes,
    maxStrikes: config.maxStrikes,
    strikeWindowMs: config.strikeWindowMs,
    blockMs: config.blockMs
  })
  // Absolute times, to show nothing assumes a zero epoch.
  const base = NOW
  for (const [i, step] of steps.entries()) {
    const res = limiter.check(REMOTE, step.bytes, base + step.t)
    const where = `step ${i} (t=${step.t}, ${step.bytes} bytes)`
    assert.equal(res.ok, step.ok, where)
    if (!res.ok) {
      assert.equal(res.reason, step.why === 'blocked' ? 'blocked' : 'over-budget', where)
      assert.equal(res.blockedNow === true, step.blockedUntil === step.t + config.blockMs, `${where} blockedNow`)
    } else {
      assert.equal(step.why, undefined, where)
    }
    const state = limiter.peek(REMOTE)
    assert.ok(state !== null)
    assert.equal(state.tokens, step.tokens, `${where} tokens`)
    assert.equal(state.strikes, step.strikes, `${where} strikes`)
    assert.equal(state.blockedUntil, step.blockedUntil === 0 ? 0 : base + step.blockedUntil, `${where} blockedUntil`)
    assert.equal(limiter.isBlocked(REMOTE, base + step.t), base + step.t < state.blockedUntil, `${where} isBlocked`)
  }
  assert.equal(limiter.size, 1)
})

function defaultLimiter(extra: Partial<ConstructorParameters<typeof RateLimiter>[0]> = {}): RateLimiter {
  return new RateLimiter({ rateBytesPerSecond: 64_000, burstBytes: 256_000, maxStrikes: 3, ...extra })
}

test('rateLimiter: rate ≤ 0 disables limiting and keeps no state', () => {
  for (const rate of [0, -5]) {
    const limiter = defaultLimiter({ rateBytesPerSecond: rate })
    for (let i = 0; i < 10; i++) assert.deepEqual(limiter.check(REMOTE, 10_000_000, NOW), { ok: true })
    assert.equal(limiter.size, 0)
    assert.equal(limiter.isBlocked(REMOTE, NOW), false)
  }
})

test('rateLimiter: state is per remote key, so reconnecting keeps a block', () => {
  const limiter = defaultLimiter()
  for (let i = 0; i < 2; i++)
    assert.deepEqual(limiter.check(REMOTE, 300_000, NOW), { ok: false, reason: 'over-budget' })
  assert.deepEqual(limiter.check(REMOTE, 300_000, NOW), { ok: false, reason: 'over-budget', blockedNow: true })
  // Another peer is unaffected.
  assert.deepEqual(limiter.check(INVITER, 1000, NOW), { ok: true })
  // "Reconnect": same remote key, new connection. Still blocked until the block ends.
  assert.deepEqual(limiter.check(REMOTE, 1, NOW + 29_999), { ok: false, reason: 'blocked' })
  assert.equal(limiter.isBlocked(REMOTE, NOW + 29_999), true)
  assert.equal(limiter.isBlocked(REMOTE, NOW + 30_000), false)
  assert.deepEqual(limiter.check(REMOTE, 1, NOW + 30_000), { ok: true })
})

test('rateLimiter: the strike window ends strictly after strikeWindowMs', () => {
  const limiter = defaultLimiter()
  limiter.check(REMOTE, 300_000, NOW)
  limiter.check(REMOTE, 300_000, NOW + 1000)
  // The window opened at the first message; at exactly +5000 ms it is still running.
  assert.deepEqual(limiter.check(REMOTE, 300_000, NOW + 5000), { ok: false, reason: 'over-budget', blockedNow: true })

  const other = defaultLimiter()
  other.check(REMOTE, 300_000, NOW)
  other.check(REMOTE, 300_000, NOW + 1000)
  assert.deepEqual(other.check(REMOTE, 300_000, NOW + 5001), { ok: false, reason: 'over-budget' })
  assert.equal(other.peek(REMOTE)?.strikes, 1)
  assert.equal(other.peek(REMOTE)?.strikeResetAt, NOW + 10_001)
})

test('rateLimiter: maxStrikes ≤ 1 blocks on the first strike', () => {
  const limiter = defaultLimiter({ maxStrikes: 1 })
  assert.deepEqual(limiter.check(REMOTE, 256_001, NOW), { ok: false, reason: 'over-budget', blockedNow: true })
  assert.equal(limiter.isBlocked(REMOTE, NOW + 1), true)
})

test('rateLimiter: unmeasurable sizes cost a strike and never mint tokens', () => {
  const limiter = defaultLimiter()
  assert.equal(limiter.check(REMOTE, Number.NaN, NOW).ok, false)
  assert.equal(limiter.check(REMOTE, -1000, NOW).ok, false)
  const state = limiter.peek(REMOTE)
  assert.equal(state?.tokens, 256_000)
  assert.equal(state?.strikes, 2)
})

test('rateLimiter: a clock stepping backwards does not refill twice', () => {
  const limiter = defaultLimiter()
  assert.equal(limiter.check(REMOTE, 256_000, NOW).ok, true)
  assert.equal(limiter.check(REMOTE, 1, NOW - 10_000).ok, false)
  assert.equal(limiter.peek(REMOTE)?.tokens, 0)
  // 1 s after the original mark, not after the backwards step: exactly one second of refill.
  assert.equal(limiter.check(REMOTE, 64_000, NOW + 1000).ok, true)
  assert.equal(limiter.peek(REMOTE)?.tokens, 0)
})

test('rateLimiter: sweep drops only idle state equivalent to a fresh one', () => {
  const limiter = defaultLimiter({ rateBytesPerSecond: 1000, idleExpiryMs: 120_000 })
  limiter.check('recovered', 1000, NOW)
  limiter.check('drained', 256_000, NOW)
  for (let i = 0; i < 3; i++) limiter.check('blocked', 300_000, NOW + 100_000)
  limiter.check('recent', 10, NOW + 200_000)
  assert.equal(limiter.size, 4)

  const later = NOW + 200_000
  assert.equal(limiter.sweep(later), 1)
  // 'recovered' refilled long ago; 'drained' needs 256 s at 1000 B/s to refill; 'blocked' (blocked until
  // +130 s) has been idle only 100 s; 'recent' is not idle.
  assert.equal(limiter.peek('recovered'), null)
  assert.ok(limiter.peek('drained') !== null)
  assert.ok(limiter.peek('blocked') !== null)
  assert.ok(limiter.peek('recent') !== null)

  // 'blocked' goes once idle long enough (its block ended at +130 s), 'drained' once refilled.
  assert.equal(limiter.sweep(NOW + 219_999), 0)
  assert.equal(limiter.sweep(NOW + 220_000), 1)
  assert.equal(limiter.peek('blocked'), null)
  assert.equal(limiter.sweep(NOW + 255_999), 0)
  assert.equal(limiter.sweep(NOW + 256_000), 1)
  assert.equal(limiter.peek('drained'), null)
  assert.equal(limiter.sweep(NOW + 319_999), 0)
  assert.equal(limiter.sweep(NOW + 320_000), 1)
  assert.equal(limiter.size, 0)
})

test('rateLimiter: sweep keeps an idle peer that is still blocked', () => {
  const limiter = defaultLimiter({ blockMs: 300_000, idleExpiryMs: 1000 })
  for (let i = 0; i < 3; i++) limiter.check(REMOTE, 300_000, NOW)
  assert.equal(limiter.sweep(NOW + 200_000), 0)
  assert.equal(limiter.isBlocked(REMOTE, NOW + 200_000), true)
  assert.equal(limiter.sweep(NOW + 300_000), 1)
})

test('rateLimiter: forget drops state unconditionally', () => {
  const limiter = defaultLimiter()
  for (let i = 0; i < 3; i++) limiter.check(REMOTE, 300_000, NOW)
  limiter.forget(REMOTE)
  assert.equal(limiter.size, 0)
  assert.equal(limiter.isBlocked(REMOTE, NOW), false)
  assert.deepEqual(limiter.check(REMOTE, 1, NOW), { ok: true })
})

// ---------------------------------------------------------------- seen cache

test('seen vectors: where our dedupe agrees with the reference and where it deliberately differs', () => {
  const { config, steps } = vectors.seen
  const cache = new SeenCache({ ttlMs: config.seenTtlMs, maxEntries: config.maxSeen })
  // Our verdict per step (true = drop). Differences from the reference vector are explained inline.
  const ours: boolean[] = [
    false, // a@0: new
    true, //  a@500: still live
    false, // b@600: new
    // a@1200: DIFFERS. a was inserted at 0 and expired at 1000; the reference still drops it because it only
    // purges on insert. We do not: once expired an entry is no longer a duplicate (replays are stopped by the
    // freshness check on ts instead). a is re-recorded at 1200.
    false,
    false, // c@1300: new
    // a@1400: DIFFERS. The reference purged a when c was inserted and accepts it again; we re-recorded a at
    // 1200 and it is live until 2200.
    true,
    false, // d@1500: new (capacity 3: the oldest insert, b, is evicted)
    false, // e@1500: new (evicts a)
    false, // b@1600: agrees; b was evicted by capacity in both
    // ''@1700 twice: DIFFERS. The reference never remembers an empty id, so it never drops one. An empty id
    // cannot be deduplicated at all, so we drop it as malformed.
    true,
    true
  ]
  assert.equal(ours.length, steps.length)
  const differs: number[] = []
  for (const [i, step] of steps.entries()) {
    assert.equal(cache.checkAndAdd('pub1', step.id, NOW + step.t), ours[i], `step ${i} (${step.id}@${step.t})`)
    if (ours[i] !== step.duplicate) differs.push(i)
  }
  assert.deepEqual(differs, [3, 5, 9, 10])
  assert.equal(cache.size, 3)
})

test('seenCache: entries are per channel', () => {
  const cache = new SeenCache({ ttlMs: 1000, maxEntries: 10 })
  assert.equal(cache.checkAndAdd('pub1', 'x', NOW), false)
  assert.equal(cache.checkAndAdd('pub2', 'x', NOW), false)
  assert.equal(cache.checkAndAdd('pub1', 'x', NOW), true)
  assert.equal(cache.checkAndAdd('pub2', 'x', NOW), true)
  assert.equal(cache.has('pub3', 'x', NOW), false)
  // The composite key cannot be forged by moving characters between channel and id.
  assert.notEqual(cache.key('a', 'bc'), cache.key('ab', 'c'))
  cache.add('a', 'bc', NOW)
  assert.equal(cache.has('ab', 'c', NOW), false)
})

test('seenCache: an entry lives exactly ttlMs', () => {
  const cache = new SeenCache({ ttlMs: 1000, maxEntries: 10 })
  cache.add('pub1', 'x', NOW)
  assert.equal(cache.has('pub1', 'x', NOW + 1000), true)
  assert.equal(cache.has('pub1', 'x', NOW + 1001), false)
  assert.equal(cache.checkAndAdd('pub1', 'x', NOW + 1001), false)
  assert.equal(cache.checkAndAdd('pub1', 'x', NOW + 2001), true)
})

test('seenCache: over capacity the oldest first insert goes; re-adding refreshes expiry only', () => {
  const cache = new SeenCache({ ttlMs: 60_000, maxEntries: 3 })
  cache.add('c', 'a', NOW)
  cache.add('c', 'b', NOW + 1)
  cache.add('c', 'c', NOW + 2)
  cache.add('c', 'a', NOW + 3)
  cache.add('c', 'd', NOW + 4)
  assert.equal(cache.size, 3)
  assert.equal(cache.has('c', 'a', NOW + 5), false, 'eviction follows first-insert order (O(1))')
  for (const id of ['b', 'c', 'd']) assert.equal(cache.has('c', id, NOW + 5), true, id)
})

test('seenCache: inserts stay cheap once the cache is full (no O(n) eviction)', () => {
  const cache = new SeenCache({ ttlMs: 60_000, maxEntries: 1000 })
  for (let i = 0; i < 200_000; i++) cache.add('c', 'id' + i, NOW)
  assert.equal(cache.size, 1000)
  assert.equal(cache.has('c', 'id199999', NOW), true)
  assert.equal(cache.has('c', 'id198999', NOW), false)
  assert.equal(cache.purge(NOW + 60_001), 1000)
  assert.equal(cache.size, 0)
})

test('seenCache: purge removes only expired entries', () => {
  const cache = new SeenCache({ ttlMs: 1000, maxEntries: 10 })
  cache.add('c', 'old', NOW)
  cache.add('c', 'new', NOW + 900)
  assert.equal(cache.purge(NOW + 1000), 0)
  assert.equal(cache.purge(NOW + 1001), 1)
  assert.equal(cache.size, 1)
  assert.equal(cache.has('c', 'new', NOW + 1001), true)
  cache.clear()
  assert.equal(cache.size, 0)
})

test('seenCache: ids that cannot be deduplicated are dropped and not stored', () => {
  const cache = new SeenCache({ ttlMs: 1000, maxEntries: 10 })
  for (const id of ['', null, undefined, 7, { a: 1 }]) assert.equal(cache.checkAndAdd('pub1', id, NOW), true)
  assert.equal(cache.checkAndAdd(null, 'x', NOW), true)
  assert.equal(cache.size, 0)
})

test('seenCache: a future-dated message stays remembered for as long as it stays fresh', () => {
  const window = 600_000
  const cache = new SeenCache({ ttlMs: window, maxEntries: 100 })
  const ts = NOW + 300_000 // sender clock 5 min ahead
  assert.equal(cache.checkAndAdd('pub1', 'f', NOW, ts), false)
  // Fresh until ts + window; remembered until then as well.
  assert.equal(cache.has('pub1', 'f', ts + window), true)
  assert.equal(cache.has('pub1', 'f', ts + window + 1), false)
  // The lead is capped at one ttl, so an absurd ts cannot pin an entry.
  cache.add('pub1', 'g', NOW, NOW + 10 * window)
  assert.equal(cache.has('pub1', 'g', NOW + 2 * window), true)
  assert.equal(cache.has('pub1', 'g', NOW + 2 * window + 1), false)
})

test('seenCache + freshness: with ttl = window every replay dies', () => {
  const window = 600_000
  const cache = new SeenCache({ ttlMs: window, maxEntries: 1000 })
  const accept = (id: string, ts: number, now: number): boolean =>
    checkFreshness({ ts }, now, window).ok && !cache.checkAndAdd('pub1', id, now, ts)

  for (const skew of [-window, -1000, 0, 1000, window]) {
    const ts = NOW + skew
    const id = `m${skew}`
    assert.equal(accept(id, ts, NOW), true, `first copy, skew ${skew}`)
    // Replays at every later moment: either the cache still holds the id or ts is already stale.
    for (const later of [
      1,
      1000,
      window / 2,
      window - 1,
      window,
      window + 1,
      window + skew,
      window + skew + 1,
      2 * window + 1
    ]) {
      assert.equal(accept(id, ts, NOW + later), false, `replay of skew ${skew} at +${later}`)
    }
  }
})

// ---------------------------------------------------------------- gates

const SIG = 'ab'.repeat(64)

function payload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'sidechannel',
    id: `${OWNER}:${NOW}:4fzzzxjy`,
    channel: 'pub1',
    from: OWNER,
    origin: OWNER,
    message: 'hello',
    ts: NOW,
    ttl: 3,
    pow: { nonce: 1419, difficulty: 12 },
    sig: SIG,
    ...overrides
  }
}

function ctx(overrides: Partial<InboundContext> = {}): InboundContext {
  return { channel: 'pub1', remoteKey: REMOTE, now: NOW, frameBytes: 500, ...overrides }
}

function shapeOf(p: unknown): InboundPayload {
  const res = checkShape(p, 256_000, 100)
  assert.ok(res.ok, `shape rejected: ${JSON.stringify(res)}`)
  return res.payload
}

test('checkShape: accepts a reference payload and returns it untouched', () => {
  const p = payload({ invite: { payload: {}, sig: SIG }, relayedBy: SELF, from: OWNER.toUpperCase() })
  const before = JSON.stringify(p)
  const res = checkShape(p, 256_000, 1000)
  assert.ok(res.ok)
  assert.equal(res.payload, p)
  assert.equal(JSON.stringify(p), before)
  // Optional fields may be absent or null.
  for (const key of ['ttl', 'sig', 'pow', 'invite', 'message', 'from', 'origin']) {
    const without = payload()
    delete without[key]
    assert.ok(checkShape(without, 256_000, 10).ok, `absent ${key}`)
    assert.ok(checkShape(payload({ [key]: null }), 256_000, 10).ok, `null ${key}`)
  }
  assert.ok(checkShape(payload({ sig: undefined, signature: SIG }), 256_000, 10).ok)
  assert.ok(checkShape(payload({ id: 'x'.repeat(256) }), 256_000, 10).ok)
  assert.ok(checkShape(payload({ channel: '' }), 256_000, 10).ok)
  // Without a frame size the caller has already capped the frame.
  assert.ok(checkShape(payload(), 256_000).ok)
})

test('checkShape: every reject reason', () => {
  const cases: Array<[unknown, string]> = [
    [null, 'not-object'],
    ['text', 'not-object'],
    [42, 'not-object'],
    [[payload()], 'not-object'],
    [new Map(), 'not-object'],
    [payload({ id: undefined }), 'bad-id'],
    [payload({ id: '' }), 'bad-id'],
    [payload({ id: 5 }), 'bad-id'],
    [payload({ id: 'x'.repeat(257) }), 'bad-id'],
    [payload({ channel: undefined }), 'bad-channel'],
    [payload({ channel: ['pub1'] }), 'bad-channel'],
    [payload({ from: 'abc' }), 'bad-from'],
    [payload({ from: OWNER + '0' }), 'bad-from'],
    [payload({ from: 'zz'.repeat(32) }), 'bad-from'],
    [payload({ from: ` ${OWNER}` }), 'bad-from'],
    [payload({ from: { type: 'Buffer', data: [] } }), 'bad-from'],
    [payload({ origin: 12 }), 'bad-origin'],
    [payload({ ts: undefined }), 'bad-ts'],
    [payload({ ts: String(NOW) }), 'bad-ts'],
    [payload({ ts: Number.NaN }), 'bad-ts'],
    [payload({ ts: Number.POSITIVE_INFINITY }), 'bad-ts'],
    [payload({ ttl: '3' }), 'bad-ttl'],
    [payload({ ttl: Number.POSITIVE_INFINITY }), 'bad-ttl'],
    [payload({ sig: 12 }), 'bad-sig'],
    [payload({ signature: { a: 1 } }), 'bad-sig'],
    [payload({ pow: 1419 }), 'bad-pow'],
    [payload({ pow: [1419] }), 'bad-pow'],
    [payload({ invite: 'b64' }), 'bad-invite']
  ]
  for (const [p, reason] of cases) {
    const res = checkShape(p, 256_000, 100)
    assert.equal(res.ok, false, `${JSON.stringify(p)?.slice(0, 60)} should fail with ${reason}`)
    if (!res.ok) assert.equal(res.reason, reason, JSON.stringify(p)?.slice(0, 60))
  }
  const big = checkShape(payload(), 256_000, 256_001)
  assert.deepEqual(big, { ok: false, reason: 'too-large' })
})

test('checkFrameSize', () => {
  assert.deepEqual(checkFrameSize(256_000, 256_000), { ok: true })
  assert.deepEqual(checkFrameSize(0, 256_000), { ok: true })
  assert.deepEqual(checkFrameSize(256_001, 256_000), { ok: false, reason: 'too-large' })
  assert.deepEqual(checkFrameSize(Number.NaN, 256_000), { ok: false, reason: 'too-large' })
  assert.deepEqual(checkFrameSize(10, Number.POSITIVE_INFINITY), { ok: true })
})

test('checkChannelBinding (B3)', () => {
  assert.deepEqual(checkChannelBinding(shapeOf(payload()), ctx()), { ok: true })
  assert.deepEqual(checkChannelBinding(shapeOf(payload({ channel: ' pub1\n' })), ctx()), { ok: true })
  assert.deepEqual(checkChannelBinding(shapeOf(payload({ channel: 'pub2' })), ctx()), {
    ok: false,
    reason: 'channel-mismatch'
  })
  assert.deepEqual(checkChannelBinding(shapeOf(payload({ channel: 'PUB1' })), ctx()), {
    ok: false,
    reason: 'channel-mismatch'
  })
  assert.deepEqual(checkChannelBinding(shapeOf(payload({ channel: '' })), ctx()), {
    ok: false,
    reason: 'channel-mismatch'
  })
})

test('checkFreshness (B4)', () => {
  const window = 60_000
  assert.deepEqual(checkFreshness({ ts: NOW - window }, NOW, window), { ok: true })
  assert.deepEqual(checkFreshness({ ts: NOW + window }, NOW, window), { ok: true })
  assert.deepEqual(checkFreshness({ ts: NOW - window - 1 }, NOW, window), { ok: false, reason: 'stale' })
  assert.deepEqual(checkFreshness({ ts: NOW + window + 1 }, NOW, window), { ok: false, reason: 'stale' })
  // Disabled window: anything goes.
  assert.deepEqual(checkFreshness({ ts: 0 }, NOW, 0), { ok: true })
  assert.deepEqual(checkFreshness({ ts: 0 }, NOW, -1), { ok: true })
})

test('readControl (the one the manager runs) and extractWelcome', () => {
  assert.equal(readControl({ control: 'auth' }), 'auth')
  assert.equal(readControl({ control: 'welcome' }), 'welcome')
  assert.equal(readControl({ control: 'open_channel' }), 'open_channel')
  assert.equal(readControl({ control: 'other' }), null)
  assert.equal(readControl('auth'), null)
  assert.equal(readControl(null), null)
  assert.equal(readControl(undefined), null)
  assert.equal(readControl([{ control: 'auth' }]), null)

  const w1 = { sig: 'one' }
  const w2 = { sig: 'two' }
  const w3 = { sig: 'three' }
  const w4 = { sig: 'four' }
  const full = shapeOf(
    payload({ message: { welcome: w1, invite: { welcome: w4 } }, welcome: w2, invite: { welcome: w3 } })
  )
  assert.equal(extractWelcome(full), w1)
  assert.equal(
    extractWelcome(shapeOf(payload({ message: { invite: { welcome: w4 } }, welcome: w2, invite: { welcome: w3 } }))),
    w2
  )
  assert.equal(extractWelcome(shapeOf(payload({ message: { invite: { welcome: w4 } }, invite: { welcome: w3 } }))), w3)
  assert.equal(extractWelcome(shapeOf(payload({ message: { invite: { welcome: w4 } } }))), w4)
  assert.equal(extractWelcome(shapeOf(payload({ message: { welcome: '' } }))), undefined)
  assert.equal(extractWelcome(shapeOf(payload({ message: 'text' }))), undefined)
})

function inviteInput(
  overrides: Partial<Parameters<typeof checkInviteGate>[0]> = {}
): Parameters<typeof checkInviteGate>[0] {
  return {
    policy: baseConfig({ inviteRequired: true, inviterKeys: [INVITER] }),
    channel: 'pub1',
    remoteKey: REMOTE,
    selfHoldsValidLocalInvite: true,
    remoteInviteExpiry: null,
    verifyCarriedInvite: () => false,
    now: NOW,
    ...overrides
  }
}

test('checkInviteGate: every admission path and every rejection', () => {
  const never = (): boolean => {
    throw new Error('invite verification must not run')
  }
  // Channel not invite-only: nothing else matters.
  assert.deepEqual(
    checkInviteGate(inviteInput({ channel: ENTRY, selfHoldsValidLocalInvite: false, verifyCarriedInvite: never })),
    { ok: true }
  )
  assert.deepEqual(
    checkInviteGate(
      inviteInput({ policy: baseConfig(), selfHoldsValidLocalInvite: false, verifyCarriedInvite: never })
    ),
    { ok: true }
  )
  // Self neither inviter nor invited: dropped before any crypto.
  assert.deepEqual(
    checkInviteGate(inviteInput({ selfHoldsValidLocalInvite: false, remoteKey: INVITER, verifyCarriedInvite: never })),
    { ok: false, reason: 'invite', detail: 'self-not-invited' }
  )
  // Remote is a trusted inviter (any case).
  assert.deepEqual(checkInviteGate(inviteInput({ remoteKey: INVITER.toUpperCase(), verifyCarriedInvite: never })), {
    ok: true
  })
  // Remote remembered and not expired; expiry is exclusive.
  assert.deepEqual(checkInviteGate(inviteInput({ remoteInviteExpiry: NOW + 1, verifyCarriedInvite: never })), {
    ok: true
  })
  assert.deepEqual(checkInviteGate(inviteInput({ remoteInviteExpiry: NOW })), {
    ok: false,
    reason: 'invite',
    detail: 'remote-not-invited'
  })
  // Carried invite verifies.
  let calls = 0
  assert.deepEqual(
    checkInviteGate(
      inviteInput({
        verifyCarriedInvite: () => {
          calls++
          return true
        }
      })
    ),
    { ok: true }
  )
  assert.equal(calls, 1)
  // Nothing admits the remote.
  assert.deepEqual(checkInviteGate(inviteInput()), { ok: false, reason: 'invite', detail: 'remote-not-invited' })
  // Self as the fallback inviter needs no local invite.
  const alone = baseConfig({ inviteRequired: true })
  assert.deepEqual(
    checkInviteGate(inviteInput({ policy: alone, selfHoldsValidLocalInvite: false, remoteInviteExpiry: NOW + 1 })),
    { ok: true }
  )
})

test('shouldSendAuth: our invite goes to inviters, the owner and peers that showed theirs, nobody else', () => {
  const input = (o: Partial<Parameters<typeof shouldSendAuth>[0]> = {}): Parameters<typeof shouldSendAuth>[0] => ({
    policy: baseConfig({ inviteRequired: true, inviterKeys: [INVITER], owners: new Map([['pub1', OWNER]]) }),
    channel: 'pub1',
    remoteKey: REMOTE,
    selfHoldsValidLocalInvite: true,
    remoteInviteExpiry: null,
    now: NOW,
    ...o
  })
  // An uninvited or unknown remote never sees it (B15).
  assert.equal(shouldSendAuth(input()), false)
  // Inviters (any case) and the channel owner vouch for the channel.
  assert.equal(shouldSendAuth(input({ remoteKey: INVITER.toUpperCase() })), true)
  assert.equal(shouldSendAuth(input({ remoteKey: OWNER })), true)
  // A remote that showed a valid invite for the channel gets ours back; an expired one does not.
  assert.equal(shouldSendAuth(input({ remoteInviteExpiry: NOW + 1 })), true)
  assert.equal(shouldSendAuth(input({ remoteInviteExpiry: NOW })), false)
  // Nothing to show: no valid local invite, an inviter (needs none), or a channel that is not invite-only.
  assert.equal(shouldSendAuth(input({ remoteKey: INVITER, selfHoldsValidLocalInvite: false })), false)
  assert.equal(
    shouldSendAuth(input({ remoteKey: INVITER, policy: baseConfig({ inviteRequired: true, inviterKeys: [SELF] }) })),
    false
  )
  assert.equal(shouldSendAuth(input({ remoteKey: INVITER, channel: ENTRY })), false)
  assert.equal(shouldSendAuth(input({ remoteKey: INVITER, policy: baseConfig({ inviterKeys: [INVITER] }) })), false)
})

test('isAuthorized (§4.2)', () => {
  const cfg = baseConfig({ inviteRequired: true, inviteChannels: ['priv'], inviterKeys: [INVITER] })
  assert.equal(isAuthorized(cfg, 'pub1', REMOTE, null, NOW), true)
  assert.equal(isAuthorized(cfg, ENTRY, REMOTE, null, NOW), true)
  assert.equal(isAuthorized(cfg, 'priv', REMOTE, null, NOW), false)
  assert.equal(isAuthorized(cfg, 'priv', INVITER, null, NOW), true)
  assert.equal(isAuthorized(cfg, 'priv', REMOTE, NOW + 1, NOW), true)
  assert.equal(isAuthorized(cfg, 'priv', REMOTE, NOW, NOW), false)
  assert.equal(isAuthorized(cfg, 'priv', 'unknown', null, NOW), false)
})

test('checkOwnerOnly (§3 step 7): after the signature check, only the owner writes', () => {
  const cfg = baseConfig({ ownerWriteChannels: ['swap-x'], owners: new Map([['swap-x', OWNER]]) })
  const p = shapeOf(payload({ channel: 'swap-x' }))
  assert.deepEqual(checkOwnerOnly(cfg, 'pub1', p, null), { ok: true })
  assert.deepEqual(checkOwnerOnly(cfg, 'swap-x', p, null), { ok: true })
  // from in upper case still names the owner.
  assert.deepEqual(checkOwnerOnly(cfg, 'swap-x', shapeOf(payload({ from: OWNER.toUpperCase() })), null), { ok: true })
  // auth and welcome controls are exempt.
  assert.deepEqual(checkOwnerOnly(cfg, 'swap-x', shapeOf(payload({ from: REMOTE })), 'auth'), { ok: true })
  assert.deepEqual(checkOwnerOnly(cfg, 'swap-x', shapeOf(payload({ from: REMOTE })), 'welcome'), { ok: true })
  // open_channel is not.
  assert.deepEqual(checkOwnerOnly(cfg, 'swap-x', shapeOf(payload({ from: REMOTE })), 'open_channel'), {
    ok: false,
    reason: 'owner-only',
    detail: 'not-owner'
  })
  assert.deepEqual(checkOwnerOnly(cfg, 'swap-x', shapeOf(payload({ from: null })), null), {
    ok: false,
    reason: 'owner-only',
    detail: 'not-owner'
  })
  const ownerless = baseConfig({ ownerWriteOnly: true })
  assert.deepEqual(checkOwnerOnly(ownerless, 'pub1', p, null), {
    ok: false,
    reason: 'owner-only',
    detail: 'no-owner-key'
  })
})

test('checkWelcomeControl (§3 step 9)', () => {
  assert.deepEqual(checkWelcomeControl(null, false, false), { ok: true })
  assert.deepEqual(checkWelcomeControl('auth', true, false), { ok: true })
  assert.deepEqual(checkWelcomeControl('welcome', true, true), { ok: true })
  assert.deepEqual(checkWelcomeControl('welcome', true, false), { ok: false, reason: 'invalid-welcome' })
  assert.deepEqual(checkWelcomeControl('welcome', false, false), { ok: false, reason: 'missing-welcome' })
})

test('checkWelcomeGate (§3 step 10)', () => {
  const cfg = baseConfig({ owners: new Map([['mine', SELF]]) })
  assert.deepEqual(checkWelcomeGate(cfg, ENTRY, false, false), { ok: true })
  assert.deepEqual(checkWelcomeGate(baseConfig({ welcomeRequired: false }), 'pub1', false, false), { ok: true })
  assert.deepEqual(checkWelcomeGate(cfg, 'pub1', true, false), { ok: true })
  assert.deepEqual(checkWelcomeGate(cfg, 'pub1', false, true), { ok: true })
  assert.deepEqual(checkWelcomeGate(cfg, 'mine', false, false), { ok: true })
  assert.deepEqual(checkWelcomeGate(cfg, 'pub1', false, false), { ok: false, reason: 'awaiting-welcome' })
})

function openInput(overrides: Partial<OpenRequestInput> = {}): OpenRequestInput {
  return {
    policy: baseConfig(),
    control: 'open_channel',
    message: { control: 'open_channel', channel: 'pub1', welcome: { sig: 'w' } },
    allowRemoteOpen: true,
    autoJoin: false,
    verifyWelcome: () => true,
    verifyInvite: () => true,
    ...overrides
  }
}

test('decideOpenRequest (§3 step 11)', () => {
  const never = (): boolean => {
    throw new Error('must not verify')
  }
  // Not an open request, remote open off, or a non-string target: ordinary delivery.
  assert.deepEqual(decideOpenRequest(openInput({ control: null })), { action: 'deliver' })
  assert.deepEqual(decideOpenRequest(openInput({ control: 'welcome' })), { action: 'deliver' })
  assert.deepEqual(decideOpenRequest(openInput({ allowRemoteOpen: false, verifyWelcome: never })), {
    action: 'deliver'
  })
  assert.deepEqual(decideOpenRequest(openInput({ message: { control: 'open_channel', channel: 5 } })), {
    action: 'deliver'
  })
  // Empty target: handled (not delivered) but nothing to do.
  assert.deepEqual(
    decideOpenRequest(openInput({ message: { control: 'open_channel', channel: '  ' }, verifyWelcome: never })),
    { action: 'ignore' }
  )

  // Accepted: notify, or join with auto-join; the target is trimmed and passed to the verifiers.
  const seenTargets: string[] = []
  const verifyWelcome = (_w: unknown, t: string): boolean => {
    seenTargets.push(t)
    return true
  }
  const trimmed = { control: 'open_channel', channel: ' pub1 ', welcome: { sig: 'w' } }
  assert.deepEqual(decideOpenRequest(openInput({ message: trimmed, verifyWelcome })), {
    action: 'notify',
    target: 'pub1'
  })
  assert.deepEqual(seenTargets, ['pub1'])
  assert.deepEqual(decideOpenRequest(openInput({ autoJoin: true })), { action: 'join', target: 'pub1' })
  assert.deepEqual(decideOpenRequest(openInput({ autoJoin: true, autoJoinAllowed: () => false })), {
    action: 'notify',
    target: 'pub1',
    reason: 'auto-join-limit'
  })
  assert.deepEqual(decideOpenRequest(openInput({ autoJoin: true, autoJoinAllowed: () => true })), {
    action: 'join',
    target: 'pub1'
  })

  // Welcome: a carried welcome must verify; none at all is fine only where no welcome is required.
  assert.deepEqual(decideOpenRequest(openInput({ verifyWelcome: () => false })), {
    action: 'deny',
    reason: 'open-welcome'
  })
  const bare = { control: 'open_channel', channel: 'pub1' }
  assert.deepEqual(decideOpenRequest(openInput({ message: bare })), { action: 'deny', reason: 'open-missing-welcome' })
  assert.deepEqual(decideOpenRequest(openInput({ message: bare, policy: baseConfig({ welcomeRequired: false }) })), {
    action: 'notify',
    target: 'pub1'
  })
  assert.deepEqual(
    decideOpenRequest(openInput({ message: { control: 'open_channel', channel: ENTRY }, verifyWelcome: never })),
    { action: 'notify', target: ENTRY }
  )
  // The welcome may ride inside the invite.
  const inInvite = { control: 'open_channel', channel: 'pub1', invite: { welcome: { sig: 'w' } } }
  assert.deepEqual(decideOpenRequest(openInput({ message: inInvite })), { action: 'notify', target: 'pub1' })

  // Invite-only target: the carried invite must verify for it.
  const priv = baseConfig({ inviteRequired: true, welcomeRequired: false })
  assert.deepEqual(decideOpenRequest(openInput({ policy: priv, message: bare, verifyInvite: never })), {
    action: 'deny',
    reason: 'open-invite'
  })
  const withInvite = { control: 'open_channel', channel: 'pub1', invite: { sig: 'i' } }
  assert.deepEqual(decideOpenRequest(openInput({ policy: priv, message: withInvite, verifyInvite: () => false })), {
    action: 'deny',
    reason: 'open-invite'
  })
  assert.deepEqual(decideOpenRequest(openInput({ policy: priv, message: withInvite })), {
    action: 'notify',
    target: 'pub1'
  })
})

test('sendDecision (§4 step 2) and checkRegistration (§1.6)', () => {
  const cfg = baseConfig({
    ownerWriteChannels: ['swap-x', 'mine'],
    owners: new Map([
      ['swap-x', OWNER],
      ['mine', SELF]
    ])
  })
  assert.deepEqual(sendDecision(cfg, 'pub1', false), { ok: true })
  assert.deepEqual(sendDecision(cfg, 'swap-x', false), { ok: false, reason: 'owner-only' })
  assert.deepEqual(sendDecision(cfg, ' swap-x ', false), { ok: false, reason: 'owner-only' })
  assert.deepEqual(sendDecision(cfg, 'swap-x', true), { ok: true })
  assert.deepEqual(sendDecision(cfg, 'mine', false), { ok: true })
  assert.deepEqual(sendDecision(cfg, '  ', false), { ok: false, reason: 'empty-channel' })

  const priv = baseConfig({ inviteRequired: true, inviterKeys: [INVITER] })
  assert.deepEqual(checkRegistration(priv, 'pub1', true), { ok: true })
  assert.deepEqual(checkRegistration(priv, ENTRY, false), { ok: true })
  assert.deepEqual(checkRegistration(priv, 'pub1', false), { ok: false, reason: 'invite-required' })
  assert.deepEqual(checkRegistration(baseConfig({ inviteRequired: true }), 'pub1', false), { ok: true })
  assert.deepEqual(checkRegistration(priv, '', true), { ok: false, reason: 'empty-channel' })
})

test('nextRelayTtl (§3 step 13, B6)', () => {
  assert.equal(nextRelayTtl({ ttl: 3 }, null, 3), 2)
  assert.equal(nextRelayTtl({ ttl: 1 }, null, 3), 0)
  assert.equal(nextRelayTtl({ ttl: 0 }, null, 3), 0)
  assert.equal(nextRelayTtl({ ttl: -4 }, null, 3), 0)
  assert.equal(nextRelayTtl({}, null, 3), 0)
  assert.equal(nextRelayTtl({ ttl: null }, null, 3), 0)
  // A raised ttl is capped at the local relay ttl.
  assert.equal(nextRelayTtl({ ttl: 1000 }, null, 3), 2)
  assert.equal(nextRelayTtl({ ttl: 2.5 }, 'open_channel', 3), 1.5)
  assert.equal(nextRelayTtl({ ttl: 3 }, 'auth', 3), 0)
  assert.equal(nextRelayTtl({ ttl: 3 }, 'welcome', 3), 0)
})

test('AutoJoinLimiter (B20)', () => {
  const limiter = new AutoJoinLimiter({ maxChannels: 3, perMinute: 2 })
  assert.equal(limiter.allow('a', NOW), true)
  assert.equal(limiter.allow('b', NOW + 1), true)
  // Per-minute budget spent; a channel already joined costs nothing.
  assert.equal(limiter.allow('c', NOW + 2), false)
  assert.equal(limiter.allow('a', NOW + 3), true)
  // The window slides: 60 s after the first join one slot frees up.
  assert.equal(limiter.allow('c', NOW + 59_999), false)
  assert.equal(limiter.allow('c', NOW + 60_000), true)
  assert.equal(limiter.size, 3)
  // Channel cap reached, even with budget left.
  assert.equal(limiter.allow('d', NOW + 200_000), false)
  limiter.forget('a')
  assert.equal(limiter.allow('d', NOW + 200_001), true)
  assert.equal(limiter.size, 3)

  const defaults = new AutoJoinLimiter()
  assert.equal(defaults.maxChannels, 32)
  assert.equal(defaults.perMinute, 10)
  let allowed = 0
  for (let i = 0; i < 20; i++) if (defaults.allow(`ch${i}`, NOW)) allowed++
  assert.equal(allowed, 10)
})
