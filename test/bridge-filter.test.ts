import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'

import { matchesFilter, normalizeText, parseFilter } from '../src/bridge/filter.js'
import { shouldDeliver, sidechannelEvent } from '../src/bridge/events.js'

interface FilterVector {
  raw: string
  parsed: string[][]
  matches: Array<{ text: string; match: boolean }>
}
interface NormalizeVector {
  value: unknown
  text: string
  expect: string
}
interface EventCase {
  channel: string
  payload: Record<string, unknown>
  expectEvent: Record<string, unknown> | null
}

const vectors = JSON.parse(readFileSync(new URL('./fixtures/sidechannel-vectors.json', import.meta.url), 'utf8'))
const bridge = vectors.bridge as {
  filters: FilterVector[]
  normalizeText: NormalizeVector[]
  transcript: {
    setup: { fixedNow: number; filterChannels: string[] | null }
    exchanges: Array<{ send?: Record<string, unknown> }>
  }
  events: { note: string; cases: EventCase[] }
}

test('bridge.filters vectors: parse and match', () => {
  assert.ok(bridge.filters.length > 0)
  for (const v of bridge.filters) {
    const parsed = parseFilter(v.raw)
    assert.deepEqual(parsed, v.parsed, `parse ${JSON.stringify(v.raw)}`)
    for (const m of v.matches) {
      assert.equal(matchesFilter(parsed, m.text), m.match, `${JSON.stringify(v.raw)} vs ${JSON.stringify(m.text)}`)
    }
  }
})

test('parseFilter edge cases', () => {
  assert.deepEqual(parseFilter(undefined), [])
  assert.deepEqual(parseFilter(null), [])
  assert.deepEqual(parseFilter('a++b,,c \t\nd'), [['a', 'b', 'c', 'd']])
  assert.deepEqual(parseFilter('+|,| |X'), [['x']])
  assert.deepEqual(parseFilter(42), [['42']])
  // Substring semantics, case-insensitive on both sides.
  assert.equal(matchesFilter(parseFilter('ALP'), 'xxalphaxx'), true)
  assert.equal(matchesFilter([], ''), true)
})

test('bridge.normalizeText vectors', () => {
  assert.ok(bridge.normalizeText.length > 0)
  for (const v of bridge.normalizeText) {
    assert.equal(normalizeText(v.value), v.expect, JSON.stringify(v.value))
    assert.equal(v.text, v.expect)
  }
})

test('normalizeText fallbacks', () => {
  assert.equal(normalizeText(undefined), '')
  assert.equal(normalizeText(10n), '10') // JSON.stringify throws on BigInt → String
  const cyclic: Record<string, unknown> = {}
  cyclic.self = cyclic
  assert.equal(normalizeText(cyclic), '[object Object]')
  assert.equal(normalizeText(true), 'true')
})

// State of the vectors' client at the end of bridge.transcript: filter "alpha+beta|gamma" (exchange
// id 20), no filter-channel list. In the reference its subscription set ends EMPTY (the failed leave of
// the entry channel still removed it) and an empty set means "every channel" (bug B21). Our fixed
// equivalent of "every channel" is `subscriptions: null`, so the vectors are asserted with that.
function transcriptFilter(): string {
  let filter = ''
  for (const ex of bridge.transcript.exchanges) {
    if (ex.send?.type === 'set_filter') filter = String(ex.send.filter)
    if (ex.send?.type === 'clear_filter') filter = ''
  }
  return filter
}

test('bridge.events vectors: event shape, key order and deliverability', () => {
  const now = bridge.transcript.setup.fixedNow
  const filter = parseFilter(transcriptFilter())
  assert.deepEqual(filter, [['alpha', 'beta'], ['gamma']])
  const filterChannels =
    bridge.transcript.setup.filterChannels === null ? null : new Set(bridge.transcript.setup.filterChannels)
  const client = { subscriptions: null, filter } // reference: empty Set (B21); ours: null = all channels
  assert.ok(bridge.events.cases.length > 0)
  for (const c of bridge.events.cases) {
    const event = sidechannelEvent(c.channel, c.payload, now)
    const deliver = shouldDeliver(client, c.channel, normalizeText(event.message), filterChannels)
    assert.equal(deliver, c.expectEvent !== null, `deliver ${JSON.stringify(c.payload.message)} on ${c.channel}`)
    if (c.expectEvent !== null) {
      assert.deepEqual(event, c.expectEvent)
      // Byte-exact JSON also pins the key order.
      assert.equal(JSON.stringify(event), JSON.stringify(c.expectEvent))
    }
  }
})

test('B21 fix: an empty subscription set delivers nothing; a set delivers only its channels', () => {
  const filter = parseFilter('')
  const none = { subscriptions: new Set<string>(), filter }
  assert.equal(shouldDeliver(none, '0000intercom', 'x', null), false)
  assert.equal(shouldDeliver(none, 'pub1', 'x', null), false)
  // Where the reference client ends up with our fix (the failed leave of the entry keeps it subscribed):
  const entryOnly = { subscriptions: new Set(['0000intercom']), filter: parseFilter('alpha+beta|gamma') }
  const [first, , , onPub1] = bridge.events.cases
  assert.equal(shouldDeliver(entryOnly, first!.channel, normalizeText(first!.payload.message), null), true)
  assert.equal(shouldDeliver(entryOnly, onPub1!.channel, normalizeText(onPub1!.payload.message), null), false)
})

test('shouldDeliver: filter-channel list bypasses the filter for other channels, subscriptions still apply', () => {
  const client = { subscriptions: null, filter: parseFilter('gamma') }
  const only = new Set(['pub1'])
  assert.equal(shouldDeliver(client, 'pub1', 'alpha', only), false) // filtered channel, no match
  assert.equal(shouldDeliver(client, 'pub1', 'gamma', only), true)
  assert.equal(shouldDeliver(client, 'other', 'alpha', only), true) // not in the list → unfiltered
  const subscribed = { subscriptions: new Set(['pub1']), filter: parseFilter('gamma') }
  assert.equal(shouldDeliver(subscribed, 'other', 'alpha', only), false) // test (1) comes first
  // An empty (but configured) filter-channel list filters no channel.
  assert.equal(shouldDeliver(client, 'pub1', 'alpha', new Set()), true)
})

test('sidechannelEvent: missing fields, ts default, whole payload as message, channel from the arrival', () => {
  const payload = { type: 'sidechannel', channel: 'spoofed', from: 'ab', ttl: 0 }
  const event = sidechannelEvent('real', payload, 123)
  assert.equal(
    JSON.stringify(event),
    JSON.stringify({
      type: 'sidechannel_message',
      channel: 'real',
      id: null,
      from: 'ab',
      origin: null,
      sig: null,
      relayedBy: null,
      ttl: 0,
      ts: 123,
      message: payload
    })
  )
  assert.equal(sidechannelEvent('c', { ts: 5, message: 'm', relayedBy: 'r' }, 9).ts, 5)
  assert.equal(sidechannelEvent('c', { message: '' }, 9).message, '')
})
