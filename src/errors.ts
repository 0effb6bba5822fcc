// One error type for every plane. Each error the peer raises on purpose is an `IntercomError` with a stable
// machine `code` (the table below); its `message` is for people and may follow the reference's wording. Code
// that must react to a failure tests the code, never the text: texts are the reference's and may change with it.
//
// The SC-Bridge adds the code to its `error` frames as an extra `code` field (the `error` text stays the
// reference's), so agents can branch on it too.

/** Every machine code, with what it means. Codes are stable: they are only ever added, never renamed. */
export const ERROR_CODES = {
  // Start-up and configuration: the user can fix these; the process exits with a message, not a stack.
  CONFIG_INVALID: 'a flag or environment value is invalid',
  BOOTSTRAP_REFUSED: 'a DHT bootstrap is malformed or refused (INTERCOM_LOCAL_ONLY=1 and not loopback)',
  WALLET_FILE: 'the keypair file cannot be read, decrypted or trusted',
  PEER_STARTUP: 'the peer cannot start with this configuration',
  SUBNET_STORE_FORMAT: 'the subnet store was written in a storage format this peer does not open',
  SUBNET_DISABLED: 'this peer runs no subnet (--subnet 0)',
  APP_INVALID: 'the app given to the peer is not { Protocol, Contract, features? }',
  // Subnet apps
  CONTRACT_UNKNOWN_OP: 'the contract has no such tx type, or the dispatch failed its schema',
  CONTRACT_ASSERTION: 'a contract assertion failed (recorded as the tx outcome)',
  CONTRACT_EXECUTION: 'a contract threw (recorded as the tx outcome "Error in contract.")',
  RESERVED_KEY: 'a contract tried to write a key owned by the subnet',
  VIEW_STORAGE: 'the subnet view store failed underneath a contract',
  SETTLEMENT_UNAVAILABLE: 'a settled /tx needs the MSB client, which this peer does not run',
  // MSB
  MSB_REFUSED: 'the MSB (or the same check here) refused the operation; `reason` names the result code',
  MSB_NOT_SYNCED: 'the MSB state has not synced yet (no txv)',
  MSB_UNREACHABLE: 'no MSB validator answered',
  MSB_TIMEOUT: 'the MSB did not confirm in time',
  MSB_NETWORK: 'the MSB network settings are invalid',
  // SC-Bridge (server frames and the client)
  BRIDGE_AUTH_TIMEOUT: 'no valid auth before the auth timeout',
  BRIDGE_UNAUTHORIZED: 'the request needs a valid token first, or the token is wrong',
  BRIDGE_FRAME_TOO_LARGE: 'the frame is over the size limit',
  BRIDGE_INVALID_JSON: 'the frame is not JSON',
  BRIDGE_INVALID_MESSAGE: 'the frame is not a JSON object',
  BRIDGE_UNKNOWN_TYPE: 'the frame type is not one the bridge serves',
  BRIDGE_BAD_REQUEST: 'the request is missing a field or has a malformed one',
  BRIDGE_DENIED: 'the sidechannel refused the send, join or open (invite/welcome/policy)',
  BRIDGE_FAILED: 'the operation was attempted and failed',
  BRIDGE_CLI_DISABLED: 'cli frames are off on this bridge',
  BRIDGE_ERROR: 'an error frame from a bridge that sends no code (the reference)',
  BRIDGE_CONNECTION_CLOSED: 'the connection closed before the reply',
  BRIDGE_NOT_CONNECTED: 'the client is not connected',
  BRIDGE_TIMEOUT: 'no reply in time',
  BRIDGE_CONNECT_TIMEOUT: 'connecting took too long',
  BRIDGE_CONNECT_FAILED: 'the connection could not be made',
  BRIDGE_INVALID_REQUEST: 'the request could not be serialized',
  BRIDGE_PROTOCOL: 'the server sent something that is not the bridge protocol',
  // Terminal commands (also the SC-Bridge `cli` reply's `code`)
  COMMAND_INVALID: 'a command option is missing or malformed',
  COMMAND_REFUSED: 'the command is not allowed here (only the admin, chat disabled, admin already set, …)',
  COMMAND_FAILED: 'the command failed for a reason its message gives',
  SUBNET_NOT_READY: 'the subnet is not initialized (or this peer runs none)',
  SUBNET_NOT_WRITABLE: 'this peer cannot append to the subnet',
  MSB_DISABLED: 'this peer runs no MSB client (--msb 0)',
  // Anything not raised on purpose: a bug or an environment failure.
  INTERNAL: 'an unexpected failure'
} as const

export type ErrorCode = keyof typeof ERROR_CODES

/** Codes a user can act on: printed as a line, not as a crash. */
const USER_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'CONFIG_INVALID',
  'BOOTSTRAP_REFUSED',
  'WALLET_FILE',
  'PEER_STARTUP',
  'SUBNET_STORE_FORMAT',
  'APP_INVALID',
  'MSB_NETWORK'
])

export class IntercomError extends Error {
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = 'IntercomError'
  }
}

export function isIntercomError(err: unknown): err is IntercomError {
  return err instanceof IntercomError
}

/** The machine code of any thrown value: its own, or INTERNAL. */
export function errorCode(err: unknown): ErrorCode {
  return err instanceof IntercomError ? err.code : 'INTERNAL'
}

/** True for a failure at start-up that the user fixes (a bad flag, file or store): print it, exit non-zero. */
export function isStartupUserError(err: unknown): boolean {
  return err instanceof IntercomError && USER_CODES.has(err.code)
}
