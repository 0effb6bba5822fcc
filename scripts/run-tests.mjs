// Runs the whole suite with Node's test runner (TypeScript through tsx). Node 20 does not expand
// globs itself, so the files are collected here. INTERCOM_LOCAL_ONLY=1 makes every peer refuse
// non-loopback DHT bootstraps for the whole run.
import { spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

function collect(dir) {
  const out = []
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...collect(p))
    else if (name.endsWith('.test.ts')) out.push(p)
  }
  return out
}

const filter = process.argv.slice(2)
let files = [...collect('test'), ...collect('examples')]
if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)))
if (files.length === 0) {
  console.error('no test files matched')
  process.exit(1)
}

const args = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=120000', ...files]
const child = spawn(process.execPath, args, {
  stdio: 'inherit',
  env: { ...process.env, INTERCOM_LOCAL_ONLY: '1' }
})
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)))
