// The compiled peer under the Bare runtime (the one Pear runs), next to a peer under Node: a message
// each way over a local DHT, SC-Bridge served by the Bare peer, and SIGINT closing it cleanly.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import WebSocket from 'ws'
import { tmpDir, waitFor } from './helpers/peers.js'
import { bareBinary, spawnPeer, type Proc } from './helpers/runtimes.js'

const TOKEN = 'bare-test-token'

test('a Bare peer and a Node peer talk; the Bare peer serves SC-Bridge; SIGINT closes it', {
  timeout: 90_000
}, async (t) => {
  const bin = await bareBinary()
  if (!bin) return t.skip(`no Bare runtime package for ${process.platform}-${process.arch}`)
  const dir = tmpDir()
  const procs: Proc[] = []
  t.after(async () => {
    for (const p of procs)
      if (p.child.exitCode === null) {
        p.child.kill('SIGKILL')
        await p.exited
      }
    fs.rmSync(dir, { recursive: true, force: true })
  })

  const bare = spawnPeer(
    bin,
    ['barepeer', '--dht-bootstrap', 'local', '--sc-bridge', '1', '--sc-bridge-port', '0', '--sc-bridge-token', TOKEN],
    { cwd: dir }
  )
  procs.push(bare)
  await waitFor(
    () => bare.out().includes('Sidechannel: ready'),
    40_000,
    () => `bare peer ready:\n${bare.out()}`
  )
  const addr = /Local DHT started on (\S+)/.exec(bare.out())![1]!
  const url = /SC-Bridge: (ws:\/\/\S+)/.exec(bare.out())![1]!
  const bareKey = /Peer pubkey \(hex\): ([0-9a-f]{64})/.exec(bare.out())![1]!

  const node = spawnPeer(process.execPath, ['nodepeer', '--dht-bootstrap', addr], { cwd: dir })
  procs.push(node)
  await waitFor(
    () => node.out().includes('Sidechannel: ready'),
    40_000,
    () => `node peer ready:\n${node.out()}`
  )
  const nodeKey = /Peer pubkey \(hex\): ([0-9a-f]{64})/.exec(node.out())![1]!

  // An agent on the Bare peer's bridge.
  const frames: any[] = []
  const ws = new WebSocket(url)
  ws.on('message', (d) => frames.push(JSON.parse(d.toString())))
  ws.on('error', () => {})
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  t.after(() => ws.terminate())
  await waitFor(() => frames.some((f) => f.type === 'hello'), 10_000, 'hello from the Bare bridge')
  assert.equal(frames[0].peer, bareKey)
  ws.send(JSON.stringify({ id: 1, type: 'auth', token: TOKEN }))
  await waitFor(() => frames.some((f) => f.id === 1 && f.type === 'auth_ok'), 10_000, 'auth_ok')

  // Node → Bare, seen by the agent; Bare (through the agent) → Node.
  await waitFor(
    () => {
      node.send('/sc_send --channel 0000intercom --message "hello bare"')
      return frames.find((f) => f.type === 'sidechannel_message' && f.message === 'hello bare')
    },
    30_000,
    () => `event at the Bare bridge:\n${node.out()}`
  )
  assert.equal(frames.find((f) => f.message === 'hello bare').from, nodeKey)
  ws.send(JSON.stringify({ id: 2, type: 'send', channel: '0000intercom', message: 'hello node' }))
  await waitFor(
    () => node.out().includes(`[sidechannel:0000intercom] ${bareKey}: hello node`),
    15_000,
    () => `node receives:\n${node.out()}`
  )

  bare.child.kill('SIGINT')
  assert.deepEqual(await bare.exited, { code: 0, signal: null })
  assert.match(bare.out(), /SIGINT: shutting down/)
})
