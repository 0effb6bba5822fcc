// argv + env → Config, driven by the flag table. Value precedence is the reference's (spec §6.1):
// the flag when it has a non-empty value, else the first set and non-empty env var, else the default.
// Unlike the reference, anything that cannot be what the flag needs is an error (spec §9 B19): a
// silently ignored typo could switch off proof of work or join a channel named "true".
import path from 'path'
import { ENTRY_CHANNEL, FLAGS, SHORT_FLAGS, findFlag, type FlagSpec } from './flags.js'
import type { Config, DhtBootstrap } from './types.js'
import {
  ConfigError,
  parseBool,
  parseCsvList,
  scanArgv,
  scanChanMap,
  setOwn,
  type ArgMap,
  type ArgValue
} from './values.js'

export type Env = Record<string, string | undefined>

const HEX32_RE = /^[0-9a-f]{64}$/
const INT_RE = /^-?\d+$/
// Same shapes the DHT layer accepts: `host:port`, or `[v6addr]:port`.
const HOST_PORT_RE = /^(?:\[[^\]\s]+\]|[^:\s[\]]+):(\d{1,5})$/

export const BRIDGE_TOKEN_REQUIRED = 'SC-Bridge requires --sc-bridge-token (auth is mandatory).'
export const SUBNET_EQUALS_MSB = 'Subnet bootstrap cannot equal MSB bootstrap.'

interface GivenFlag {
  /** The name as typed (may be an alias). */
  name: string
  value: ArgValue
}

interface Source {
  value: ArgValue
  /** How the value was supplied, for error messages: `--flag` or `env NAME`. */
  label: string
}

function pickSource(flag: FlagSpec, given: GivenFlag | undefined, env: Env): Source | null {
  if (given !== undefined && given.value !== '') return { value: given.value, label: `--${given.name}` }
  for (const name of flag.env) {
    const value = env[name]
    if (value !== undefined && value !== '') return { value, label: `env ${name}` }
  }
  return null
}

function describeExpected(flag: FlagSpec): string {
  switch (flag.kind) {
    case 'bool':
      return '1/true/yes/on or 0/false/no/off'
    case 'int':
      return flag.max >= Number.MAX_SAFE_INTEGER ? `an integer >= ${flag.min}` : `an integer ${flag.min}..${flag.max}`
    case 'text':
    case 'optionalText':
      return 'a text value'
    case 'storeName':
      return 'a store name'
    case 'dir':
      return 'a directory'
    case 'csv':
      return 'a comma-separated list'
    case 'channelList':
      return 'a comma-separated list of channel names'
    case 'keyList':
      return 'comma-separated 64-hex public keys'
    case 'chanMap':
      return flag.values === 'key' ? 'chan:hexkey,...' : 'chan:value,...'
    case 'hex32':
      return '32-byte hex, 64 chars'
    case 'hostPorts':
      return 'host:port,... or local'
    case 'choice':
      return `one of ${flag.choices.join(', ')}`
  }
}

function invalid(source: Source, detail: string): ConfigError {
  return new ConfigError(`Invalid ${source.label}: ${detail}.`)
}

function parseIntValue(flag: FlagSpec & { kind: 'int' }, source: Source, raw: string): number {
  const text = raw.trim()
  const n = INT_RE.test(text) ? Number(text) : NaN
  if (!Number.isSafeInteger(n) || n < flag.min || n > flag.max) {
    throw invalid(source, `${JSON.stringify(raw)} (expected ${describeExpected(flag)})`)
  }
  // "-0" parses to -0, which prints and compares oddly downstream.
  return n === 0 ? 0 : n
}

function isHexKey(s: string): boolean {
  return HEX32_RE.test(s.toLowerCase())
}

function parseHostPorts(source: Source, raw: string): DhtBootstrap {
  if (raw.trim().toLowerCase() === 'local') return 'local'
  const entries = parseCsvList(raw) ?? []
  if (entries.length === 0) throw invalid(source, `${JSON.stringify(raw)} (expected host:port,... or local)`)
  for (const entry of entries) {
    const m = HOST_PORT_RE.exec(entry)
    const port = m ? Number(m[1]) : NaN
    if (!(port >= 1 && port <= 65535)) throw invalid(source, `entry ${JSON.stringify(entry)} (expected host:port)`)
  }
  return entries
}

function parseChanMapStrict(flag: FlagSpec & { kind: 'chanMap' }, source: Source, raw: string): Map<string, string> {
  const map = new Map<string, string>()
  for (const { raw: entry, pair } of scanChanMap(raw)) {
    if (pair === null) throw invalid(source, `entry ${JSON.stringify(entry)} (expected ${describeExpected(flag)})`)
    const [channel, rawValue] = pair
    let value = rawValue
    if (flag.values === 'key') {
      if (!isHexKey(rawValue)) {
        throw invalid(
          source,
          `key ${JSON.stringify(rawValue)} for channel ${JSON.stringify(channel)} (expected 64 hex chars)`
        )
      }
      value = rawValue.toLowerCase()
    }
    if (map.has(channel)) throw invalid(source, `channel ${JSON.stringify(channel)} is listed twice`)
    map.set(channel, value)
  }
  return map
}

function defaultValue(flag: FlagSpec): unknown {
  switch (flag.kind) {
    case 'chanMap':
      return new Map<string, string>()
    case 'channelList':
      return [...flag.default]
    case 'hostPorts':
      return flag.default === 'local' ? 'local' : [...flag.default]
    default:
      return flag.default
  }
}

/** Value of one flag from its source; store-name fallbacks are filled in later by the caller. */
function resolveFlag(flag: FlagSpec, source: Source | null): unknown {
  if (source === null) return flag.kind === 'storeName' ? null : defaultValue(flag)
  if (flag.kind === 'bool') return source.value === true ? true : parseBool(source.value, flag.default)
  if (source.value === true) {
    if (flag.kind === 'hex32' && flag.invalidMessage !== undefined) throw new ConfigError(flag.invalidMessage)
    throw new ConfigError(`Missing value for ${source.label} (expected ${describeExpected(flag)}).`)
  }
  const raw = source.value
  switch (flag.kind) {
    case 'int':
      return parseIntValue(flag, source, raw)
    case 'text':
    case 'optionalText':
      return raw
    case 'storeName':
      if (raw.replace(/^\/+|\/+$/g, '').trim().length === 0)
        throw invalid(source, `${JSON.stringify(raw)} (expected a non-empty name)`)
      return raw
    case 'dir':
      if (raw.trim().length === 0) throw invalid(source, `${JSON.stringify(raw)} (expected a directory)`)
      return raw.endsWith('/') ? raw : `${raw}/`
    case 'csv':
      return parseCsvList(raw)
    case 'channelList':
      return (parseCsvList(raw) ?? []).filter((ch) => ch !== ENTRY_CHANNEL)
    case 'keyList': {
      const keys = parseCsvList(raw) ?? []
      const bad = keys.find((k) => !isHexKey(k))
      if (bad !== undefined) throw invalid(source, `key ${JSON.stringify(bad)} (expected 64 hex chars per key)`)
      return keys.map((k) => k.toLowerCase())
    }
    case 'chanMap':
      return parseChanMapStrict(flag, source, raw)
    case 'hex32': {
      const hex = raw.trim().toLowerCase()
      if (!HEX32_RE.test(hex)) {
        throw new ConfigError(
          flag.invalidMessage ?? `Invalid ${source.label}: ${JSON.stringify(raw)} (expected 32-byte hex, 64 chars).`
        )
      }
      return hex
    }
    case 'hostPorts':
      return parseHostPorts(source, raw)
    case 'choice': {
      const word = raw.trim().toLowerCase()
      if (!flag.choices.includes(word))
        throw invalid(source, `${JSON.stringify(raw)} (expected one of ${flag.choices.join(', ')})`)
      return word
    }
  }
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const dot = key.indexOf('.')
  if (dot === -1) {
    setOwn(target, key, value)
    return
  }
  const section = key.slice(0, dot)
  let inner = target[section] as Record<string, unknown> | undefined
  if (inner === undefined) {
    inner = {}
    setOwn(target, section, inner)
  }
  setOwn(inner, key.slice(dot + 1), value)
}

function resolveAll(given: ReadonlyMap<FlagSpec, GivenFlag>, env: Env, storeLabel: string | null): Config {
  const out: Record<string, unknown> = { storeLabel }
  const storeNames: Array<{ flag: FlagSpec & { kind: 'storeName' }; value: string | null }> = []
  for (const flag of FLAGS) {
    const value = resolveFlag(flag, pickSource(flag, given.get(flag), env))
    if (flag.kind === 'storeName') storeNames.push({ flag, value: value as string | null })
    else setPath(out, flag.key, value)
  }
  const config = out as unknown as Config
  // The MSB store name defaults to the peer store name, so the label-based one is settled first.
  const ordered = [
    ...storeNames.filter((s) => s.flag.fallback === 'storeLabel'),
    ...storeNames.filter((s) => s.flag.fallback !== 'storeLabel')
  ]
  for (const { flag, value } of ordered) {
    let name = value
    if (name === null && flag.fallback === 'storeLabel') name = storeLabel ?? flag.default
    if (name === null) name = `${config.peer.storeName}-msb`
    setPath(out, flag.key, name)
  }
  if (config.scBridge.enabled && (config.scBridge.token === null || config.scBridge.token.length === 0)) {
    throw new ConfigError(BRIDGE_TOKEN_REQUIRED)
  }
  return config
}

/** Every setting at its default, as with an empty command line and environment. */
export function defaultConfig(): Config {
  return resolveAll(new Map(), {}, null)
}

function unknownFlag(spelled: string): ConfigError {
  return new ConfigError(`Unknown flag ${spelled}. Run with --help for the list.`)
}

function collectGiven(entries: ReadonlyArray<{ name: string; value: ArgValue }>): Map<FlagSpec, GivenFlag> {
  const given = new Map<FlagSpec, GivenFlag>()
  for (const { name, value } of entries) {
    const flag = findFlag(name)
    if (flag === undefined) throw unknownFlag(`--${name}`)
    const earlier = given.get(flag)
    if (earlier !== undefined) {
      throw new ConfigError(
        earlier.name === name
          ? `Flag --${name} given more than once; pass it once (lists are comma separated).`
          : `Flags --${earlier.name} and --${name} set the same option; pass one of them once.`
      )
    }
    given.set(flag, { name, value })
  }
  return given
}

/**
 * Typed configuration from a reference-style flag map (as `toArgMap` returns). Unknown names and
 * bad values throw ConfigError; --help and --version are read like any other flag here.
 */
export function configFromFlags(flags: ArgMap, env: Env = {}, storeLabel: string | null = null): Config {
  return resolveAll(collectGiven(Object.entries(flags).map(([name, value]) => ({ name, value }))), env, storeLabel)
}

function collectGivenLenient(entries: ReadonlyArray<{ name: string; value: ArgValue }>): Map<FlagSpec, GivenFlag> {
  const given = new Map<FlagSpec, GivenFlag>()
  for (const { name, value } of entries) {
    const flag = findFlag(name)
    if (flag !== undefined) given.set(flag, { name, value })
  }
  return given
}

function requested(given: ReadonlyMap<FlagSpec, GivenFlag>, key: 'help' | 'version'): boolean {
  for (const [flag, g] of given) {
    if (flag.key === key) return g.value === true || parseBool(g.value, false)
  }
  return false
}

/**
 * Parses the runtime arguments (without the program path) and the environment. When --help, -h or
 * --version is present everything else is ignored and the defaults are returned with that field set,
 * so a broken command line can still print its help.
 */
export function parseConfig(argv: readonly string[], env: Env): Config {
  const scanned = scanArgv(argv, SHORT_FLAGS)
  const early = collectGivenLenient(scanned.entries)
  const help = requested(early, 'help')
  const version = requested(early, 'version')
  if (help || version) return { ...resolveAll(new Map(), {}, scanned.storeLabel), help, version }

  if (scanned.storeLabel !== null && scanned.storeLabel.startsWith('-')) throw unknownFlag(scanned.storeLabel)
  for (const stray of scanned.strays) {
    if (stray.startsWith('-')) throw unknownFlag(stray)
    throw new ConfigError(
      `Unexpected argument ${JSON.stringify(stray)}: only the first argument may be a store label; flags take --name value or --name=value.`
    )
  }
  return resolveAll(collectGiven(scanned.entries), env, scanned.storeLabel)
}

/** Spec §6.3: the subnet must not reuse the MSB's bootstrap key. */
export function assertDistinctBootstraps(subnetBootstrap: string | null, msbBootstrap: string | null): void {
  if (subnetBootstrap === null || msbBootstrap === null) return
  if (subnetBootstrap.trim().toLowerCase() === msbBootstrap.trim().toLowerCase())
    throw new ConfigError(SUBNET_EQUALS_MSB)
}

/** Full store paths as the peer and MSB open them (`<dir>/<name>`). */
export function storePaths(config: Config): { peerStore: string; msbStore: string } {
  return {
    peerStore: path.join(config.peer.storesDirectory, config.peer.storeName),
    msbStore: path.join(config.msb.storesDirectory, config.msb.storeName)
  }
}

/**
 * Warnings the reference prints at start-up (spec §6.4 step 1), for the caller to write to stderr.
 */
export function startupWarnings(config: Config): string[] {
  const out: string[] = []
  if (config.sidechannel.welcomeRequired && !config.sidechannel.owners.has(ENTRY_CHANNEL)) {
    out.push(
      `[sidechannel] welcome required for non-entry channels; entry "${ENTRY_CHANNEL}" is open and does not require owner/welcome.`
    )
  }
  return out
}
