// The devnet's deterministic apply (spec msb.md §1.2 layout, §2.2 preimages, §2.9–2.11 fees, the apply half of
// §3): one Autobase node value (a complete `apply.operations.Operation`) in, view writes and writer-set changes
// out. It reads only the view, the node's writer key and the host's indexer list, so every node that applies the
// same linearized log reaches the same view. Never throws: every outcome is success / failure / ignore with a
// reason. Writes are buffered and committed only when the op succeeds, so a failed op leaves no trace.
import { blake3 } from '@noble/hashes/blake3.js'
import b4a from 'b4a'
import { toHex, verify } from '../../crypto/index.js'
import { decodeAddress } from '../../wallet/index.js'
import { MAX_AMOUNT, UNITS_PER_TNK, amountFromBytes } from '../amount.js'
import { addressLength } from '../ops.js'
import { MSB_FEE } from '../precheck.js'
import {
  MEMBER_OF_TYPE,
  MsbOpType,
  OPERATION_MEMBER_FIELDS,
  adminOpPreimage,
  createMessage,
  decodeFullOperation,
  soleMember,
  validatorMessageHash
} from './admin-ops.js'
import {
  ADMIN_KEY,
  INITIALIZATION_KEY,
  LICENSE_COUNT_KEY,
  NODE_ROLES,
  WRITERS_LENGTH_KEY,
  decodeAdminEntry,
  decodeDeploymentEntry,
  decodeNodeEntry,
  decodeU32BE,
  deploymentKey,
  encodeAdminEntry,
  encodeDeploymentEntry,
  encodeNodeEntry,
  encodeU32BE,
  isIndexer,
  isInitializationDisabled,
  isWhitelisted,
  isWriter,
  licenseIndexKey,
  writerAddressKey,
  writerIndexKey,
  type NodeEntry
} from '../state.js'

export { MSB_FEE }
/** What ADD_ADMIN credits the admin (1000 TNK) and stakes for it (0.3 TNK), as the reference does. */
export const ADMIN_INITIAL_BALANCE = 1000n * UNITS_PER_TNK
export const ADMIN_INITIAL_STAKE = 10n * MSB_FEE
/** A writer stakes 10 fees on ADD_WRITER, after paying one: it needs 11 × fee. */
export const WRITER_STAKE = 10n * MSB_FEE
export const MAX_OPERATION_BYTES = 4096

const pct = (amount: bigint, percent: bigint): bigint => (amount * percent * 100n) / 10_000n

/** What apply reads and writes: the view as seen inside the current apply batch. */
export interface ApplyStore {
  get(key: string): Promise<Uint8Array | null>
  put(key: string, value: Uint8Array): Promise<void>
}

/** The Autobase host calls apply needs. `indexerKeys` is `host.system.indexers` in order. */
export interface ApplyHost {
  indexerKeys(): Uint8Array[]
  addWriter(key: Uint8Array, opts: { indexer: boolean }): Promise<void>
  removeWriter(key: Uint8Array): Promise<void>
}

export interface ApplyConfig {
  networkId: number
  hrp: string
  /** The MSB bootstrap (the admin's first writer key). */
  bootstrap: Uint8Array
}

export type ApplyStatus = 'success' | 'failure' | 'ignore'

export interface MsbApplyOutcome {
  status: ApplyStatus
  /** The operation type, 0 when the value did not decode. */
  type: number
  /** The op's tx hash (hex) when it had a well-formed one. */
  txHash: string | null
  reason: string | null
  /** The store or host failed while committing (not a property of the op). */
  fatal?: boolean
}

/** txv: blake3 over the concatenated indexer writer keys, in `system.indexers` order. */
export function indexerSetHash(keys: Uint8Array[]): Uint8Array {
  return blake3(b4a.concat(keys))
}

class Reject {
  constructor(
    readonly status: 'failure' | 'ignore',
    readonly reason: string
  ) {}
}
const fail = (reason: string): never => {
  throw new Reject('failure', reason)
}
const ignore = (reason: string): never => {
  throw new Reject('ignore', reason)
}

/** Buffered writes over the store; host calls are deferred to the commit as well. */
class Tx {
  readonly writes = new Map<string, Uint8Array>()
  readonly hostCalls: Array<() => Promise<void>> = []
  constructor(private readonly store: ApplyStore) {}

  async get(key: string): Promise<Uint8Array | null> {
    const w = this.writes.get(key)
    if (w !== undefined) return w
    return await this.store.get(key)
  }

  put(key: string, value: Uint8Array): void {
    this.writes.set(key, value)
  }

  async commit(): Promise<void> {
    for (const call of this.hostCalls) await call()
    for (const [k, v] of this.writes) await this.store.put(k, v)
  }
}

const FIELD_BYTES: Record<string, number> = {
  tx: 32,
  txv: 32,
  iw: 32,
  in: 32,
  is: 64,
  am: 16,
  vn: 32,
  vs: 64,
  bs: 32,
  ic: 32,
  ch: 32,
  mbs: 32
}
const ADDRESS_FIELDS = new Set(['ia', 'to', 'va'])
const VALIDATOR_FIELDS = ['va', 'vn', 'vs']

const ZERO_KEY = new Uint8Array(32)
const isZero = (b: Uint8Array): boolean => b.every((x) => x === 0)
const ascii = (b: Uint8Array): string => String.fromCharCode(...b)

interface Ctx {
  op: { type: number; address: Uint8Array }
  f: Record<string, Uint8Array>
  from: Uint8Array
  tx: Tx
  host: ApplyHost
  cfg: ApplyConfig
  addrLen: number
  hash: string
  raw: Uint8Array
}

/** Applies one node value. `from` is the key of the writer core that appended it. */
export async function applyOperation(
  node: { value: Uint8Array; from: Uint8Array },
  store: ApplyStore,
  host: ApplyHost,
  cfg: ApplyConfig
): Promise<MsbApplyOutcome> {
  const value = node.value
  let type = 0
  let txHash: string | null = null
  try {
    if (!(value instanceof Uint8Array) || value.byteLength === 0) fail('empty node value')
    if (value.byteLength > MAX_OPERATION_BYTES) fail('operation larger than 4096 bytes')
    const op = decodeFullOperation(value)
    if (op === null) fail('value does not decode as an Operation')
    type = op!.type
    const expected = MEMBER_OF_TYPE[type]
    if (expected === undefined) fail(`unknown operation type ${type}`)
    const sole = soleMember(op!)
    if (sole === null || sole.member !== expected) fail(`type ${type} must carry exactly the ${expected} payload`)
    if (op!.address === undefined) fail('address missing')
    const addrLen = addressLength(cfg.hrp)
    const f = sole!.fields
    schema(type, f, addrLen)
    if (op!.address!.byteLength !== addrLen) fail('address has the wrong length')
    txHash = toHex(f.tx!)
    const tx = new Tx(store)
    const ctx: Ctx = {
      op: { type, address: op!.address! },
      f,
      from: node.from,
      tx,
      host,
      cfg,
      addrLen,
      hash: txHash,
      raw: value
    }
    const handler = HANDLERS[type]
    if (handler === undefined) fail(`operation type ${type} is not handled by the devnet`)
    await handler!(ctx)
    try {
      await tx.commit()
    } catch (err) {
      return {
        status: 'failure',
        type,
        txHash,
        reason: `commit failed: ${(err as Error)?.message ?? String(err)}`,
        fatal: true
      }
    }
    return { status: 'success', type, txHash, reason: null }
  } catch (err) {
    if (err instanceof Reject) return { status: err.status, type, txHash, reason: err.reason }
    return { status: 'failure', type, txHash, reason: `unexpected: ${(err as Error)?.message ?? String(err)}` }
  }
}

/** Field presence and sizes (the `$$strict` schema): every field of the member, all non-zero except `am`. */
function schema(type: number, f: Record<string, Uint8Array>, addrLen: number): void {
  for (const name of OPERATION_MEMBER_FIELDS[MEMBER_OF_TYPE[type]!]) {
    const v = f[name]
    if (v === undefined) {
      if (VALIDATOR_FIELDS.includes(name)) fail('operation is not complete (va/vn/vs missing)')
      fail(`field ${name} missing`)
    }
    const want = ADDRESS_FIELDS.has(name) ? addrLen : FIELD_BYTES[name]
    if (v!.byteLength !== want) fail(`field ${name} must be ${want} bytes`)
    if (name !== 'am' && isZero(v!)) fail(`field ${name} must not be all zeros`)
  }
}

// ---------------------------------------------------------------------------------------------- helpers

/** An address's string and public key; fails with `what` when it is not a valid address of this network. */
function addressOf(bytes: Uint8Array, ctx: Ctx, what: string): { address: string; publicKey: Uint8Array } {
  const address = ascii(bytes)
  if (address.length !== ctx.addrLen) fail(`${what} address has the wrong length`)
  try {
    return { address, publicKey: decodeAddress(address, ctx.cfg.hrp) }
  } catch {
    return fail(`${what} address is invalid`)
  }
}

async function entryOf(ctx: Ctx, address: string): Promise<NodeEntry | null> {
  const raw = await ctx.tx.get(address)
  if (raw === null) return null
  const e = decodeNodeEntry(raw)
  if (e === null) fail(`node entry of ${address} does not decode`)
  return e
}

function putEntry(ctx: Ctx, address: string, e: NodeEntry): void {
  ctx.tx.put(address, encodeNodeEntry(e))
}

function checkTxv(ctx: Ctx): void {
  const keys = ctx.host.indexerKeys()
  if (keys.length === 0) fail('indexer set is empty')
  if (!b4a.equals(ctx.f.txv!, indexerSetHash(keys)))
    fail('txv is not the current indexer-set hash (transaction was not executed)')
}

function checkHashAndSignature(ctx: Ctx, preimage: Uint8Array, signer: Uint8Array): void {
  const hash = blake3(preimage)
  if (!b4a.equals(hash, ctx.f.tx!)) fail('message hash does not match tx')
  if (!verify(ctx.f.is!, hash, signer)) fail('requester signature is invalid')
}

async function alreadyApplied(ctx: Ctx): Promise<boolean> {
  return (await ctx.tx.get(ctx.hash)) !== null
}

/** The admin entry, and that this node was appended by the admin's writer and signed by the admin's key. */
async function requireAdmin(ctx: Ctx, requesterKey: Uint8Array): Promise<{ address: string }> {
  const admin = decodeAdminEntry(await ctx.tx.get(ADMIN_KEY), ctx.cfg.hrp)
  if (admin === null) fail('admin entry missing or invalid')
  if (!b4a.equals(admin!.writingKey, ctx.from)) fail('node is not allowed to perform this operation (admin only)')
  let adminKey: Uint8Array
  try {
    adminKey = decodeAddress(admin!.address, ctx.cfg.hrp)
  } catch {
    return fail('admin address in state is invalid')
  }
  if (!b4a.equals(adminKey, requesterKey)) fail('system admin and requester keys do not match')
  return { address: admin!.address }
}

/** Completed ops: the validator's nonce, signature and address differ from the requester's. */
function checkDistinct(ctx: Ctx): void {
  const { f } = ctx
  if (b4a.equals(f.in!, f.vn!)) fail('nonces must differ')
  if (b4a.equals(ctx.op.address, f.va!)) fail('requester and validator addresses must differ')
  if (b4a.equals(f.is!, f.vs!)) fail('signatures must differ')
}

/** The validator's co-signature: vs over blake3(u32(networkId) ‖ tx ‖ vn ‖ u32(type)) by the key of `va`. */
function checkValidatorSignature(ctx: Ctx): { address: string; publicKey: Uint8Array } {
  const { f } = ctx
  const validator = addressOf(f.va!, ctx, 'validator')
  if (!verify(f.vs!, validatorMessageHash(ctx.cfg.networkId, f.tx!, f.vn!, ctx.op.type), validator.publicKey)) {
    fail('validator signature is invalid')
  }
  return validator
}

/** The validator must be an active writer whose registered writer key appended this node. */
async function requireValidator(ctx: Ctx, address: string): Promise<NodeEntry> {
  const e = await entryOf(ctx, address)
  if (e === null) fail('validator entry missing')
  if (!isWriter(e!)) fail('validator is not an active writer')
  if (!b4a.equals(e!.writingKey, ctx.from)) fail("node was not appended by the validator's writer key")
  return e!
}

/**
 * The checks every validated op (one a validator co-signed) shares after its own: the requester's hash and
 * signature over `preimage`, the validator's signature, the txv, the validator's standing, and replay.
 */
async function checkValidated(
  ctx: Ctx,
  preimage: Uint8Array,
  requester: Uint8Array
): Promise<{ validator: { address: string; publicKey: Uint8Array }; v: NodeEntry }> {
  checkHashAndSignature(ctx, preimage, requester)
  const validator = checkValidatorSignature(ctx)
  checkTxv(ctx)
  const v = await requireValidator(ctx, validator.address)
  if (await alreadyApplied(ctx)) ignore('operation has already been applied')
  return { validator, v }
}

function add(balance: bigint, amount: bigint, what: string): bigint {
  const out = balance + amount
  if (out > MAX_AMOUNT) fail(`${what} balance would overflow`)
  return out
}

async function nextLicense(ctx: Ctx, address: string): Promise<number> {
  const n = (decodeU32BE(await ctx.tx.get(LICENSE_COUNT_KEY)) ?? 0) + 1
  ctx.tx.put(LICENSE_COUNT_KEY, encodeU32BE(n))
  ctx.tx.put(licenseIndexKey(n), b4a.from(address))
  return n
}

async function appendWriterIndex(ctx: Ctx, address: string): Promise<void> {
  const n = decodeU32BE(await ctx.tx.get(WRITERS_LENGTH_KEY)) ?? 0
  ctx.tx.put(writerIndexKey(n), b4a.from(address))
  ctx.tx.put(WRITERS_LENGTH_KEY, encodeU32BE(n + 1))
}

async function initializationDisabled(ctx: Ctx): Promise<boolean> {
  return isInitializationDisabled(await ctx.tx.get(INITIALIZATION_KEY))
}

/** The complete op bytes exactly as appended, under `<txHashHex>` (present = applied). */
const putTx = (ctx: Ctx): void => {
  ctx.tx.put(ctx.hash, ctx.raw)
}

/** The checks ADD_INDEXER and REMOVE_INDEXER share: admin-signed, current txv, not applied, the target exists. */
async function indexerChange(
  ctx: Ctx
): Promise<{ target: { address: string }; admin: { address: string }; t: NodeEntry }> {
  const { f, cfg } = ctx
  const requester = addressOf(ctx.op.address, ctx, 'requester')
  const target = addressOf(f.ia!, ctx, 'target indexer')
  const admin = await requireAdmin(ctx, requester.publicKey)
  checkHashAndSignature(ctx, adminOpPreimage(cfg.networkId, ctx.op.type, f)!, requester.publicKey)
  checkTxv(ctx)
  if (await alreadyApplied(ctx)) fail('operation has already been applied')
  const t = await entryOf(ctx, target.address)
  if (t === null) return fail('target entry missing')
  return { target, admin, t }
}

// ---------------------------------------------------------------------------------------------- handlers

type Handler = (ctx: Ctx) => Promise<void>

const HANDLERS: Record<number, Handler> = {
  [MsbOpType.ADD_ADMIN]: async (ctx) => {
    const { f, cfg } = ctx
    const requester = addressOf(ctx.op.address, ctx, 'requester')
    if (!b4a.equals(ctx.from, cfg.bootstrap) || !b4a.equals(f.iw!, cfg.bootstrap))
      fail('ADD_ADMIN must come from the bootstrap writer')
    checkHashAndSignature(ctx, adminOpPreimage(cfg.networkId, ctx.op.type, f)!, requester.publicKey)
    checkTxv(ctx)
    if ((await ctx.tx.get(writerAddressKey(toHex(f.iw!)))) !== null) fail('writer key already registered')
    if ((await ctx.tx.get(ADMIN_KEY)) !== null) fail('admin entry already exists')
    if (await alreadyApplied(ctx)) fail('operation has already been applied')
    const license = await nextLicense(ctx, requester.address)
    putEntry(ctx, requester.address, {
      role: NODE_ROLES.INDEXER,
      writingKey: f.iw!,
      balance: ADMIN_INITIAL_BALANCE,
      license,
      stakedBalance: ADMIN_INITIAL_STAKE
    })
    ctx.tx.put(writerAddressKey(toHex(f.iw!)), b4a.from(requester.address))
    await appendWriterIndex(ctx, requester.address)
    ctx.tx.put(ADMIN_KEY, encodeAdminEntry({ address: requester.address, writingKey: f.iw! }, ctx.cfg.hrp))
    ctx.tx.put(INITIALIZATION_KEY, encodeU32BE(1))
    putTx(ctx)
  },

  [MsbOpType.BALANCE_INITIALIZATION]: async (ctx) => {
    const { f, cfg } = ctx
    const requester = addressOf(ctx.op.address, ctx, 'requester')
    const recipient = addressOf(f.ia!, ctx, 'recipient')
    const amount = amountFromBytes(f.am!)
    if (await initializationDisabled(ctx)) fail('balance initialization is disabled')
    await requireAdmin(ctx, requester.publicKey)
    checkHashAndSignature(ctx, adminOpPreimage(cfg.networkId, ctx.op.type, f)!, requester.publicKey)
    checkTxv(ctx)
    if (await alreadyApplied(ctx)) fail('operation has already been applied')
    const e = await entryOf(ctx, recipient.address)
    // The devnet faucet credits (the reference's BALANCE_INITIALIZATION sets the balance of an existing entry).
    if (e === null)
      putEntry(ctx, recipient.address, {
        role: NODE_ROLES.READER,
        writingKey: ZERO_KEY,
        balance: amount,
        license: 0,
        stakedBalance: 0n
      })
    else putEntry(ctx, recipient.address, { ...e, balance: add(e.balance, amount, 'recipient') })
    putTx(ctx)
  },

  [MsbOpType.APPEND_WHITELIST]: async (ctx) => {
    const { f, cfg } = ctx
    const requester = addressOf(ctx.op.address, ctx, 'requester')
    const admin = await requireAdmin(ctx, requester.publicKey)
    const target = addressOf(f.ia!, ctx, 'whitelisted')
    checkHashAndSignature(ctx, adminOpPreimage(cfg.networkId, ctx.op.type, f)!, requester.publicKey)
    checkTxv(ctx)
    if (await alreadyApplied(ctx)) fail('operation has already been applied')
    const e = await entryOf(ctx, target.address)
    if (e !== null && isWhitelisted(e)) fail('node is already whitelisted')
    if (await initializationDisabled(ctx)) {
      const a = await entryOf(ctx, admin.address)
      if (a === null || a.balance < MSB_FEE) fail('insufficient admin balance')
      putEntry(ctx, admin.address, { ...a!, balance: a!.balance - MSB_FEE })
    }
    if (e === null) {
      const license = await nextLicense(ctx, target.address)
      putEntry(ctx, target.address, {
        role: NODE_ROLES.WHITELISTED,
        writingKey: ZERO_KEY,
        balance: 0n,
        license,
        stakedBalance: 0n
      })
    } else {
      const license = e.license !== 0 ? e.license : await nextLicense(ctx, target.address)
      putEntry(ctx, target.address, { ...e, role: NODE_ROLES.WHITELISTED, license })
    }
    putTx(ctx)
  },

  [MsbOpType.ADD_WRITER]: async (ctx) => {
    const { f, cfg } = ctx
    checkDistinct(ctx)
    const requester = addressOf(ctx.op.address, ctx, 'requester')
    if (b4a.equals(f.iw!, ZERO_KEY)) fail('writer key must not be zero')
    const { validator, v } = await checkValidated(
      ctx,
      adminOpPreimage(cfg.networkId, ctx.op.type, f)!,
      requester.publicKey
    )
    const r = await entryOf(ctx, requester.address)
    if (r === null) fail('requester entry missing')
    const iwHex = toHex(f.iw!)
    const owner = await ctx.tx.get(writerAddressKey(iwHex))
    if (owner !== null && (!b4a.equals(r!.writingKey, f.iw!) || ascii(owner) !== requester.address)) {
      fail('writer key is owned by another address or differs from the assigned key')
    }
    if (isIndexer(r!) || isWriter(r!) || !isWhitelisted(r!))
      fail('node must be whitelisted and not a writer or indexer')
    if (r!.balance < MSB_FEE) ignore('insufficient requester balance')
    const afterFee = r!.balance - MSB_FEE
    if (afterFee < WRITER_STAKE) fail('insufficient balance to stake')
    ctx.tx.hostCalls.push(() => ctx.host.addWriter(f.iw!, { indexer: false }))
    putEntry(ctx, requester.address, {
      ...r!,
      role: NODE_ROLES.WRITER,
      writingKey: f.iw!,
      balance: afterFee - WRITER_STAKE,
      stakedBalance: WRITER_STAKE
    })
    if (owner === null) ctx.tx.put(writerAddressKey(iwHex), b4a.from(requester.address))
    await appendWriterIndex(ctx, requester.address)
    putEntry(ctx, validator.address, { ...v, balance: add(v.balance, pct(MSB_FEE, 75n), 'validator') })
    putTx(ctx)
  },

  [MsbOpType.ADD_INDEXER]: async (ctx) => {
    const { target, admin, t } = await indexerChange(ctx)
    if (!isWriter(t!) || isIndexer(t!)) fail('node must be a writer and not already an indexer')
    if (ctx.host.indexerKeys().some((k) => b4a.equals(k, t!.writingKey))) fail('writer key already in the indexer list')
    const a = await entryOf(ctx, admin.address)
    if (a === null || a.balance < MSB_FEE) fail('insufficient admin balance')
    ctx.tx.hostCalls.push(async () => {
      await ctx.host.removeWriter(t!.writingKey)
      await ctx.host.addWriter(t!.writingKey, { indexer: true })
    })
    putEntry(ctx, target.address, { ...t!, role: NODE_ROLES.INDEXER })
    putEntry(ctx, admin.address, { ...a!, balance: a!.balance - MSB_FEE })
    putTx(ctx)
  },

  [MsbOpType.REMOVE_INDEXER]: async (ctx) => {
    const { target, admin, t } = await indexerChange(ctx)
    if (!isIndexer(t!)) fail('node must be an indexer')
    const keys = ctx.host.indexerKeys()
    if (!keys.some((k) => b4a.equals(k, t!.writingKey))) fail('writer key is not in the indexer list')
    if (keys.length < 2) fail('cannot remove the last indexer')
    const a = await entryOf(ctx, admin.address)
    if (a === null || a.balance < MSB_FEE) fail('insufficient admin balance')
    ctx.tx.hostCalls.push(async () => {
      await ctx.host.removeWriter(t!.writingKey)
      await ctx.host.addWriter(t!.writingKey, { indexer: false })
    })
    await appendWriterIndex(ctx, target.address)
    putEntry(ctx, target.address, { ...t!, role: NODE_ROLES.WRITER })
    // When the admin demotes itself, its entry is the target entry: charge the fee on the demoted one.
    if (admin.address === target.address)
      putEntry(ctx, target.address, { ...t!, role: NODE_ROLES.WRITER, balance: t!.balance - MSB_FEE })
    else putEntry(ctx, admin.address, { ...a!, balance: a!.balance - MSB_FEE })
    putTx(ctx)
  },

  [MsbOpType.BOOTSTRAP_DEPLOYMENT]: async (ctx) => {
    const { f, cfg } = ctx
    if (b4a.equals(f.bs!, cfg.bootstrap)) fail('cannot deploy the MSB bootstrap')
    checkDistinct(ctx)
    const requester = addressOf(ctx.op.address, ctx, 'requester')
    const { validator, v } = await checkValidated(
      ctx,
      createMessage(cfg.networkId, f.txv!, f.bs!, f.ic!, f.in!, ctx.op.type),
      requester.publicKey
    )
    const bsHex = toHex(f.bs!)
    if ((await ctx.tx.get(deploymentKey(bsHex))) !== null) ignore('bootstrap already registered')
    const r = await entryOf(ctx, requester.address)
    if (r === null) fail('requester entry missing')
    if (r!.balance < MSB_FEE) ignore('insufficient requester balance')
    ctx.tx.put(deploymentKey(bsHex), encodeDeploymentEntry({ txHash: f.tx!, address: requester.address }, ctx.cfg.hrp))
    putEntry(ctx, requester.address, { ...r!, balance: r!.balance - MSB_FEE })
    putEntry(ctx, validator.address, { ...v, balance: add(v.balance, pct(MSB_FEE, 75n), 'validator') })
    putTx(ctx)
  },

  [MsbOpType.TX]: async (ctx) => {
    const { f, cfg } = ctx
    if (b4a.equals(ctx.op.address, f.va!)) fail('validator cannot sign its own transaction')
    checkDistinct(ctx)
    if (b4a.equals(f.bs!, f.mbs!)) fail('subnet bootstrap equals the MSB bootstrap')
    if (!b4a.equals(f.mbs!, cfg.bootstrap)) fail('mbs is not the MSB bootstrap')
    const requester = addressOf(ctx.op.address, ctx, 'requester')
    const { validator, v } = await checkValidated(
      ctx,
      createMessage(cfg.networkId, f.txv!, f.iw!, f.ch!, f.bs!, cfg.bootstrap, f.in!, ctx.op.type),
      requester.publicKey
    )
    const deployment = decodeDeploymentEntry(await ctx.tx.get(deploymentKey(toHex(f.bs!))), ctx.cfg.hrp)
    if (deployment === null) fail('subnet bootstrap is not deployed')
    const creator = deployment!.address
    const r = await entryOf(ctx, requester.address)
    if (r === null) fail('requester entry missing')
    if (r!.balance < MSB_FEE) ignore('insufficient requester balance')
    putEntry(ctx, requester.address, { ...r!, balance: r!.balance - MSB_FEE })
    if (creator === requester.address) {
      // validator 50%, the rest burned
      putEntry(ctx, validator.address, { ...v, balance: add(v.balance, pct(MSB_FEE, 50n), 'validator') })
    } else if (creator === validator.address) {
      // validator 50% + 25% as the creator, 25% burned
      putEntry(ctx, validator.address, { ...v, balance: add(v.balance, pct(MSB_FEE, 75n), 'validator') })
    } else {
      const c = await entryOf(ctx, creator)
      if (c === null) fail('subnet creator entry missing')
      putEntry(ctx, validator.address, { ...v, balance: add(v.balance, pct(MSB_FEE, 50n), 'validator') })
      putEntry(ctx, creator, { ...c!, balance: add(c!.balance, pct(MSB_FEE, 25n), 'creator') })
    }
    putTx(ctx)
  },

  [MsbOpType.TRANSFER]: async (ctx) => {
    const { f, cfg } = ctx
    checkDistinct(ctx)
    const requester = addressOf(ctx.op.address, ctx, 'requester')
    const { validator, v } = await checkValidated(
      ctx,
      createMessage(cfg.networkId, f.txv!, f.to!, f.am!, f.in!, ctx.op.type),
      requester.publicKey
    )
    const recipient = addressOf(f.to!, ctx, 'recipient')
    const amount = amountFromBytes(f.am!)
    const self = recipient.address === requester.address
    const toValidator = recipient.address === validator.address
    const total = self ? MSB_FEE : amount + MSB_FEE
    const s = await entryOf(ctx, requester.address)
    if (s === null) fail('sender entry missing')
    if (s!.balance < total) ignore('insufficient sender balance')
    putEntry(ctx, requester.address, { ...s!, balance: s!.balance - total })
    if (!self && !toValidator) {
      const r = await entryOf(ctx, recipient.address)
      if (r === null)
        putEntry(ctx, recipient.address, {
          role: NODE_ROLES.READER,
          writingKey: ZERO_KEY,
          balance: amount,
          license: 0,
          stakedBalance: 0n
        })
      else putEntry(ctx, recipient.address, { ...r, balance: add(r.balance, amount, 'recipient') })
    }
    const reward = pct(MSB_FEE, 75n) + (toValidator ? amount : 0n)
    putEntry(ctx, validator.address, { ...v, balance: add(v.balance, reward, 'validator') })
    putTx(ctx)
  }
}
