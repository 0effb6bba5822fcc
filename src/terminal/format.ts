// A small, dependency-free stand-in for Node's util.inspect on plain data, so TTY output looks the
// same under Node and Bare (`{ channels: [ '0000intercom' ], connectionCount: 1 }`).
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/

export function inspectValue (v: unknown, depth = 0): string {
  if (v === null) return 'null'
  if (v === undefined) return 'undefined'
  if (typeof v === 'string') return depth === 0 ? v : quote(v)
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v) + (typeof v === 'bigint' ? 'n' : '')
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]'
    return '[ ' + v.map((x) => inspectValue(x, depth + 1)).join(', ') + ' ]'
  }
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
    if (entries.length === 0) return '{}'
    return '{ ' + entries.map(([k, x]) => `${IDENT.test(k) ? k : quote(k)}: ${inspectValue(x, depth + 1)}`).join(', ') + ' }'
  }
  return String(v)
}

function quote (s: string): string {
  return "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n') + "'"
}

/** Joins console-style arguments the way console.log does for our purposes. */
export function formatArgs (args: unknown[]): string {
  return args.map((a) => inspectValue(a, 0)).join(' ')
}
