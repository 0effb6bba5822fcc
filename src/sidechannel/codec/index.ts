// Public surface of the pure sidechannel wire codecs (no I/O, no timers, no global state).
export { canonicalJson } from './canonical.js'
export { ENTRY_CHANNEL, normalizeChannelName, channelTopic, channelProtocol, subnetTopic } from './topic.js'
export {
  leadingZeroBits,
  powBaseString,
  powHash,
  checkPow,
  findPowNonce,
  PowMidstate,
  type PowStamp,
  type PayloadCore
} from './pow.js'
export {
  PAYLOAD_TYPE,
  SIGNATURE_KIND,
  DEFAULT_TTL,
  randomSuffix,
  messageId,
  normHex,
  signatureBaseString,
  buildPayload,
  verifyPayloadSignature,
  relayCopy,
  encodedSize,
  type SidechannelPayload,
  type BuildPayloadOptions,
  type RelayedPayload
} from './payload.js'
export {
  WELCOME_VERSION,
  createWelcome,
  normalizeWelcome,
  welcomeSigningString,
  verifyWelcome,
  type WelcomePayload,
  type WelcomeObject,
  type NormalizedWelcome,
  type CreateWelcomeOptions
} from './welcome.js'
export {
  INVITE_VERSION,
  INVITE_CLOCK_SKEW_MS,
  createInvite,
  normalizeInvite,
  inviteSigningString,
  verifyInvite,
  type InvitePayload,
  type InviteObject,
  type NormalizedInvite,
  type CreateInviteOptions,
  type VerifyInviteOptions,
  type InviteVerdict
} from './invite.js'
export { parseBlobArg, toBase64Json, type BlobArgMode, type BlobArgOptions } from './blob.js'
export {
  SEAL_VERSION,
  CHANNEL_KEY_BYTES,
  newChannelKey,
  encodeChannelKey,
  decodeChannelKey,
  isSealed,
  sealMessage,
  openSealed,
  withoutChannelKey,
  type SealedMessage
} from './seal.js'
export {
  authControl,
  welcomeControl,
  openChannelControl,
  readControl,
  type ControlKind,
  type AuthControl,
  type WelcomeControl,
  type OpenChannelControl
} from './control.js'
