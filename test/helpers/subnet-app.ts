// In-memory stand-ins for the subnet view and the peer runtime, for contract/protocol/feature tests.
import type { SubnetRuntimeLike, TxSettlement } from '../../src/subnet/protocol.js'
import type { ViewStore } from '../../src/subnet/types.js'
import { Wallet } from '../../src/wallet/index.js'

/** A ViewStore over a Map that stores JSON text, so reads return copies as Hyperbee does. */
export class MemoryView implements ViewStore {
  readonly data = new Map<string, string>()

  constructor(initial: Record<string, unknown> = {}) {
    for (const [key, value] of Object.entries(initial)) this.data.set(key, JSON.stringify(value))
  }

  async get(key: string): Promise<unknown> {
    const json = this.data.get(key)
    return json === undefined ? null : JSON.parse(json)
  }

  async has(key: string): Promise<boolean> {
    return this.data.has(key)
  }

  async put(key: string, value: unknown): Promise<void> {
    this.data.set(key, JSON.stringify(value))
  }

  async del(key: string): Promise<void> {
    this.data.delete(key)
  }

  snapshot(): Record<string, unknown> {
    return Object.fromEntries([...this.data].map(([k, v]) => [k, JSON.parse(v)]))
  }
}

/** The admin identity of the subnet vectors (seed 32 × 0x11). */
export function adminWallet(): Wallet {
  return Wallet.fromSeed(new Uint8Array(32).fill(0x11))
}

export class FakeRuntime implements SubnetRuntimeLike {
  writable = true
  readonly unconfirmed: MemoryView
  readonly confirmed: MemoryView
  readonly appended: Record<string, unknown>[] = []
  readonly logs: unknown[][] = []
  settlement: TxSettlement | null = null

  constructor(
    readonly wallet: Wallet | null = adminWallet(),
    views: { unconfirmed?: MemoryView; confirmed?: MemoryView } = {}
  ) {
    this.unconfirmed = views.unconfirmed ?? new MemoryView()
    this.confirmed = views.confirmed ?? new MemoryView()
  }

  get walletPublicKeyHex(): string | null {
    return this.wallet?.publicKeyHex ?? null
  }

  get(key: string, opts: { confirmed?: boolean } = {}): Promise<unknown> {
    return (opts.confirmed === true ? this.confirmed : this.unconfirmed).get(key)
  }

  async append(op: Record<string, unknown>): Promise<void> {
    this.appended.push(op)
  }

  sign(message: string): string {
    if (!this.wallet) throw new Error('no wallet')
    return this.wallet.sign(message)
  }

  log(...args: unknown[]): void {
    this.logs.push(args)
  }
}

export const IPK = 'a09aa5f47a6759802ff955f8dc2d2a14a5c99d23be97f864127ff9383455a4f0'
export const WP = 'c853ad0f0cd2b619aea92ceec4fd56a24d6499d584ce79257e45cfd8139b60a7'
export const TX_HASH = '757db558c10fe73dc7dc3b0539c570865556cc8df776689d2c90e7e19f53372d'

/** A `tx` op as the observer appends it. */
export function txOp(
  type: string,
  value: unknown,
  extra: { key?: string; ipk?: string; wp?: string } = {}
): Record<string, unknown> {
  return {
    type: 'tx',
    key: extra.key ?? TX_HASH,
    value: { msbsl: 42, dispatch: { type, value }, ipk: extra.ipk ?? IPK, wp: extra.wp ?? WP }
  }
}

/** A `feature` op as Feature.append builds it (the signature is not checked by the contract). */
export function featureOp(featureKey: string, key: string, value: unknown, address = IPK): Record<string, unknown> {
  return {
    type: 'feature',
    key: `${featureKey}_${key}`,
    value: {
      dispatch: { type: `${featureKey}_feature`, key, hash: 'ab'.repeat(64), value, nonce: 'cd'.repeat(32), address }
    }
  }
}

/** A chat `msg` op (the signature is not checked by the contract). */
export function msgOp(msg: string, address = IPK): Record<string, unknown> {
  return {
    type: 'msg',
    value: {
      dispatch: {
        type: 'msg',
        msg,
        address,
        attachments: [],
        deleted_by: null,
        reply_to: null,
        pinned: false,
        pin_id: null
      }
    },
    hash: 'ab'.repeat(64),
    nonce: 'cd'.repeat(32)
  }
}
