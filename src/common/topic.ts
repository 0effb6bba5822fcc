// Names every plane shares: the entry channel, and the 32-byte topic a channel name pads to (the subnet's swarm
// topic, and the MSB's channel bytes), spec §1.4 (vectors subnetTopic).
import { utf8 } from '../crypto/index.js'

/** The fixed rendezvous sidechannel every peer joins; it can never be left. */
export const ENTRY_CHANNEL = '0000intercom'

const SUBNET_TOPIC_BYTES = 32

/**
 * trac-peer's subnet topic: a 32-byte buffer filled by repeating the UTF-8 name and cutting it off
 * at 32 bytes (so a multi-byte character can be split). An empty name gives 32 zero bytes, as a
 * Buffer filled with an empty string does.
 */
export function subnetTopic(subnetChannel: string): Uint8Array {
  const topic = new Uint8Array(SUBNET_TOPIC_BYTES)
  const name = utf8(subnetChannel)
  if (name.byteLength === 0) return topic
  for (let i = 0; i < SUBNET_TOPIC_BYTES; i++) topic[i] = name[i % name.byteLength]
  return topic
}
