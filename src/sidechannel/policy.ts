// Per-channel policy predicates (spec §2.5, §2.6). Pure functions of a parsed configuration so that
// the receive and send pipelines, the registry and the tests all read the same decision table.
import type { SidechannelSection } from '../config/index.js'
import { ENTRY_CHANNEL } from '../common/index.js'

export interface ChannelPolicyConfig {
  /** The fixed entry channel (`0000intercom`); never invite-only, owner-only or welcome-gated. */
  entryChannel: string
  powEnabled: boolean
  /** Leading zero bits demanded of inbound PoW; ≤ 0 switches PoW off entirely. */
  powDifficulty: number
  powEntryOnly: boolean
  /** Exact channel names needing PoW; when set it wins over `powEntryOnly`. */
  powChannels: string[] | null
  inviteRequired: boolean
  inviteChannels: string[] | null
  invitePrefixes: string[] | null
  ownerWriteOnly: boolean
  ownerWriteChannels: string[] | null
  /** channel → lowercase owner key hex. */
  owners: Map<string, string>
  welcomeRequired: boolean
  /** Trusted inviter keys as configured (any case); see `effectiveInviterKeys`. */
  inviterKeys: string[] | null
  /** Own wallet key, hex. */
  selfKey: string
}

function channelName(ch: string): string {
  return ch.trim()
}

function normKey(key: string): string {
  return key.trim().toLowerCase()
}

// An empty list carries no names, so it is treated like an absent one; config parsing normally
// yields null for an empty flag anyway, and this keeps `[]` from silently disabling a gate.
function nonEmpty(list: string[] | null): string[] | null {
  return list !== null && list.length > 0 ? list : null
}

/** The policy a peer runs: its sidechannel flag section, seen from this peer's key. */
export function policyFromSection(
  section: SidechannelSection,
  selfKey: string,
  entryChannel = ENTRY_CHANNEL
): ChannelPolicyConfig {
  return {
    entryChannel,
    powEnabled: section.pow,
    powDifficulty: section.powDifficulty,
    powEntryOnly: section.powEntry,
    powChannels: section.powChannels,
    inviteRequired: section.inviteRequired,
    inviteChannels: section.inviteChannels,
    invitePrefixes: section.invitePrefixes,
    ownerWriteOnly: section.ownerWriteOnly,
    ownerWriteChannels: section.ownerWriteChannels,
    owners: section.owners,
    welcomeRequired: section.welcomeRequired,
    inviterKeys: section.inviterKeys,
    selfKey
  }
}

export function powRequired(cfg: ChannelPolicyConfig, ch: string): boolean {
  if (!cfg.powEnabled || !(cfg.powDifficulty > 0)) return false
  const name = channelName(ch)
  const list = nonEmpty(cfg.powChannels)
  if (list !== null) return list.includes(name)
  if (cfg.powEntryOnly) return name === cfg.entryChannel
  return true
}

/** Bits an inbound message on `ch` must carry; 0 when PoW is not required there. */
export function requiredPowBits(cfg: ChannelPolicyConfig, ch: string): number {
  return powRequired(cfg, ch) ? cfg.powDifficulty : 0
}

export function inviteRequired(cfg: ChannelPolicyConfig, ch: string): boolean {
  const name = channelName(ch)
  if (name === cfg.entryChannel || !cfg.inviteRequired) return false
  const channels = nonEmpty(cfg.inviteChannels)
  // Empty prefixes would match every name; the spec ignores them.
  const prefixes = (cfg.invitePrefixes ?? []).filter((p) => p.length > 0)
  if (channels !== null && channels.includes(name)) return true
  if (prefixes.some((p) => name.startsWith(p))) return true
  // A configured list or prefix set scopes invites to its members; with neither, every channel is invite-only.
  return channels === null && prefixes.length === 0
}

export function ownerWriteOnly(cfg: ChannelPolicyConfig, ch: string): boolean {
  const name = channelName(ch)
  if (name === cfg.entryChannel) return false
  if (cfg.ownerWriteOnly) return true
  return cfg.ownerWriteChannels !== null && cfg.ownerWriteChannels.includes(name)
}

export function welcomeRequired(cfg: ChannelPolicyConfig, ch: string): boolean {
  if (channelName(ch) === cfg.entryChannel) return false
  return cfg.welcomeRequired
}

export function ownerKeyFor(cfg: ChannelPolicyConfig, ch: string): string | null {
  const key = cfg.owners.get(channelName(ch))
  if (key === undefined) return null
  const norm = normKey(key)
  return norm.length > 0 ? norm : null
}

/**
 * The set invite verification trusts. With invites required but no keys configured the peer trusts only
 * itself (so it can run a private channel alone); with invites off and no keys the set is absent, which
 * makes invite verification accept any inviter.
 */
export function effectiveInviterKeys(cfg: ChannelPolicyConfig): Set<string> | null {
  const configured = (cfg.inviterKeys ?? []).map(normKey).filter((k) => k.length > 0)
  if (configured.length > 0) return new Set(configured)
  if (cfg.inviteRequired) {
    const self = normKey(cfg.selfKey)
    return new Set(self.length > 0 ? [self] : [])
  }
  return null
}

export function selfIsInviter(cfg: ChannelPolicyConfig): boolean {
  const self = normKey(cfg.selfKey)
  if (self.length === 0) return false
  return effectiveInviterKeys(cfg)?.has(self) ?? false
}

export function selfIsOwner(cfg: ChannelPolicyConfig, ch: string): boolean {
  const owner = ownerKeyFor(cfg, ch)
  return owner !== null && owner === normKey(cfg.selfKey)
}
