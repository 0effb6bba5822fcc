// The package entry for programs that embed the peer, build their own subnet app on it, or drive a peer
// over SC-Bridge. Everything an app needs comes from here (`import { Contract, Protocol } from 'intercom-ts'`);
// deeper paths are internal and may change.

// The peer and its configuration
export { IntercomPeer, PeerStartupError, type PeerOptions } from './peer.js'
export { parseConfig, renderHelp, describeFlags, ConfigError, type Config } from './config/index.js'
export { runIntercom, VERSION, type RunOptions } from './main.js'

// One error type with stable machine codes, across planes
export { IntercomError, ERROR_CODES, errorCode, isIntercomError, type ErrorCode } from './errors.js'
export { WalletFileError } from './wallet/index.js'
export { BootstrapError } from './net/index.js'

// The app SDK: your own Protocol + Contract (+ features) instead of the sample app
export {
  SAMPLE_APP,
  checkApp,
  type IntercomApp,
  type AppFeature,
  type ProtocolClass,
  type ContractClass
} from './app.js'
export { Contract, type ContractHandler, type ContractMetadata } from './subnet/index.js'
export {
  Protocol,
  type Printer,
  type TxDispatch,
  type SubnetRuntimeLike,
  type ProtocolOptions,
  type TxOptions
} from './subnet/index.js'
export { Feature } from './subnet/index.js'
export type { ContractResult, ViewStore } from './subnet/index.js'
export {
  ContractAssertionError,
  ContractExecutionError,
  UnknownContractOperationType,
  ReservedKeyError,
  ViewStorageError,
  SettlementUnavailableError,
  SubnetStoreFormatError,
  contractResultError
} from './subnet/index.js'
export { SampleContract } from '../contract/contract.js'
export { SampleProtocol } from '../protocol/protocol.js'
export { TimerFeature, type TimerFeatureOptions } from '../features/timer.js'

// Driving a peer's commands from code (what the terminal and the bridge `cli` run)
export { CommandRunner, type CommandOutcome } from './terminal/index.js'

// Agents: the typed SC-Bridge client
export { IntercomBridgeClient, BridgeError } from './bridge/client.js'
export type * from './bridge/client.js'

// Planes and codecs, for tools and tests
export { SidechannelManager, type DeliveredMessage, type SendResult } from './sidechannel/index.js'
export { codec } from './sidechannel/index.js'
export { Wallet, loadOrCreateWallet, encodeAddress, decodeAddress } from './wallet/index.js'
export { startLocalDht } from './net/index.js'
export * as msb from './msb/index.js'
export { startDevnet, type Devnet, type DevnetOptions } from './msb/devnet/index.js'
