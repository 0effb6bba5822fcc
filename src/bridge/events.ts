// SC-Bridge `sidechannel_message` events and per-client delivery rules (spec §7.4). Pure, no I/O.
//
// Deviation from the reference (bug B21, spec §9): the reference treats an EMPTY subscription set as
// "all channels", so unsubscribing from the last channel (or a failed `leave`) silently re-subscribes
// the client to everything. Here the two states are distinct:
//   - `subscriptions === null`  → the client never subscribed: it receives every channel;
//   - `subscriptions` is a Set  → it receives exactly the channels in it; an empty Set means none.
// A server built on this module keeps `null` until the client's first `subscribe`/`unsubscribe`.

import { matchesFilter, type ParsedFilter } from './filter.js'

export interface SidechannelEventFrame {
  type: 'sidechannel_message'
  /** The channel the frame arrived on (not `payload.channel`). */
  channel: string
  id: unknown
  from: unknown
  origin: unknown
  sig: unknown
  relayedBy: unknown
  ttl: unknown
  ts: unknown
  /** `payload.message`, or the whole payload when the payload has no message. */
  message: unknown
}

export interface DeliveryClient {
  /** null = all channels (never subscribed); a Set = exactly those channels (empty = none). */
  subscriptions: Set<string> | null
  /** Parsed filter (see filter.ts); `[]` matches everything. */
  filter: ParsedFilter
}

/**
 * Builds the event for a delivered payload. Key order is part of the wire format:
 * type, channel, id, from, origin, sig, relayedBy, ttl, ts, message. Missing (null/undefined) fields
 * become null, except `ts` (→ `now`) and `message` (→ the whole payload).
 */
export function sidechannelEvent(
  channel: string,
  payload: Record<string, unknown>,
  now: number
): SidechannelEventFrame {
  return {
    type: 'sidechannel_message',
    channel,
    id: payload.id ?? null,
    from: payload.from ?? null,
    origin: payload.origin ?? null,
    sig: payload.sig ?? null,
    relayedBy: payload.relayedBy ?? null,
    ttl: payload.ttl ?? null,
    ts: payload.ts ?? now,
    message: payload.message ?? payload
  }
}

/**
 * Whether a message on `channel` whose filter text is `text` (see `normalizeText`) goes to `client`.
 * Tests in order: (1) subscription set present and lacking the channel → no; (2) a filter-channel
 * list configured (non-null) and lacking the channel → yes, unfiltered; (3) the client's filter decides.
 */
export function shouldDeliver(
  client: DeliveryClient,
  channel: string,
  text: string,
  filterChannels: Set<string> | null
): boolean {
  if (client.subscriptions !== null && !client.subscriptions.has(channel)) return false
  if (filterChannels !== null && !filterChannels.has(channel)) return true
  return matchesFilter(client.filter, text)
}
