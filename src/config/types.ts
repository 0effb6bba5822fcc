// The typed configuration every other module reads. It is filled from the flag table in flags.ts;
// the path types below let that table name a field and have the compiler check that the flag's
// kind produces the field's type.

/** `local` starts an in-process loopback DHT; otherwise normalized `host:port` strings. */
export type DhtBootstrap = 'local' | string[]

export interface PeerSection {
  storeName: string
  /** Always ends with `/`. */
  storesDirectory: string
  dhtBootstrap: DhtBootstrap
  /** Lowercase 64-hex keys of peers the swarm refuses, both ways; null when none. */
  deny: string[] | null
}

export interface MsbSection {
  enabled: boolean
  /** `mainnet`, `testnet` or `development`. */
  network: string
  /** 64 lowercase hex, or null for the preset's. */
  bootstrap: string | null
  channel: string | null
  storeName: string
  /** Always ends with `/`. */
  storesDirectory: string
  dhtBootstrap: DhtBootstrap
}

export interface SubnetSection {
  /** False: no subnet (and so no chat, contract, features or settlement); sidechannels and SC-Bridge only. */
  enabled: boolean
  channel: string
  /** 64 lowercase hex chars, or null when the caller should read `subnet-bootstrap.hex` or create a subnet. */
  bootstrap: string | null
}

export interface SidechannelSection {
  /** Extra channels joined at start, entry channel removed. */
  channels: string[]
  debug: boolean
  quiet: boolean
  maxBytes: number
  allowRemoteOpen: boolean
  autoJoin: boolean
  pow: boolean
  powDifficulty: number
  powEntry: boolean
  powChannels: string[] | null
  rateBytes: number
  rateBurst: number
  maxStrikes: number
  rateBlockSec: number
  verifyWorkers: number
  inviteRequired: boolean
  inviteChannels: string[] | null
  encryptChannels: string[] | null
  invitePrefixes: string[] | null
  /** Lowercase 64-hex keys. */
  inviterKeys: string[] | null
  inviteTtlSec: number
  /** channel → lowercase 64-hex owner key. */
  owners: Map<string, string>
  ownerWriteOnly: boolean
  ownerWriteChannels: string[] | null
  /** channel → raw welcome text (`b64`, `b64:…` or `@file`), decoded by the sidechannel module. */
  welcomes: Map<string, string>
  welcomeRequired: boolean
  /** Freshness window for inbound `ts`; 0 disables the check. */
  maxAgeSec: number
  relayTtl: number
}

export interface ScBridgeSection {
  enabled: boolean
  host: string
  port: number
  token: string | null
  filter: string
  filterChannels: string[] | null
  cli: boolean
  debug: boolean
  authTimeoutMs: number
  maxFrameBytes: number
  maxBufferedBytes: number
  allowedOrigins: string[] | null
}

export interface Config {
  help: boolean
  version: boolean
  timer: boolean
  /** First positional argument, if any. */
  storeLabel: string | null
  peer: PeerSection
  msb: MsbSection
  subnet: SubnetSection
  sidechannel: SidechannelSection
  scBridge: ScBridgeSection
}

export type ConfigSection = 'peer' | 'msb' | 'subnet' | 'sidechannel' | 'scBridge'
type TopLevelField = 'help' | 'version' | 'timer'

/** Dotted path of a field a flag can fill, e.g. `sidechannel.powDifficulty`. */
export type ConfigPath = TopLevelField | { [S in ConfigSection]: `${S}.${keyof Config[S] & string}` }[ConfigSection]

export type ConfigPathValue<P extends ConfigPath> = P extends `${infer S}.${infer F}`
  ? S extends ConfigSection
    ? F extends keyof Config[S]
      ? Config[S][F]
      : never
    : never
  : P extends TopLevelField
    ? Config[P]
    : never

/** Paths whose field type is exactly T (tuples stop the conditional from distributing over unions). */
export type PathsOfType<T> = {
  [P in ConfigPath]: [ConfigPathValue<P>] extends [T] ? ([T] extends [ConfigPathValue<P>] ? P : never) : never
}[ConfigPath]
