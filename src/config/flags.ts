// The one table of command-line flags. Parsing (parse.ts), --help and the docs rows (help.ts) are all
// derived from it, so adding a flag here is the whole job. Flag names, env names and defaults follow
// spec §6.2/§6.3; the flags marked "ours" below do not exist in the reference.
import type { DhtBootstrap, PathsOfType } from './types.js'

import { ENTRY_CHANNEL } from '../common/index.js'

export { ENTRY_CHANNEL }

/** The public bootstrap nodes of the mainnet DHT (spec §1.1), shared by the peer and MSB swarms. */
export const MAINNET_DHT_BOOTSTRAP: readonly string[] = Object.freeze([
  '116.202.214.149:10001',
  '157.180.12.214:10001',
  'node1.hyperdht.org:49737',
  'node2.hyperdht.org:49737',
  'node3.hyperdht.org:49737'
])

export const FLAG_GROUPS = [
  'General',
  'Peer & stores',
  'Networking',
  'Sidechannels',
  'SC-Bridge',
  'Subnet',
  'MSB'
] as const
export type FlagGroup = (typeof FLAG_GROUPS)[number]

export type FlagKind = FlagSpec['kind']

interface FlagBase {
  /** Long name without the leading `--`. */
  name: string
  aliases?: readonly string[]
  /** Environment fallbacks, first set and non-empty one wins. */
  env: readonly string[]
  group: FlagGroup
  help: string
  /** Replaces the rendered default in --help when the default is computed. */
  defaultLabel?: string
  /** Replaces the rendered `<TYPE>` in --help; '' prints none. */
  valueLabel?: string
  /** Single-dash short form (letter without the dash), taken as a bare flag wherever it appears. */
  short?: string
}

export interface BoolFlag extends FlagBase {
  kind: 'bool'
  key: PathsOfType<boolean>
  default: boolean
}
export interface IntFlag extends FlagBase {
  kind: 'int'
  key: PathsOfType<number>
  default: number
  min: number
  max: number
  /** Unit shown in --help, e.g. `s`, `ms`, `bytes`. */
  unit?: string
}
export interface TextFlag extends FlagBase {
  kind: 'text'
  key: PathsOfType<string>
  default: string
}
export interface OptionalTextFlag extends FlagBase {
  kind: 'optionalText'
  key: PathsOfType<string | null>
  default: null
}
/** Store name: when unset it falls back to the store label, or to the peer store name plus `-msb`. */
export interface StoreNameFlag extends FlagBase {
  kind: 'storeName'
  key: PathsOfType<string>
  default: string
  fallback: 'storeLabel' | 'peerStoreName'
}
/** A directory; a trailing `/` is added. */
export interface DirFlag extends FlagBase {
  kind: 'dir'
  key: PathsOfType<string>
  default: string
}
export interface CsvFlag extends FlagBase {
  kind: 'csv'
  key: PathsOfType<string[] | null>
  default: null
}
/** CSV of channel names to join; the entry channel is removed. */
export interface ChannelListFlag extends FlagBase {
  kind: 'channelList'
  key: PathsOfType<string[]>
  default: readonly string[]
}
/** CSV of 32-byte hex keys, lowercased. */
export interface KeyListFlag extends FlagBase {
  kind: 'keyList'
  key: PathsOfType<string[] | null>
  default: null
}
/** `chan:value` list; `values: 'key'` demands 64-hex values (lowercased), `raw` keeps them as typed. */
export interface ChanMapFlag extends FlagBase {
  kind: 'chanMap'
  key: PathsOfType<Map<string, string>>
  values: 'key' | 'raw'
  default: null
}
/** One of a fixed list of words (lowercased). */
export interface ChoiceFlag extends FlagBase {
  kind: 'choice'
  key: PathsOfType<string>
  default: string
  choices: readonly string[]
}
/** 32 bytes as 64 hex chars, trimmed and lowercased. */
export interface Hex32Flag extends FlagBase {
  kind: 'hex32'
  key: PathsOfType<string | null>
  default: null
  /** Fixed error text (kept verbatim from the reference where one exists). */
  invalidMessage?: string
}
/** CSV of `host:port` (IPv6 as `[addr]:port`), or `local`. */
export interface HostPortsFlag extends FlagBase {
  kind: 'hostPorts'
  key: PathsOfType<DhtBootstrap>
  default: DhtBootstrap | readonly string[]
}

export type FlagSpec =
  | BoolFlag
  | IntFlag
  | TextFlag
  | OptionalTextFlag
  | StoreNameFlag
  | DirFlag
  | CsvFlag
  | ChannelListFlag
  | KeyListFlag
  | ChanMapFlag
  | Hex32Flag
  | HostPortsFlag
  | ChoiceFlag

const SECONDS_PER_YEAR = 365 * 24 * 3600

export const FLAGS: readonly FlagSpec[] = [
  // General
  {
    name: 'help',
    short: 'h',
    env: [],
    group: 'General',
    kind: 'bool',
    key: 'help',
    default: false,
    valueLabel: '',
    help: 'Print this list of flags and exit.'
  },
  {
    name: 'version',
    env: [],
    group: 'General',
    kind: 'bool',
    key: 'version',
    default: false,
    valueLabel: '',
    help: 'Print the program version and exit.'
  },

  // Peer & stores
  {
    name: 'peer-store-name',
    env: ['PEER_STORE_NAME'],
    group: 'Peer & stores',
    kind: 'storeName',
    key: 'peer.storeName',
    default: 'peer',
    fallback: 'storeLabel',
    defaultLabel: 'the first positional argument, else peer',
    help: 'Name of the peer store inside the stores directory; it holds the subnet data and db/keypair.json.'
  },
  {
    name: 'peer-stores-directory',
    env: ['PEER_STORES_DIRECTORY'],
    group: 'Peer & stores',
    kind: 'dir',
    key: 'peer.storesDirectory',
    default: 'stores/',
    help: 'Directory holding peer stores.'
  },

  // Networking
  {
    name: 'peer-dht-bootstrap',
    aliases: ['dht-bootstrap'],
    env: ['PEER_DHT_BOOTSTRAP', 'DHT_BOOTSTRAP'],
    group: 'Networking',
    kind: 'hostPorts',
    key: 'peer.dhtBootstrap',
    default: MAINNET_DHT_BOOTSTRAP,
    defaultLabel: 'the 5 mainnet DHT nodes',
    help: 'DHT bootstrap nodes of the peer swarm (subnet and sidechannels). `local` starts a loopback DHT inside this process.'
  },
  {
    name: 'peer-deny',
    env: ['PEER_DENY'],
    group: 'Networking',
    kind: 'keyList',
    key: 'peer.deny',
    default: null,
    defaultLabel: 'none',
    help: 'Public keys (64 hex) of peers this peer never connects to or accepts (a block list; also how to build line topologies on one machine).'
  },
  {
    name: 'msb-dht-bootstrap',
    env: ['MSB_DHT_BOOTSTRAP'],
    group: 'Networking',
    kind: 'hostPorts',
    key: 'msb.dhtBootstrap',
    default: MAINNET_DHT_BOOTSTRAP,
    defaultLabel: 'the 5 mainnet DHT nodes (the local DHT when the peer runs with --dht-bootstrap local)',
    help: 'DHT bootstrap nodes of the separate MSB swarm. `local` starts a loopback DHT inside this process.'
  },

  // Sidechannels
  {
    name: 'sidechannels',
    aliases: ['sidechannel'],
    env: ['SIDECHANNELS'],
    group: 'Sidechannels',
    kind: 'channelList',
    key: 'sidechannel.channels',
    default: [],
    defaultLabel: 'none',
    help: `Extra channels to join at start, comma separated (the entry ${ENTRY_CHANNEL} is always joined).`
  },
  {
    name: 'sidechannel-debug',
    env: ['SIDECHANNEL_DEBUG'],
    group: 'Sidechannels',
    kind: 'bool',
    key: 'sidechannel.debug',
    default: false,
    help: 'Verbose sidechannel logging.'
  },
  {
    name: 'sidechannel-quiet',
    env: ['SIDECHANNEL_QUIET'],
    group: 'Sidechannels',
    kind: 'bool',
    key: 'sidechannel.quiet',
    default: false,
    help: 'Do not print received messages on the terminal (they are still relayed). No effect while SC-Bridge is on.'
  },
  {
    name: 'sidechannel-max-bytes',
    env: ['SIDECHANNEL_MAX_BYTES'],
    group: 'Sidechannels',
    kind: 'int',
    key: 'sidechannel.maxBytes',
    default: 1_000_000,
    min: 0,
    max: 64 * 1024 * 1024,
    unit: 'bytes',
    help: 'Largest payload this peer will send; 0 refuses every send.'
  },
  {
    name: 'sidechannel-allow-remote-open',
    env: ['SIDECHANNEL_ALLOW_REMOTE_OPEN'],
    group: 'Sidechannels',
    kind: 'bool',
    key: 'sidechannel.allowRemoteOpen',
    default: true,
    help: 'Act on open-channel requests from other peers; when off they arrive as ordinary messages.'
  },
  {
    name: 'sidechannel-auto-join',
    env: ['SIDECHANNEL_AUTO_JOIN'],
    group: 'Sidechannels',
    kind: 'bool',
    key: 'sidechannel.autoJoin',
    default: false,
    help: 'Join channels that other peers ask this peer to open.'
  },
  {
    name: 'sidechannel-pow',
    env: ['SIDECHANNEL_POW'],
    group: 'Sidechannels',
    kind: 'bool',
    key: 'sidechannel.pow',
    default: true,
    help: 'Require and attach proof of work. Reference peers expect it by default.'
  },
  {
    name: 'sidechannel-pow-difficulty',
    env: ['SIDECHANNEL_POW_DIFFICULTY'],
    group: 'Sidechannels',
    kind: 'int',
    key: 'sidechannel.powDifficulty',
    default: 12,
    min: 0,
    max: 256,
    unit: 'bits',
    help: 'Leading zero bits of the proof of work; 0 turns proof of work off.'
  },
  {
    name: 'sidechannel-pow-entry',
    env: ['SIDECHANNEL_POW_ENTRY'],
    group: 'Sidechannels',
    kind: 'bool',
    key: 'sidechannel.powEntry',
    default: false,
    help: 'Demand proof of work on the entry channel only.'
  },
  {
    name: 'sidechannel-pow-channels',
    env: ['SIDECHANNEL_POW_CHANNELS'],
    group: 'Sidechannels',
    kind: 'csv',
    key: 'sidechannel.powChannels',
    default: null,
    help: 'Demand proof of work only on these channels (overrides --sidechannel-pow-entry).'
  },
  {
    name: 'sidechannel-rate-bytes',
    env: ['SIDECHANNEL_RATE_BYTES'],
    group: 'Sidechannels',
    kind: 'int',
    key: 'sidechannel.rateBytes',
    default: 64_000,
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    unit: 'bytes/s',
    help: 'Inbound allowance per peer, refilled every second; 0 disables rate limiting.'
  },
  {
    name: 'sidechannel-rate-burst',
    env: ['SIDECHANNEL_RATE_BURST'],
    group: 'Sidechannels',
    kind: 'int',
    key: 'sidechannel.rateBurst',
    default: 256_000,
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
    unit: 'bytes',
    help: 'Size of the inbound allowance bucket, which is also the largest message accepted.'
  },
  {
    name: 'sidechannel-max-strikes',
    env: ['SIDECHANNEL_MAX_STRIKES'],
    group: 'Sidechannels',
    kind: 'int',
    key: 'sidechannel.maxStrikes',
    default: 3,
    min: 1,
    max: 1_000_000,
    help: 'Rate-limit violations within 5 s before a peer is blocked for 30 s.'
  },
  {
    name: 'sidechannel-rate-block-sec',
    env: ['SIDECHANNEL_RATE_BLOCK_SEC'],
    group: 'Sidechannels',
    kind: 'int',
    key: 'sidechannel.rateBlockSec',
    default: 30,
    min: 1,
    max: 86_400,
    help: 'How long a peer that used up its rate-limit strikes stays blocked, in seconds (reference: fixed 30).'
  },
  {
    name: 'sidechannel-verify-workers',
    env: ['SIDECHANNEL_VERIFY_WORKERS'],
    group: 'Sidechannels',
    kind: 'int',
    key: 'sidechannel.verifyWorkers',
    default: -1,
    min: -1,
    max: 64,
    help: 'Worker threads that check message signatures: 0 checks on the main thread, -1 uses one per spare core (at most 4) on machines with 3 or more cores.'
  },
  {
    name: 'sidechannel-invite-required',
    env: ['SIDECHANNEL_INVITE_REQUIRED'],
    group: 'Sidechannels',
    kind: 'bool',
    key: 'sidechannel.inviteRequired',
    default: false,
    help: 'Make channels invite-only: all non-entry channels, or those named by the two flags below.'
  },
  {
    name: 'sidechannel-encrypt-channels',
    env: ['SIDECHANNEL_ENCRYPT_CHANNELS'],
    group: 'Sidechannels',
    kind: 'csv',
    key: 'sidechannel.encryptChannels',
    default: null,
    help: 'Channels whose messages are sealed end to end with a channel key that invites carry (our extension; relays and reference peers see only ciphertext).'
  },
  {
    name: 'sidechannel-invite-channels',
    env: ['SIDECHANNEL_INVITE_CHANNELS'],
    group: 'Sidechannels',
    kind: 'csv',
    key: 'sidechannel.inviteChannels',
    default: null,
    help: 'Channels that are invite-only (exact names).'
  },
  {
    name: 'sidechannel-invite-prefixes',
    env: ['SIDECHANNEL_INVITE_PREFIXES'],
    group: 'Sidechannels',
    kind: 'csv',
    key: 'sidechannel.invitePrefixes',
    default: null,
    help: 'Channels starting with one of these prefixes are invite-only.'
  },
  {
    name: 'sidechannel-inviter-keys',
    env: ['SIDECHANNEL_INVITER_KEYS'],
    group: 'Sidechannels',
    kind: 'keyList',
    key: 'sidechannel.inviterKeys',
    default: null,
    defaultLabel: "this peer's key when invites are required",
    help: 'Public keys (64 hex) whose invites are trusted.'
  },
  {
    name: 'sidechannel-invite-ttl',
    env: ['SIDECHANNEL_INVITE_TTL'],
    group: 'Sidechannels',
    kind: 'int',
    key: 'sidechannel.inviteTtlSec',
    default: 604_800,
    min: 0,
    max: 10 * SECONDS_PER_YEAR,
    unit: 's',
    help: 'Default lifetime of invites made with /sc_invite; 0 makes --ttl mandatory there.'
  },
  {
    name: 'sidechannel-owner',
    env: ['SIDECHANNEL_OWNER'],
    group: 'Sidechannels',
    kind: 'chanMap',
    key: 'sidechannel.owners',
    values: 'key',
    default: null,
    valueLabel: '<chan:hex64,...>',
    help: 'Owner public key of each channel; owners sign welcomes and may write to owner-only channels.'
  },
  {
    name: 'sidechannel-owner-write-only',
    env: ['SIDECHANNEL_OWNER_WRITE_ONLY'],
    group: 'Sidechannels',
    kind: 'bool',
    key: 'sidechannel.ownerWriteOnly',
    default: false,
    help: 'Only the owner may post on any non-entry channel.'
  },
  {
    name: 'sidechannel-owner-write-channels',
    env: ['SIDECHANNEL_OWNER_WRITE_CHANNELS'],
    group: 'Sidechannels',
    kind: 'csv',
    key: 'sidechannel.ownerWriteChannels',
    default: null,
    help: 'Channels where only the owner may post.'
  },
  {
    name: 'sidechannel-welcome',
    env: ['SIDECHANNEL_WELCOME'],
    group: 'Sidechannels',
    kind: 'chanMap',
    key: 'sidechannel.welcomes',
    values: 'raw',
    default: null,
    valueLabel: '<chan:b64|chan:@file,...>',
    help: 'Pre-signed welcome per channel, as base64 (optionally prefixed b64:) or @file. Raw JSON cannot be given here.'
  },
  {
    name: 'sidechannel-welcome-required',
    env: ['SIDECHANNEL_WELCOME_REQUIRED'],
    group: 'Sidechannels',
    kind: 'bool',
    key: 'sidechannel.welcomeRequired',
    default: true,
    help: "Hold back messages on a non-entry channel until its owner's welcome has been verified."
  },
  // ours
  {
    name: 'sidechannel-max-age',
    env: ['SIDECHANNEL_MAX_AGE'],
    group: 'Sidechannels',
    kind: 'int',
    key: 'sidechannel.maxAgeSec',
    default: 600,
    min: 0,
    max: SECONDS_PER_YEAR,
    unit: 's',
    help: 'Drop messages whose timestamp is further than this from the local clock (stops old replays); 0 disables.'
  },
  // ours
  {
    name: 'sidechannel-relay-ttl',
    env: ['SIDECHANNEL_RELAY_TTL'],
    group: 'Sidechannels',
    kind: 'int',
    key: 'sidechannel.relayTtl',
    default: 3,
    min: 0,
    max: 16,
    unit: 'hops',
    help: 'Hop budget of messages this peer sends, and the cap applied to the hop count of relayed ones.'
  },

  // SC-Bridge
  {
    name: 'sc-bridge',
    env: ['SC_BRIDGE'],
    group: 'SC-Bridge',
    kind: 'bool',
    key: 'scBridge.enabled',
    default: false,
    help: 'Serve the WebSocket bridge for local clients. Needs a token.'
  },
  {
    name: 'sc-bridge-host',
    env: ['SC_BRIDGE_HOST'],
    group: 'SC-Bridge',
    kind: 'text',
    key: 'scBridge.host',
    default: '127.0.0.1',
    help: 'Address the bridge listens on.'
  },
  {
    name: 'sc-bridge-port',
    env: ['SC_BRIDGE_PORT'],
    group: 'SC-Bridge',
    kind: 'int',
    key: 'scBridge.port',
    default: 49222,
    min: 0,
    max: 65535,
    help: 'Port the bridge listens on; 0 picks a free one.'
  },
  {
    name: 'sc-bridge-token',
    env: ['SC_BRIDGE_TOKEN'],
    group: 'SC-Bridge',
    kind: 'optionalText',
    key: 'scBridge.token',
    default: null,
    defaultLabel: 'none',
    help: 'Shared secret clients must present. Prefer the environment variable: other local users can read command lines in the process list.'
  },
  {
    name: 'sc-bridge-filter',
    env: ['SC_BRIDGE_FILTER'],
    group: 'SC-Bridge',
    kind: 'text',
    key: 'scBridge.filter',
    default: '',
    help: 'Default message filter for every client: words joined by + must all match, | separates alternatives.'
  },
  {
    name: 'sc-bridge-filter-channel',
    env: ['SC_BRIDGE_FILTER_CHANNEL'],
    group: 'SC-Bridge',
    kind: 'csv',
    key: 'scBridge.filterChannels',
    default: null,
    help: 'Apply filters only on these channels; others are forwarded unfiltered.'
  },
  {
    name: 'sc-bridge-cli',
    env: ['SC_BRIDGE_CLI'],
    group: 'SC-Bridge',
    kind: 'bool',
    key: 'scBridge.cli',
    default: false,
    help: 'Let bridge clients run terminal commands (cli requests), including /get_keys.'
  },
  {
    name: 'sc-bridge-debug',
    env: ['SC_BRIDGE_DEBUG'],
    group: 'SC-Bridge',
    kind: 'bool',
    key: 'scBridge.debug',
    default: false,
    help: 'Verbose bridge logging.'
  },
  // ours
  {
    name: 'sc-bridge-auth-timeout',
    env: ['SC_BRIDGE_AUTH_TIMEOUT'],
    group: 'SC-Bridge',
    kind: 'int',
    key: 'scBridge.authTimeoutMs',
    default: 10_000,
    min: 1,
    max: 3_600_000,
    unit: 'ms',
    help: 'Close connections that have not authenticated within this time.'
  },
  // ours
  {
    name: 'sc-bridge-max-frame',
    env: ['SC_BRIDGE_MAX_FRAME'],
    group: 'SC-Bridge',
    kind: 'int',
    key: 'scBridge.maxFrameBytes',
    default: 1_048_576,
    min: 1024,
    max: 256 * 1024 * 1024,
    unit: 'bytes',
    help: 'Largest WebSocket message accepted from a client.'
  },
  // ours
  {
    name: 'sc-bridge-max-buffered',
    env: ['SC_BRIDGE_MAX_BUFFERED'],
    group: 'SC-Bridge',
    kind: 'int',
    key: 'scBridge.maxBufferedBytes',
    default: 4_194_304,
    min: 1024,
    max: 1024 * 1024 * 1024,
    unit: 'bytes',
    help: 'Outgoing bytes queued for a slow client before events to it are dropped.'
  },
  {
    name: 'sc-bridge-allowed-origins',
    env: ['SC_BRIDGE_ALLOWED_ORIGINS'],
    group: 'SC-Bridge',
    kind: 'csv',
    key: 'scBridge.allowedOrigins',
    default: null,
    help: 'Browser origins allowed to connect (`*` for any). Connections that carry an Origin header not listed are refused, so web pages cannot reach the bridge; agents that send no Origin are unaffected.'
  },

  // Subnet
  {
    name: 'subnet',
    env: ['SUBNET_ENABLED'],
    group: 'Subnet',
    kind: 'bool',
    key: 'subnet.enabled',
    default: true,
    help: 'Run the subnet (replicated state: admin, writers, chat, the app contract, features). Off: a messaging peer (sidechannels and SC-Bridge only, nothing written but the wallet and sidechannel state); with --msb 0 as well it talks to no MSB either.'
  },
  {
    name: 'subnet-channel',
    env: ['SUBNET_CHANNEL'],
    group: 'Subnet',
    kind: 'text',
    key: 'subnet.channel',
    default: 'trac-peer-subnet',
    help: 'Name from which the subnet swarm topic is made.'
  },
  {
    name: 'subnet-bootstrap',
    env: ['SUBNET_BOOTSTRAP'],
    group: 'Subnet',
    kind: 'hex32',
    key: 'subnet.bootstrap',
    default: null,
    invalidMessage: 'Invalid --subnet-bootstrap. Provide 32-byte hex (64 chars).',
    defaultLabel: 'read from <store>/subnet-bootstrap.hex, else a new subnet',
    help: 'Bootstrap key of the subnet to join (64 hex).'
  },
  {
    name: 'timer',
    env: ['INTERCOM_TIMER'],
    group: 'Subnet',
    kind: 'bool',
    key: 'timer',
    default: false,
    help: 'Run the sample timer feature (subnet admin only): appends the current time every 60 s.'
  },

  // MSB
  {
    name: 'msb',
    env: ['MSB_ENABLED'],
    group: 'MSB',
    kind: 'bool',
    key: 'msb.enabled',
    default: true,
    help: 'Run the MSB light client (balances, /transfer, /deploy_subnet, settled /tx). Off: the peer runs without settlement; subnet `tx` ops cannot be checked.'
  },
  {
    name: 'msb-network',
    env: ['MSB_NETWORK'],
    group: 'MSB',
    kind: 'choice',
    key: 'msb.network',
    default: 'mainnet',
    choices: ['mainnet', 'testnet', 'development'],
    help: 'MSB network preset: bootstrap, channel, network id and address prefix of the reference networks.'
  },
  {
    name: 'msb-bootstrap',
    env: ['MSB_BOOTSTRAP'],
    group: 'MSB',
    kind: 'hex32',
    key: 'msb.bootstrap',
    default: null,
    defaultLabel: "the preset's",
    help: 'MSB bootstrap key (64 hex), overriding the preset (a local devnet prints it).'
  },
  {
    name: 'msb-channel',
    env: ['MSB_CHANNEL'],
    group: 'MSB',
    kind: 'optionalText',
    key: 'msb.channel',
    default: null,
    defaultLabel: "the preset's",
    help: 'MSB channel name (1-32 bytes; its swarm topic), overriding the preset.'
  },
  {
    name: 'msb-store-name',
    env: ['MSB_STORE_NAME'],
    group: 'MSB',
    kind: 'storeName',
    key: 'msb.storeName',
    default: 'peer-msb',
    fallback: 'peerStoreName',
    defaultLabel: '<peer store name>-msb',
    help: 'Name of the MSB store (its own swarm and wallet file).'
  },
  {
    name: 'msb-stores-directory',
    env: ['MSB_STORES_DIRECTORY'],
    group: 'MSB',
    kind: 'dir',
    key: 'msb.storesDirectory',
    default: 'stores/',
    help: 'Directory holding MSB stores.'
  }
]

const FLAG_INDEX: Map<string, FlagSpec> = (() => {
  const index = new Map<string, FlagSpec>()
  for (const flag of FLAGS) {
    for (const n of [flag.name, ...(flag.aliases ?? [])]) {
      if (index.has(n)) throw new Error(`flag table: duplicate name ${n}`)
      index.set(n, flag)
    }
  }
  return index
})()

/** Flag by its long name or alias (no dashes). */
export function findFlag(name: string): FlagSpec | undefined {
  return FLAG_INDEX.get(name)
}

/** `-x` → long flag name, for every flag with a short form. */
export const SHORT_FLAGS: ReadonlyMap<string, string> = new Map(
  FLAGS.filter((f) => f.short !== undefined).map((f) => [`-${f.short!}`, f.name])
)
