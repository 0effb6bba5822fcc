// Argument parsing for terminal (and SC-Bridge `cli`) command lines, compatible with trac-peer's
// (spec §8, subnet spec §11.2): shell-like tokens, the command dropped, then key/value pairs by
// position. `--k=v` is deliberately not special, and a value-less flag shifts every later pair;
// scripts written against reference peers depend on exactly this.

const WHITESPACE = /\s/

/**
 * Splits a line into words: whitespace separates words; inside double quotes a backslash takes the
 * next character literally; single quotes are fully literal; outside quotes a backslash takes the
 * next character literally. Quoted parts join adjacent text (`a"b c"` → `ab c`), `""` is an empty
 * word, an unterminated quote runs to the end of the line and a trailing backslash is kept.
 */
export function tokenizeCommandLine(line: string): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  let quote: '"' | "'" | null = null
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quote === "'") {
      if (c === "'") quote = null
      else word += c
      continue
    }
    if (quote === '"') {
      if (c === '\\' && i + 1 < line.length) word += line[++i]!
      else if (c === '"') quote = null
      else word += c
      continue
    }
    if (c === '\\') {
      word += i + 1 < line.length ? line[++i]! : c
      inWord = true
    } else if (c === '"' || c === "'") {
      quote = c
      inWord = true
    } else if (WHITESPACE.test(c)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else {
      word += c
      inWord = true
    }
  }
  if (inWord) words.push(word)
  return words
}

export type TtyArgs = Record<string, string | null>

/** Command arguments: words after the command, read as `key value` pairs; a missing last value is null. */
export function parseTtyArgs(line: string): TtyArgs {
  const words = tokenizeCommandLine(line).slice(1)
  const args: TtyArgs = {}
  for (let i = 0; i < words.length; i += 2) {
    const key = words[i]!.startsWith('--') ? words[i]!.slice(2) : words[i]!
    // defineProperty keeps a key named `__proto__` an ordinary entry.
    Object.defineProperty(args, key, {
      value: i + 1 < words.length ? words[i + 1]! : null,
      writable: true,
      enumerable: true,
      configurable: true
    })
  }
  return args
}

/**
 * The value of the first alias given with a non-empty value, as the reference's `a || b || c`
 * chains read them; null when none is.
 */
export function pickArg(args: TtyArgs, ...aliases: string[]): string | null {
  for (const alias of aliases) {
    if (!Object.hasOwn(args, alias)) continue
    const value = args[alias]
    if (typeof value === 'string' && value.length > 0) return value
  }
  return null
}
