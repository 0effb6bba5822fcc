// The start-up banner (spec §6.4 step 7) and the `info` object the bridge reports (spec §7.3). Both
// mix configuration with facts only known once the MSB and the peer are running, so the caller
// passes those in.
import { ENTRY_CHANNEL } from './flags.js'
import { storePaths } from './parse.js'
import type { Config, DhtBootstrap } from './types.js'

/** Field names as in the reference `info` reply. */
export interface StartupInfo {
  msbBootstrap: string | null
  msbChannel: string | null
  msbStore: string
  msbDhtBootstrap: string[] | null
  peerStore: string
  peerDhtBootstrap: string[] | null
  subnetBootstrap: string | null
  subnetChannel: string
  peerPubkey: string | null
  peerTracAddress: string | null
  peerWriterKey: string | null
  sidechannelEntry: string
  sidechannelExtras: string[]
}

export interface BannerInfo extends StartupInfo {
  /** `ws://host:port` when the bridge is enabled, else null. */
  scBridgeUrl: string | null
}

/** What the running peer knows that the configuration does not. */
export interface RuntimeFacts {
  msbBootstrap: string | null
  msbChannel: string | null
  /** The effective subnet bootstrap (from the flag, the file, or the new subnet). */
  subnetBootstrap: string | null
  peerPubkey: string | null
  peerTracAddress: string | null
  peerWriterKey: string | null
  /** Actual nodes when the config says `local`. */
  peerDhtNodes?: string[]
  msbDhtNodes?: string[]
}

export const BANNER_TITLE = '====================INTERCOM ===================='
export const BANNER_RULE = '='.repeat(64)

function nodesOf(setting: DhtBootstrap, actual: string[] | undefined): string[] | null {
  if (actual !== undefined) return [...actual]
  return setting === 'local' ? null : [...setting]
}

export function bridgeUrl(config: Config): string | null {
  if (!config.scBridge.enabled) return null
  const host = config.scBridge.host.includes(':') ? `[${config.scBridge.host}]` : config.scBridge.host
  return `ws://${host}:${config.scBridge.port}`
}

export function configSummary(config: Config, facts: RuntimeFacts): StartupInfo {
  const { peerStore, msbStore } = storePaths(config)
  return {
    msbBootstrap: facts.msbBootstrap,
    msbChannel: facts.msbChannel,
    msbStore,
    // No MSB client (--msb 0, or refused in local-only mode): no MSB DHT nodes in use, so none are listed.
    msbDhtBootstrap: facts.msbBootstrap === null ? null : nodesOf(config.msb.dhtBootstrap, facts.msbDhtNodes),
    peerStore,
    peerDhtBootstrap: nodesOf(config.peer.dhtBootstrap, facts.peerDhtNodes),
    subnetBootstrap: facts.subnetBootstrap,
    subnetChannel: config.subnet.channel,
    peerPubkey: facts.peerPubkey,
    peerTracAddress: facts.peerTracAddress,
    peerWriterKey: facts.peerWriterKey,
    sidechannelEntry: ENTRY_CHANNEL,
    sidechannelExtras: [...config.sidechannel.channels]
  }
}

// The reference prints each line with console.log(label, value), which renders null as "null".
function show(value: string | null): string {
  return value === null ? 'null' : value
}

/** The banner, one string per line, including the blank first and last lines. */
export function bannerLines(info: BannerInfo): string[] {
  const lines = [
    '',
    BANNER_TITLE,
    `MSB network bootstrap: ${show(info.msbBootstrap)}`,
    `MSB channel: ${show(info.msbChannel)}`,
    `MSB store: ${info.msbStore}`,
    `Peer store: ${info.peerStore}`
  ]
  if (info.msbDhtBootstrap !== null && info.msbDhtBootstrap.length > 0) {
    lines.push(`MSB DHT bootstrap nodes: ${info.msbDhtBootstrap.join(', ')}`)
  }
  if (info.peerDhtBootstrap !== null && info.peerDhtBootstrap.length > 0) {
    lines.push(`Peer DHT bootstrap nodes: ${info.peerDhtBootstrap.join(', ')}`)
  }
  lines.push(
    `Peer subnet bootstrap: ${show(info.subnetBootstrap)}`,
    `Peer subnet channel: ${info.subnetChannel}`,
    `Peer pubkey (hex): ${show(info.peerPubkey)}`,
    `Peer trac address (bech32m): ${show(info.peerTracAddress)}`,
    `Peer writer key (hex): ${show(info.peerWriterKey)}`,
    `Sidechannel entry: ${info.sidechannelEntry}`
  )
  if (info.sidechannelExtras.length > 0) lines.push(`Sidechannel extras: ${info.sidechannelExtras.join(', ')}`)
  if (info.scBridgeUrl !== null) lines.push(`SC-Bridge: ${info.scBridgeUrl}`)
  lines.push(BANNER_RULE, '')
  return lines
}
