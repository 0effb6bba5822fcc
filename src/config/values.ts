// Low-level readers for command-line and environment values. The four exported helpers at the top
// (toArgMap, parseBool, parseCsvList, parseChanMap) reproduce the reference behaviour exactly (spec
// §6.1, vectors `flagParsing`) because other modules and the tests rely on that; the strict checks
// that reject bad values (spec §9 B19) live in parse.ts on top of them.

import { IntercomError } from '../errors.js'

export class ConfigError extends IntercomError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFIG_INVALID', message, options)
    this.name = 'ConfigError'
  }
}

export type ArgValue = string | true
export type ArgMap = Record<string, ArgValue>

export interface ArgvEntry {
  name: string
  value: ArgValue
}

export interface ScannedArgv {
  storeLabel: string | null
  /** In command-line order, duplicates kept. */
  entries: ArgvEntry[]
  /** Positional arguments after the first that no flag consumed. */
  strays: string[]
}

function isFlagToken(arg: string): boolean {
  return arg.startsWith('--')
}

// Writing through defineProperty keeps a flag called `__proto__` an ordinary key instead of
// re-parenting the object.
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true })
}

/**
 * Splits argv the way the reference runner does: `--k=v` (split at the first `=`), `--k v` when the
 * next argument does not start with `--`, otherwise a bare `--k` = true. The first argument is the
 * store label when it does not start with `--`. `shortFlags` names single-dash flags (like `-h`)
 * that are taken as bare flags and never as values; the reference has none.
 */
export function scanArgv(argv: readonly string[], shortFlags: ReadonlyMap<string, string> = new Map()): ScannedArgv {
  const entries: ArgvEntry[] = []
  const strays: string[] = []
  let storeLabel: string | null = null
  const isFlag = (arg: string): boolean => isFlagToken(arg) || shortFlags.has(arg)
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const short = shortFlags.get(arg)
    if (short !== undefined) {
      entries.push({ name: short, value: true })
      continue
    }
    if (!isFlagToken(arg)) {
      if (i === 0) storeLabel = arg
      else strays.push(arg)
      continue
    }
    const body = arg.slice(2)
    const eq = body.indexOf('=')
    if (eq !== -1) {
      entries.push({ name: body.slice(0, eq), value: body.slice(eq + 1) })
      continue
    }
    const next = argv[i + 1]
    if (next !== undefined && !isFlag(next)) {
      entries.push({ name: body, value: next })
      i++
    } else {
      entries.push({ name: body, value: true })
    }
  }
  return { storeLabel, entries, strays }
}

/** Flag map of the reference runner (later duplicates win); the store label is not included. */
export function toArgMap(argv: readonly string[]): ArgMap {
  const map: ArgMap = {}
  for (const { name, value } of scanArgv(argv).entries) setOwn(map, name, value)
  return map
}

/** The store label: the first argument when it does not start with `--`. */
export function storeLabelOf(argv: readonly string[]): string | null {
  return scanArgv(argv).storeLabel
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on'])

/** Unset or empty → fallback; else true iff the trimmed, lowercased value is 1/true/yes/on. */
export function parseBool(value: string | null | undefined, fallback: boolean): boolean {
  if (value === undefined || value === null || value === '') return fallback
  return TRUE_WORDS.has(String(value).trim().toLowerCase())
}

/** Comma list, trimmed, empties dropped; an empty raw value means "no list" (null). */
export function parseCsvList(value: string | null | undefined): string[] | null {
  if (value === undefined || value === null || value === '') return null
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

export interface ChanMapEntry {
  /** The trimmed text of the comma-separated entry. */
  raw: string
  pair: [string, string] | null
}

/** Splits one `chan:value` entry at the first `:`, else the first `=`; null when malformed. */
function splitChanEntry(entry: string): [string, string] | null {
  const colon = entry.indexOf(':')
  const at = colon !== -1 ? colon : entry.indexOf('=')
  if (at <= 0) return null
  const key = entry.slice(0, at).trim()
  const value = entry.slice(at + 1).trim()
  if (key.length === 0 || value.length === 0) return null
  return [key, value]
}

/** Every non-blank entry of a `chan:value` list, with its parse (null when the reference drops it). */
export function scanChanMap(value: string | null | undefined): ChanMapEntry[] {
  if (value === undefined || value === null || value === '') return []
  const out: ChanMapEntry[] = []
  for (const part of value.split(',')) {
    const raw = part.trim()
    if (raw.length === 0) continue
    out.push({ raw, pair: splitChanEntry(raw) })
  }
  return out
}

/** `chan:value` list as the reference reads it: malformed entries silently dropped. */
export function parseChanMap(value: string | null | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (const { pair } of scanChanMap(value)) if (pair !== null) out.push(pair)
  return out
}
