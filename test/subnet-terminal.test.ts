// Subnet terminal commands against a real single-node SubnetRuntime (no swarm): every command appends
// the op the reference appends (shape, key order, signature, nonce), apply takes effect in the view, and
// the local guards print the reference's messages.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { keyPairFromSeed, randomBytes, toHex, fromHex, type KeyPair } from '../src/crypto/index.js'
import { SubnetRuntime } from '../src/subnet/runtime.js'
import { signedText, verifyText } from '../src/subnet/signing.js'
import { CommandRunner, inspectValue, type TerminalPeer, type TerminalSubnet } from '../src/terminal/index.js'
import { Wallet } from '../src/wallet/index.js'
import { SampleProtocol } from '../protocol/protocol.js'
import { SampleContract } from '../contract/contract.js'
import { MSB_OFF } from '../src/terminal/msb-commands.js'
import { INVALID_ADMIN_ADDRESS } from '../src/terminal/subnet-commands.js'

const HEX64 = /^[0-9a-f]{64}$/

function keyPair(): KeyPair {
  return keyPairFromSeed(randomBytes(32))
}

async function until(
  rt: SubnetRuntime,
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 10_000
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    await rt.base.update()
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function startRuntime(t: { after(fn: () => Promise<void>): void }, wallet: Wallet) {
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'intercom-subnet-term-'))
  const logs: string[] = []
  const rt = new SubnetRuntime({
    storeDir,
    swarm: null,
    wallet: { publicKeyHex: wallet.publicKeyHex, sign: (m: string) => wallet.sign(m) },
    channel: 'test',
    bootstrap: null,
    ProtocolClass: SampleProtocol,
    ContractClass: SampleContract,
    log: (l) => logs.push(l)
  })
  await rt.ready()
  t.after(async () => {
    await rt.close()
    fs.rmSync(storeDir, { recursive: true, force: true })
  })
  return { rt, logs }
}

/** A terminal over `subnet` signing with `kp`; records every op it appends. */
function terminal(subnet: TerminalSubnet | null, kp: KeyPair | null) {
  const appended: Array<Record<string, any>> = []
  const recording: TerminalSubnet | null =
    subnet === null
      ? null
      : new Proxy(subnet, {
          get(target, prop) {
            if (prop === 'append')
              return (op: Record<string, any>) => {
                appended.push(op)
                return target.append(op)
              }
            const v = Reflect.get(target, prop, target)
            return typeof v === 'function' ? v.bind(target) : v
          }
        })
  const pub = kp ? toHex(kp.publicKey) : '00'.repeat(32)
  const peer: TerminalPeer = {
    sidechannel: null,
    subnet: recording,
    walletKeyPair: kp,
    identity: { publicKeyHex: pub, address: null, secretKeyHex: kp ? toHex(kp.secretKey) : '' },
    inviteTtlMs: 0,
    entryChannel: '0000intercom',
    extraStats: () => ({}),
    shutdown: async () => {}
  }
  const runner = new CommandRunner(peer)
  const run = async (line: string): Promise<string[]> => {
    const out: string[] = []
    await runner.run(line, (...args) => out.push(args.map((a) => inspectValue(a)).join(' ')))
    return out
  }
  return { run, runner, appended, pub }
}

/** A view over `rt` with some properties replaced (a non-writable peer, a non-bootstrap writer). */
function overriding(rt: SubnetRuntime, over: Partial<Record<keyof TerminalSubnet, unknown>>): TerminalSubnet {
  return new Proxy(rt as unknown as TerminalSubnet, {
    get(target, prop) {
      if (Object.hasOwn(over, prop)) return (over as any)[prop]
      const v = Reflect.get(target, prop, target)
      return typeof v === 'function' ? v.bind(target) : v
    }
  })
}

test('subnet terminal commands append the reference ops and apply them', { timeout: 60_000 }, async (t) => {
  const adminWallet = Wallet.fromSeed(randomBytes(32))
  const { rt } = await startRuntime(t, adminWallet)
  assert.equal(rt.writable, true)
  assert.equal(rt.writerKeyHex, rt.bootstrapHex, 'the creating node is the bootstrap writer')

  const admin = terminal(rt, adminWallet.keyPair)
  const userKp = keyPair()
  const user = terminal(rt, userKp)
  const A = admin.pub
  const B = user.pub
  const get = (k: string) => rt.get(k)
  const waitFor = (k: string, pred: (v: any) => boolean) => until(rt, async () => pred(await get(k)), k)

  // ---- admin setup
  assert.deepEqual(await admin.run('/set_chat_status --enabled 1'), [
    'Command failed: Only admin may perform this operation.'
  ])
  assert.deepEqual(await admin.run('/add_admin --address nothex'), [`Command failed: ${INVALID_ADMIN_ADDRESS}`])
  assert.deepEqual(await admin.run('/add_admin'), [`Command failed: ${INVALID_ADMIN_ADDRESS}`])
  const notBootstrap = terminal(overriding(rt, { writerKeyHex: 'ab'.repeat(32) }), adminWallet.keyPair)
  assert.deepEqual(await notBootstrap.run(`/add_admin --address ${A}`), [
    'Command failed: Only the subnet bootstrap node may set the initial admin.'
  ])
  assert.deepEqual(await admin.run(`/add_admin --address ${A.toUpperCase()}`), [])
  assert.deepEqual(admin.appended.at(-1), { type: 'addAdmin', key: A }, 'unsigned, lowercase key')
  await waitFor('admin', (v) => v === A)
  assert.deepEqual(await admin.run(`/add_admin --address ${A}`), ['Command failed: Admin is already set.'])

  // ---- membership (msg layout, signed by the admin)
  const W = toHex(randomBytes(32))
  assert.deepEqual(await user.run(`/add_writer --key ${W}`), ['Command failed: Only admin may perform this operation.'])
  assert.deepEqual(await admin.run('/add_writer --key zz'), [
    'Command failed: Invalid --key. Expected 32-byte hex (64 chars).'
  ])
  assert.deepEqual(await admin.run('/add_writer'), ['Command failed: Invalid --key. Expected 32-byte hex (64 chars).'])
  assert.deepEqual(await admin.run(`/add_writer --key ${W}`), [])
  const addW = admin.appended.at(-1)!
  assert.deepEqual(Object.keys(addW), ['op', 'type', 'key', 'value', 'hash', 'nonce'])
  assert.equal(addW.op, 'append_writer')
  assert.deepEqual(addW.value, { msg: { type: 'addWriter', key: W } })
  assert.match(addW.nonce, HEX64)
  assert.ok(verifyText(addW.hash, signedText(addW.value.msg, addW.nonce), A), 'admin signature over msg + nonce')
  const member = async (hex: string) =>
    (await (rt.base as any).system.get(fromHex(hex))) as { isIndexer: boolean; isRemoved: boolean } | null
  await until(rt, async () => (await member(W))?.isRemoved === false, 'writer added')
  assert.equal((await member(W))!.isIndexer, false)
  assert.equal(await get(`sh/${addW.hash}`), '')

  assert.deepEqual(await admin.run(`/remove_writer --key ${W}`), [])
  assert.equal(admin.appended.at(-1)!.op, 'remove_writer')
  await until(rt, async () => (await member(W))?.isRemoved === true, 'writer removed')

  // /remove_indexer sends removeWriter; /add_indexer adds with the indexer flag. The key is not ours, so this
  // stays unconfirmed; the confirmed reads below come first.
  assert.deepEqual(await admin.run('/set_auto_add_writers --enabled 1'), [])
  assert.deepEqual(admin.appended.at(-1)!.value, { msg: { type: 'setAutoAddWriters', key: 'on' } })
  await waitFor('auto_add_writers', (v) => v === 'on')
  await admin.run('/set_auto_add_writers --enabled 0')
  await waitFor('auto_add_writers', (v) => v === 'off')

  // ---- transactions switch: no local guard (apply ignores a non-admin signature)
  assert.deepEqual(await user.run('/enable_transactions --enabled 0'), [])
  const userTxen = user.appended.at(-1)!
  assert.deepEqual(Object.keys(userTxen), ['type', 'value', 'hash', 'nonce'])
  assert.deepEqual(userTxen.value, { dispatch: { type: 'enableTransactions', enabled: false, address: B } })
  assert.ok(verifyText(userTxen.hash, signedText(userTxen.value, userTxen.nonce), B))
  await admin.run('/enable_transactions --enabled 0')
  await waitFor('txen', (v) => v === false)
  assert.equal(await get(`sh/${userTxen.hash}`), null, 'the non-admin op was ignored')
  assert.deepEqual(await admin.run('/tx --command "something" --sim 1'), ['Error: Tx is not enabled.'])
  await admin.run('/enable_transactions --enabled 1')
  await waitFor('txen', (v) => v === true)

  // ---- chat
  assert.deepEqual(await admin.run('/post --message hi'), ['Command failed: Chat is disabled.'])
  assert.deepEqual(await admin.run('/set_chat_status --enabled 1'), [])
  await waitFor('chat_status', (v) => v === 'on')
  assert.deepEqual(await admin.run('/post'), ['Command failed: Empty message not allowed'])
  assert.deepEqual(await admin.run('/post --message "hello world"'), [])
  const post = admin.appended.at(-1)!
  assert.equal(
    JSON.stringify(post.value),
    JSON.stringify({
      dispatch: {
        type: 'msg',
        msg: 'hello world',
        address: A,
        attachments: [],
        deleted_by: null,
        reply_to: null,
        pinned: false,
        pin_id: null
      }
    }),
    'dispatch key order'
  )
  assert.ok(verifyText(post.hash, signedText(post.value, post.nonce), A))
  await waitFor('msg/0', (v) => v?.msg === 'hello world' && v.address === A)
  assert.deepEqual(await user.run('/post --message "from b" --reply_to x'), [
    'Command failed: Invalid --reply_to. Expected a non-negative integer.'
  ])
  assert.deepEqual(await user.run('/post --message "from b" --reply_to 0'), [])
  await waitFor('msg/1', (v) => v?.msg === 'from b' && v.address === B && v.reply_to === 0)
  assert.equal(await get('msgl'), 2)

  // nicks
  assert.deepEqual(await user.run('/set_nick'), ['Command failed: Missing option. Please use the --nick flag.'])
  assert.deepEqual(await user.run('/set_nick --nick bob'), [])
  assert.deepEqual(user.appended.at(-1)!.value, {
    dispatch: { type: 'setNick', nick: 'bob', address: B, initiator: B }
  })
  await waitFor(`nick/${B}`, (v) => v === 'bob')
  assert.equal(await get('kcin/bob'), B)
  assert.deepEqual(await user.run(`/set_nick --nick x --user ${A}`), [
    'Command failed: Only admin or mod may perform this operation.'
  ])
  assert.deepEqual(await user.run('/set_nick --nick x --user nothex'), [
    'Command failed: Invalid --user. Expected 32-byte hex (64 chars).'
  ])
  assert.deepEqual(await user.run(`/set_nick --nick bobby --user ${B}`), [], 'naming yourself needs no role')
  await waitFor(`nick/${B}`, (v) => v === 'bobby')

  // mods
  assert.deepEqual(await user.run(`/set_mod --user ${B} --mod 1`), [
    'Command failed: Only admin may perform this operation.'
  ])
  assert.deepEqual(await admin.run(`/set_mod --user ${B} --mod 1`), [])
  assert.deepEqual(admin.appended.at(-1)!.value, { dispatch: { type: 'setMod', user: B, mod: true, address: A } })
  await waitFor(`mod/${B}`, (v) => v === true)
  const C = toHex(keyPair().publicKey)
  assert.deepEqual(await user.run(`/set_nick --nick carol --user ${C}`), [], 'a mod may name others')
  await waitFor(`nick/${C}`, (v) => v === 'carol')
  assert.deepEqual(await user.run(`/mute_status --user ${C} --muted 1`), [])
  assert.deepEqual(user.appended.at(-1)!.value, { dispatch: { type: 'muteStatus', user: C, muted: true, address: B } })
  await waitFor(`mtd/${C}`, (v) => v === true)

  // pins
  assert.deepEqual(await user.run('/pin_message --id abc --pin 1'), [
    'Command failed: Invalid --id. Expected a non-negative integer.'
  ])
  assert.deepEqual(await user.run('/pin_message --id 0 --pin 1'), [])
  assert.deepEqual(user.appended.at(-1)!.value, { dispatch: { type: 'pinMessage', id: 0, pinned: true, address: B } })
  await waitFor('msg/0', (v) => v?.pinned === true && v.pin_id === 0)
  assert.deepEqual(await get('pni/0'), { msg: 0, pinned: true })
  assert.deepEqual(await user.run('/unpin_message --pin_id 0'), [])
  assert.deepEqual(user.appended.at(-1)!.value, { dispatch: { type: 'unpinMessage', id: 0, address: B } })
  await waitFor('msg/0', (v) => v?.pinned === false && v.pin_id === null)
  assert.deepEqual(await get('pni/0'), { msg: 0, pinned: false })

  await admin.run(`/set_mod --user ${B} --mod 0`)
  await waitFor(`mod/${B}`, (v) => v === false)
  assert.deepEqual(await user.run('/pin_message --id 0 --pin 1'), [
    'Command failed: Only admin or mod may perform this operation.'
  ])
  assert.deepEqual(await user.run('/unpin_message --pin_id 0'), [
    'Command failed: Only admin or mod may perform this operation.'
  ])
  assert.deepEqual(await user.run(`/mute_status --user ${C} --muted 0`), [
    'Command failed: Only admin or mod may perform this operation.'
  ])

  // deletes: someone else's message needs a role; the author may delete their own (deliberate fix)
  assert.deepEqual(await user.run('/delete_message --id 0'), [
    'Command failed: Only admin or mod may perform this operation.'
  ])
  assert.deepEqual(await user.run('/delete_message --id 1'), [])
  assert.deepEqual(user.appended.at(-1)!.value, { dispatch: { type: 'deleteMessage', id: 1, address: B } })
  await waitFor('msg/1', (v) => v?.msg === null && v.deleted_by === B)
  assert.equal(await get('delm/0'), 1)

  // whitelist
  assert.deepEqual(await user.run('/enable_whitelist --enabled 1'), [
    'Command failed: Only admin may perform this operation.'
  ])
  assert.deepEqual(await admin.run('/enable_whitelist --enabled 1'), [])
  await waitFor('wlst', (v) => v === true)
  assert.deepEqual(await admin.run(`/set_whitelist_status --user ${B} --status 1`), [])
  assert.deepEqual(admin.appended.at(-1)!.value, {
    dispatch: { type: 'setWhitelistStatus', user: B, status: true, address: A }
  })
  await waitFor(`wl/${B}`, (v) => v === true)

  // ---- /tx
  assert.deepEqual(await admin.run('/tx'), ['Missing option. Please use the --command flag.'])
  const before = admin.appended.length
  assert.deepEqual(await admin.run('/tx --command "something" --sim 1'), ['is there already something? null'])
  assert.deepEqual(await admin.run('/tx --command "{\\"op\\":\\"do_something\\"}" --sim 1'), ['Invalid schema.'])
  assert.deepEqual(await admin.run('/tx --command "nonsense" --sim 1'), [
    'Error: HyperMallProtocol::tx(): command not found.'
  ])
  const settled = await admin.run('/tx --command "something"')
  assert.equal(settled.length, 1)
  assert.match(settled[0]!, /^Error: .*MSB client/)
  assert.equal(admin.appended.length, before, '/tx appends nothing itself')
  await rt.base.update()
  assert.equal(await get('something'), null, 'simulation leaves the view unchanged')
  assert.equal(await get('txl'), null)

  // ---- /get (the sample protocol's custom command) and unknown lines
  assert.deepEqual(await admin.run('/get --key chat_status --confirmed false'), ['on'])
  await until(rt, async () => (await rt.get('admin', { confirmed: true })) === A, 'admin confirmed')
  assert.deepEqual(await admin.run('/get --key admin'), [A])
  assert.deepEqual(await admin.run('/get'), [
    'Usage: /get --key "<hyperbee-key>" [--confirmed true|false] [--unconfirmed 1]'
  ])
  assert.deepEqual(await admin.run('/bogus'), [], 'a line no command takes prints nothing, as in the reference')
  assert.deepEqual(await admin.run('hello'), [])

  // ---- indexers (after the confirmed reads: a foreign indexer stops signing progress)
  const I = toHex(randomBytes(32))
  assert.deepEqual(await admin.run(`/add_indexer --key ${I}`), [])
  assert.deepEqual(admin.appended.at(-1)!.value, { msg: { type: 'addIndexer', key: I } })
  await until(rt, async () => (await member(I))?.isIndexer === true, 'indexer added')
  assert.deepEqual(await admin.run(`/remove_indexer --key ${I}`), [])
  assert.deepEqual(admin.appended.at(-1)!.value, { msg: { type: 'removeWriter', key: I } })
  await until(rt, async () => (await member(I))?.isRemoved === true, 'indexer removed')

  // ---- /help and /stats
  const help = (await admin.run('/help')).join('\n')
  for (const s of ['- Setup Commands:', '- Chat Commands:', '- System Commands:', '- Sample Commands:', '- /get --key'])
    assert.ok(help.includes(s), s)
  for (const c of [
    '/add_admin',
    '/update_admin',
    '/add_indexer',
    '/add_writer',
    '/remove_writer',
    '/remove_indexer',
    '/set_auto_add_writers',
    '/enable_transactions',
    '/deploy_subnet',
    '/set_chat_status',
    '/post',
    '/set_nick',
    '/mute_status',
    '/set_mod',
    '/delete_message',
    '/pin_message',
    '/unpin_message',
    '/enable_whitelist',
    '/set_whitelist_status',
    '/tx'
  ]) {
    assert.ok(help.includes(`- ${c} |`), c)
  }
  assert.ok(help.indexOf('Setup Commands:') < help.indexOf('Chat Commands:'))
  const stats = await admin.run('/stats')
  assert.equal(stats[0], '--- Stats ---')
  // The reference's lines first, in its order and formats.
  const refStats = [
    '--- Stats ---',
    `wallet.address: ${A}`,
    `hypermall.writerKey: ${rt.writerKeyHex}`,
    `admin: ${A}`,
    'isIndexer: true',
    'isWriter: true',
    /^swarm\.connections\.size: \d+$/,
    /^base\.view\.core\.signedLength: \d+$/,
    /^base\.signedLength \d+$/,
    /^base\.indexedLength \d+$/,
    'base.linearizer.indexers.length 1',
    `base.key: ${rt.bootstrapHex}`,
    /^discoveryKey: [0-9a-f]{64}$/,
    /^VIEW Dag: [0-9a-f]{64} \(length: \d+\)$/,
    /^SYSTEM Dag: [0-9a-f]{64} \(length: \d+\)$/,
    'Total Registered Writers: 0'
  ]
  refStats.forEach((want, i) => {
    if (typeof want === 'string') assert.equal(stats[i], want)
    else assert.match(stats[i]!, want)
  })
  assert.ok(stats.includes(`Admin: ${A} (this peer)`))
  assert.ok(stats.includes('Is indexer: true'))
  assert.ok(stats.includes('Is writer: true'))
  assert.ok(stats.includes(`Subnet bootstrap: ${rt.bootstrapHex}`))
  assert.ok(stats.includes(`Writer key: ${rt.writerKeyHex}`))
  assert.ok(stats.some((l) => /^View length: \d+, signed length: \d+$/.test(l)))
  assert.ok(stats.some((l) => /^Base signed length: \d+, indexed length: \d+$/.test(l)))

  assert.deepEqual(await admin.run('/deploy_subnet'), [`Command failed: ${MSB_OFF}`])

  // ---- admin hand-over: "null" gives the role up for good
  assert.deepEqual(
    await admin.run('/update_admin --address zz'),
    ['Command failed: Invalid --address. Expected 32-byte hex (64 chars).'],
    'a typo must not hand the role away (the reference appends it)'
  )
  assert.deepEqual(await user.run(`/update_admin --address ${B}`), [
    'Command failed: Only admin may perform this operation.'
  ])
  assert.deepEqual(await admin.run('/update_admin --address null'), [])
  const upd = admin.appended.at(-1)!
  assert.deepEqual(Object.keys(upd), ['type', 'value', 'hash', 'nonce'])
  assert.deepEqual(upd.value, { dispatch: { type: 'updateAdmin', admin: null, address: A } })
  await until(rt, async () => (await rt.base.view.get('admin'))?.value === null, 'admin given up')
  assert.deepEqual(await admin.run(`/add_admin --address ${A}`), ['Command failed: Admin is already set.'])
  assert.deepEqual(await admin.run('/set_chat_status --enabled 0'), [
    'Command failed: Only admin may perform this operation.'
  ])
})

test('subnet commands without a subnet, without write access, and routing', { timeout: 30_000 }, async (t) => {
  const none = terminal(null, keyPair())
  assert.deepEqual(await none.run('/post --message hi'), ['Command failed: Subnet not initialized.'])
  assert.deepEqual(await none.run('/tx --command x'), ['Command failed: Subnet not initialized.'])
  assert.deepEqual(await none.run('/get --key admin'), [])
  const help = (await none.run('/help')).join('\n')
  assert.ok(help.includes('Setup Commands:') && !help.includes('App Commands:'))

  const wallet = Wallet.fromSeed(randomBytes(32))
  const { rt } = await startRuntime(t, wallet)
  const readOnly = terminal(overriding(rt, { writable: false }), wallet.keyPair)
  assert.deepEqual(await readOnly.run('/tx --command "something" --sim 1'), ['Command failed: Peer is not writable.'])
  assert.deepEqual(await readOnly.run(`/add_admin --address ${wallet.publicKeyHex}`), [
    'Command failed: Peer is not writable.'
  ])
  assert.deepEqual(
    await readOnly.run('/enable_transactions --enabled 1'),
    ['Command failed: Not writable'],
    "Autobase's words, as the reference appends without checking"
  )
  assert.equal(readOnly.appended.length, 0)

  const noWallet = terminal(rt, null)
  assert.deepEqual(await noWallet.run('/set_chat_status --enabled 1'), [
    'Command failed: Wallet keys are not available.'
  ])

  // The outcome of a guard failure is a failed command (the bridge `cli` reports it as such).
  const me = terminal(rt, wallet.keyPair)
  const outcome = await me.runner.run('/set_mod --user ' + 'ab'.repeat(32) + ' --mod 1', () => {})
  assert.deepEqual(outcome, {
    ok: false,
    error: 'Only admin may perform this operation.',
    code: 'COMMAND_REFUSED',
    result: null
  })
})

test('coalesced appends: an op that is not JSON fails alone, the ops appended with it still land', async (t) => {
  const { rt } = await startRuntime(t, Wallet.generate())
  const before = rt.base.local.length
  const cyclic: Record<string, unknown> = { type: 'cyclic' }
  cyclic.self = cyclic
  const results = await Promise.allSettled([
    rt.append({ type: 'first' }),
    rt.append({ type: 'bigint', n: 1n }),
    rt.append(cyclic),
    rt.append({ type: 'last' })
  ])
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'rejected', 'fulfilled']
  )
  assert.match(String((results[1] as PromiseRejectedResult).reason), /TypeError: op is not JSON-serializable: .*BigInt/)
  assert.match(
    String((results[2] as PromiseRejectedResult).reason),
    /TypeError: op is not JSON-serializable: .*circular/i
  )
  assert.equal(rt.base.local.length, before + 2)
  // A batch of only bad ops appends nothing and the runtime keeps working.
  await assert.rejects(rt.append({ type: 'bigint', n: 2n }), /not JSON-serializable/)
  await rt.append({ type: 'after' })
  assert.equal(rt.base.local.length, before + 3)
})
