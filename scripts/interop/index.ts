// Live interop check against a reference Intercom checkout (not part of `npm test`):
//
//   npm run interop -- --ref <path-to-reference-checkout> [--bare <bare binary>] [--only <scenario>[,…]]
//                      [--keep] [--run-dir <dir>] [--verbose] [--no-isolate]
//
// It starts a loopback HyperDHT, then for each scenario one subnet shared by reference peers (the checkout's
// index.js under Bare) and ours (dist/index.js under Node) in every role, drives them through their
// terminals, waits until every view is signed and identical, stops them and compares their stores core by
// core and block by block. See README "Live interop with the reference".
//
// Nothing may leave the machine: every swarm of every peer is given the loopback DHT, and on Linux the whole
// run is re-executed inside a new network namespace (`unshare`) that has only its own loopback, so a peer that
// ignored its bootstrap flags could still reach nothing.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import createTestnet from 'hyperdht/testnet.js'
import { RELAY_SCENARIOS, SCENARIOS, runScenario, type ScenarioResult } from './scenarios.js'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const REPO = path.resolve(HERE, '..', '..')
const USAGE =
  'Usage: npm run interop -- --ref <path-to-reference-checkout> [--bare <bare binary>] [--only <scenario>[,…]] ' +
  '[--keep] [--run-dir <dir>] [--verbose] [--no-isolate]'

interface Options {
  ref: string
  bare: string
  only: string[]
  keep: boolean
  runDir: string | null
  verbose: boolean
  isolate: boolean
}

function fail(message: string): never {
  console.error(message)
  process.exit(2)
}

function parse(argv: string[]): Options {
  const o: Options = {
    ref: '',
    bare: path.join(REPO, 'node_modules', 'bare-runtime-linux-x64', 'bin', 'bare'),
    only: [...Object.keys(SCENARIOS), ...Object.keys(RELAY_SCENARIOS)],
    keep: false,
    runDir: null,
    verbose: false,
    isolate: true
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const value = (): string => {
      const v = argv[++i]
      if (v === undefined || v.startsWith('--')) fail(`${a} needs a value.\n${USAGE}`)
      return v
    }
    if (a === '--ref') o.ref = path.resolve(value())
    else if (a === '--bare') o.bare = path.resolve(value())
    else if (a === '--only')
      o.only = value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    else if (a === '--run-dir') o.runDir = path.resolve(value())
    else if (a === '--keep') o.keep = true
    else if (a === '--verbose') o.verbose = true
    else if (a === '--no-isolate') o.isolate = false
    else if (a === '--help' || a === '-h') {
      console.log(
        `${USAGE}\nScenarios: ${Object.entries({ ...SCENARIOS, ...RELAY_SCENARIOS })
          .map(([k, v]) => `\n  ${k}: ${v.title}`)
          .join('')}`
      )
      process.exit(0)
    } else fail(`Unknown option ${a}.\n${USAGE}`)
  }
  if (!o.ref) fail(`--ref is required.\n${USAGE}`)
  if (!fs.existsSync(path.join(o.ref, 'index.js')) || !fs.existsSync(path.join(o.ref, 'node_modules', 'trac-peer'))) {
    fail(`${o.ref} is not an installed reference checkout (expected index.js and node_modules/trac-peer; see README).`)
  }
  if (!fs.existsSync(o.bare)) fail(`No Bare binary at ${o.bare}; pass --bare <path> (the reference runs under Bare).`)
  if (!fs.existsSync(path.join(REPO, 'dist', 'index.js'))) fail('dist/index.js is missing: run `npm run build` first.')
  const known = [...Object.keys(SCENARIOS), ...Object.keys(RELAY_SCENARIOS)]
  for (const s of o.only) if (!known.includes(s)) fail(`Unknown scenario ${s}; known: ${known.join(', ')}`)
  return o
}

/** Re-runs this script inside a fresh network namespace when the system allows it; returns false if not. */
function isolate(argv: string[]): boolean {
  if (process.env.INTERCOM_INTEROP_NS === '1') {
    const up = spawnSync('ip', ['link', 'set', 'lo', 'up'], { stdio: 'inherit' })
    if (up.status !== 0) fail('Inside the network namespace, `ip link set lo up` failed (iproute2 is needed).')
    return true
  }
  if (process.platform !== 'linux') return false
  const root = typeof process.getuid === 'function' && process.getuid() === 0
  const nsFlags = [...(root ? [] : ['--map-root-user']), '--net', '--pid', '--fork', '--kill-child']
  const probe = spawnSync('unshare', [...nsFlags, 'true'], { stdio: 'ignore' })
  if (probe.error || probe.status !== 0) return false
  const res = spawnSync(
    'unshare',
    [...nsFlags, process.execPath, ...process.execArgv, fileURLToPath(import.meta.url), ...argv],
    {
      stdio: 'inherit',
      env: { ...process.env, INTERCOM_INTEROP_NS: '1' }
    }
  )
  process.exit(res.status ?? 1)
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  const opts = parse(argv)
  if (opts.isolate) {
    if (!isolate(argv))
      console.log('note: no network namespace available (unshare); running with loopback-only bootstraps')
  }
  const runDir = opts.runDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'intercom-interop-'))
  fs.mkdirSync(runDir, { recursive: true })
  const testnet = await createTestnet(3, { host: '127.0.0.1' })
  const boot = testnet.bootstrap[0]!
  const dht = `${boot.host}:${boot.port}`
  console.log(`Live interop: reference ${opts.ref} (Bare ${opts.bare}) against ${REPO}`)
  console.log(`loopback DHT ${dht}; run dir ${runDir}`)
  const results: ScenarioResult[] = []
  let interrupted = false
  const onSignal = (): void => {
    interrupted = true
  }
  process.once('SIGINT', onSignal)
  try {
    for (const name of opts.only) {
      if (interrupted) break
      results.push(
        await runScenario(name, {
          runDir,
          dht,
          refDir: opts.ref,
          bare: opts.bare,
          repoDir: REPO,
          verbose: opts.verbose,
          report: (l) => console.log(l)
        })
      )
    }
  } finally {
    await testnet.destroy()
  }
  console.log('\n== summary')
  for (const r of results) {
    const failed = r.checks.filter((c) => !c.ok)
    console.log(
      `${r.ok ? 'PASS' : 'FAIL'} ${r.name} (${r.checks.length - failed.length}/${r.checks.length} checks, ${r.seconds.toFixed(0)} s)`
    )
  }
  const ok = results.length === opts.only.length && results.every((r) => r.ok)
  if (ok && !opts.keep) fs.rmSync(runDir, { recursive: true, force: true })
  else console.log(`logs and stores kept in ${runDir}`)
  process.exit(ok ? 0 : 1)
}

main().catch((err) => {
  console.error(err?.stack ?? err)
  process.exit(1)
})
