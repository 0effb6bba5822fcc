// Subnet terminal commands (subnet spec §11.3): setup (admin, writers, indexers, switches), chat and
// moderation, and `/tx`. Each one checks what the reference checks locally, against the UNCONFIRMED
// view, then signs and appends one op built by `subnet/builders.ts`. Apply re-checks everything, so
// these guards only save the user a silently ignored op. Guard failures are thrown: the runner prints
// them as `Command failed: <message>`, as the reference does.
import { randomBytes, toHex, type KeyPair } from '../crypto/index.js'
import {
  buildAddAdmin,
  buildAddIndexer,
  buildAddWriter,
  buildDeleteMessage,
  buildEnableTransactions,
  buildEnableWhitelist,
  buildMessage,
  buildMuteStatus,
  buildPinMessage,
  buildRemoveWriter,
  buildSetAutoAddWriters,
  buildSetChatStatus,
  buildSetMod,
  buildSetNick,
  buildSetWhitelistStatus,
  buildUnpinMessage,
  buildUpdateAdmin
} from '../subnet/index.js'
import type { Protocol } from '../subnet/index.js'
import { pickArg } from '../common/index.js'
import { formatArgs } from './format.js'
import type { CommandContext, CommandSpec } from './commands.js'
import { IntercomError } from '../errors.js'

/** What the terminal needs from the subnet runtime (`SubnetRuntime` satisfies it). */
export interface TerminalSubnet {
  readonly writable: boolean
  readonly isIndexer: boolean
  readonly writerKeyHex: string
  readonly bootstrapHex: string
  /** The subnet channel name (its swarm topic; `/deploy_subnet` registers it). */
  readonly channel?: string
  readonly protocol: Protocol
  readonly base: {
    readonly signedLength: number
    readonly indexedLength: number
    readonly key: Uint8Array
    readonly discoveryKey: Uint8Array
    readonly system: { readonly core: { readonly length: number; treeHash(): Promise<Uint8Array> } }
    readonly linearizer: { readonly indexers: { readonly length: number } }
    readonly view: {
      readonly core: {
        readonly length: number
        readonly signedLength: number
        readonly key: Uint8Array
        treeHash(): Promise<Uint8Array>
      }
      /** The raw entry, so "set to null" and "never set" can be told apart. */
      get(key: string): Promise<{ value: unknown } | null>
    }
  }
  readonly stats?: { readonly applied: number; readonly skipped: number }
  /** Unconfirmed (local linearized view) unless `confirmed`. */
  get(key: string, opts?: { confirmed?: boolean }): Promise<unknown>
  append(op: Record<string, unknown>): Promise<void>
}

export const SUBNET_NOT_READY = 'Subnet not initialized.'
export const ONLY_ADMIN = 'Only admin may perform this operation.'
export const ONLY_ADMIN_OR_MOD = 'Only admin or mod may perform this operation.'
export const ONLY_BOOTSTRAP = 'Only the subnet bootstrap node may set the initial admin.'
export const ADMIN_ALREADY_SET = 'Admin is already set.'
export const NOT_WRITABLE = 'Peer is not writable.'
/** What the reference says when a chat or setting op is appended on a read-only peer (Autobase's own error). */
export const NOT_WRITABLE_APPEND = 'Not writable'
/** The commands for which the reference checks writability itself (and says NOT_WRITABLE). */
const CHECKED_WRITABLE = new Set(['/add_admin', '/add_writer', '/add_indexer', '/remove_writer', '/remove_indexer'])
export const MISSING_COMMAND = 'Missing option. Please use the --command flag.'
export const EMPTY_MESSAGE = 'Empty message not allowed'
export const CHAT_DISABLED = 'Chat is disabled.'
export const INVALID_ADMIN_ADDRESS =
  'Invalid --address. Expected a 32-byte hex public key (64 hex chars). Example: /add_admin --address "<peer-publicKey-hex>"'

type Args = Record<string, string | null>

const BUILTIN_ERROR_NAMES = new Set(['TypeError', 'RangeError', 'SyntaxError', 'ReferenceError'])

/** The first line console.log prints for a thrown error: `Error: <message>` (engine error types keep their name). */
function errorHeadline(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  return `${BUILTIN_ERROR_NAMES.has(err.name) ? err.name : 'Error'}: ${err.message}`
}

interface Session {
  subnet: TerminalSubnet
  signer: KeyPair
  /** This wallet's public key, lowercase hex: the admin/mod/author identity. */
  me: string
}

function session(ctx: CommandContext): Session {
  const subnet = ctx.peer.subnet ?? null
  if (subnet === null) throw new IntercomError('SUBNET_NOT_READY', SUBNET_NOT_READY)
  const signer = ctx.peer.walletKeyPair ?? null
  if (signer === null) throw new IntercomError('COMMAND_FAILED', 'Wallet keys are not available.')
  return { subnet, signer, me: toHex(signer.publicKey) }
}

const nonce = (): string => toHex(randomBytes(32))

/** The reference's boolean flags: `parseInt(x) === 1`, so anything but a leading 1 means false. */
function flag(args: Args, name: string): boolean {
  return Number.parseInt(args[name] ?? '', 10) === 1
}

/** A 32-byte key or public key given as hex (either case), normalized to lowercase. */
function hexArg(args: Args, name: string): string {
  const raw = pickArg(args, name)?.trim().toLowerCase() ?? ''
  if (!/^[0-9a-f]{64}$/.test(raw))
    throw new IntercomError('COMMAND_INVALID', `Invalid --${name}. Expected 32-byte hex (64 chars).`)
  return raw
}

/** A message or pin id: a non-negative integer. */
function idArg(args: Args, name: string): number {
  const raw = pickArg(args, name)?.trim() ?? ''
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN
  if (!Number.isSafeInteger(n))
    throw new IntercomError('COMMAND_INVALID', `Invalid --${name}. Expected a non-negative integer.`)
  return n
}

function requiredArg(args: Args, name: string): string {
  const value = pickArg(args, name)
  if (value === null) throw new IntercomError('COMMAND_INVALID', `Missing option. Please use the --${name} flag.`)
  return value
}

async function isAdmin(s: Session): Promise<boolean> {
  return (await s.subnet.get('admin')) === s.me
}

async function isMod(s: Session): Promise<boolean> {
  return (await s.subnet.get(`mod/${s.me}`)) === true
}

async function requireAdmin(s: Session): Promise<void> {
  if (!(await isAdmin(s))) throw new IntercomError('COMMAND_REFUSED', ONLY_ADMIN)
}

async function requireAdminOrMod(s: Session): Promise<void> {
  if (!(await isAdmin(s)) && !(await isMod(s))) throw new IntercomError('COMMAND_REFUSED', ONLY_ADMIN_OR_MOD)
}

async function append(s: Session, op: Record<string, unknown> & { type: string }, command = ''): Promise<void> {
  if (!s.subnet.writable)
    throw new IntercomError('SUBNET_NOT_WRITABLE', CHECKED_WRITABLE.has(command) ? NOT_WRITABLE : NOT_WRITABLE_APPEND)
  // Nothing is printed here, as in the reference: what apply makes of the op is logged when it applies
  // (`Admin added: …`, `Set chat_status: on`, …).
  await s.subnet.append(op)
}

/** A command that needs the admin role and appends what `build` returns. */
function adminCommand(
  section: 'Setup' | 'Chat',
  name: string,
  usage: string,
  description: string,
  build: (s: Session, args: Args) => Record<string, unknown> & { type: string }
): CommandSpec {
  return {
    name,
    section,
    usage,
    description,
    async run(args, ctx) {
      const s = session(ctx)
      await requireAdmin(s)
      await append(s, build(s, args), name)
    }
  }
}

export const subnetCommands: CommandSpec[] = [
  // ------------------------------------------------------------------ Setup
  {
    name: '/add_admin',
    section: 'Setup',
    usage: '/add_admin --address "<pubkey-hex>"',
    description: 'set the initial subnet admin (bootstrap node only, once)',
    async run(args, ctx) {
      const s = session(ctx)
      if (s.subnet.writerKeyHex !== s.subnet.bootstrapHex) throw new IntercomError('COMMAND_REFUSED', ONLY_BOOTSTRAP)
      // An admin given up with /update_admin --address null still counts as set.
      if ((await s.subnet.base.view.get('admin')) !== null)
        throw new IntercomError('COMMAND_REFUSED', ADMIN_ALREADY_SET)
      const address = pickArg(args, 'address')?.trim().toLowerCase() ?? ''
      if (!/^[0-9a-f]{64}$/.test(address)) throw new IntercomError('COMMAND_INVALID', INVALID_ADMIN_ADDRESS)
      await append(s, buildAddAdmin(address), '/add_admin')
    }
  },
  adminCommand(
    'Setup',
    '/update_admin',
    '/update_admin --address "<pubkey-hex>|null"',
    'hand the admin role to another key, or give it up for good with null',
    (s, args) => {
      const raw = pickArg(args, 'address')?.trim().toLowerCase()
      const next = raw === 'null' ? null : hexArg(args, 'address')
      return buildUpdateAdmin(s.signer, next, nonce())
    }
  ),
  adminCommand(
    'Setup',
    '/add_indexer',
    '/add_indexer --key "<writer-key-hex>"',
    'add a writer as an indexer',
    (s, args) => buildAddIndexer(s.signer, hexArg(args, 'key'), nonce())
  ),
  adminCommand('Setup', '/add_writer', '/add_writer --key "<writer-key-hex>"', 'add a writer', (s, args) =>
    buildAddWriter(s.signer, hexArg(args, 'key'), nonce())
  ),
  adminCommand('Setup', '/remove_writer', '/remove_writer --key "<writer-key-hex>"', 'remove a writer', (s, args) =>
    buildRemoveWriter(s.signer, hexArg(args, 'key'), nonce())
  ),
  adminCommand(
    'Setup',
    '/remove_indexer',
    '/remove_indexer --key "<writer-key-hex>"',
    'remove an indexer (sends removeWriter)',
    (s, args) => buildRemoveWriter(s.signer, hexArg(args, 'key'), nonce())
  ),
  adminCommand(
    'Setup',
    '/set_auto_add_writers',
    '/set_auto_add_writers --enabled 1|0',
    'let any peer that asks become a writer',
    (s, args) => buildSetAutoAddWriters(s.signer, flag(args, 'enabled'), nonce())
  ),
  {
    name: '/enable_transactions',
    section: 'Setup',
    usage: '/enable_transactions --enabled 1|0',
    description: 'turn contract transactions on or off (admin-signed)',
    // No local admin check, as in the reference: apply ignores the op unless the admin signed it.
    async run(args, ctx) {
      const s = session(ctx)
      await append(s, buildEnableTransactions(s.signer, flag(args, 'enabled'), nonce()))
    }
  },
  // ------------------------------------------------------------------ Chat
  adminCommand('Chat', '/set_chat_status', '/set_chat_status --enabled 1|0', 'turn the chat on or off', (s, args) =>
    buildSetChatStatus(s.signer, flag(args, 'enabled'), nonce())
  ),
  {
    name: '/post',
    section: 'Chat',
    usage: '/post --message "<text>" [--reply_to <message-id>]',
    description: 'post a chat message',
    async run(args, ctx) {
      const s = session(ctx)
      // The reference's checks and texts, in its order: no --message at all, then the chat switch. A --message
      // with no value passes the first in the reference (which then posts the text "null"); here it is refused
      // after the chat check.
      if (!Object.hasOwn(args, 'message')) throw new IntercomError('COMMAND_INVALID', EMPTY_MESSAGE)
      if ((await s.subnet.get('chat_status')) !== 'on') throw new IntercomError('COMMAND_REFUSED', CHAT_DISABLED)
      const text = pickArg(args, 'message')
      if (text === null) throw new IntercomError('COMMAND_INVALID', EMPTY_MESSAGE)
      const replyTo = pickArg(args, 'reply_to') === null ? null : idArg(args, 'reply_to')
      const op = buildMessage(s.signer, text, nonce(), { replyTo })
      // Apply drops bigger messages silently; say so before appending.
      const max = s.subnet.protocol.msgMaxBytes()
      if (Buffer.byteLength(JSON.stringify(op)) > max)
        throw new IntercomError('COMMAND_INVALID', `Message too large (a chat op must fit in ${max} bytes).`)
      await append(s, op)
    }
  },
  {
    name: '/set_nick',
    section: 'Chat',
    usage: '/set_nick --nick "<nick>" [--user "<pubkey-hex>"]',
    description: "set your nick, or (admin or mod) another user's",
    async run(args, ctx) {
      const s = session(ctx)
      const nick = requiredArg(args, 'nick')
      const user = pickArg(args, 'user') === null ? s.me : hexArg(args, 'user')
      if (user !== s.me) await requireAdminOrMod(s)
      await append(s, buildSetNick(s.signer, nick, nonce(), user))
    }
  },
  {
    name: '/mute_status',
    section: 'Chat',
    usage: '/mute_status --user "<pubkey-hex>" --muted 1|0',
    description: 'mute or unmute a user (admin or mod)',
    async run(args, ctx) {
      const s = session(ctx)
      await requireAdminOrMod(s)
      await append(s, buildMuteStatus(s.signer, hexArg(args, 'user'), flag(args, 'muted'), nonce()))
    }
  },
  adminCommand(
    'Chat',
    '/set_mod',
    '/set_mod --user "<pubkey-hex>" --mod 1|0',
    'grant or revoke the mod role',
    (s, args) => buildSetMod(s.signer, hexArg(args, 'user'), flag(args, 'mod'), nonce())
  ),
  {
    name: '/delete_message',
    section: 'Chat',
    usage: '/delete_message --id <message-id>',
    description: 'delete a message (admin, mod, or its author)',
    async run(args, ctx) {
      const s = session(ctx)
      // The reference lets only the admin and mods send this; without a valid id its guard speaks first.
      let id: number
      try {
        id = idArg(args, 'id')
      } catch (err) {
        await requireAdminOrMod(s)
        throw err
      }
      // Unlike the reference, authors may delete their own messages here too: apply accepts that.
      const message = (await s.subnet.get(`msg/${id}`)) as { address?: unknown } | null
      const isAuthor = typeof message === 'object' && message !== null && message.address === s.me
      if (!isAuthor) await requireAdminOrMod(s)
      await append(s, buildDeleteMessage(s.signer, id, nonce()))
    }
  },
  {
    name: '/pin_message',
    section: 'Chat',
    usage: '/pin_message --id <message-id> --pin 1|0',
    description: 'pin or unpin a message (admin or mod)',
    async run(args, ctx) {
      const s = session(ctx)
      await requireAdminOrMod(s)
      await append(s, buildPinMessage(s.signer, idArg(args, 'id'), flag(args, 'pin'), nonce()))
    }
  },
  {
    name: '/unpin_message',
    section: 'Chat',
    usage: '/unpin_message --pin_id <pin-id>',
    description: 'unpin by pin id (admin or mod)',
    async run(args, ctx) {
      const s = session(ctx)
      await requireAdminOrMod(s)
      await append(s, buildUnpinMessage(s.signer, idArg(args, 'pin_id'), nonce()))
    }
  },
  adminCommand(
    'Chat',
    '/enable_whitelist',
    '/enable_whitelist --enabled 1|0',
    'only whitelisted users may post while on',
    (s, args) => buildEnableWhitelist(s.signer, flag(args, 'enabled'), nonce())
  ),
  adminCommand(
    'Chat',
    '/set_whitelist_status',
    '/set_whitelist_status --user "<pubkey-hex>" --status 1|0',
    'add a user to or remove them from the whitelist',
    (s, args) => buildSetWhitelistStatus(s.signer, hexArg(args, 'user'), flag(args, 'status'), nonce())
  ),

  // ------------------------------------------------------------------ System
  {
    name: '/tx',
    section: 'System',
    usage: '/tx --command "<command>" [--sim 1]',
    description: 'run a contract transaction (--sim 1: simulate locally, nothing is appended)',
    async run(args, ctx) {
      const subnet = ctx.peer.subnet ?? null
      if (subnet === null) throw new IntercomError('SUBNET_NOT_READY', SUBNET_NOT_READY)
      if (!subnet.writable) throw new IntercomError('SUBNET_NOT_WRITABLE', NOT_WRITABLE)
      // The command's result (SC-Bridge `cli` reports it) is the reference's: the MSB payload of a settled tx,
      // the contract's return value of a simulation, false when the tx threw, an Error without --command.
      const command = pickArg(args, 'command')
      if (command === null) {
        ctx.print(MISSING_COMMAND)
        return new Error(MISSING_COMMAND)
      }
      const sim = flag(args, 'sim')
      const protocol = subnet.protocol
      let result: unknown
      try {
        // A simulated contract prints through `print`, as the reference's contracts print with console.log.
        result = await protocol.tx({ command }, sim, null, {
          log: (line, args) => {
            if (args) ctx.print(...args)
            else ctx.print(line)
          }
        })
      } catch (err) {
        // The reference prints the thrown error with console.log; its first line is `<name>: <message>`.
        ctx.print(errorHeadline(err))
        return false
      }
      // As in the reference: an error result prints its message; a simulation prints nothing else (the
      // contract's own lines were its output); a settled tx prints its MSB hash.
      const err = protocol.getError(result)
      if (err !== null) ctx.print(err.message)
      else {
        const tx = (result as { txo?: { tx?: unknown } } | null)?.txo?.tx
        if (!sim && typeof tx === 'string') ctx.print(`MSB TX broadcasted: ${tx}`)
      }
      return result
    }
  }
]

/**
 * The subnet part of the reference's `/stats` (trac-peer's verifyDag), line for line: labels, separators
 * (`base.signedLength 3` has no colon there either) and values as its console.log prints them.
 */
export async function referenceSubnetStatsLines(subnet: TerminalSubnet, connections: number): Promise<string[]> {
  const { base } = subnet
  const view = base.view.core
  const system = base.system.core
  const [viewDag, systemDag] = await Promise.all([view.treeHash(), system.treeHash()])
  const admin = await base.view.get('admin')
  const wrl = await base.view.get('wrl')
  return [
    formatArgs(['hypermall.writerKey:', subnet.writerKeyHex]),
    `admin: ${admin !== null ? String(admin.value) : 'unset'}`,
    `isIndexer: ${subnet.isIndexer}`,
    `isWriter: ${subnet.writable}`,
    formatArgs(['swarm.connections.size:', connections]),
    formatArgs(['base.view.core.signedLength:', view.signedLength]),
    formatArgs(['base.signedLength', base.signedLength]),
    formatArgs(['base.indexedLength', base.indexedLength]),
    formatArgs(['base.linearizer.indexers.length', base.linearizer.indexers.length]),
    `base.key: ${toHex(base.key)}`,
    formatArgs(['discoveryKey:', toHex(base.discoveryKey)]),
    `VIEW Dag: ${toHex(viewDag)} (length: ${view.length})`,
    `SYSTEM Dag: ${toHex(systemDag)} (length: ${system.length})`,
    formatArgs(['Total Registered Writers:', wrl !== null ? wrl.value : 0])
  ]
}

/** Our own subnet lines of `/stats`, after the reference's. */
export async function subnetStatsLines(subnet: TerminalSubnet, walletPublicKeyHex: string): Promise<string[]> {
  const { base } = subnet
  const admin = await subnet.get('admin')
  const lines = [
    `Admin: ${admin === null ? 'null' : String(admin)}${admin === walletPublicKeyHex ? ' (this peer)' : ''}`,
    `Is indexer: ${subnet.isIndexer}`,
    `Is writer: ${subnet.writable}`,
    `View length: ${base.view.core.length}, signed length: ${base.view.core.signedLength}`,
    `Base signed length: ${base.signedLength}, indexed length: ${base.indexedLength}`,
    `Subnet bootstrap: ${subnet.bootstrapHex}`,
    `Subnet discovery key: ${toHex(base.discoveryKey)}`,
    `View core key: ${toHex(base.view.core.key)}`,
    `Writer key: ${subnet.writerKeyHex}`
  ]
  if (subnet.stats) lines.push(`Subnet ops: applied ${subnet.stats.applied}, skipped ${subnet.stats.skipped}`)
  return lines
}
