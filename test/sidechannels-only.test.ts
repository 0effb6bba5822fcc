// The messaging-only configuration (`--subnet 0 --msb 0`): no subnet store, no MSB client, sidechannels as
// usual. Two in-process peers exchange a message; subnet commands refuse with the reference's text; the
// compiled peer prints its banner without a writer and exits cleanly.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Cluster, messagesOn, tmpDir, waitConnected, waitFor } from './helpers/peers.js'

const OFF = ['--subnet', '0', '--msb', '0']
const ENTRY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js')

async function run(
  peer: { runner: { run: (l: string, p: (...a: unknown[]) => void) => Promise<unknown> } },
  line: string
): Promise<string> {
  const out: string[] = []
  await peer.runner.run(line, (...a) => {
    out.push(a.map(String).join(' '))
  })
  return out.join('\n')
}

test('--subnet 0 --msb 0: two peers message on 0000intercom with no subnet and no MSB', {
  timeout: 60_000
}, async (t) => {
  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  const a = await cl.peer('a', OFF)
  const b = await cl.peer('b', OFF)

  for (const tp of [a, b]) {
    assert.equal(tp.peer.hasSubnet, false)
    assert.equal(tp.peer.msb, null)
    assert.throws(() => tp.peer.subnet, /runs no subnet \(--subnet 0\)/)
    assert.equal(tp.peer.info().subnetBootstrap, null)
    assert.equal(tp.peer.info().peerWriterKey, null)
    // Only the wallet (and, once written, the sidechannel state) live in the peer store: no Corestore.
    assert.deepEqual(fs.readdirSync(tp.peer.peerDir), ['db'])
  }

  await waitConnected(a, b)
  await waitFor(() => a.peer.sidechannel.openPeers('0000intercom').includes(b.key), 15_000, 'entry channel open')
  const sent = a.peer.sidechannel.send('0000intercom', 'no subnet needed')
  assert.equal(sent.ok, true, JSON.stringify(sent))
  const got = await waitFor(
    () => messagesOn(b, '0000intercom').find((m) => m.payload.message === 'no subnet needed'),
    15_000,
    'delivery'
  )
  assert.equal(got.payload.from, a.key)

  // Subnet and MSB commands refuse with the reference's texts; sidechannel commands work.
  assert.equal(await run(a.peer, `/add_admin --address ${a.key}`), 'Command failed: Subnet not initialized.')
  assert.equal(await run(a.peer, '/tx --command "something"'), 'Command failed: Subnet not initialized.')
  assert.doesNotMatch(
    await run(a.peer, '/sc_send --channel "0000intercom" --message "via the terminal"'),
    /Command failed/
  )
  await waitFor(
    () => messagesOn(b, '0000intercom').some((m) => m.payload.message === 'via the terminal'),
    15_000,
    'terminal send'
  )
  assert.doesNotMatch(await run(a.peer, '/stats'), /Command failed/)
})

test('--subnet 0: the compiled peer prints its banner without a writer and exits 0', { timeout: 60_000 }, async (t) => {
  const dir = tmpDir()
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const child = spawn(process.execPath, [ENTRY, 'solo', '--dht-bootstrap', 'local', ...OFF], {
    cwd: dir,
    env: { ...process.env, INTERCOM_LOCAL_ONLY: '1' },
    stdio: ['pipe', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout.on('data', (d) => {
    out += d
  })
  child.stderr.on('data', (d) => {
    out += d
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  await waitFor(
    () => out.includes('Sidechannel: ready'),
    30_000,
    () => `ready:\n${out}`
  )
  assert.match(out, /# Peer Address: {5}[0-9a-f]{64} #\n#{86}\n\nSubnet: off \(--subnet 0\)\n/)
  assert.doesNotMatch(out, /Peer Writer:/)
  assert.match(out, /Peer subnet bootstrap: null/)
  assert.match(out, /Peer writer key \(hex\): null/)
  child.stdin.write('/exit\n')
  assert.equal(await exited, 0)
  assert.match(out, /Exiting\.\.\./)
  assert.doesNotMatch(out, /Updater: closing gracefully/)
})
