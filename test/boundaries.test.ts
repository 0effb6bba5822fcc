// Plane boundaries, checked on the source: a file may reach into another plane only through that plane's
// index.ts (or a declared second entry), planes depend on each other only along the allowed graph below (the
// subnet and the MSB never import each other: src/common holds what both need, src/settlement is the one
// adapter), no plane imports the composition root, and apps are built on the public surface alone.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** What each plane may import (besides src/errors.ts, which every file may). */
const ALLOWED: Record<string, string[]> = {
  crypto: [],
  host: [],
  errors: [],
  common: ['crypto'],
  wallet: ['crypto'],
  net: ['crypto'],
  config: ['common'],
  sidechannel: ['common', 'config', 'crypto', 'net'],
  subnet: ['common', 'crypto', 'host', 'wallet'],
  msb: ['common', 'crypto', 'net', 'wallet'],
  settlement: ['common', 'crypto', 'msb', 'wallet'],
  terminal: ['common', 'crypto', 'host', 'msb', 'sidechannel', 'subnet', 'wallet'],
  bridge: ['config', 'crypto', 'sidechannel', 'terminal']
}

/** Entries other than `<plane>/index.ts`: the agent client (kept out of the peer process) and the MSB devnet tool. */
const EXTRA_ENTRIES = new Set(['src/bridge/client.ts', 'src/msb/devnet/index.ts'])

/** The composition root: files at the top of src/ that wire the planes together. Nothing below them imports them. */
const ROOT_FILES = new Set(['src/peer.ts', 'src/lib.ts', 'src/app.ts', 'src/main.ts'])

const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)/g

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of fs.readdirSync(path.join(ROOT, dir))) {
    const rel = path.posix.join(dir, name)
    if (fs.statSync(path.join(ROOT, rel)).isDirectory()) out.push(...sourceFiles(rel))
    else if (/\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(rel)
  }
  return out
}

/** Relative import specifiers of a file, resolved to repo paths with a .ts extension; bare specifiers as given. */
export function importsOf(file: string, text: string): Array<{ spec: string; target: string | null }> {
  const out: Array<{ spec: string; target: string | null }> = []
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = (m[1] ?? m[2])!
    if (!spec.startsWith('.')) {
      out.push({ spec, target: null })
      continue
    }
    const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec))
    out.push({ spec, target: resolved.replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts') })
  }
  return out
}

/** The plane of a file under src/ (`src/<plane>/…`), the root file's name, or null outside src. */
function planeOf(file: string): string | null {
  const parts = file.split('/')
  if (parts[0] !== 'src') return null
  return parts.length > 2 ? parts[1]! : parts[1]!.replace(/\.ts$/, '')
}

export function violations(files: Array<{ file: string; text: string }>): string[] {
  const out: string[] = []
  for (const { file, text } of files) {
    const from = planeOf(file)
    const isApp = /^(contract|protocol|features)\//.test(file)
    const isExample = file.startsWith('examples/')
    for (const { spec, target } of importsOf(file, text)) {
      if (isExample) {
        if (target !== null && !target.startsWith(path.posix.dirname(file)))
          out.push(`${file}: examples import only 'intercom-ts' and their own files, not ${spec}`)
        continue
      }
      if (target === null || !target.startsWith('src/')) continue
      const to = planeOf(target)!
      if (target === 'src/errors.ts') continue
      if (isApp) {
        if (target !== 'src/subnet/index.ts' && target !== 'src/lib.ts')
          out.push(`${file}: the sample app uses src/subnet/index.ts (or the package entry), not ${spec}`)
        continue
      }
      if (from === null || from === to) continue
      const fromRoot = ROOT_FILES.has(file)
      if (ROOT_FILES.has(target)) {
        if (!fromRoot) out.push(`${file}: a plane must not import the composition root (${spec})`)
        continue
      }
      const entry = target === `src/${to}/index.ts` || EXTRA_ENTRIES.has(target)
      if (!entry) out.push(`${file}: reaches into ${to} past its index.ts (${spec})`)
      if (!fromRoot && !(ALLOWED[from] ?? []).includes(to))
        out.push(`${file}: ${from} may not depend on ${to} (${spec})`)
    }
  }
  return out
}

test('every cross-plane import goes through the plane index, along the allowed graph', () => {
  const files = ['src', 'contract', 'protocol', 'features', 'examples']
    .flatMap(sourceFiles)
    .map((file) => ({ file, text: fs.readFileSync(path.join(ROOT, file), 'utf8') }))
  assert.ok(files.length > 80, `found only ${files.length} source files`)
  const planes = new Set(
    files.map((f) => planeOf(f.file)).filter((p): p is string => p !== null && !ROOT_FILES.has(`src/${p}.ts`))
  )
  for (const p of planes) assert.ok(p in ALLOWED, `plane ${p} has no entry in the allowed graph`)
  assert.deepEqual(violations(files), [])
})

test('the checker catches each kind of violation', () => {
  const v = violations([
    { file: 'src/msb/client.ts', text: "import { x } from '../subnet/index.js'" },
    { file: 'src/terminal/commands.ts', text: "import { y } from '../sidechannel/manager.js'" },
    { file: 'src/bridge/server.ts', text: "import type { Z } from '../peer.js'" },
    { file: 'contract/contract.ts', text: "import { Contract } from '../src/subnet/contract.js'" },
    { file: 'examples/counter/app.ts', text: "import { IntercomPeer } from '../../src/lib.js'" },
    { file: 'src/subnet/apply.ts', text: "const m = await import('../msb/index.js')" },
    { file: 'src/peer.ts', text: "import { SubnetRuntime } from './subnet/runtime.js'" }
  ])
  assert.equal(v.length, 7, v.join('\n'))
  assert.match(v[0]!, /msb may not depend on subnet/)
  assert.match(v[1]!, /reaches into sidechannel past its index\.ts/)
  assert.match(v[2]!, /must not import the composition root/)
  assert.match(v[3]!, /sample app uses src\/subnet\/index\.ts/)
  assert.match(v[4]!, /examples import only 'intercom-ts'/)
  assert.match(v[5]!, /subnet may not depend on msb/)
  assert.match(v[6]!, /reaches into subnet past its index\.ts/)
  // Allowed: through the index along the graph, errors from anywhere, the composition root through indexes.
  assert.deepEqual(
    violations([
      {
        file: 'src/terminal/commands.ts',
        text: "import { a } from '../sidechannel/index.js'\nimport { IntercomError } from '../errors.js'"
      },
      { file: 'src/lib.ts', text: "export { IntercomBridgeClient } from './bridge/client.js'" },
      {
        file: 'examples/counter/app.ts',
        text: "import { Contract } from 'intercom-ts'\nimport { X } from './contract.js'"
      }
    ]),
    []
  )
})
