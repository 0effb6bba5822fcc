// SC-Bridge per-client message filters (spec §7.4). Pure functions, no I/O.
//
// Syntax: `|` separates OR-groups; inside a group, runs of `+`, `,` or whitespace separate AND-words.
// Words are lowercased; empty words and empty groups are dropped. A group matches when every one of
// its words is a substring of the lowercased text; a filter matches when any group does; an empty
// filter (no groups) matches everything.

/** A parsed filter: OR-list of AND-lists of lowercase words. `[]` means "match everything". */
export type ParsedFilter = string[][]

const WORD_SEPARATORS = /[+,\s]+/

/** Parses a raw filter string. Non-strings: null/undefined → empty filter, anything else via String(). */
export function parseFilter(raw: unknown): ParsedFilter {
  const text = raw === null || raw === undefined ? '' : typeof raw === 'string' ? raw : String(raw)
  const groups: ParsedFilter = []
  for (const part of text.split('|')) {
    const words = part
      .toLowerCase()
      .split(WORD_SEPARATORS)
      .filter((w) => w.length > 0)
    if (words.length > 0) groups.push(words)
  }
  return groups
}

/** True when `text` satisfies the parsed filter (see the module comment). */
export function matchesFilter(groups: ParsedFilter, text: string): boolean {
  if (groups.length === 0) return true
  const haystack = text.toLowerCase()
  return groups.some((words) => words.every((w) => haystack.includes(w)))
}

/**
 * The text a filter is matched against: a string message as is, `''` for null/undefined, otherwise
 * its JSON, falling back to String() when JSON.stringify throws (BigInt, cycles) or yields nothing.
 */
export function normalizeText(message: unknown): string {
  if (typeof message === 'string') return message
  if (message === null || message === undefined) return ''
  try {
    const json = JSON.stringify(message) as string | undefined
    if (typeof json === 'string') return json
  } catch {}
  try {
    return String(message)
  } catch {
    return ''
  }
}
