// --help text and documentation rows, both generated from the flag table.
import { FLAG_GROUPS, FLAGS, type FlagGroup, type FlagSpec } from './flags.js'

export interface FlagRow {
  /** `--name` */
  name: string
  /** Other spellings: `--alias`, `-x`. */
  aliases: string[]
  env: string[]
  /** Value placeholder such as `<int>`; '' for flags that take none. */
  type: string
  default: string
  group: FlagGroup
  help: string
  /** Allowed integer range, e.g. `0..256`; null for other kinds. */
  range: string | null
}

function typeLabel(flag: FlagSpec): string {
  if (flag.valueLabel !== undefined) return flag.valueLabel
  switch (flag.kind) {
    case 'bool':
      return '<bool>'
    case 'int':
      return '<int>'
    case 'text':
    case 'optionalText':
      return '<text>'
    case 'storeName':
      return '<name>'
    case 'dir':
      return '<dir>'
    case 'csv':
      return '<a,b,...>'
    case 'channelList':
      return '<chan,...>'
    case 'keyList':
      return '<hex64,...>'
    case 'chanMap':
      return flag.values === 'key' ? '<chan:hex64,...>' : '<chan:value,...>'
    case 'hex32':
      return '<hex64>'
    case 'hostPorts':
      return '<host:port,...|local>'
    case 'choice':
      return `<${flag.choices.join('|')}>`
  }
}

function defaultLabel(flag: FlagSpec): string {
  if (flag.defaultLabel !== undefined) return flag.defaultLabel
  switch (flag.kind) {
    case 'bool':
      return flag.default ? 'on' : 'off'
    case 'int':
      return flag.unit !== undefined ? `${flag.default} ${flag.unit}` : String(flag.default)
    case 'text':
    case 'storeName':
    case 'dir':
    case 'choice':
      return flag.default === '' ? "''" : flag.default
    case 'channelList':
      return flag.default.length === 0 ? 'none' : flag.default.join(',')
    case 'hostPorts':
      return flag.default === 'local' ? 'local' : flag.default.join(',')
    default:
      return 'none'
  }
}

function rangeLabel(flag: FlagSpec): string | null {
  if (flag.kind !== 'int') return null
  return flag.max >= Number.MAX_SAFE_INTEGER ? `>= ${flag.min}` : `${flag.min}..${flag.max}`
}

/** One row per flag, in table order. */
export function describeFlags(): FlagRow[] {
  return FLAGS.map((flag) => ({
    name: `--${flag.name}`,
    aliases: [...(flag.aliases ?? []).map((a) => `--${a}`), ...(flag.short !== undefined ? [`-${flag.short}`] : [])],
    env: [...flag.env],
    type: typeLabel(flag),
    default: defaultLabel(flag),
    group: flag.group,
    help: flag.help,
    range: rangeLabel(flag)
  }))
}

function renderRow(row: FlagRow): string {
  const names = [row.name, ...row.aliases].join(', ')
  const head = row.type === '' ? names : `${names} ${row.type}`
  const notes: string[] = []
  if (row.env.length > 0) notes.push(`env: ${row.env.join(' or ')}`)
  // A flag that takes no value (--help) has no default worth showing.
  if (row.type !== '') notes.push(`default: ${row.default}`)
  if (row.range !== null) notes.push(`range: ${row.range}`)
  return notes.length > 0 ? `  ${head}  ${row.help} (${notes.join(', ')})` : `  ${head}  ${row.help}`
}

export interface HelpOptions {
  /** Name shown in the usage line. */
  program?: string
}

export function renderHelp(options: HelpOptions = {}): string {
  const program = options.program ?? 'intercom'
  const rows = describeFlags()
  const lines: string[] = [
    `Usage: ${program} [store-label] [--flag value | --flag=value]...`,
    '',
    'Each setting comes from its flag, else its environment variable, else the default.',
    'Booleans: 1/true/yes/on mean on, any other value off; a bare boolean flag means on.',
    'Invalid values, unknown flags and stray arguments stop the program with an error.'
  ]
  for (const group of FLAG_GROUPS) {
    const inGroup = rows.filter((r) => r.group === group)
    if (inGroup.length === 0) continue
    lines.push('', `${group}:`)
    for (const row of inGroup) lines.push(renderRow(row))
  }
  return lines.join('\n') + '\n'
}
