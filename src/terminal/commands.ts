// The TTY command table. A command is one entry: name, usage, help line, handler. Handlers print
// through `ctx.print` (never console), so the TTY, pipes and SC-Bridge `cli` can each capture and
// format output their own way. Messages and usage lines match the reference peer (spec §8).
import type { LogFn } from '../common/index.js'
import fs from 'fs'
import { parseTtyArgs, pickArg } from '../common/index.js'
import { parseBlobArg, toBase64Json } from '../sidechannel/index.js'
import { isHex, type KeyPair } from '../crypto/index.js'
import type { SidechannelManager } from '../sidechannel/index.js'
import { REFERENCE_HELP_LINES, extraHelpLines } from './help.js'
import { referenceSubnetStatsLines, subnetCommands, subnetStatsLines, type TerminalSubnet } from './subnet-commands.js'
import { MSB_COMMANDS, type TerminalMsb } from './msb-commands.js'

export interface TerminalPeer {
  sidechannel: SidechannelManager | null
  /** The subnet runtime (a `SubnetRuntime`); absent or null when the peer runs no subnet. */
  subnet?: TerminalSubnet | null
  /** The wallet's key pair: subnet ops are signed with it. */
  walletKeyPair?: KeyPair | null
  /** The MSB light client; absent or null when it is off. */
  msb?: TerminalMsb | null
  identity: { publicKeyHex: string; address: string | null; secretKeyHex: string }
  /** Default invite TTL in ms from --sidechannel-invite-ttl (0 = none). */
  inviteTtlMs: number
  entryChannel: string
  extraStats(): Record<string, unknown>
  shutdown(): Promise<void>
  /** Also sends every line the peer logs to `fn` until the returned function is called. */
  tapLog?(fn: LogFn): () => void
}

export interface CommandContext {
  peer: TerminalPeer
  print(...args: unknown[]): void
}

export const COMMAND_SECTIONS = ['Setup', 'Chat', 'Sidechannel', 'System'] as const
export type CommandSection = (typeof COMMAND_SECTIONS)[number]

export interface CommandSpec {
  name: string
  section: CommandSection
  usage: string
  description: string
  run(args: Record<string, string | null>, ctx: CommandContext, line: string): unknown | Promise<unknown>
}

const NOT_READY = 'Sidechannel not initialized.'
const BAD_INVITE = 'Invalid invite. Pass JSON, base64, or @file.'
const BAD_WELCOME = 'Invalid welcome. Pass JSON, base64, or @file.'

const CHANNEL = ['channel', 'ch', 'name']
const INVITE = ['invite', 'invite_b64', 'invitebase64']
const WELCOME = ['welcome', 'welcome_b64', 'welcomebase64']

function readBlob(raw: string | null): { value: Record<string, any> | null; given: boolean } {
  if (raw === null || raw === undefined) return { value: null, given: false }
  const value = parseBlobArg(raw, { mode: 'tty', readFile: (p: string) => fs.readFileSync(p, 'utf8') }) as Record<
    string,
    any
  > | null
  return { value, given: true }
}

/** Parses the optional --invite/--welcome pair; prints the reference error and returns null on bad input. */
function inviteAndWelcome(args: Record<string, string | null>, ctx: CommandContext) {
  const invite = readBlob(pickArg(args, ...INVITE))
  if (invite.given && !invite.value) {
    ctx.print(BAD_INVITE)
    return null
  }
  const welcome = readBlob(pickArg(args, ...WELCOME))
  if (welcome.given && !welcome.value) {
    ctx.print(BAD_WELCOME)
    return null
  }
  return { invite: invite.value, welcome: welcome.value }
}

export const sidechannelCommands: CommandSpec[] = [
  {
    name: '/sc_join',
    section: 'Sidechannel',
    usage: '/sc_join --channel "<name>" [--invite <json|b64|@file>] [--welcome <json|b64|@file>]',
    description: 'join a sidechannel (an invite is needed for invite-only channels)',
    async run(args, ctx) {
      const sc = ctx.peer.sidechannel
      if (!sc) return ctx.print(NOT_READY)
      const channel = pickArg(args, ...CHANNEL)?.trim()
      if (!channel) return ctx.print(`Usage: ${this.usage}`)
      const blobs = inviteAndWelcome(args, ctx)
      if (!blobs) return
      const ok = await sc.join(channel, { invite: blobs.invite, welcome: blobs.welcome })
      ctx.print(ok ? `Joined sidechannel: ${channel}` : 'Join denied (invite required or invalid).')
    }
  },
  {
    name: '/sc_send',
    section: 'Sidechannel',
    usage: '/sc_send --channel "<name>" --message "<text>" [--invite <json|b64|@file>] [--welcome <json|b64|@file>]',
    description: 'send a message to a sidechannel',
    async run(args, ctx) {
      const sc = ctx.peer.sidechannel
      if (!sc) return ctx.print(NOT_READY)
      const channel = pickArg(args, ...CHANNEL)?.trim()
      const message = pickArg(args, 'message', 'msg')
      if (!channel || !message) return ctx.print(`Usage: ${this.usage}`)
      const blobs = inviteAndWelcome(args, ctx)
      if (!blobs) return
      // Already-joined channels are not re-joined: the reference waits for a swarm flush on every send.
      if (!sc.hasChannel(channel) || blobs.invite || blobs.welcome) {
        const ok = await sc.join(channel, { invite: blobs.invite, welcome: blobs.welcome })
        if (!ok) return ctx.print('Send denied (invite required or invalid).')
      }
      const res = sc.send(channel, String(message), blobs.invite ? { invite: blobs.invite } : {})
      if (!res.ok) ctx.print('Send denied (owner-only or invite required).')
    }
  },
  {
    name: '/sc_open',
    section: 'Sidechannel',
    usage: '/sc_open --channel "<name>" [--via "<channel>"] [--invite <json|b64|@file>] [--welcome <json|b64|@file>]',
    description: 'ask peers on the entry (or --via) channel to open a channel',
    run(args, ctx) {
      const sc = ctx.peer.sidechannel
      if (!sc) return ctx.print(NOT_READY)
      const channel = pickArg(args, ...CHANNEL)?.trim()
      if (!channel) return ctx.print(`Usage: ${this.usage}`)
      const blobs = inviteAndWelcome(args, ctx)
      if (!blobs) return
      const via = pickArg(args, 'via', 'channel_via')?.trim() || ctx.peer.entryChannel
      if (!via) return ctx.print('No entry channel configured. Pass --via "<channel>".')
      const welcome = blobs.welcome ?? sc.storedWelcome(channel) ?? null
      sc.requestOpen(channel, via, blobs.invite, welcome)
      ctx.print(`Requested channel: ${channel}`)
    }
  },
  {
    name: '/sc_invite',
    section: 'Sidechannel',
    usage: '/sc_invite --channel "<name>" --pubkey "<peer-pubkey-hex>" [--ttl <sec>] [--welcome <json|b64|@file>]',
    description: 'sign an invite for a peer key (prints JSON and base64)',
    run(args, ctx) {
      const sc = ctx.peer.sidechannel
      if (!sc) return ctx.print(NOT_READY)
      const channel = pickArg(args, ...CHANNEL)?.trim()
      const invitee = pickArg(args, 'pubkey', 'invitee', 'peer', 'key')?.trim().toLowerCase()
      if (!channel || !invitee) return ctx.print(`Usage: ${this.usage}`)
      if (!isHex(invitee, 32)) return ctx.print('Invalid --pubkey. Expected 32-byte hex (64 chars).')
      const ttlRaw = pickArg(args, 'ttl', 'ttl_sec', 'ttl_s')
      let ttlMs: number
      if (ttlRaw !== null && ttlRaw !== undefined) {
        const n = Number(ttlRaw)
        if (!Number.isFinite(n)) return ctx.print('Invalid --ttl. Expected a number of seconds.')
        ttlMs = Math.max(0, n) * 1000
      } else {
        ttlMs = ctx.peer.inviteTtlMs
      }
      if (!(ttlMs > 0)) return ctx.print('Invite TTL is required. Pass --ttl <sec> or set --sidechannel-invite-ttl.')
      const w = readBlob(pickArg(args, ...WELCOME))
      if (w.given && !w.value) return ctx.print(BAD_WELCOME)
      const welcome = w.value ?? sc.storedWelcome(channel) ?? undefined
      const invite = sc.signInvite(channel, invitee, ttlMs, welcome)
      ctx.print(JSON.stringify(invite))
      ctx.print(`invite_b64: ${toBase64Json(invite)}`)
    }
  },
  {
    name: '/sc_welcome',
    section: 'Sidechannel',
    usage: '/sc_welcome --channel "<name>" --text "<message>"',
    description: 'sign a welcome for a channel you own (prints JSON and base64)',
    run(args, ctx) {
      const sc = ctx.peer.sidechannel
      if (!sc) return ctx.print(NOT_READY)
      const channel = pickArg(args, ...CHANNEL)?.trim()
      const text = pickArg(args, 'text', 'message', 'msg')
      if (!channel || text === null || text === undefined) return ctx.print(`Usage: ${this.usage}`)
      const welcome = sc.signWelcome(channel, String(text))
      ctx.print(JSON.stringify(welcome))
      ctx.print(`welcome_b64: ${toBase64Json(welcome)}`)
    }
  },
  {
    name: '/sc_stats',
    section: 'Sidechannel',
    usage: '/sc_stats',
    description: 'registered channels and connection count',
    run(_args, ctx) {
      const sc = ctx.peer.sidechannel
      if (!sc) return ctx.print(NOT_READY)
      ctx.print(sc.stats())
    }
  }
]

export const systemCommands: CommandSpec[] = [
  {
    name: '/help',
    section: 'System',
    usage: '/help',
    description: 'show this help',
    async run(_args, ctx) {
      await printHelp(ctx, allCommands())
    }
  },
  {
    name: '/stats',
    section: 'System',
    usage: '/stats',
    description: 'identity, connections and channel statistics',
    async run(_args, ctx) {
      const { peer } = ctx
      const sc = peer.sidechannel
      // The reference's lines first (trac-peer's verifyDag), in its order and formats; ours follow.
      ctx.print('--- Stats ---')
      ctx.print('wallet.address:', peer.identity.publicKeyHex)
      if (peer.subnet) {
        for (const line of await referenceSubnetStatsLines(peer.subnet, sc ? sc.connectionCount() : 0)) ctx.print(line)
      }
      ctx.print(`Trac address: ${peer.identity.address ?? 'null'}`)
      ctx.print(`Connections: ${sc ? sc.connectionCount() : 0}`)
      if (sc) {
        const s = sc.detailedStats()
        ctx.print(`Sidechannels: ${s.channels.join(', ')}`)
        ctx.print(
          `Messages: received ${s.counters.received}, delivered ${s.counters.delivered}, relayed ${s.counters.relayed}, sent ${s.counters.sent}`
        )
        const drops = Object.entries(s.drops)
        ctx.print(`Dropped: ${drops.length === 0 ? 0 : drops.map(([k, v]) => `${k}=${v}`).join(', ')}`)
      }
      if (peer.subnet)
        for (const line of await subnetStatsLines(peer.subnet, peer.identity.publicKeyHex)) ctx.print(line)
      for (const [k, v] of Object.entries(peer.extraStats())) ctx.print(`${k}: ${v}`)
    }
  },
  {
    name: '/get_keys',
    section: 'System',
    usage: '/get_keys',
    description: "print this peer's address and keys (includes the SECRET key)",
    run(_args, ctx) {
      const id = ctx.peer.identity
      // The reference's labels end with a space of their own, so console.log puts two before the value.
      ctx.print('Address: ', id.address)
      ctx.print('Public Key: ', id.publicKeyHex)
      ctx.print('Secret Key: ', id.secretKeyHex)
    }
  },
  {
    name: '/exit',
    section: 'System',
    usage: '/exit',
    description: 'close the peer and exit',
    async run(_args, ctx) {
      ctx.print('Exiting...')
      await ctx.peer.shutdown()
    }
  }
]

export function allCommands(): CommandSpec[] {
  return [...subnetCommands, ...MSB_COMMANDS, ...sidechannelCommands, ...systemCommands]
}

/**
 * The help: the reference's lines, the app protocol's list (the sample's, as the reference prints it), then the
 * commands only this peer has. One print per line, as the reference prints them.
 */
export async function printHelp(ctx: CommandContext, commands: CommandSpec[]): Promise<void> {
  for (const line of REFERENCE_HELP_LINES) ctx.print(line)
  const subnet = ctx.peer.subnet ?? null
  if (subnet) await subnet.protocol.printOptions(ctx.print)
  for (const line of extraHelpLines(commands, subnet !== null)) ctx.print(line)
}

/** Commands the reference matches only as the whole line (trac-peer's terminal). */
const EXACT_LINES = new Set(['/stats', '/help', '/exit', '/get_keys'])
/**
 * Commands the reference matches by prefix, in its order: trac-peer's terminal handlers, then the sample
 * protocol's own commands (`/msb`, `/sc_*`; its `/get` and `/print` live in our sample protocol).
 */
const PREFIX_ORDER = [
  '/tx',
  '/add_indexer',
  '/add_writer',
  '/remove_writer',
  '/remove_indexer',
  '/add_admin',
  '/update_admin',
  '/enable_transactions',
  '/set_auto_add_writers',
  '/set_chat_status',
  '/post',
  '/set_nick',
  '/mute_status',
  '/pin_message',
  '/unpin_message',
  '/set_mod',
  '/delete_message',
  '/enable_whitelist',
  '/set_whitelist_status',
  '/deploy_subnet',
  '/msb',
  '/sc_join',
  '/sc_send',
  '/sc_open',
  '/sc_invite',
  '/sc_welcome',
  '/sc_stats'
]

/**
 * Finds the command for a line the way the reference dispatches it: `/stats`, `/help`, `/exit` and
 * `/get_keys` only as the whole line; its other commands by prefix, in its order (`/postx` runs `/post`,
 * `/stats extra` runs nothing); our own commands (`/balance`, `/transfer`) by their first word. Null: the
 * line goes to the app protocol.
 */
export function findCommand(commands: CommandSpec[], line: string): CommandSpec | null {
  const trimmed = line.trim()
  const byName = (name: string): CommandSpec | null => commands.find((c) => c.name === name) ?? null
  if (EXACT_LINES.has(trimmed)) return byName(trimmed)
  for (const prefix of PREFIX_ORDER) if (trimmed.startsWith(prefix)) return byName(prefix)
  const first = trimmed.split(/\s+/)[0] ?? ''
  if (EXACT_LINES.has(first) || PREFIX_ORDER.includes(first)) return null
  return byName(first)
}

/**
 * A line no command matched goes to the subnet app's protocol (`/get`, app commands), as in the reference.
 * True when the protocol handled it.
 */
export async function runCustomCommand(
  peer: TerminalPeer,
  line: string,
  print: (...args: unknown[]) => void
): Promise<boolean> {
  const subnet = peer.subnet ?? null
  if (!subnet) return false
  return subnet.protocol.customCommand(line, print)
}

export function runArgs(line: string): Record<string, string | null> {
  return parseTtyArgs(line)
}
