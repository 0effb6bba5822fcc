// Channel naming, discovery topics and Protomux protocol names (spec §1.2, §1.4, vectors topics/subnetTopic).
import { sha256, utf8 } from '../../crypto/index.js'

// Defined once for every plane (the subnet and the MSB use the same 32-byte topic rule).
export { ENTRY_CHANNEL, subnetTopic } from '../../common/index.js'

const TOPIC_PREFIX = 'sidechannel:'
const PROTOCOL_PREFIX = 'sidechannel/'

/** The channel name as every peer uses it (JS `trim`, i.e. Unicode whitespace), or null if nothing is left. */
export function normalizeChannelName(name: unknown): string | null {
  if (typeof name !== 'string') return null
  const trimmed = name.trim()
  return trimmed === '' ? null : trimmed
}

function requireChannelName(name: string): string {
  const normalized = normalizeChannelName(name)
  if (normalized === null) throw new TypeError('channel name is empty')
  return normalized
}

/** 32-byte Hyperswarm topic of a sidechannel. Throws a TypeError on an empty name. */
export function channelTopic(name: string): Uint8Array {
  return sha256(utf8(TOPIC_PREFIX + requireChannelName(name)))
}

/** Protomux protocol string of a sidechannel. Throws a TypeError on an empty name. */
export function channelProtocol(name: string): string {
  return PROTOCOL_PREFIX + requireChannelName(name)
}
