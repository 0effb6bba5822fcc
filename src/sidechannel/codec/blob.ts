// Text forms of invites and welcomes as typed by users or sent over SC-Bridge (spec §5.3).
import b4a from 'b4a'
import { isObject } from './shape.js'

export type BlobArgMode = 'tty' | 'startup' | 'bridge'

export interface BlobArgOptions {
  /**
   * tty: `/sc_*` command arguments; startup: `--sidechannel-welcome` values (JSON parse failures are
   * final, paths are resolved); bridge: SC-Bridge fields (objects taken as they are, no `@file`, no `b64:`).
   */
  mode: BlobArgMode
  /** Reads a whole file as UTF-8; without it `@file` values are invalid. May throw. */
  readFile?: (path: string) => string
  /** Startup mode only: makes a path absolute (the reference resolves against the working directory). */
  resolvePath?: (p: string) => string
}

const FILE_PREFIX = '@'
const BASE64_PREFIX = 'b64:'

/**
 * Parses a JSON, base64 or `@file` blob into a plain object; null for anything else, including
 * arrays and other JSON values that cannot be an invite or a welcome. Never throws.
 */
export function parseBlobArg(raw: unknown, opts: BlobArgOptions): Record<string, unknown> | null {
  if (opts.mode === 'bridge') {
    if (isObject(raw)) return raw
    if (typeof raw !== 'string') return null
    const text = raw.trim()
    if (text === '') return null
    return text.startsWith('{') ? parseJsonObject(text) : parseBase64Object(text)
  }

  if (typeof raw !== 'string') return null
  let text = raw.trim()
  if (text.startsWith(FILE_PREFIX)) {
    const content = readBlobFile(text.slice(FILE_PREFIX.length), opts)
    if (content === null) return null
    text = content
  }
  if (text.startsWith(BASE64_PREFIX)) text = text.slice(BASE64_PREFIX.length).trim()
  if (text === '') return null
  if (text.startsWith('{')) {
    const parsed = parseJsonObject(text)
    // At startup a value that looks like JSON but is not stays invalid; the TTY still tries base64.
    if (parsed !== null || opts.mode === 'startup') return parsed
  }
  return parseBase64Object(text)
}

function readBlobFile(path: string, opts: BlobArgOptions): string | null {
  if (opts.readFile === undefined) return null
  try {
    const resolved = opts.mode === 'startup' && opts.resolvePath !== undefined ? opts.resolvePath(path) : path
    return opts.readFile(resolved).trim()
  } catch {
    return null
  }
}

function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text)
    return isObject(value) ? value : null
  } catch {
    return null
  }
}

/** Lenient decoding like Node's: characters outside the alphabet are skipped, URL-safe letters accepted. */
function parseBase64Object(text: string): Record<string, unknown> | null {
  return parseJsonObject(b4a.toString(decodeBase64Lenient(text), 'utf8'))
}

/**
 * Node's `Buffer.from(text, 'base64')`, on every runtime: it skips characters outside the alphabet
 * (spaces, line breaks, `!`...), accepts the URL-safe `-` and `_`, stops at the first `=`, and drops
 * a lone trailing character. Bare's decoder throws on all of those, so it only gets the clean rest.
 */
export function decodeBase64Lenient(text: string): Uint8Array {
  const eq = text.indexOf('=')
  let clean = (eq >= 0 ? text.slice(0, eq) : text)
    .replace(/[^A-Za-z0-9+/_-]/g, '')
    .replace(/-/g, '+')
    .replace(/_/g, '/')
  if (clean.length % 4 === 1) clean = clean.slice(0, -1)
  return b4a.from(clean, 'base64')
}

/** Standard base64 of the UTF-8 JSON form, as printed after `invite_b64:` / `welcome_b64:`. */
export function toBase64Json(obj: object): string {
  return b4a.toString(b4a.from(JSON.stringify(obj), 'utf8'), 'base64')
}
