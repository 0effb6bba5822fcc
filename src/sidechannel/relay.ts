// Relay (spec §3 step 13): a message accepted here goes on to every other authorized connection that has the
// channel open, with the ttl `nextRelayTtl` gave it and this peer named as `relayedBy`. The signed fields are
// untouched (ttl and relayedBy are outside the signature), so every hop can verify the original sender.
import { serializePayload } from '../common/index.js'
import type { Connection, ChannelSession } from './sessions.js'

export interface RelayContext {
  connections: Iterable<Connection>
  relayedBy: string
  isAuthorized: (channel: string, remoteKey: string) => boolean
  deliver: (s: ChannelSession, bytes: Uint8Array) => boolean
}

/** The copy a relay forwards. */
export function relayCopy(p: Record<string, unknown>, ttl: number, relayedBy: string): Record<string, unknown> {
  return { ...p, ttl, relayedBy }
}

/** Forwards `p` on `channel` to everyone but `from`; returns how many connections it went to. */
export function relay(
  from: Connection,
  channel: string,
  p: Record<string, unknown>,
  ttl: number,
  ctx: RelayContext
): number {
  if (ttl <= 0) return 0
  let bytes: Uint8Array | null = null
  let n = 0
  for (const c of ctx.connections) {
    if (c === from || !ctx.isAuthorized(channel, c.remoteKey)) continue
    const s = c.sessions.get(channel)
    if (!s) continue
    bytes ??= serializePayload(relayCopy(p, ttl, ctx.relayedBy))
    if (ctx.deliver(s, bytes)) n++
  }
  return n
}
