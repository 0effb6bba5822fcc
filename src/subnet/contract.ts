// The app contract base class (subnet spec §7.1). A contract is the deterministic state machine of a
// subnet app: apply hands it every `tx`, `feature` and `msg` op together with the view batch, and it
// reads and writes app keys through `get`/`put`/`del`. Everything it does must come out the same on
// every node, so the places where trac-peer is not deterministic are fixed here (see `execute`).
import FV from 'fastest-validator'
import type { AsyncCheckFunction, SyncCheckFunction, ValidationSchema } from 'fastest-validator'
import {
  ContractAssertionError,
  ContractExecutionError,
  ReservedKeyError,
  UnknownContractOperationType,
  ViewStorageError
} from './errors.js'
import { jsonStringify, safeClone } from './numbers.js'
import type { Protocol } from './protocol.js'
import type { ContractResult, ContractRuntime, ExecuteOptions, ViewStore, LogFn } from './types.js'
import { formatArgs } from '../host/index.js'
import { HEX_ROUND_TRIP_RE, compileCheck } from './validator.js'
import { isRecord } from '../common/index.js'

// fastest-validator is CommonJS with an ES-style `export default` declaration; at runtime the import is
// the class itself, for the type checker it is a namespace holding `default`.
type ValidatorClass = typeof FV.default
export type Validator = InstanceType<ValidatorClass>
const ValidatorCtor: ValidatorClass = ((FV as unknown as { default?: ValidatorClass }).default ?? FV) as ValidatorClass

type CheckFunction = SyncCheckFunction | AsyncCheckFunction

/**
 * A fastest-validator 1.19 instance with the subnet's extra rule types:
 * - `is_hex`: a string that survives hex → bytes → hex unchanged, i.e. lowercase, even length, only
 *   `0-9a-f`; the empty string passes. No length check (add `min`/`max` logic yourself if needed).
 * - `bigint`: a canonical decimal integer string (`'0'`, `'42'`, `'-7'`; no `+`, spaces, leading zeros
 *   or `-0`) or a JS bigint; `unsigned: true` also rejects negatives. trac-peer's `bigint` rule is
 *   broken (it never succeeds): there, a tx type whose schema uses `bigint` always fails with
 *   'Invalid schema.' and is never indexed. This one works, so such a type does run here; a subnet
 *   shared with reference nodes must not use `bigint` in its schemas, or the views would differ.
 * trac-peer's third rule, `bitcoin_address` (multi-chain address validation), is not provided: a schema
 * that uses it fails to compile, so a contract that needs it fails loudly at construction instead of
 * silently disagreeing with reference nodes.
 */
export function createSubnetValidator(): Validator {
  const v = new ValidatorCtor({
    useNewCustomCheckerFunction: true,
    messages: {
      isHex: "The '{field}' field must be lowercase hex of even length.",
      bigint: "The '{field}' field must be an integer string.",
      bigintUnsigned: "The '{field}' field must not be negative."
    }
  })
  v.add('is_hex', function (this: Validator, { messages }) {
    return {
      source: `
        if (typeof value !== "string" || !${HEX_ROUND_TRIP_RE.toString()}.test(value)) {
          ${this.makeError({ type: 'isHex', actual: 'value', messages })}
        }
        return value;
      `
    }
  })
  v.add('bigint', function (this: Validator, { schema, messages }) {
    const unsigned = (schema as { unsigned?: unknown }).unsigned === true
    return {
      source: `
        if (typeof value === "bigint") {
          ${unsigned ? `if (value < 0n) { ${this.makeError({ type: 'bigintUnsigned', actual: 'value', messages })} }` : ''}
          return value;
        }
        if (typeof value !== "string" || !/^-?(0|[1-9][0-9]*)$/.test(value) || value === "-0") {
          ${this.makeError({ type: 'bigint', actual: 'value', messages })}
          return value;
        }
        ${unsigned ? `if (value[0] === "-") { ${this.makeError({ type: 'bigintUnsigned', actual: 'value', messages })} }` : ''}
        return value;
      `
    }
  })
  return v
}

/**
 * `contract.check`, as trac-peer's contract Check offers it: schemas registered by type and checked on demand
 * (the reference's sample contract validates feature entries with `this.check.validateSchema(...)`).
 * A check is true only when the compiled schema answers exactly `true` (an async schema never does).
 */
export class ContractCheck {
  readonly validator: Validator = createSubnetValidator()
  private readonly schemata = new Map<string, CheckFunction>()

  compile(schema: ValidationSchema): CheckFunction {
    return this.validator.compile(schema)
  }

  /** True when `compiled` accepts `payload`; a throw from exotic input counts as a failed check. */
  validate(compiled: CheckFunction, payload: unknown): boolean {
    try {
      return compiled(payload) === true
    } catch {
      return false
    }
  }

  addSchema(type: string, schema: ValidationSchema): void {
    this.schemata.set(type, this.compile(schema))
  }

  hasSchema(type: string): boolean {
    return this.schemata.has(type)
  }

  /** Checks `payload` against the schema registered as `type`; false for a type with no schema. */
  validateSchema(type: string, payload: unknown): boolean {
    const compiled = this.schemata.get(type)
    return compiled !== undefined && this.validate(compiled, payload)
  }
}

// The op-shape checks every execute starts with (trac-peer's contract Check), compiled with the same
// validator as apply's op schemas. Nested objects are not strict, exactly like the reference: extra keys
// inside `value` and `dispatch` pass.
const enterCheck = compileCheck({
  value: { $$type: 'object', dispatch: { $$type: 'object', type: { type: 'string', min: 1, max: 256 } } }
})
const txCheck = compileCheck({
  key: { type: 'is_hex' },
  value: {
    $$type: 'object',
    dispatch: { $$type: 'object', type: { type: 'string' }, value: { type: 'any', nullable: true } },
    ipk: { type: 'is_hex' },
    wp: { type: 'is_hex' }
  }
})
const addressCheck = compileCheck({
  value: { $$type: 'object', dispatch: { $$type: 'object', address: { type: 'is_hex' } } }
})
const textKeyCheck = compileCheck({ key: { type: 'string', min: 1, max: 256 } })

const RESERVED_PREFIXES = [
  'sh/',
  'tx/',
  'kcin/',
  'delm/',
  'umsg/',
  'msgl/',
  'nick/',
  'mod/',
  'mtd/',
  'txi/',
  'wl/',
  'pni/',
  'utxl/',
  'utxi/',
  'bnd/',
  // Not reserved by trac-peer, which lets a contract overwrite chat messages and per-user message
  // counters. Deliberately reserved here: no honest contract writes them, and chat state must only
  // change through signed `msg`/moderation ops.
  'msg/',
  'umsgl/'
]
const RESERVED_KEYS = new Set([
  'msgl',
  'admin',
  'auto_add_writers',
  'chat_status',
  'delml',
  'wlst',
  'txl',
  'pnl',
  'txen'
])

/** True for keys owned by the subnet itself (chat, moderation, tx index, replay markers), which contracts may not write. */
export function isReservedKey(key: string): boolean {
  return RESERVED_KEYS.has(key) || RESERVED_PREFIXES.some((prefix) => key.startsWith(prefix))
}

/** A feature or message handler. It runs with `this` = the contract; arrow functions work as well. */
export type ContractHandler<C extends Contract = Contract> = (this: C) => unknown

export interface ContractMetadata {
  /** Type → a JSON copy of the schema given to `addSchema` (custom check functions do not survive the copy). */
  schemas: Record<string, unknown>
  functions: string[]
  features: string[]
}

type OpKind = 'tx' | 'feature' | 'msg'

function isAssertionFailure(err: unknown): boolean {
  // Node's AssertionError (node:assert) is accepted too, as trac-peer does, for contracts that use it.
  return err instanceof ContractAssertionError || (err instanceof Error && err.name === 'AssertionError')
}

function requireKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw new TypeError('Contract keys must be strings.')
}

/**
 * Base class of app contracts. Register tx types, features and the message hook in the subclass
 * constructor; implement each tx type as a method of the same name.
 *
 * Context fields (set only while `execute` runs, reset before and after):
 * `address` (tx: invoker pubkey hex `value.ipk`; feature/msg: `dispatch.address`), `validator_address`
 * (tx: MSB validator pubkey hex `value.wp`), `tx` (the tx hash, only for `type: 'tx'`), `op` (the dispatch
 * object), `value` (`dispatch.value`, null when absent), `is_feature`, `is_message`, `storage`.
 */
export class Contract implements ContractRuntime {
  readonly protocol: Protocol | null
  readonly config: Record<string, unknown>
  /** Registered schemas and the fastest-validator behind them (with `is_hex` and `bigint`). */
  readonly check = new ContractCheck()
  readonly metadata: ContractMetadata = { schemas: {}, functions: [], features: [] }

  storage: ViewStore | null = null
  address: string | null = null
  validator_address: string | null = null
  tx: string | null = null
  op: Record<string, unknown> | null = null
  value: unknown = null
  is_feature = false
  is_message = false

  private readonly functions = new Set<string>()
  private readonly featureHandlers = new Map<string, ContractHandler>()
  private messageHook: ContractHandler | null = null
  private logSink: LogFn | null = null
  // execute keeps its context on the instance, so runs must not interleave (apply and a simulation
  // can both be in flight); they are queued.
  private queue: Promise<unknown> = Promise.resolve()

  constructor(protocol: Protocol | null = null, config: Record<string, unknown> = {}) {
    this.protocol = protocol
    this.config = config
  }

  /** Declares tx type `type`, handled by the method `this[type]`, with no schema. */
  addFunction(type: string): void {
    this.claimMethodType(type)
    this.functions.add(type)
    this.metadata.functions.push(type)
  }

  /**
   * Declares tx type `type`, handled by the method `this[type]`, whose dispatch object `{ type, value }`
   * must pass `schema` (fastest-validator, e.g. `{ value: { $$type: 'object', amt: { type: 'bigint' } } }`).
   * A dispatch that fails is answered with `UnknownContractOperationType('Invalid schema.')`, so it is not indexed.
   */
  addSchema(type: string, schema: ValidationSchema): void {
    this.claimMethodType(type)
    const copy = safeClone(schema)
    this.check.addSchema(type, schema)
    Object.defineProperty(this.metadata.schemas, type, {
      value: copy,
      enumerable: true,
      writable: true,
      configurable: true
    })
  }

  /**
   * Declares the handler of feature ops whose `dispatch.type` is `type` (convention: `<featureKey>_feature`).
   * Its return value is ignored. Unlike trac-peer, which calls it with `this` = its internal features map,
   * it runs with `this` = the contract; arrow functions and bound functions behave the same under both.
   */
  addFeature(type: string, handler: ContractHandler<this>): void {
    this.claimType(type)
    if (typeof handler !== 'function') throw new TypeError('A feature handler must be a function.')
    this.featureHandlers.set(type, handler as ContractHandler)
    this.metadata.features.push(type)
  }

  /** Sets the hook run for every chat `msg` op; returning `false` or an Error rejects the message. */
  messageHandler(handler: ContractHandler<this>): void {
    if (typeof handler !== 'function') throw new TypeError('A message handler must be a function.')
    if (this.messageHook !== null) throw new Error('A message handler is already registered.')
    this.messageHook = handler as ContractHandler
  }

  /**
   * Throws a ContractAssertionError when `condition` is falsy; `execute` returns it as the tx result.
   * As with node's assert, an Error given as the message is thrown itself: it is then not an assertion, so the
   * tx is recorded as failed with 'Error in contract.' (the reference crashes its apply there).
   */
  assert(condition: unknown, message?: string | Error): asserts condition {
    if (condition) return
    if (message instanceof Error) throw message
    throw new ContractAssertionError(message)
  }

  /**
   * Prints what console.log would print for `args`. While an op is applied the line goes to the peer's log
   * (every node prints it, as the reference's contracts print with console.log); in a simulation it goes to
   * whoever asked for the simulation (the terminal, SC-Bridge `cli`).
   */
  log(...args: unknown[]): void {
    const sink = this.logSink
    if (sink === null) return
    try {
      sink(formatArgs(args), args)
    } catch {}
  }

  isFeature(): boolean {
    return this.is_feature
  }

  isMessage(): boolean {
    return this.is_message
  }

  isReservedKey(key: string): boolean {
    return isReservedKey(key)
  }

  /** The stored value under `key`, or null. Only during `execute`. */
  async get(key: string): Promise<unknown> {
    const storage = this.requireStorage()
    requireKey(key)
    let value: unknown
    try {
      value = await storage.get(key)
    } catch (err) {
      throw new ViewStorageError(err)
    }
    return value === undefined ? null : value
  }

  /** Writes an app key. Reserved keys and values JSON cannot store throw (and so fail the tx). */
  async put(key: string, value: unknown): Promise<void> {
    const storage = this.requireStorage()
    this.requireWritableKey(key)
    if (jsonStringify(value) === null) throw new TypeError(`Value for ${key} cannot be stored as JSON.`)
    try {
      await storage.put(key, value)
    } catch (err) {
      throw new ViewStorageError(err)
    }
  }

  async del(key: string): Promise<void> {
    const storage = this.requireStorage()
    this.requireWritableKey(key)
    try {
      await storage.del(key)
    } catch (err) {
      throw new ViewStorageError(err)
    }
  }

  /**
   * Runs one op against `storage` and returns the result for `contractResultError`:
   * - `false` when the op does not have the shape of a tx, feature or msg op (nothing runs);
   * - tx: the method's return value, or `UnknownContractOperationType` for an unknown type, an
   *   unregistered method or a schema failure (apply then skips the tx without indexing it);
   * - feature: undefined (the handler's return value is ignored, as in trac-peer);
   * - msg: the message handler's return value (undefined without a handler, which accepts everything);
   * - a `ContractAssertionError` (or node AssertionError) thrown by the contract is returned as is;
   * - any other exception is returned as `ContractExecutionError` ('Error in contract.'). trac-peer
   *   rethrows here, which crashes Autobase apply on every node; recording a failed tx instead gives
   *   every node the same view (the tx is indexed with that fixed message as `err`).
   * Writes made before a failure are not rolled back (same as trac-peer).
   * It only throws `ViewStorageError`: a local storage fault that must not turn into a recorded result.
   */
  execute(op: Record<string, unknown>, storage: ViewStore, options: ExecuteOptions = {}): Promise<ContractResult> {
    const run = this.queue.then(() => this.executeNow(op, storage, options.log ?? null))
    this.queue = run.catch(() => {})
    return run
  }

  private async executeNow(op: unknown, storage: ViewStore, log: LogFn | null): Promise<ContractResult> {
    this.resetContext()
    this.logSink = log
    try {
      if (!isRecord(op) || !enterCheck(op)) return false
      const value = op.value as Record<string, unknown>
      const dispatch = value.dispatch as Record<string, unknown>
      const kind: OpKind = op.type === 'feature' ? 'feature' : op.type === 'msg' ? 'msg' : 'tx'
      if (kind === 'tx') {
        if (!txCheck(op)) return false
        this.address = value.ipk as string
        this.validator_address = value.wp as string
      } else {
        if (!addressCheck(op)) return false
        if (kind === 'feature' && !textKeyCheck(op)) return false
        this.is_feature = kind === 'feature'
        this.is_message = kind === 'msg'
        this.address = dispatch.address as string
      }
      if (op.type === 'tx') this.tx = op.key as string
      this.op = dispatch
      this.value = dispatch.value ?? null
      this.storage = storage
      return await this.dispatch(kind, dispatch)
    } catch (err) {
      if (err instanceof ViewStorageError) throw err
      if (isAssertionFailure(err)) return err
      return new ContractExecutionError(err)
    } finally {
      this.resetContext()
      this.logSink = null
    }
  }

  private async dispatch(kind: OpKind, dispatch: Record<string, unknown>): Promise<ContractResult> {
    const type = dispatch.type as string
    if (kind === 'feature') {
      const handler = this.featureHandlers.get(type)
      if (handler) await handler.call(this)
      return undefined
    }
    if (kind === 'msg') return this.messageHook ? await this.messageHook.call(this) : undefined
    const method = (this as unknown as Record<string, unknown>)[type]
    if (method === undefined) return new UnknownContractOperationType()
    if (this.check.hasSchema(type)) {
      if (!this.check.validateSchema(type, dispatch)) return new UnknownContractOperationType('Invalid schema.')
    } else if (!this.functions.has(type)) {
      return new UnknownContractOperationType('Function not registered.')
    }
    return await (method as (this: Contract) => unknown).call(this)
  }

  private resetContext(): void {
    this.storage = null
    this.address = null
    this.validator_address = null
    this.tx = null
    this.op = null
    this.value = null
    this.is_feature = false
    this.is_message = false
  }

  private requireStorage(): ViewStore {
    if (this.storage === null) throw new Error('Contract storage is only available while an op executes.')
    return this.storage
  }

  private requireWritableKey(key: unknown): asserts key is string {
    requireKey(key)
    if (isReservedKey(key)) throw new ReservedKeyError(key)
  }

  private claimType(type: unknown): asserts type is string {
    if (typeof type !== 'string' || type.length === 0)
      throw new TypeError('A contract type must be a non-empty string.')
    if (this.functions.has(type) || this.check.hasSchema(type) || this.featureHandlers.has(type)) {
      throw new Error(`Contract type already registered: ${type}`)
    }
  }

  /** Tx types name methods, so they may not name the base class API or the context fields. */
  private claimMethodType(type: string): void {
    this.claimType(type)
    if (type in Contract.prototype || Object.hasOwn(this, type)) {
      throw new Error(`Contract type ${type} collides with a Contract member.`)
    }
  }
}
