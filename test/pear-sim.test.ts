// The Pear code path with a simulated `Pear` global (test/helpers/pear-sim.mjs), under Node and
// under the Bare runtime Pear itself runs: arguments come from Pear.config.args (the command line is
// empty), stores live under Pear.config.storage, and a signal runs the Pear.teardown handler, which
// closes the peer before Pear may exit (Pear awaits the promise the handler returns).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { tmpDir, waitFor } from './helpers/peers.js'
import { PEAR_SIM, runtimeBinary, spawnScript, grab, type Proc, type Runtime } from './helpers/runtimes.js'

async function pearRun(bin: string, runtime: Runtime, dir: string, storage: string, procs: Proc[]): Promise<Proc> {
  const env = { INTERCOM_PEAR_SIM: JSON.stringify({ args: ['pearpeer', '--dht-bootstrap', 'local'], storage }) }
  const p = spawnScript(bin, PEAR_SIM, [], { cwd: dir, env })
  procs.push(p)
  await waitFor(
    () => p.out().includes('Sidechannel: ready'),
    40_000,
    () => `ready under ${runtime}:\n${p.out()}`
  )
  assert.match(p.out(), new RegExp(`\\[pear-sim\\] ${runtime} runtime; Pear global installed`))
  return p
}

/** Sends `signal`; the Pear teardown handler must win over the app's own signal handler and finish the close. */
async function teardownBy(p: Proc, signal: 'SIGINT' | 'SIGTERM'): Promise<void> {
  p.child.kill(signal)
  const res = await p.exited
  const out = p.out()
  assert.deepEqual(res, { code: 0, signal: null }, out)
  assert.match(out, new RegExp(`\\[pear-sim\\] ${signal}: running 1 teardown handler\\(s\\)`))
  assert.match(out, /\[peer\] teardown: shutting down\.\.\./, 'the Pear teardown path ran, not the plain signal one')
  assert.match(out, /\[pear-sim\] Pear\.exit\(0\)/, 'the app exits through Pear.exit once closed')
  // Had the handler returned before the peer closed, Pear would have exited (130/143) in the middle.
  assert.doesNotMatch(out, /teardown handlers settled/)
  assert.doesNotMatch(out, /error while closing|took too long/)
  assert.ok(out.indexOf('teardown: shutting down') < out.indexOf('Pear.exit(0)'))
}

for (const runtime of ['node', 'bare'] as const) {
  test(`Pear host under ${runtime}: config.args, config.storage and teardown are honoured`, {
    timeout: 120_000
  }, async (t) => {
    const bin = await runtimeBinary(runtime)
    if (!bin) return t.skip(`no Bare runtime package for ${process.platform}-${process.arch}`)
    const dir = tmpDir()
    const procs: Proc[] = []
    t.after(async () => {
      for (const p of procs)
        if (p.child.exitCode === null && p.child.signalCode === null) {
          p.child.kill('SIGKILL')
          await p.exited
        }
      fs.rmSync(dir, { recursive: true, force: true })
    })
    const storage = path.join(dir, 'pear-storage')
    fs.mkdirSync(storage)

    // No command-line arguments at all: everything comes from the simulated Pear.
    const first = await pearRun(bin, runtime, dir, storage, procs)
    const key = grab(/Peer pubkey \(hex\): ([0-9a-f]{64})/, first.out())
    assert.match(first.out(), /Key pair exported to /)
    assert.ok(
      fs.existsSync(path.join(storage, 'stores', 'pearpeer', 'db', 'keypair.json')),
      'stores live under Pear.config.storage'
    )
    assert.deepEqual(fs.readdirSync(dir).sort(), ['pear-storage'], 'nothing written relative to the working directory')
    await teardownBy(first, 'SIGINT')

    // Same storage again: the identity persists, and SIGTERM takes the same teardown path.
    const again = await pearRun(bin, runtime, dir, storage, procs)
    assert.equal(grab(/Peer pubkey \(hex\): ([0-9a-f]{64})/, again.out()), key)
    assert.doesNotMatch(again.out(), /Key pair exported to /)
    await teardownBy(again, 'SIGTERM')
  })
}
