// docs/flags.md is generated from the flag table (`npm run docs`); a test keeps it current.
import { describeFlags } from './help.js'
import { FLAG_GROUPS } from './flags.js'

function cell(s: string): string {
  return s.replace(/\|/g, '\\|')
}

export function flagsMarkdown(): string {
  const rows = describeFlags()
  const out: string[] = [
    '# Command-line flags',
    '',
    '<!-- Generated from src/config/flags.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    'A flag wins over its environment variable; an unset or empty flag falls back to the variable, then to the default.',
    'Both `--flag value` and `--flag=value` work. The first argument, if it does not start with `--`, names the peer store.',
    ''
  ]
  for (const group of FLAG_GROUPS) {
    const inGroup = rows.filter((r) => r.group === group)
    if (inGroup.length === 0) continue
    out.push(`## ${group}`, '', '| Flag | Value | Env | Default | Meaning |', '| --- | --- | --- | --- | --- |')
    for (const r of inGroup) {
      const names = [r.name, ...r.aliases].map((n) => `\`${n}\``).join(', ')
      const value = r.type === '' ? '' : `\`${cell(r.type)}\`${r.range ? ` (${r.range})` : ''}`
      out.push(
        `| ${names} | ${value} | ${r.env.map((e) => `\`${e}\``).join(', ')} | ${cell(r.type === '' ? '' : r.default)} | ${cell(r.help)} |`
      )
    }
    out.push('')
  }
  return out.join('\n')
}
