// Regenerates docs/flags.md from the compiled flag table.
import { writeFileSync } from 'node:fs'
import { flagsMarkdown } from '../dist/src/config/index.js'

writeFileSync('docs/flags.md', flagsMarkdown() + '\n')
console.log('wrote docs/flags.md')
