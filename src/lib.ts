// The package entry for programs that embed the peer or drive one over SC-Bridge.
export { IntercomBridgeClient, BridgeError } from './bridge/client.js'
export type * from './bridge/client.js'
export { IntercomPeer, type PeerOptions } from './peer.js'
export { parseConfig, renderHelp, describeFlags, ConfigError, type Config } from './config/index.js'
export { SidechannelManager, type DeliveredMessage, type SendResult } from './sidechannel/manager.js'
export * as codec from './sidechannel/codec/index.js'
export { Wallet, loadOrCreateWallet, encodeAddress, decodeAddress } from './wallet/index.js'
export { startLocalDht } from './net/index.js'
