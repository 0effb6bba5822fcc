// The MSB light client against the local devnet run as a real process (`dist/src/msb/devnet/main.js`), with
// three peers on one subnet: funding, transfer and balances, validator rotation, subnet deployment, a /tx from
// a joiner settled on the MSB and indexed identically on all three subnet nodes, the validator's reasons for
// bad operations, and the light reader following an added and a removed indexer (which expires old txvs).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import fs from 'node:fs'
import { Cluster, sleep, tmpDir, waitFor, type TestPeer } from './helpers/peers.js'
import { parseConfig } from '../src/config/index.js'
import { IntercomPeer } from '../src/peer.js'
import { randomBytes, toHex } from '../src/crypto/index.js'
import { Wallet } from '../src/wallet/index.js'
import { buildAddAdmin, buildAddWriter } from '../src/subnet/builders.js'
import { parseAmount } from '../src/msb/amount.js'
import { MsbOperationError, MsbTimeoutError, type MsbClient } from '../src/msb/client.js'
import { buildTransfer, buildTxOperation, type PartialOperation } from '../src/msb/ops.js'
import { MSB_FEE } from '../src/msb/precheck.js'
import { commandHash } from '../src/common/index.js'
import { EMPTY_TXV } from '../src/terminal/msb-commands.js'

const MAIN = fileURLToPath(new URL('../dist/src/msb/devnet/main.js', import.meta.url))
const nonce = (): string => toHex(randomBytes(32))

class DevnetProcess {
  readonly out: string[] = []
  private buf = ''
  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (d: string) => {
      this.buf += d
      let i: number
      while ((i = this.buf.indexOf('\n')) >= 0) {
        this.out.push(this.buf.slice(0, i))
        this.buf = this.buf.slice(i + 1)
      }
    })
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (d: string) => {
      this.out.push(`[stderr] ${d.trimEnd()}`)
    })
  }

  send(line: string): void {
    this.child.stdin.write(line + '\n')
  }

  async line(re: RegExp, timeoutMs = 60_000, from = 0): Promise<RegExpExecArray> {
    return await waitFor(
      () => {
        for (const l of this.out.slice(from)) {
          const m = re.exec(l)
          if (m !== null) return m
        }
        return null
      },
      timeoutMs,
      () => `devnet output matching ${String(re)}; got:\n${this.out.slice(-20).join('\n')}`
    )
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)))
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000)
    const code = await exited
    clearTimeout(timer)
    return code
  }
}

async function expectRefusal(p: Promise<unknown>, reason: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof MsbOperationError, `expected MsbOperationError, got ${String(err)}`)
    assert.match(err.message, new RegExp(reason), err.message)
    return true
  })
}

async function balance(msb: MsbClient, address: string): Promise<bigint | null> {
  return (await msb.account(address))?.balance ?? null
}

async function run(tp: TestPeer, line: string): Promise<string[]> {
  const out: string[] = []
  const r = await tp.peer.runner.run(line, (...a: unknown[]) => {
    out.push(
      a
        .map((x) =>
          typeof x === 'string' ? x : JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))
        )
        .join(' ')
    )
  })
  if (!r.ok) out.push(`Command failed: ${String(r.error)}`)
  return out
}

async function viewOf(tp: TestPeer): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for await (const e of tp.peer.subnet.base.view.createReadStream()) out[e.key] = JSON.stringify(e.value)
  return out
}

test('MSB light client against a devnet process: fund, transfer, rotation, deploy, settled /tx on 3 peers, refusals, indexer changes', {
  timeout: 300_000
}, async (t) => {
  const devnet = new DevnetProcess(
    spawn(process.execPath, [MAIN, '--validators', '2'], {
      stdio: 'pipe',
      env: { ...process.env, INTERCOM_LOCAL_ONLY: '1' }
    })
  )
  t.after(async () => {
    await devnet.stop()
  })
  const flagsLine = (await devnet.line(/^peer flags: (.*)$/))[1]!
  const v0Key = (await devnet.line(/^validator 0: \S+ key ([0-9a-f]{64})/))[1]!
  const v1Key = (await devnet.line(/^validator 1: \S+ key ([0-9a-f]{64})/))[1]!
  const msbFlags = flagsLine.trim().split(/\s+/)
  assert.deepEqual(
    msbFlags.filter((f) => f.startsWith('--')),
    ['--msb-dht-bootstrap', '--msb-bootstrap', '--msb-channel']
  )
  for (let i = 1; i < msbFlags.length; i += 2)
    assert.match(msbFlags[i]!, /^(127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+)*|[0-9a-f]{64}|\S+)$/)

  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  const a = await cl.peer('a', msbFlags)
  const bs = a.peer.subnet.bootstrapHex
  const b = await cl.peer('b', ['--subnet-bootstrap', bs, ...msbFlags])
  const c = await cl.peer('c', ['--subnet-bootstrap', bs, ...msbFlags])
  const msbA = a.peer.msb!
  const msbB = b.peer.msb!
  assert.ok(msbA && msbB && c.peer.msb, 'every peer runs the MSB client')

  // Subnet roles: a is admin, b a writer.
  await a.peer.subnet.append(buildAddAdmin(a.key))
  await waitFor(() => a.peer.subnet.writable, 10_000, 'a writable')
  await sleep(300)
  await a.peer.subnet.append(buildAddWriter(a.peer.wallet.keyPair, b.peer.subnet.writerKeyHex, nonce()))
  await waitFor(() => b.peer.subnet.writable, 30_000, 'b writable')

  // The reader syncs and the validators are found from the confirmed state.
  // (The admin-indexer counts as a validator while there are at most 10 writers, as in the reference; this
  // devnet's admin refuses broadcasts with NODE_HAS_NO_WRITE_ACCESS, so the client rotates past it.)
  await waitFor(
    () => msbA.status().msbSignedLength > 0 && msbA.status().connectedValidators >= 2,
    60_000,
    () => `a synced: ${JSON.stringify(msbA.status())}`
  )
  assert.equal(msbA.status().verified, true)
  const txv0 = msbA.status().txv
  assert.match(txv0 ?? '', /^[0-9a-f]{64}$/)

  // ---- fund (devnet faucet over its TTY), then balances through the light reader
  const addrA = msbA.addressOf(a.peer.wallet.publicKey)
  const addrB = msbB.addressOf(b.peer.wallet.publicKey)
  const addrC = msbA.addressOf(c.peer.wallet.publicKey)
  assert.match((await run(a, '/balance')).join('\n'), /no MSB account/)
  assert.match(
    (await run(a, `/transfer --to ${addrB} --amount 1`)).join('\n'),
    /Command failed: TRANSFER_SENDER_NOT_FOUND: Sender trac1\S+ has no MSB account \(fund it first\)/
  )
  assert.match((await run(a, '/transfer --to nobody --amount 1')).join('\n'), /Invalid --to/)
  devnet.send(`/fund ${addrA} 10`)
  devnet.send(`/fund ${addrB} 2`)
  const ten = parseAmount('10')
  const deadline = Date.now() + 60_000
  while ((await balance(msbA, addrA)) !== ten || (await balance(msbA, addrB)) !== parseAmount('2')) {
    if (Date.now() > deadline) throw new Error(`funding not confirmed: ${devnet.out.slice(-10).join('\n')}`)
    await new Promise((r) => setTimeout(r, 200))
  }
  assert.match((await run(a, '/balance')).join('\n'), /"balance":"10 TNK"/)

  // ---- transfer a → c, confirmed; fee charged
  const tr = await run(a, `/transfer --to ${addrC} --amount 1.5`)
  assert.match(tr.join('\n'), /Transfer confirmed \(MSB signed length \d+\): 1\.5 TNK to/, tr.join('\n'))
  assert.equal(await balance(msbA, addrC), parseAmount('1.5'))
  assert.equal(await balance(msbA, addrA), ten - parseAmount('1.5') - MSB_FEE)
  // The reference's /msb object: its keys in its order, amounts as decimal TNK strings; the admin counts as a
  // validator on a network this small (2 validators + the admin), as the reference client counts it.
  await waitFor(
    () => msbA.status().connectedValidators === 3,
    30_000,
    () => `3 validators connected: ${JSON.stringify(msbA.status())}`
  )
  const msbOut = await run(a, '/msb')
  const msbStatus = JSON.parse(msbOut[0]!)
  assert.deepEqual(Object.keys(msbStatus), [
    'networkId',
    'msbBootstrap',
    'txv',
    'msbSignedLength',
    'msbUnsignedLength',
    'connectedValidators',
    'peerMsbAddress',
    'peerMsbBalance',
    'msbFee'
  ])
  assert.equal(msbStatus.networkId, 918)
  assert.equal(msbStatus.peerMsbAddress, addrA)
  assert.equal(msbStatus.peerMsbBalance, '8.47')
  assert.equal(msbStatus.msbFee, '0.03')
  assert.equal(msbStatus.connectedValidators, 3)
  assert.equal(msbStatus.msbBootstrap, msbFlags[3])
  assert.equal(msbStatus.msbUnsignedLength, msbStatus.msbSignedLength)
  assert.match(msbStatus.txv, /^[0-9a-f]{64}$/)
  assert.equal(JSON.parse(msbOut[1]!).verified, true, "the light client's own fields follow")

  // ---- a paused validator appends an op after the client timed out and re-sent it to another one: the MSB
  // applies it once (the late copy is ignored as already applied), so nothing is debited twice
  const devnetStatus = async (): Promise<{ ignored: number; held0: number }> => {
    const from = devnet.out.length
    devnet.send('/status')
    const ignored = Number((await devnet.line(/^applied: \d+ ok, \d+ failed, (\d+) ignored$/, 10_000, from))[1])
    const v0 = (await devnet.line(/^validator 0: .*$/, 10_000, from))[0]
    return { ignored, held0: Number(/held (\d+) request/.exec(v0)?.[1] ?? 0) }
  }
  devnet.send('/hold 0 4500')
  await devnet.line(/validator 0 now holds/, 10_000)
  const { ignored: ignoredBefore } = await devnetStatus()
  const aBefore = (await balance(msbA, addrA))!
  const cBefore = (await balance(msbA, addrC))!
  const step = parseAmount('0.02')
  let sent = 0
  // Least recently used first: within a few sends the paused validator gets one, checks it and stalls; the
  // client times out and the op goes to another validator.
  for (let i = 0; i < 4 && (await devnetStatus()).held0 === 0; i++) {
    const op = msbA.buildTransfer({ address: addrA, secretKey: a.peer.wallet.keyPair.secretKey }, addrC, step)
    await msbA.submit(op)
    sent++
  }
  assert.equal(
    (await devnetStatus()).held0,
    1,
    'one transfer stalled on the paused validator and was sent again elsewhere'
  )
  // The paused validator wakes up and appends its copy; the MSB ignores it.
  const wakeDeadline = Date.now() + 20_000
  while ((await devnetStatus()).ignored <= ignoredBefore) {
    if (Date.now() > wakeDeadline) throw new Error('the late duplicate never reached the log')
    await sleep(300)
  }
  devnet.send('/hold 0 off')
  await sleep(500)
  assert.equal(
    await balance(msbA, addrA),
    aBefore - BigInt(sent) * (step + MSB_FEE),
    'the sender paid each transfer once'
  )
  assert.equal(
    await balance(msbA, addrC),
    cBefore + BigInt(sent) * step,
    'the recipient was credited once per transfer'
  )

  // ---- a validator that drops requests is rotated out; the sends still succeed on the other one
  devnet.send('/drop 0 on')
  await devnet.line(/validator 0 now ignores/, 10_000)
  const served: string[] = []
  let retried = 0
  // Least recently used first: within three sends every validator gets its turn, the dropping one included.
  for (let i = 0; i < 3; i++) {
    const op = msbA.buildTransfer(
      { address: addrA, secretKey: a.peer.wallet.keyPair.secretKey },
      addrC,
      parseAmount('0.01')
    )
    const r = await msbA.submit(op)
    served.push(r.accepted.validator)
    if (r.accepted.attempts > 1) retried++
  }
  assert.ok(!served.includes(v0Key), 'the dropping validator never answered')
  assert.ok(served.includes(v1Key), 'the other validator did')
  assert.ok(retried >= 1, 'the dropping validator was tried, timed out and rotated out')
  devnet.send('/drop 0 off')

  // The reference sample's schema'd tx: stores some_key under submitted_by/<invoker>.
  const SUBMIT = '{"op":"do_something","some_key":"hello"}'
  // ---- before the deployment a settled /tx (and its simulation, which runs the MSB pre-checks) is refused
  assert.match(
    (await run(b, `/tx --command '${SUBMIT}' --sim 1`)).join('\n'),
    /^Error: Invalid MSB tx: External bootstrap with hash [0-9a-f]{64} is not registered as deployment entry\.$/m
  )
  assert.match(
    (await run(b, `/tx --command '${SUBMIT}'`)).join('\n'),
    /^Error: Invalid MSB tx: External bootstrap with hash [0-9a-f]{64} is not registered as deployment entry\.$/m
  )

  // ---- deploy the subnet, confirmed; a second deployment is refused
  const dep = await run(a, '/deploy_subnet')
  assert.ok(dep.includes(`Subnet bootstrap: ${bs}`), dep.join('\n'))
  assert.match(dep.join('\n'), /Subnet deployment confirmed \(MSB signed length \d+\)/)
  assert.ok((await msbA.get('deployment/' + bs)) !== null)
  assert.match((await run(a, '/deploy_subnet')).join('\n'), /BOOTSTRAP_ALREADY_EXISTS/)

  // ---- /tx from the joiner b: simulated (pre-checks pass, nothing appended), then settled on the MSB and
  // indexed identically on a, b and c
  const sim = (await run(b, `/tx --command '${SUBMIT}' --sim 1`)).join('\n')
  assert.doesNotMatch(sim, /Invalid MSB tx|Command failed/, sim)
  assert.equal(await a.peer.subnet.get('txl'), null, 'a simulation appends nothing')
  const txOut = await run(b, `/tx --command '${SUBMIT}'`)
  const txHash = /MSB TX broadcasted: ([0-9a-f]{64})/.exec(txOut.join('\n'))?.[1]
  assert.ok(txHash, txOut.join('\n'))
  for (const tp of [a, b, c]) {
    const start = Date.now()
    while ((await tp.peer.subnet.get('tx/' + txHash)) === null) {
      if (Date.now() - start > 60_000)
        throw new Error(`${tp.name}: tx not indexed; logs: ${b.logs.slice(-10).join('\n')}`)
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  const txi = (await a.peer.subnet.get('txi/0')) as Record<string, unknown>
  assert.equal(txi.tx, txHash)
  assert.equal(txi.ipk, b.key)
  assert.equal(txi.err, null)
  const views = await Promise.all([a, b, c].map(viewOf))
  assert.equal(await a.peer.subnet.get('submitted_by/' + b.key), 'hello', 'the sample contract ran the settled tx')
  for (const key of ['tx/' + txHash, 'txi/0', 'txl', 'submitted_by/' + b.key]) {
    assert.equal(views[1]![key], views[0]![key], `b ${key}`)
    assert.equal(views[2]![key], views[0]![key], `c ${key}`)
  }
  // b paid the fee; a (the subnet creator) earned its share of a third party's tx.
  assert.ok((await balance(msbA, addrB))! < parseAmount('2'))

  // ---- refusals with the validator's reasons (sent without the client's own pre-checks)
  const signerA = { address: addrA, secretKey: a.peer.wallet.keyPair.secretKey }
  const txvNow = msbA.status().txv!
  const stranger = Wallet.generate()
  const unfunded = buildTransfer({
    signer: { address: stranger.address, secretKey: stranger.keyPair.secretKey },
    networkId: 918,
    txv: txvNow,
    to: addrA,
    amount: 1n
  })
  await expectRefusal(msbA.send(unfunded), 'TRANSFER_SENDER_NOT_FOUND')
  await expectRefusal(msbA.submit(unfunded), 'TRANSFER_SENDER_NOT_FOUND')
  const badSig = buildTransfer({
    signer: signerA,
    networkId: 918,
    txv: txvNow,
    to: addrC,
    amount: 1n
  }) as PartialOperation & { type: 13 }
  badSig.tro.is = (badSig.tro.is[0] === '0' ? '1' : '0') + badSig.tro.is.slice(1)
  await expectRefusal(msbA.send(badSig), 'TX_SIGNATURE_INVALID')
  const once = buildTransfer({ signer: signerA, networkId: 918, txv: txvNow, to: addrC, amount: 1n })
  await msbA.submit(once)
  await expectRefusal(msbA.send(once), 'TX_ALREADY_EXISTS')
  await expectRefusal(msbA.submit(once), 'TX_ALREADY_EXISTS')
  const undeployed = buildTxOperation({
    signer: signerA,
    networkId: 918,
    txv: txvNow,
    iw: a.peer.subnet.writerKeyHex,
    ch: commandHash({ type: 'x', value: 1 }),
    bs: toHex(randomBytes(32)),
    mbs: msbFlags[3]!
  })
  await expectRefusal(msbA.send(undeployed), 'EXTERNAL_BOOTSTRAP_NOT_DEPLOYED')

  // ---- indexer added then removed: the reader follows both changes; an op built before one has expired
  const stale = buildTransfer({ signer: signerA, networkId: 918, txv: txvNow, to: addrC, amount: 1n })
  const before = msbA.status().indexers.length
  devnet.send('/add_indexer 1')
  // The system (and so the indexer set) switches first; the view follows once its manifest is checked.
  await waitFor(
    () => msbA.status().indexers.length === before + 1 && msbA.status().verified,
    60_000,
    () => `indexer added: ${JSON.stringify(msbA.status())}`
  )
  assert.notEqual(msbA.status().txv, txvNow)
  assert.ok(
    a.logs.some((l) => /indexer set changed/.test(l)),
    'the change is logged'
  )
  await expectRefusal(msbA.send(stale), 'TX_EXPIRED')
  await expectRefusal(msbA.submit(stale), 'TX_EXPIRED')
  devnet.send('/remove_indexer 1')
  await waitFor(
    () => msbA.status().indexers.length === before && msbA.status().verified,
    60_000,
    () => `indexer removed: ${JSON.stringify(msbA.status())}`
  )
  // Still usable after both changes: a fresh transfer confirms.
  const after = await run(a, `/transfer --to ${addrC} --amount 0.5`)
  assert.match(after.join('\n'), /Transfer confirmed/, after.join('\n'))

  assert.equal(await devnet.stop(), 0, 'the devnet exits cleanly on SIGTERM')
})

test('the peer keeps working when the MSB is unreachable', { timeout: 120_000 }, async (t) => {
  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  // An MSB bootstrap nobody serves, on the cluster's own loopback DHT.
  const dht = (cl as any).net.bootstrap as string
  const flags = ['--msb-dht-bootstrap', dht, '--msb-bootstrap', toHex(randomBytes(32)), '--msb-channel', 'nobody-here']
  const started = Date.now()
  const a = await cl.peer('a', flags)
  const b = await cl.peer('b', ['--subnet-bootstrap', a.peer.subnet.bootstrapHex, ...flags])
  assert.ok(Date.now() - started < 60_000, 'start-up does not wait for the MSB')
  // Sidechannels and chat still work.
  await waitFor(
    () => a.peer.sidechannel.connectionCount() > 0 && b.peer.sidechannel.connectionCount() > 0,
    30_000,
    'sidechannel connected'
  )
  await a.peer.subnet.append(buildAddAdmin(a.key))
  const chat = await run(a, '/set_chat_status --enabled 1')
  assert.doesNotMatch(chat.join('\n'), /failed/i, chat.join('\n'))
  await waitFor(() => b.peer.subnet.base.view.core.length > 0, 30_000, 'subnet replicated')
  const status = JSON.parse((await run(a, '/msb'))[0]!)
  assert.equal(status.msbSignedLength, 0)
  assert.equal(status.txv, EMPTY_TXV, "the empty indexer set's txv, as an MSB node with empty state prints")
  assert.equal(status.connectedValidators, 0)
  assert.equal(status.peerMsbBalance, 0, 'no account: the number 0, as the reference prints it')
  const tr = await run(a, `/transfer --to ${a.peer.msb!.addressOf(b.peer.wallet.publicKey)} --amount 1`)
  assert.match(tr.join('\n'), /Command failed: The MSB state has not synced yet/)
  assert.match((await run(a, '/deploy_subnet')).join('\n'), /Command failed: The MSB state has not synced yet/)
  await assert.rejects(
    a.peer.msb!.waitForConfirmed(toHex(randomBytes(32)), 300),
    (err: unknown) =>
      err instanceof MsbTimeoutError && /not confirmed within 300 ms; it may still confirm/.test(err.message)
  )
})

test('with --dht-bootstrap local the MSB swarm stays on the local DHT unless an MSB DHT is named', {
  timeout: 60_000
}, async (t) => {
  const dir = tmpDir()
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const env = { INTERCOM_LOCAL_ONLY: '1' }
  const config = parseConfig(
    ['solo', '--dht-bootstrap', 'local', '--peer-stores-directory', dir, '--msb-stores-directory', dir],
    env
  )
  const logs: string[] = []
  const peer = new IntercomPeer({ config, env, log: (l) => logs.push(l) })
  t.after(() => peer.close())
  await peer.ready()
  assert.ok(peer.msb !== null, 'the MSB client runs')
  assert.deepEqual(peer.msbDhtBootstrap, peer.dhtBootstrap)
  assert.ok(logs.some((l) => /\[msb\] using the local DHT/.test(l)))
  assert.ok(peer.info().msbBootstrap !== null)
})
