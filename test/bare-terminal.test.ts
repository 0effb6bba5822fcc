// The terminal side of a peer under Bare, next to Node. Piped stdin gives the same output as under
// Node, with no prompt or cursor escape codes (Bare's readline used to redraw a prompt for every
// byte); a peer whose stdin ends, or whose descriptor 0 is closed altogether, keeps serving until
// SIGINT; Ctrl-C as a terminal delivers it (to the whole process group, with `npm run
// start:bare`'s launcher forwarding it once more) closes the peer cleanly instead of killing it; and
// on a real TTY (a pseudo-terminal from script(1)) typed commands work and Ctrl-C closes the peer.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { tmpDir, waitFor, sleep } from './helpers/peers.js'
import { ENTRY, ROOT, bareBinary, spawnPeer, spawnScript, stopAll, type Proc } from './helpers/runtimes.js'

const SCRIPT = [
  '/sc_stats\n',
  '/nonsense\n',
  '\n',
  'not a command\r\n',
  '/sc_join --channel "room 1" --invite notbase64!!\n',
  '/sc_join --channel "room 1"\r',
  '/sc_stats' // no line end: runs when stdin ends
]
const EXPECTED = [
  "{ channels: [ '0000intercom' ], connectionCount: 0 }",
  'Invalid invite. Pass JSON, base64, or @file.',
  'Joined sidechannel: room 1',
  "{ channels: [ '0000intercom', 'room 1' ], connectionCount: 0 }"
]

/** Output after start-up (the banner and the command list): what the commands printed, then the shutdown line. */
function afterHelp(out: string): string {
  const i = out.lastIndexOf('\n- /')
  assert.ok(i >= 0, out)
  return out.slice(out.indexOf('\n', i + 1) + 1)
}

test('piped commands give the same plain output under Bare as under Node; ended stdin keeps the peer up', {
  timeout: 120_000
}, async (t) => {
  const bin = await bareBinary()
  if (!bin) return t.skip(`no Bare runtime package for ${process.platform}-${process.arch}`)
  const dir = tmpDir()
  const procs: Proc[] = []
  t.after(async () => {
    await stopAll(procs)
    fs.rmSync(dir, { recursive: true, force: true })
  })

  const run = async (name: string, exe: string) => {
    const p = spawnPeer(exe, [name, '--dht-bootstrap', 'local'], { cwd: dir })
    procs.push(p)
    await waitFor(
      () => p.out().includes('Sidechannel: ready'),
      40_000,
      () => `${name} ready:\n${p.out()}`
    )
    // Byte by byte, as a slow pipe may deliver it: line ends and characters split across reads.
    for (const chunk of SCRIPT) for (const ch of chunk) p.child.stdin!.write(ch)
    p.child.stdin!.end()
    await waitFor(
      () => p.out().includes(EXPECTED.at(-1)!),
      20_000,
      () => `${name} output:\n${p.out()}`
    )
    return p
  }
  const [onNode, onBare] = await Promise.all([run('nodepipe', process.execPath), run('barepipe', bin)])
  await sleep(1500) // stdin has ended: both keep serving
  for (const p of [onNode, onBare]) assert.equal(p.child.exitCode, null, `still running after stdin ended:\n${p.out()}`)
  assert.deepEqual(afterHelp(onBare.out()).split('\n').filter(Boolean), EXPECTED)
  assert.ok(!onBare.out().includes('\x1b'), 'no escape codes under Bare')
  assert.ok(!onNode.out().includes('\x1b'), 'no escape codes under Node')

  for (const p of [onNode, onBare]) p.child.kill('SIGINT')
  for (const p of [onNode, onBare]) assert.deepEqual(await p.exited, { code: 0, signal: null }, p.out())
  assert.equal(afterHelp(onBare.out()), afterHelp(onNode.out()), 'byte for byte the same as Node')
  assert.match(
    afterHelp(onBare.out()),
    /\[peer\] SIGINT: shutting down\.\.\.\nTransactionObserver: closing gracefully\.\.\.\nUpdater: closing gracefully\.\.\.\n$/
  )
})

test('a Bare peer started with descriptor 0 closed serves, and SIGINT closes it', { timeout: 90_000 }, async (t) => {
  const bin = await bareBinary()
  if (!bin || !fs.existsSync('/bin/sh'))
    return t.skip(bin ? 'no /bin/sh' : `no Bare runtime package for ${process.platform}-${process.arch}`)
  const dir = tmpDir()
  const procs: Proc[] = []
  t.after(async () => {
    await stopAll(procs)
    fs.rmSync(dir, { recursive: true, force: true })
  })
  // Bare, unlike Node, does not reopen a closed fd 0, so its event loop owns it: reading that as
  // stdin used to hang the shutdown.
  const p = spawnScript('/bin/sh', '-c', ['exec "$0" "$@" <&-', bin, ENTRY, 'closedin', '--dht-bootstrap', 'local'], {
    cwd: dir
  })
  procs.push(p)
  await waitFor(
    () => p.out().includes('Sidechannel: ready'),
    40_000,
    () => `ready:\n${p.out()}`
  )
  await sleep(1000)
  assert.equal(p.child.exitCode, null)
  p.kill('SIGINT')
  const killer = setTimeout(() => p.kill('SIGKILL'), 15_000) // a hung close then fails here, not at the test timeout
  assert.deepEqual(await p.exited, { code: 0, signal: null }, p.out())
  clearTimeout(killer)
  assert.match(p.out(), /SIGINT: shutting down/)
})

test('Ctrl-C to the process group: `scripts/bare.mjs` (npm run start:bare) and plain Node both exit 0 after closing', {
  timeout: 90_000
}, async (t) => {
  const bin = await bareBinary()
  if (!bin) return t.skip(`no Bare runtime package for ${process.platform}-${process.arch}`)
  const dir = tmpDir()
  const procs: Proc[] = []
  t.after(async () => {
    await stopAll(procs)
    fs.rmSync(dir, { recursive: true, force: true })
  })
  // The launcher forwards SIGINT to the bare binary, which also gets the group's own: two signals.
  const viaLauncher = spawnScript(
    process.execPath,
    path.join(ROOT, 'scripts', 'bare.mjs'),
    [ENTRY, 'launched', '--dht-bootstrap', 'local'],
    { cwd: dir, group: true }
  )
  const onNode = spawnPeer(process.execPath, ['plainnode', '--dht-bootstrap', 'local'], { cwd: dir, group: true })
  procs.push(viaLauncher, onNode)
  for (const p of procs)
    await waitFor(
      () => p.out().includes('Sidechannel: ready'),
      40_000,
      () => `ready:\n${p.out()}`
    )
  viaLauncher.kill('SIGINT')
  onNode.kill('SIGINT')
  onNode.kill('SIGINT') // a second Ctrl-C right away (npm forwards one too) must not cut the close short
  for (const p of procs) {
    assert.deepEqual(await p.exited, { code: 0, signal: null }, p.out())
    assert.equal(p.out().match(/SIGINT: shutting down/g)?.length, 1, p.out())
  }
})

/** util-linux script(1), which runs a command on a fresh pseudo-terminal; null where unavailable. */
function scriptTool(): string | null {
  try {
    return /util-linux/.test(
      execFileSync('script', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    )
      ? 'script'
      : null
  } catch {
    return null
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`
}

test('on a TTY, under Node and Bare: typed commands run, the terminal does not echo them itself, Ctrl-C closes the peer', {
  timeout: 90_000
}, async (t) => {
  const bin = await bareBinary()
  const script = scriptTool()
  if (!bin || !script)
    return t.skip(
      !bin
        ? `no Bare runtime package for ${process.platform}-${process.arch}`
        : 'no util-linux script(1) for a pseudo-terminal'
    )
  const dir = tmpDir()
  const procs: Proc[] = []
  t.after(async () => {
    await stopAll(procs)
    fs.rmSync(dir, { recursive: true, force: true })
  })
  const onTty = (exe: string, name: string) => {
    const peerArgs = [name, '--dht-bootstrap', 'local']
    const cmd = [exe, ENTRY, ...peerArgs].map(shellQuote).join(' ')
    const p = spawnScript(script, '-q', ['-e', '-c', cmd, '/dev/null'], { cwd: dir, group: true, peerArgs })
    procs.push(p)
    return p
  }
  const ttys = [onTty(process.execPath, 'ttynode'), onTty(bin, 'ttybare')]
  for (const p of ttys)
    await waitFor(
      () => p.out().includes('Sidechannel: ready'),
      40_000,
      () => `ready:\n${p.out()}`
    )
  await sleep(300)
  // Typed one key at a time, Enter as a terminal sends it (\r).
  for (const ch of '/sc_stats\r')
    for (const p of ttys) {
      p.child.stdin!.write(ch)
      await sleep(5)
    }
  // On a terminal inspected values are colored as the reference's console colors them: strings green, numbers yellow.
  const colored = "{ channels: [ \x1b[32m'0000intercom'\x1b[39m ], connectionCount: \x1b[33m0\x1b[39m }"
  const coloredBare = "{ channels: [ \x1b[32m'0000intercom'\x1b[0m ], connectionCount: \x1b[33m0\x1b[0m }"
  for (const p of ttys)
    await waitFor(
      () => p.out().includes(colored) || p.out().includes(coloredBare),
      15_000,
      () => `command output:\n${JSON.stringify(p.out().slice(-600))}`
    )
  for (const p of ttys) {
    // The line discipline's own echo would be `/sc_stats\r\n`; raw mode leaves drawing to readline.
    assert.ok(
      !p.out().includes('/sc_stats\r\n'),
      `no second echo of the typed line:\n${JSON.stringify(p.out().slice(-600))}`
    )
    assert.ok(!p.out().includes('NaN'), 'cursor moves use a real width')
    p.child.stdin!.write('\x03') // Ctrl-C: in raw mode a byte, not a signal
  }
  for (const p of ttys) {
    assert.deepEqual(await p.exited, { code: 0, signal: null }, p.out())
    assert.match(p.out(), /\[peer\] SIGINT: shutting down\.\.\./)
  }
})
