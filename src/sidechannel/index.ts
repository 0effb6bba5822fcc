// The sidechannel plane: ephemeral P2P messaging over Hyperswarm + Protomux (spec sidechannel.md). Other
// planes and the peer use it through this file only; codec/ holds the wire formats, policy.ts and gates.ts the
// pure decisions, manager.ts the transport and state.
export {
  SidechannelManager,
  ENTRY_CHANNEL,
  type SidechannelComponents,
  type SidechannelIdentity,
  type DeliveredMessage,
  type SendResult
} from './manager.js'
export { policyFromSection, type ChannelPolicyConfig } from './policy.js'
export * as codec from './codec/index.js'
export { parseBlobArg, toBase64Json } from './codec/index.js'
