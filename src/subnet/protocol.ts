// The app protocol base class (subnet spec §7.2): the local, non-deterministic half of a subnet app.
// It turns terminal/RPC input into tx dispatches (`mapTxCommand`), adds app commands and API reads,
// owns the app's features, and runs or settles transactions. It talks to the peer only through
// `SubnetRuntimeLike`, so it can be driven by the real peer, by tests or by another host.
import { randomBytes, toHex } from '../crypto/index.js'
import { parseTtyArgs, tokenizeCommandLine, type TtyArgs } from '../common/index.js'
import { contractResultError, SettlementUnavailableError } from './errors.js'
import type { Feature } from './feature.js'
import {
  formatNumberString,
  jsonParse,
  jsonStringify,
  resolveNumberString,
  safeBigInt,
  safeClone,
  visibleLength
} from './numbers.js'
import { SimStorage } from './sim-storage.js'
import type { TxDispatch, TxSurrogate, TxSettlement } from '../common/index.js'
import { DEFAULT_APPLY_LIMITS, type ContractResult, type ContractRuntime, type LogFn } from './types.js'

/** Console-style output sink (the terminal's `ctx.print`, or console.log). */
export type Printer = (...args: unknown[]) => void

// The seam types shared with the MSB side live in src/common/settlement.ts; the app SDK re-exports them.
export type { TxDispatch, TxSurrogate, PreparedTx, TxSettlement } from '../common/index.js'

/** What protocols and features need from the running peer. */
export interface SubnetRuntimeLike {
  /** True when this peer's writer is allowed to append to the subnet log. */
  readonly writable: boolean
  /** A view value, or null. Unconfirmed (the local linearized view) unless `confirmed: true` (indexer-signed). */
  get(key: string, opts?: { confirmed?: boolean }): Promise<unknown>
  /** Appends one op to the subnet log through this peer's writer. */
  append(op: Record<string, unknown>): Promise<void>
  /** The wallet public key, lowercase hex; null when the peer has no wallet. */
  readonly walletPublicKeyHex: string | null
  /** ed25519 over the UTF-8 bytes of `message` with the wallet key, lowercase hex. */
  sign(message: string): string
  /** MSB settlement; absent or null until the MSB client is wired in (then only `--sim` works). */
  readonly settlement?: TxSettlement | null
  /** Informational output (defaults to console.log). */
  log?(...args: unknown[]): void
}

export interface TxOptions {
  /** Where a simulated contract's `log` lines go (the terminal's printer); default: the runtime's log. */
  log?: LogFn
}

export interface ProtocolOptions {
  config?: Record<string, unknown>
  /** The peer's ProtocolApi (spec §7.3); `extendApi` adds own properties to it. An empty object by default. */
  api?: object
}

const ZERO_KEY_HEX = '00'.repeat(32)

/**
 * Size of the `tx` op the observer will append for `dispatch`, with the widest `msbsl` apply accepts.
 * Apply ignores ops over `txMaxBytes`, so a bigger dispatch would be paid for on the MSB and then dropped.
 */
function txOpBytes(dispatch: TxDispatch): number {
  const op = {
    type: 'tx',
    key: ZERO_KEY_HEX,
    value: { msbsl: DEFAULT_APPLY_LIMITS.maxMsbSignedLength, dispatch, ipk: ZERO_KEY_HEX, wp: ZERO_KEY_HEX }
  }
  const json = jsonStringify(op)
  return json === null ? Infinity : visibleLength(json)
}

export class Protocol {
  readonly runtime: SubnetRuntimeLike
  readonly config: Record<string, unknown>
  readonly api: Record<string, unknown>
  /** The contract simulations run; bound by whoever builds the app (see `bindContract`). */
  contract: ContractRuntime | null = null
  /** Features by key, as added with `addFeature`. */
  readonly features = new Map<string, Feature>()
  input: string | null = null
  tokenized_input: string[] = []

  // The reference exposes these helpers on the protocol instance; contracts and commands use them.
  readonly fromBigIntString = formatNumberString
  readonly toBigIntString = resolveNumberString
  readonly safeJsonStringify = jsonStringify
  readonly safeJsonParse = jsonParse
  readonly safeClone = safeClone

  constructor(runtime: SubnetRuntimeLike, options: ProtocolOptions = {}) {
    this.runtime = runtime
    this.config = options.config ?? {}
    this.api = (options.api ?? {}) as Record<string, unknown>
  }

  bindContract(contract: ContractRuntime): void {
    this.contract = contract
  }

  /** Maps a `/tx --command` string to a dispatch, or null when the app does not know it. */
  mapTxCommand(_command: string): TxDispatch | null {
    return null
  }

  /**
   * Gets every terminal line no built-in command matched. Returns true when the line was handled,
   * false to let the terminal report an unknown command.
   */
  async customCommand(_line: string, _print: Printer): Promise<boolean> {
    return false
  }

  /** Prints the app's own commands after the built-in help. */
  async printOptions(_print: Printer): Promise<void> {}

  /** Adds read methods to `this.api` as own properties (they become RPC methods). */
  async extendApi(): Promise<void> {}

  txMaxBytes(): number {
    return DEFAULT_APPLY_LIMITS.txMaxBytes
  }

  msgMaxBytes(): number {
    return DEFAULT_APPLY_LIMITS.msgMaxBytes
  }

  featMaxBytes(): number {
    return DEFAULT_APPLY_LIMITS.featMaxBytes
  }

  /** 32 random bytes as lowercase hex: the nonce of signed subnet ops. */
  generateNonce(): string {
    return toHex(randomBytes(32))
  }

  safeBigInt(value: unknown): bigint | null {
    return safeBigInt(value)
  }

  /** Command arguments as trac-peer reads them (spec §11.2): `/cmd --a 1 --b "x y"` → `{ a: '1', b: 'x y' }`. */
  parseArgs(line: string): TtyArgs {
    return parseTtyArgs(line)
  }

  /** Remembers `input` and its words (shell-like tokens). */
  tokenizeInput(input: string): string[] {
    this.input = input
    this.tokenized_input = tokenizeCommandLine(input)
    return this.tokenized_input
  }

  /** The error a contract result stands for, or null (spec §7.1). */
  getError(result: unknown): Error | null {
    return contractResultError(result)
  }

  /** A value from the unconfirmed view, or null. */
  get(key: string): Promise<unknown> {
    return this.runtime.get(key, { confirmed: false })
  }

  /** A value from the confirmed (indexer-signed) view, or null. */
  getSigned(key: string): Promise<unknown> {
    return this.runtime.get(key, { confirmed: true })
  }

  /**
   * Registers a feature under `key`, which becomes its op prefix (`<key>_<name>`, dispatch type
   * `<key>_feature`). A second feature with a taken key keeps that key for its ops and is stored under
   * `<key>#2`, `#3`… (trac-peer stores it under a random number).
   */
  addFeature(key: string, feature: Feature): void {
    feature.key = key
    let slot = key
    for (let i = 2; this.features.has(slot); i++) slot = `${key}#${i}`
    this.features.set(slot, feature)
  }

  /**
   * `/tx --command "<c>" [--sim 1]`: maps the command and settles it through the MSB, or with `sim` runs
   * the contract on a throwaway overlay and returns its raw result (check it with `getError`).
   */
  async tx(
    subject: { command: string },
    sim = false,
    surrogate: TxSurrogate | null = null,
    options: TxOptions = {}
  ): Promise<unknown> {
    const mapped = this.mapTxCommand(subject.command)
    if (
      mapped === null ||
      typeof mapped !== 'object' ||
      typeof mapped.type !== 'string' ||
      mapped.value === undefined
    ) {
      // The reference's exact text (it names an old protocol class); scripts may match it.
      throw new Error('HyperMallProtocol::tx(): command not found.')
    }
    return this.broadcastTransaction({ type: mapped.type, value: mapped.value }, sim, surrogate, options)
  }

  async broadcastTransaction(
    dispatch: TxDispatch,
    sim: boolean,
    surrogate: TxSurrogate | null = null,
    options: TxOptions = {}
  ): Promise<unknown> {
    const txen = await this.get('txen')
    if (txen !== null && txen !== undefined && txen !== true) throw new Error('Tx is not enabled.')
    if (typeof dispatch?.type !== 'string' || dispatch.value === undefined) throw new Error('Invalid tx dispatch.')
    // Not in trac-peer: a dispatch whose subnet op would exceed txMaxBytes is refused before it costs a fee.
    if (txOpBytes(dispatch) > this.txMaxBytes())
      throw new Error(`Transaction too large (the subnet op must fit in ${this.txMaxBytes()} bytes).`)
    if (sim) return this.simulateTransaction(dispatch, surrogate, options)
    const settlement = this.runtime.settlement ?? null
    if (settlement === null) throw new SettlementUnavailableError()
    const prepared = await settlement.prepare(dispatch, surrogate)
    await settlement.broadcast(prepared, dispatch)
    return prepared.payload
  }

  /**
   * Runs the contract on a `SimStorage` over the unconfirmed view (spec §8.6): nothing is appended or
   * broadcast. With MSB settlement the MSB preflight runs first and the contract sees the real tx hash;
   * without it, `tx` is 32 zero bytes and the invoker is the surrogate or this wallet.
   */
  async simulateTransaction(
    dispatch: TxDispatch,
    surrogate: TxSurrogate | null = null,
    options: TxOptions = {}
  ): Promise<ContractResult> {
    if (this.contract === null) throw new Error('No contract is bound to this protocol.')
    let tx = ZERO_KEY_HEX
    let ipk = surrogate?.address ?? this.runtime.walletPublicKeyHex
    const settlement = this.runtime.settlement ?? null
    if (settlement !== null) ({ tx, ipk } = await settlement.prepare(dispatch, surrogate))
    if (ipk === null) throw new Error('Wallet is not ready.')
    const storage = new SimStorage({ get: (key) => this.runtime.get(key, { confirmed: false }) })
    const log: LogFn =
      options.log ?? ((line, args) => (this.runtime.log ? this.runtime.log(line, args) : console.log(line)))
    return this.contract.execute({ type: 'tx', key: tx, value: { dispatch, ipk, wp: ZERO_KEY_HEX } }, storage, { log })
  }
}

/** The protocol/contract pair of an app, wired together. */
export interface SubnetApp<P extends Protocol, C extends ContractRuntime> {
  protocol: P
  contract: C
}

/**
 * Builds an app the way trac-peer does: the protocol first, then the contract with the protocol, then the
 * protocol bound to the contract for simulations. Call `await protocol.extendApi()` afterwards.
 */
export function createSubnetApp<P extends Protocol, C extends ContractRuntime>(
  runtime: SubnetRuntimeLike,
  ProtocolClass: new (runtime: SubnetRuntimeLike, options?: ProtocolOptions) => P,
  ContractClass: new (protocol: P, config?: Record<string, unknown>) => C,
  options: ProtocolOptions = {}
): SubnetApp<P, C> {
  const protocol = new ProtocolClass(runtime, options)
  const contract = new ContractClass(protocol, options.config ?? {})
  protocol.bindContract(contract)
  return { protocol, contract }
}
