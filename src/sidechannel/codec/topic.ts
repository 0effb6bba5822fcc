// Channel naming, discovery topics and Protomux protocol names (spec §1.2, §1.4, vectors topics/subnetTopic).
import { sha256, utf8 } from '../../crypto/index.js'

/** The fixed rendezvous channel every peer joins; it can never be left. */
export const ENTRY_CHANNEL = '0000intercom'

const TOPIC_PREFIX = 'sidechannel:'
const PROTOCOL_PREFIX = 'sidechannel/'
const SUBNET_TOPIC_BYTES = 32

/** The channel name as every peer uses it (JS `trim`, i.e. Unicode whitespace), or null if nothing is left. */
export function normalizeChannelName (name: unknown): string | null {
  if (typeof name !== 'string') return null
  const trimmed = name.trim()
  return trimmed === '' ? null : trimmed
}

function requireChannelName (name: string): string {
  const normalized = normalizeChannelName(name)
  if (normalized === null) throw new TypeError('channel name is empty')
  return normalized
}

/** 32-byte Hyperswarm topic of a sidechannel. Throws a TypeError on an empty name. */
export function channelTopic (name: string): Uint8Array {
  return sha256(utf8(TOPIC_PREFIX + requireChannelName(name)))
}

/** Protomux protocol string of a sidechannel. Throws a TypeError on an empty name. */
export function channelProtocol (name: string): string {
  return PROTOCOL_PREFIX + requireChannelName(name)
}

/**
 * trac-peer's subnet topic: a 32-byte buffer filled by repeating the UTF-8 name and cutting it off
 * at 32 bytes (so a multi-byte character can be split). An empty name gives 32 zero bytes, as a
 * Buffer filled with an empty string does.
 */
export function subnetTopic (subnetChannel: string): Uint8Array {
  const topic = new Uint8Array(SUBNET_TOPIC_BYTES)
  const name = utf8(subnetChannel)
  if (name.byteLength === 0) return topic
  for (let i = 0; i < SUBNET_TOPIC_BYTES; i++) topic[i] = name[i % name.byteLength]
  return topic
}
