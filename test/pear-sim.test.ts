// The Pear code path, with a simulated `Pear` global: arguments come from Pear.config.args, stores
// live under Pear.config.storage, and Pear.teardown closes the peer cleanly.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { tmpDir, waitFor } from './helpers/peers.js'

const ENTRY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js')

test('Pear host: config.args, config.storage and teardown are honoured', { timeout: 60_000 }, async (t) => {
  const dir = tmpDir()
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const storage = path.join(dir, 'pear-storage')
  fs.mkdirSync(storage)
  const sim = path.join(dir, 'pear-sim.mjs')
  fs.writeFileSync(sim, `
let teardown = null
globalThis.Pear = {
  config: { args: ['pearpeer', '--dht-bootstrap', 'local'], storage: ${JSON.stringify(storage)} },
  teardown (fn) { teardown = fn },
  exit (code) { console.log('pear exit ' + code); process.exit(code) }
}
process.on('message', async (m) => { if (m === 'teardown' && teardown) await teardown() })
await import(${JSON.stringify(pathToFileURL(ENTRY).href)})
`)
  // No command-line arguments at all: everything comes from the simulated Pear.
  const child = spawn(process.execPath, [sim], { cwd: dir, env: { ...process.env, INTERCOM_LOCAL_ONLY: '1' }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
  let out = ''
  child.stdout!.on('data', (d) => { out += d })
  child.stderr!.on('data', (d) => { out += d })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  await waitFor(() => out.includes('Sidechannel: ready'), 30_000, () => `ready:\n${out}`)
  assert.ok(fs.existsSync(path.join(storage, 'stores', 'pearpeer', 'db', 'keypair.json')), 'stores live under Pear.config.storage')
  assert.ok(!fs.existsSync(path.join(dir, 'stores')), 'nothing written relative to the working directory')
  child.send('teardown')
  assert.equal(await exited, 0)
  assert.match(out, /teardown: shutting down/)
  assert.match(out, /pear exit 0/)
})
