export type {
  Config,
  ConfigPath,
  ConfigPathValue,
  ConfigSection,
  DhtBootstrap,
  PathsOfType,
  PeerSection,
  MsbSection,
  SubnetSection,
  SidechannelSection,
  ScBridgeSection
} from './types.js'
export {
  ENTRY_CHANNEL,
  FLAGS,
  FLAG_GROUPS,
  MAINNET_DHT_BOOTSTRAP,
  SHORT_FLAGS,
  findFlag,
  type FlagGroup,
  type FlagKind,
  type FlagSpec
} from './flags.js'
export {
  ConfigError,
  parseBool,
  parseChanMap,
  parseCsvList,
  scanArgv,
  scanChanMap,
  storeLabelOf,
  toArgMap,
  type ArgMap,
  type ArgValue,
  type ArgvEntry,
  type ChanMapEntry,
  type ScannedArgv
} from './values.js'
export {
  BRIDGE_TOKEN_REQUIRED,
  SUBNET_EQUALS_MSB,
  assertDistinctBootstraps,
  configFromFlags,
  defaultConfig,
  parseConfig,
  startupWarnings,
  storePaths,
  type Env
} from './parse.js'
export { describeFlags, renderHelp, type FlagRow, type HelpOptions } from './help.js'
export { flagsMarkdown } from './markdown.js'
export {
  BANNER_RULE,
  BANNER_TITLE,
  bannerLines,
  bridgeUrl,
  configSummary,
  type BannerInfo,
  type RuntimeFacts,
  type StartupInfo
} from './banner.js'
