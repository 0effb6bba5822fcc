// The compiled peer as a user runs it: two processes on a `--dht-bootstrap local` DHT exchanging a
// message through piped TTY commands; service mode with stdin closed; SIGINT and /exit; bad flags.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tmpDir, waitFor, sleep } from './helpers/peers.js'

const ENTRY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js')
const T = { timeout: 90_000 }

interface Proc {
  child: ChildProcess
  out: () => string
  exited: Promise<{ code: number | null; signal: string | null }>
  send(line: string): void
}

function runPeer(args: string[], cwd: string, opts: { closeStdin?: boolean } = {}): Proc {
  if (!args.some((a) => a === '--dht-bootstrap' || a === '--peer-dht-bootstrap'))
    throw new Error('every test peer needs a loopback --dht-bootstrap')
  if (!fs.existsSync(ENTRY)) throw new Error('dist/index.js missing: run `npm run build` (npm test does)')
  const child = spawn(process.execPath, [ENTRY, ...args], {
    cwd,
    env: { ...process.env, INTERCOM_LOCAL_ONLY: '1' },
    stdio: ['pipe', 'pipe', 'pipe']
  })
  let buf = ''
  child.stdout!.on('data', (d) => {
    buf += d
  })
  child.stderr!.on('data', (d) => {
    buf += d
  })
  if (opts.closeStdin) child.stdin!.end()
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal }))
  )
  return {
    child,
    out: () => buf,
    exited,
    send: (line) => {
      child.stdin!.write(line + '\n')
    }
  }
}

async function stopAll(procs: Proc[]): Promise<void> {
  for (const p of procs) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGINT')
      const t = setTimeout(() => p.child.kill('SIGKILL'), 10_000)
      await p.exited
      clearTimeout(t)
    }
  }
}

test('two peer processes exchange a message on 0000intercom over a local DHT', T, async (t) => {
  const dir = tmpDir()
  const procs: Proc[] = []
  t.after(async () => {
    await stopAll(procs)
    fs.rmSync(dir, { recursive: true, force: true })
  })

  const alice = runPeer(['alice', '--dht-bootstrap', 'local'], dir)
  procs.push(alice)
  const addr = (
    await waitFor(
      () => /Local DHT started on (\S+)/.exec(alice.out()),
      30_000,
      () => `alice DHT address:\n${alice.out()}`
    )
  )[1]!
  await waitFor(() => alice.out().includes('Sidechannel: ready'), 30_000, 'alice ready')
  assert.match(alice.out(), /====================INTERCOM ====================\n/)
  assert.match(alice.out(), /Peer pubkey \(hex\): [0-9a-f]{64}/)
  const aliceKey = /Peer pubkey \(hex\): ([0-9a-f]{64})/.exec(alice.out())![1]

  const bob = runPeer(['bob', '--dht-bootstrap', addr], dir)
  procs.push(bob)
  await waitFor(
    () => bob.out().includes('Sidechannel: ready'),
    30_000,
    () => `bob ready:\n${bob.out()}`
  )
  const bobKey = /Peer pubkey \(hex\): ([0-9a-f]{64})/.exec(bob.out())![1]
  assert.notEqual(aliceKey, bobKey)

  await waitFor(
    () => {
      bob.send('/sc_stats')
      return /connectionCount: 1/.test(bob.out())
    },
    30_000,
    () => `bob connected:\n${bob.out()}`
  )
  bob.send('/sc_send --channel 0000intercom --message "hello alice"')
  await waitFor(
    () => alice.out().includes(`[sidechannel:0000intercom] ${bobKey}: hello alice`),
    15_000,
    () => `alice receives:\n${alice.out()}`
  )
  alice.send("/sc_send --channel 0000intercom --message 'hi bob'")
  await waitFor(() => bob.out().includes(`[sidechannel:0000intercom] ${aliceKey}: hi bob`), 15_000, 'bob receives')

  // A line no command takes prints nothing (as in the reference); the next command still runs.
  const before = bob.out().length
  bob.send('/nonsense')
  bob.send('/print --text after-nonsense')
  await waitFor(() => bob.out().includes('after-nonsense'), 5000)
  assert.equal(bob.out().slice(before).trim(), 'after-nonsense')
  bob.send('/exit')
  assert.deepEqual(await bob.exited, { code: 0, signal: null })
  assert.match(bob.out(), /Exiting\.\.\./)
  // The wallet persists: the same store name gives the same identity.
  const again = runPeer(['bob', '--dht-bootstrap', addr], dir)
  procs.push(again)
  await waitFor(() => again.out().includes('Sidechannel: ready'), 30_000, 'bob restarted')
  assert.ok(again.out().includes(`Peer pubkey (hex): ${bobKey}`))
  assert.ok(!again.out().includes('Key pair exported to'))
})

test('service mode: with stdin closed the peer keeps running until SIGINT, then closes cleanly', T, async (t) => {
  const dir = tmpDir()
  const procs: Proc[] = []
  t.after(async () => {
    await stopAll(procs)
    fs.rmSync(dir, { recursive: true, force: true })
  })
  const svc = runPeer(['svc', '--dht-bootstrap', 'local'], dir, { closeStdin: true })
  procs.push(svc)
  await waitFor(
    () => svc.out().includes('Sidechannel: ready'),
    30_000,
    () => `ready:\n${svc.out()}`
  )
  await sleep(1500)
  assert.equal(svc.child.exitCode, null, 'still running after stdin closed')
  svc.child.kill('SIGINT')
  const res = await svc.exited
  assert.equal(res.code, 0)
  assert.match(svc.out(), /SIGINT: shutting down/)
  assert.ok(fs.existsSync(path.join(dir, 'stores', 'svc', 'db', 'keypair.json')))
})

test(
  'bad flags stop start-up with a message naming the flag; local-only mode refuses public bootstrap',
  T,
  async (t) => {
    const dir = tmpDir()
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
    const bad = runPeer(['x', '--dht-bootstrap', 'local', '--sidechannel-pow-difficulty', 'abc'], dir)
    assert.equal((await bad.exited).code, 2)
    assert.match(bad.out(), /--sidechannel-pow-difficulty/)
    assert.ok(!fs.existsSync(path.join(dir, 'stores', 'x')), 'nothing written for a rejected command line')

    const help = runPeer(['--help', '--dht-bootstrap', 'local'], dir)
    assert.equal((await help.exited).code, 0)
    assert.match(help.out(), /--sidechannel-pow-difficulty/)
    assert.match(help.out(), /SIDECHANNEL_POW_DIFFICULTY/)

    // No bootstrap given: the default would be the public nodes, which INTERCOM_LOCAL_ONLY forbids.
    const child = spawn(process.execPath, [ENTRY, 'y'], {
      cwd: dir,
      env: { ...process.env, INTERCOM_LOCAL_ONLY: '1' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
    })
    child.stderr.on('data', (d) => {
      out += d
    })
    const code = await new Promise((resolve) => child.on('exit', resolve))
    assert.equal(code, 1)
    assert.match(out, /INTERCOM_LOCAL_ONLY=1: refusing non-loopback --peer-dht-bootstrap/)
  }
)
