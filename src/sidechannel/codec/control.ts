// Control messages carried inside a payload's `message` (spec §2.8). They are built as pure JSON with
// absent members left out, never set to undefined: an undefined member is hashed as null by the PoW
// but dropped on the wire, which is how the reference's own open requests fail PoW (bug B1).
import { isObject } from './shape.js'

export type ControlKind = 'auth' | 'welcome' | 'open_channel'

export interface AuthControl {
  control: 'auth'
  invite: unknown
}
export interface WelcomeControl {
  control: 'welcome'
  welcome: unknown
}
export interface OpenChannelControl {
  control: 'open_channel'
  channel: string
  invite?: unknown
  welcome?: unknown
}

/** Sent by an invitee directly to each connection when an invite-only channel opens. */
export function authControl(invite: unknown): AuthControl {
  return { control: 'auth', invite }
}

/** Sent by the owner directly to each connection when a channel opens. */
export function welcomeControl(welcome: unknown): WelcomeControl {
  return { control: 'welcome', welcome }
}

/** Asks peers on the entry (or another) channel to open `channel`; like the reference, falsy extras are left out. */
export function openChannelControl(opts: { channel: string; invite?: unknown; welcome?: unknown }): OpenChannelControl {
  const message: OpenChannelControl = { control: 'open_channel', channel: opts.channel }
  if (opts.invite) message.invite = opts.invite
  if (opts.welcome) message.welcome = opts.welcome
  return message
}

/** The control kind of a received message, or null for application data and unknown controls. */
export function readControl(message: unknown): ControlKind | null {
  if (!isObject(message)) return null
  const control = message.control
  return control === 'auth' || control === 'welcome' || control === 'open_channel' ? control : null
}
