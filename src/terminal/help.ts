// The command list `/help` prints (and the terminal prints at start). Agents read it, so the reference's lines
// come first, exactly as trac-peer's terminal prints them (one console line each); then the app protocol's own
// list (the sample's, as the reference's sample prints it); then the commands only this peer has.
import type { CommandSpec } from './commands.js'

/** trac-peer b157f7e's terminal help, line for line (facts of its output). */
export const REFERENCE_HELP_LINES: readonly string[] = Object.freeze([
  'Node started. Available commands:',
  ' ',
  '- Setup Commands:',
  '- /add_admin | Works only once and only on the bootstrap node. Enter a peer public key (hex) to assign admin rights: \'/add_admin --address "<hex>"\'.',
  '- /update_admin | Existing admins may transfer admin ownership. Enter "null" as address to waive admin rights for this peer entirely: \'/update_admin --address "<address>"\'.',
  '- /add_indexer | Only admin. Enter a peer writer key to get included as indexer for this network: \'/add_indexer --key "<key>"\'.',
  '- /add_writer | Only admin. Enter a peer writer key to get included as writer for this network: \'/add_writer --key "<key>"\'.',
  '- /remove_writer | Only admin. Enter a peer writer key to get removed as writer or indexer for this network: \'/remove_writer --key "<key>"\'.',
  '- /remove_indexer | Only admin. Alias of /remove_writer (removes indexer as well): \'/remove_indexer --key "<key>"\'.',
  "- /set_auto_add_writers | Only admin. Allow any peer to join as writer automatically: '/set_auto_add_writers --enabled 1'",
  '- /enable_transactions | Enable transactions.',
  ' ',
  '- Chat Commands:',
  "- /set_chat_status | Only admin. Enable/disable the built-in chat system: '/set_chat_status --enabled 1'. The chat system is disabled by default.",
  "- /post | Post a message: '/post --message \"Hello\"'. Chat must be enabled. Optionally use '--reply_to <message id>' to respond to a desired message.",
  '- /set_nick | Change your nickname like this \'/set_nick --nick "Peter"\'. Chat must be enabled. Can be edited by admin and mods using the optional --user <address> flag.',
  '- /mute_status | Only admin and mods. Mute or unmute a user by their address: \'/mute_status --user "<address>" --muted 1\'.',
  '- /set_mod | Only admin. Set a user as mod: \'/set_mod --user "<address>" --mod 1\'.',
  "- /delete_message | Delete a message: '/delete_message --id 1'. Chat must be enabled.",
  "- /pin_message | Set the pin status of a message: '/pin_message --id 1 --pin 1'. Chat must be enabled.",
  "- /unpin_message | Unpin a message by its pin id: '/unpin_message --pin_id 1'. Chat must be enabled.",
  "- /enable_whitelist | Only admin. Enable/disable chat whitelists: '/enable_whitelist --enabled 1'.",
  '- /set_whitelist_status | Only admin. Add/remove users to/from the chat whitelist: \'/set_whitelist_status --user "<address>" --status 1\'.',
  ' ',
  '- System Commands:',
  "- /tx | Perform a contract transaction. The command flag contains contract commands (format is protocol dependent): '/tx --command \"<string>\"'. To simulate a tx, additionally use '--sim 1'.",
  "- /deploy_subnet | Register this subnet in the MSB (required before TX settlement): '/deploy_subnet'.",
  '- /stats | check system properties such as writer key, DAG, etc.',
  '- /get_keys | prints your public and private keys. Be careful and never share your private key!',
  '- /exit | Exit the program',
  '- /help | This help text'
])

/** Commands the lines above describe. */
const REFERENCE_COMMANDS = new Set(
  REFERENCE_HELP_LINES.map((l) => /^- (\/\w+) \|/.exec(l)?.[1]).filter((n): n is string => n !== undefined)
)

/** Commands the reference's sample protocol lists in its own part of the help (the sample app prints them). */
export const SAMPLE_APP_COMMANDS: ReadonlySet<string> = new Set([
  '/print',
  '/get',
  '/msb',
  '/sc_join',
  '/sc_open',
  '/sc_send',
  '/sc_invite',
  '/sc_welcome',
  '/sc_stats'
])

/**
 * Our own part: every command the two reference parts do not list (the sample app's commands too when there is
 * no app to list them), in the reference's line style.
 */
export function extraHelpLines(commands: CommandSpec[], appListed: boolean): string[] {
  const extra = commands.filter(
    (c) => !REFERENCE_COMMANDS.has(c.name) && !(appListed && SAMPLE_APP_COMMANDS.has(c.name))
  )
  if (extra.length === 0) return []
  return [' ', '- Intercom-ts Commands:', ...extra.map((c) => `- ${c.name} | ${c.description}: '${c.usage}'`)]
}
