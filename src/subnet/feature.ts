// The feature base class (subnet spec §7.4): a local process (an oracle, a clock) that feeds outside data
// into the contract. It appends admin-signed `feature` ops; apply accepts them only when this peer's wallet
// is the subnet admin, then hands them to the contract handler registered as `<key>_feature`.
import { randomBytes, toHex } from '../crypto/index.js'
import { jsonStringify, visibleLength } from './numbers.js'
import type { SubnetRuntimeLike } from './protocol.js'
import { DEFAULT_APPLY_LIMITS } from './types.js'

export abstract class Feature {
  /** Set by `Protocol.addFeature`; prefixes this feature's op keys and names its contract handler. */
  key = ''
  readonly runtime: SubnetRuntimeLike
  readonly config: Record<string, unknown>

  constructor(runtime: SubnetRuntimeLike, config: Record<string, unknown> = {}) {
    this.runtime = runtime
    this.config = config
  }

  abstract start(options?: unknown): Promise<void>
  abstract stop(options?: unknown): Promise<void>

  /**
   * Appends `{ type:'feature', key:'<featureKey>_<key>', value:{ dispatch:{ type:'<featureKey>_feature',
   * key, hash, value, nonce, address } } }` where `hash` is the wallet signature over
   * `JSON.stringify(value) + nonce` (key order is part of the wire format). When this peer cannot write,
   * it logs `Peer running features not writable.` and appends nothing. Returns whether it appended.
   */
  async append(key: string, value: unknown): Promise<boolean> {
    if (!this.runtime.writable) {
      this.log('Peer running features not writable.')
      return false
    }
    const address = this.runtime.walletPublicKeyHex
    if (address === null) throw new Error('Feature append needs the peer wallet.')
    const valueJson = jsonStringify(value)
    if (valueJson === null) throw new TypeError(`Feature value for ${key} is not JSON.`)
    const nonce = toHex(randomBytes(32))
    const hash = this.runtime.sign(valueJson + nonce)
    const op = {
      type: 'feature',
      key: `${this.key}_${key}`,
      value: { dispatch: { type: `${this.key}_feature`, key, hash, value, nonce, address } }
    }
    // Not in trac-peer: apply drops feature ops over featMaxBytes, so say so here instead of appending one.
    const size = visibleLength(JSON.stringify(op))
    if (size > DEFAULT_APPLY_LIMITS.featMaxBytes) {
      throw new Error(`Feature op is ${size} bytes; apply accepts at most ${DEFAULT_APPLY_LIMITS.featMaxBytes}.`)
    }
    await this.runtime.append(op)
    return true
  }

  /** A value from the unconfirmed view, or null. */
  get(key: string): Promise<unknown> {
    return this.runtime.get(key, { confirmed: false })
  }

  /** A value from the confirmed view, or null. */
  getSigned(key: string): Promise<unknown> {
    return this.runtime.get(key, { confirmed: true })
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms))
  }

  protected log(...args: unknown[]): void {
    if (this.runtime.log) this.runtime.log(...args)
    else console.log(...args)
  }
}
