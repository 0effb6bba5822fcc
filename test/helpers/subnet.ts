// Test doubles for the subnet apply seams, driven by test/fixtures/subnet-vectors.json:
// an in-memory ViewStore holding JSON text (as Hyperbee's json encoding does), a MembershipHost that records
// calls in the vectors' shape, an MSB view stub, and the contract the vectors were generated with.
import fs from 'node:fs'
import { AssertionError } from 'node:assert'
import { fromHex, keyPairFromSeed, type KeyPair } from '../../src/crypto/index.js'
import { UnknownContractOperationType } from '../../src/subnet/apply.js'
import { isHexRoundTrip } from '../../src/subnet/validator.js'
import {
  DEFAULT_APPLY_LIMITS,
  type ApplyContext,
  type ContractRuntime,
  type MembershipHost,
  type MsbView,
  type ViewStore
} from '../../src/subnet/types.js'

export interface HostCall {
  call: 'addWriter' | 'removeWriter'
  key: string
  opts?: { isIndexer: boolean }
}
export interface Change {
  key: string
  before: string | null
  after: string | null
}

export interface Step {
  index: number
  name: string
  type: string
  signer: 'admin' | 'user' | 'mod' | null
  signerPublicKey: string | null
  nonce: string | null
  opJson: string
  signedMessage: string | { hex: string } | null
  signature: string | null
  appendedByWriter: string
  accepted: boolean
  hostCalls: HostCall[]
  logs: string[]
  changes: Change[]
  stateAfter: Record<string, string>
}

export interface NegativeCase {
  name: string
  opType: string
  description: string
  baseState: 'empty' | { afterStep: number; stepName: string }
  baseEdits: { delete?: string[]; put?: Record<string, string> } | null
  fromWriter: string
  opJson: string
  logs?: string[]
  expect: { changed: boolean; hostCalls: HostCall[]; threw: string | null; changes?: Change[] }
  msbRecord?: { atSignedLength: number; protobufHex: string; tx: string }
}

interface Identity {
  seedByte: string
  publicKey: string
  secretKey?: string
  tracAddress: string
}

export interface SubnetVectors {
  identities: {
    admin: Identity
    user: Identity
    mod: Identity
    msbValidator: Identity
    writerKey: string
    subnetBootstrap: string
    msbBootstrap: string
  }
  sequence: { steps: Step[] }
  negatives: { cases: NegativeCase[] }
  tx: {
    endToEnd: {
      command: string
      msbPayloadJsonKeyOrder: string
      msbStub: {
        networkId: number
        txvHex: string
        msbBootstrapHex: string
        addressPrefix: string
        signedLength: number
      }
      msbApplyRecord: {
        protobufHex: string
        validatorPublicKey: string
        validatorAddress: string
        decodedBack: Record<string, unknown> & { txo: Record<string, string> }
      }
      subnetOpJson: string
      stepIndex: number
    }
    chFunction: {
      examples: Array<{
        dispatchJson: string
        jsStringLength: number
        hashedBytesHex: string
        chTracPeer: string
        standardBlake3OfUtf8: string
      }>
    }
    subnetMd96AsWritten: { ch: string; tx: string; signatureByAbandonKey: string }
    fixedInputs: {
      dispatchJson: string
      ch: string
      inputs: {
        networkId: number
        txv: string
        iw: string
        ch: string
        bs: string
        mbs: string
        nonce: string
        operationType: number
      }
      preimageHex: string
      tx: string
      signatures: {
        byAdminSeed11: { publicKey: string; signatureHex: string }
        byAbandonMnemonicTracKey: { publicKey: string; signatureHex: string }
      }
      blake3OfEmptyString: string
    }
  }
}

export const vectors = JSON.parse(
  fs.readFileSync(new URL('../fixtures/subnet-vectors.json', import.meta.url), 'utf8')
) as SubnetVectors

export function identityKeyPair(name: 'admin' | 'user' | 'mod' | 'msbValidator'): KeyPair {
  const seed = new Uint8Array(32).fill(parseInt(vectors.identities[name].seedByte, 16))
  return keyPairFromSeed(seed)
}

/** A ViewStore over JSON texts, like a Hyperbee with valueEncoding json. */
export class MemoryStore implements ViewStore {
  readonly entries = new Map<string, string>()

  constructor(initial: Record<string, string> = {}) {
    for (const [k, v] of Object.entries(initial)) this.entries.set(k, v)
  }

  async get(key: string): Promise<unknown> {
    const text = this.entries.get(key)
    return text === undefined ? null : JSON.parse(text)
  }

  async has(key: string): Promise<boolean> {
    return this.entries.has(key)
  }

  async put(key: string, value: unknown): Promise<void> {
    const text = JSON.stringify(value)
    if (typeof text !== 'string') throw new TypeError('not JSON')
    this.entries.set(key, text)
  }

  async del(key: string): Promise<void> {
    this.entries.delete(key)
  }

  /** key → JSON text, keys sorted (compare with the vectors' stateAfter). */
  snapshot(): Record<string, string> {
    return Object.fromEntries([...this.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  }
}

export class RecordingHost implements MembershipHost {
  readonly calls: HostCall[] = []
  /** Keys whose removal would remove the last indexer. */
  readonly lastIndexers = new Set<string>()

  async addWriter(key: Uint8Array, opts: { indexer: boolean }): Promise<void> {
    this.calls.push({ call: 'addWriter', key: Buffer.from(key).toString('hex'), opts: { isIndexer: opts.indexer } })
  }

  async removeWriter(key: Uint8Array): Promise<void> {
    this.calls.push({ call: 'removeWriter', key: Buffer.from(key).toString('hex') })
  }

  removeable(key: Uint8Array): boolean {
    return !this.lastIndexers.has(Buffer.from(key).toString('hex'))
  }
}

/** An MSB view whose records appear from a given signed length on. */
export class StubMsb implements MsbView {
  readonly records = new Map<string, { from: number; bytes: Uint8Array }>()
  readonly waits: number[] = []
  bootstrapHex = vectors.identities.msbBootstrap
  addressPrefix = 'trac'
  length: number
  waitResult = true

  constructor(length = vectors.tx.endToEnd.msbStub.signedLength) {
    this.length = length
    this.add(
      vectors.sequence.steps[vectors.tx.endToEnd.stepIndex].opJson,
      vectors.tx.endToEnd.msbApplyRecord.protobufHex,
      length
    )
  }

  /** Adds a record under the key of a tx op (its JSON) or a tx hash. */
  add(opJsonOrKey: string, protobufHex: string, from: number): void {
    const key = opJsonOrKey.startsWith('{') ? (JSON.parse(opJsonOrKey) as { key: string }).key : opJsonOrKey
    this.records.set(key, { from, bytes: fromHex(protobufHex) })
  }

  signedLength(): number {
    return this.length
  }

  async waitForSignedLength(length: number): Promise<boolean> {
    this.waits.push(length)
    return this.waitResult && this.length >= length
  }

  async getAt(key: string, length: number): Promise<Uint8Array | null> {
    const record = this.records.get(key)
    return record !== undefined && length >= record.from ? record.bytes : null
  }
}

/**
 * The contract the vectors were generated with, written against trac-peer's Contract.execute rules (§7.1):
 * the enter/tx/address/textkey checks return false; tx functions `catch`, `fail`, `assertfail`, `retfalse`;
 * feature `timer_feature`; no message handler (every message passes).
 */
export class VectorContract implements ContractRuntime {
  readonly calls: Array<Record<string, unknown>> = []

  async execute(op: Record<string, unknown>, storage: ViewStore): Promise<unknown> {
    this.calls.push(op)
    const value = op.value as { dispatch?: Record<string, unknown>; ipk?: unknown; wp?: unknown } | undefined
    const dispatch = value?.dispatch
    if (
      dispatch === undefined ||
      typeof dispatch.type !== 'string' ||
      dispatch.type.length < 1 ||
      dispatch.type.length > 256
    )
      return false
    if (op.type === 'feature' || op.type === 'msg') {
      if (!isHexRoundTrip(dispatch.address)) return false
      if (op.type === 'feature' && !(typeof op.key === 'string' && op.key.length >= 1 && op.key.length <= 256))
        return false
    } else if (
      !isHexRoundTrip(op.key) ||
      dispatch.value === undefined ||
      !isHexRoundTrip(value?.ipk) ||
      !isHexRoundTrip(value?.wp)
    ) {
      return false
    }
    if (op.type === 'feature') {
      if (dispatch.type === 'timer_feature') await storage.put(`app/timer/${String(dispatch.key)}`, dispatch.value)
      return undefined
    }
    if (op.type === 'msg') return undefined
    switch (dispatch.type) {
      case 'catch':
        await storage.put(`app/catch/${String(value?.ipk)}`, { tx: op.key, wp: value?.wp })
        return undefined
      case 'fail':
        await storage.put(`app/fail/${String(op.key)}`, dispatch.value)
        return new Error(String((dispatch.value as { reason?: unknown }).reason))
      case 'assertfail':
        return new AssertionError({ message: 'assert says no' })
      case 'retfalse':
        return false
      default:
        return new UnknownContractOperationType()
    }
  }
}

export function makeContext(overrides: Partial<ApplyContext> = {}): ApplyContext & { logs: string[] } {
  const logs: string[] = []
  return {
    subnetBootstrapHex: vectors.identities.subnetBootstrap,
    contract: new VectorContract(),
    msb: new StubMsb(),
    limits: DEFAULT_APPLY_LIMITS,
    log: (line) => {
      logs.push(line)
    },
    ...overrides,
    logs
  }
}

/** The view state a negative case starts from. */
export function baseStateOf(c: NegativeCase): Record<string, string> {
  const state: Record<string, string> =
    c.baseState === 'empty' ? {} : { ...vectors.sequence.steps[c.baseState.afterStep].stateAfter }
  for (const key of c.baseEdits?.delete ?? []) delete state[key]
  for (const [key, text] of Object.entries(c.baseEdits?.put ?? {})) state[key] = text
  return state
}

/** Keys whose JSON text differs between two snapshots, sorted. */
export function diff(before: Record<string, string>, after: Record<string, string>): Change[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()
  return keys
    .filter((k) => before[k] !== after[k])
    .map((k) => ({ key: k, before: before[k] ?? null, after: after[k] ?? null }))
}
