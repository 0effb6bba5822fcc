// `npm start` compiles only when dist/ is missing or older than a source file.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const roots = ['index.ts', 'src', 'contract', 'protocol', 'features', 'types', 'tsconfig.json', 'package.json']
function newest(p) {
  if (!existsSync(p)) return 0
  const st = statSync(p)
  if (!st.isDirectory()) return st.mtimeMs
  let m = 0
  for (const n of readdirSync(p)) m = Math.max(m, newest(join(p, n)))
  return m
}
const out = 'dist/index.js'
const built = existsSync(out) ? statSync(out).mtimeMs : 0
if (built === 0 || roots.some((r) => newest(r) > built)) {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.'], { stdio: 'inherit' })
}
