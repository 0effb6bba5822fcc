// The MSB light client under Bare: a peer run by the Bare runtime syncs the indexer-signed state of a local
// devnet, finds its validators, sees a faucet credit, and settles a transfer over network/v1.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { tmpDir, waitFor } from './helpers/peers.js'
import { bareBinary, grab, spawnPeer, stopAll, type Proc } from './helpers/runtimes.js'
import { startDevnet } from '../src/msb/devnet/index.js'
import { parseAmount } from '../src/msb/amount.js'

test('a Bare peer reads the MSB devnet and settles a transfer', { timeout: 120_000 }, async (t) => {
  const bin = await bareBinary()
  if (bin === null) return t.skip('the Bare runtime package (bare-runtime-<platform>-<arch>) is not installed here')
  const devnet = await startDevnet({ validators: 1 })
  t.after(() => devnet.close())
  const dir = tmpDir()
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const procs: Proc[] = []
  t.after(() => stopAll(procs))
  const msbFlags = devnet.peerFlags.replace(/^peer flags: /, '').split(' ')
  const bare = spawnPeer(
    bin,
    ['carol', '--dht-bootstrap', 'local', '--peer-stores-directory', dir, '--msb-stores-directory', dir, ...msbFlags],
    { cwd: dir }
  )
  procs.push(bare)
  await waitFor(
    () => /Sidechannel: ready/.test(bare.out()),
    60_000,
    () => `Bare peer ready:\n${bare.out()}`
  )
  const address = grab(/peer MSB address (trac1[0-9a-z]+)/, bare.out())

  await devnet.fund(address, parseAmount('5'))
  let seen = 0
  await waitFor(
    () => {
      if (/balance: '5 TNK'/.test(bare.out())) return true
      const n = (bare.out().match(/balance: /g) ?? []).length
      if (n === seen) {
        seen = n + 1
        bare.send('/balance')
      }
      return false
    },
    60_000,
    () => `Bare peer sees the credit:\n${bare.out().slice(-2000)}`
  )

  const to = devnet.validators[0]!.address
  bare.send(`/transfer --to ${to} --amount 1.25`)
  await waitFor(
    () => /Transfer confirmed \(MSB signed length \d+\): 1\.25 TNK/.test(bare.out()),
    60_000,
    () => `transfer:\n${bare.out().slice(-2000)}`
  )
  const left = await devnet.balance(address, { confirmed: true })
  assert.equal(left, parseAmount('5') - parseAmount('1.25') - 30_000_000_000_000_000n)

  bare.kill('SIGINT')
  assert.equal((await bare.exited).code, 0)
})
