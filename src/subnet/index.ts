// The subnet plane: deterministic replicated state (Autobase + Hyperbee) with admin, writers and indexers,
// built-in chat, and the app framework (Contract, Protocol, Feature). Other planes, the peer and apps use it
// through this file only.
export { SubnetRuntime, type SubnetRuntimeOptions, type SubnetWallet } from './runtime.js'
export { Contract, type ContractHandler, type ContractMetadata } from './contract.js'
export {
  Protocol,
  type Printer,
  type TxDispatch,
  type SubnetRuntimeLike,
  type ProtocolOptions,
  type TxOptions,
  type TxSettlement,
  type TxSurrogate,
  type PreparedTx
} from './protocol.js'
export { Feature } from './feature.js'
export type { ContractResult, ViewStore, LogFn, MsbView } from './types.js'
export {
  ContractAssertionError,
  ContractExecutionError,
  UnknownContractOperationType,
  ReservedKeyError,
  ViewStorageError,
  SettlementUnavailableError,
  SubnetStoreFormatError,
  contractResultError
} from './errors.js'
export { formatNumberString, jsonParse, jsonStringify, resolveNumberString, safeBigInt, safeClone } from './numbers.js'
export * from './builders.js'
