// The local MSB test network (an admin/indexer and validators, in one process): for tests, the examples and
// `npm run devnet`. Not part of the peer; used through this file.
export {
  startDevnet,
  msbChannelTopic,
  peerFlagsLine,
  type Devnet,
  type DevnetOptions,
  type DevnetValidatorInfo,
  type DevnetStatus
} from './devnet.js'
