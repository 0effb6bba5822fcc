export * from './amount.js'
export * from './ops.js'
// The MSB operation record and op types live in src/common (the subnet reads records too); re-exported here.
export {
  TRANSFER_OPERATION_FIELDS,
  TX_OPERATION_FIELDS,
  BOOTSTRAP_DEPLOYMENT_OPERATION_FIELDS,
  OPERATION_MEMBER_FIELDS,
  OPERATION_MEMBERS,
  bytesOf,
  encodeOperation,
  decodeOperation,
  decodeMsbOperation,
  encodeMsbOperation,
  MSB_OP,
  type TransferOperationField,
  type BootstrapDeploymentOperationField,
  type OperationMember,
  type MsbTxOperation,
  type MsbOperationRecord,
  type MsbOperationMessage,
  type MsbOpType
} from '../common/index.js'
export * from './state.js'
export * from './network.js'
export * from './precheck.js'
export {
  MsbClient,
  MsbOperationError,
  MsbTimeoutError,
  type MsbClientOptions,
  type MsbAccount,
  type MsbStatus,
  type SubmitResult
} from './client.js'
export {
  MsbLightReader,
  type MsbLightReaderOptions,
  type MsbLightReaderStatus,
  type MsbHistoryEntry
} from './light-reader.js'
export { MsbTransport, MsbBroadcastError, type BroadcastAccepted } from './transport.js'
export * as v1 from './v1/envelope.js'
