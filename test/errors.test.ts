// One error type across planes: every error raised on purpose is an IntercomError with a stable machine code,
// start-up failures a user fixes are told apart by code, and bridge errors get a code from either kind of bridge.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  type IntercomError,
  ERROR_CODES,
  errorCode,
  isIntercomError,
  ConfigError,
  PeerStartupError,
  WalletFileError,
  BootstrapError,
  UnknownContractOperationType,
  ContractAssertionError,
  ContractExecutionError,
  ReservedKeyError,
  ViewStorageError,
  SettlementUnavailableError,
  SubnetStoreFormatError,
  BridgeError,
  msb,
  checkApp
} from '../src/lib.js'
import { isStartupUserError } from '../src/errors.js'

test('every error class carries its machine code and keeps its name and message', () => {
  const cases: Array<[Error, string, string]> = [
    [new ConfigError('bad flag'), 'CONFIG_INVALID', 'ConfigError'],
    [new PeerStartupError('no'), 'PEER_STARTUP', 'PeerStartupError'],
    [new WalletFileError('torn', '/x/keypair.json'), 'WALLET_FILE', 'WalletFileError'],
    [new BootstrapError('public'), 'BOOTSTRAP_REFUSED', 'BootstrapError'],
    [new UnknownContractOperationType(), 'CONTRACT_UNKNOWN_OP', 'UnknownContractOperationType'],
    [new ContractAssertionError('x'), 'CONTRACT_ASSERTION', 'ContractAssertionError'],
    [new ContractExecutionError(new Error('boom')), 'CONTRACT_EXECUTION', 'ContractExecutionError'],
    [new ReservedKeyError('admin'), 'RESERVED_KEY', 'ReservedKeyError'],
    [new ViewStorageError(new Error('io')), 'VIEW_STORAGE', 'ViewStorageError'],
    [new SettlementUnavailableError(), 'SETTLEMENT_UNAVAILABLE', 'SettlementUnavailableError'],
    [new SubnetStoreFormatError('/s', new Error('v2')), 'SUBNET_STORE_FORMAT', 'SubnetStoreFormatError'],
    [
      new msb.MsbOperationError('TRANSFER_SENDER_NOT_FOUND: none', 'TRANSFER_SENDER_NOT_FOUND', 3, 'none'),
      'MSB_REFUSED',
      'MsbOperationError'
    ],
    [new msb.MsbOperationError('not synced', 'NOT_SYNCED', null), 'MSB_NOT_SYNCED', 'MsbOperationError'],
    [new msb.MsbOperationError('nobody', 'UNREACHABLE', null), 'MSB_UNREACHABLE', 'MsbOperationError'],
    [new msb.MsbTimeoutError('late'), 'MSB_TIMEOUT', 'MsbTimeoutError'],
    [new msb.MsbNetworkError('bad channel'), 'MSB_NETWORK', 'MsbNetworkError'],
    [new msb.MsbBroadcastError('none answered', null, 3), 'MSB_UNREACHABLE', 'MsbBroadcastError']
  ]
  for (const [err, code, name] of cases) {
    assert.ok(isIntercomError(err), name)
    assert.ok(err instanceof Error)
    assert.equal((err as IntercomError).code, code, name)
    assert.equal(err.name, name)
    assert.ok(Object.hasOwn(ERROR_CODES, code), code)
    assert.equal(errorCode(err), code)
  }
  assert.equal(errorCode(new TypeError('bug')), 'INTERNAL')
  assert.equal(errorCode('thrown string'), 'INTERNAL')
})

test('a broadcast refusal keeps the validator result code and names it as the reason (no message parsing)', () => {
  const err = new msb.MsbBroadcastError('TX_EXPIRED (17)', 17, 1, 'ab')
  assert.equal(err.code, 'MSB_REFUSED')
  assert.equal(err.resultCode, 17)
  assert.equal(err.reason, 'TX_EXPIRED')
})

test('start-up failures the user fixes are told apart from crashes by code', () => {
  assert.equal(isStartupUserError(new ConfigError('x')), true)
  assert.equal(isStartupUserError(new WalletFileError('x')), true)
  assert.equal(isStartupUserError(new SubnetStoreFormatError('/s', null)), true)
  assert.equal(isStartupUserError(new PeerStartupError('x')), true)
  assert.equal(isStartupUserError(new ContractExecutionError(null)), false)
  assert.equal(isStartupUserError(new Error('x')), false)
  assert.throws(
    () => checkApp({ Protocol: 1, Contract: class {} } as any),
    (err: any) => err.code === 'APP_INVALID' && /app\.Protocol/.test(err.message)
  )
  assert.throws(
    () => checkApp({ Protocol: class {}, Contract: class {}, features: { 'bad key': { create: () => null } } } as any),
    (err: any) => err.code === 'APP_INVALID'
  )
})

test('bridge errors: the server code when sent, else derived from the reference text; client errors by their text', () => {
  assert.equal(
    new BridgeError('Send denied (invite required or invalid).', {
      type: 'error',
      error: 'Send denied (invite required or invalid).',
      code: 'BRIDGE_DENIED'
    }).code,
    'BRIDGE_DENIED'
  )
  assert.equal(new BridgeError('Unauthorized.', { type: 'error', error: 'Unauthorized.' }).code, 'BRIDGE_UNAUTHORIZED')
  assert.equal(
    new BridgeError('Unknown type: x', { type: 'error', error: 'Unknown type: x' }).code,
    'BRIDGE_UNKNOWN_TYPE'
  )
  assert.equal(new BridgeError('Something else.', { type: 'error', error: 'Something else.' }).code, 'BRIDGE_ERROR')
  // A code this client does not know (a newer peer) is not trusted blindly.
  assert.equal(new BridgeError('x', { type: 'error', error: 'x', code: 'NOT_A_CODE' as any }).code, 'BRIDGE_ERROR')
  assert.equal(new BridgeError('Request timed out.').code, 'BRIDGE_TIMEOUT')
})
