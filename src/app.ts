// The app SDK: what makes a peer run *your* subnet app instead of the sample one. An app is a Protocol class
// (the local side: which `/tx --command` strings map to which contract calls, its own terminal commands and
// help lines), a Contract class (the consensus side: what every node writes to the view for an op) and,
// optionally, features (local processes such as oracles that feed values in as admin-signed ops).
//
//   new IntercomPeer({ config, app: { Protocol: MyProtocol, Contract: MyContract } })
//
// Every node of a subnet must run the same contract: a peer with another contract computes another view.
import type { Config } from './config/index.js'
import type { Contract } from './subnet/index.js'
import type { Feature } from './subnet/index.js'
import type { Protocol, ProtocolOptions, SubnetRuntimeLike } from './subnet/index.js'
import { SampleContract } from '../contract/contract.js'
import { SampleProtocol } from '../protocol/protocol.js'
import { TimerFeature } from '../features/timer.js'
import { IntercomError } from './errors.js'

export type ProtocolClass = new (runtime: SubnetRuntimeLike, options?: ProtocolOptions) => Protocol
export type ContractClass = new (protocol: any, config?: Record<string, unknown>) => Contract

export interface AppFeature {
  /** Builds the feature for this peer's subnet. */
  create(runtime: SubnetRuntimeLike, config: Config): Feature
  /** Whether this peer runs it (e.g. from a flag); default: always. */
  enabled?(config: Config): boolean
  /**
   * Run only on the subnet admin (apply accepts feature ops from the admin alone); default true. On any
   * other peer the feature is not started and a line says so.
   */
  adminOnly?: boolean
}

export interface IntercomApp {
  Protocol: ProtocolClass
  Contract: ContractClass
  /** Features by key: the contract receives their values through its `<key>_feature` handler. */
  features?: Record<string, AppFeature>
}

/** The reference's sample app: its contract and protocol, and the timer feature behind `--timer 1`. */
export const SAMPLE_APP: IntercomApp = {
  Protocol: SampleProtocol,
  Contract: SampleContract,
  features: {
    timer: { create: (runtime) => new TimerFeature(runtime), enabled: (config) => config.timer, adminOnly: true }
  }
}

/** Checks an app given by a user before anything starts, so a mistake is named instead of failing later. */
export function checkApp(app: IntercomApp): void {
  if (typeof app !== 'object' || app === null)
    throw new IntercomError('APP_INVALID', 'app must be an object { Protocol, Contract, features? }')
  if (typeof app.Protocol !== 'function')
    throw new IntercomError('APP_INVALID', 'app.Protocol must be a class extending Protocol')
  if (typeof app.Contract !== 'function')
    throw new IntercomError('APP_INVALID', 'app.Contract must be a class extending Contract')
  for (const [key, f] of Object.entries(app.features ?? {})) {
    if (!/^[a-z][a-z0-9_]{0,31}$/i.test(key))
      throw new IntercomError(
        'APP_INVALID',
        `app.features: "${key}" is not a feature key (letters, digits, _; at most 32)`
      )
    if (typeof f?.create !== 'function')
      throw new IntercomError('APP_INVALID', `app.features.${key}.create must be a function`)
  }
}
