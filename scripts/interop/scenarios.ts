// The live interop scenarios: one subnet shared by reference peers and ours, in every role, driven through
// their terminals, then every store compared byte for byte.
import fs from 'node:fs'
import path from 'node:path'
import { PeerProcess, type Impl, type PeerLaunch } from './peer-process.js'
import { compareDumps, dumpStore } from '../../src/subnet/store-dump.js'

export interface ScenarioEnv {
  runDir: string
  dht: string
  refDir: string
  bare: string
  repoDir: string
  verbose: boolean
  report: (line: string) => void
}

export interface ScenarioResult {
  name: string
  ok: boolean
  checks: Array<{ what: string; ok: boolean; detail?: string }>
  seconds: number
}

type Roles = { admin: Impl; a: Impl; b: Impl }

export const SCENARIOS: Record<string, { title: string; roles: Roles }> = {
  'reference-admin': {
    title: 'reference admin; our writer becomes an indexer, our joiner is auto-added',
    roles: { admin: 'reference', a: 'ours', b: 'ours' }
  },
  'ours-admin': {
    title: 'our admin; a reference writer becomes an indexer, a reference joiner is auto-added',
    roles: { admin: 'ours', a: 'reference', b: 'reference' }
  },
  mixed: {
    title: 'reference admin; our indexer, a reference joiner auto-added',
    roles: { admin: 'reference', a: 'ours', b: 'reference' }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

async function until<T>(
  what: string,
  fn: () => Promise<T | false | null | undefined>,
  timeoutMs = 60_000,
  everyMs = 400
): Promise<T> {
  const start = Date.now()
  let last: unknown = null
  while (Date.now() - start < timeoutMs) {
    try {
      const v = await fn()
      if (v !== false && v !== null && v !== undefined) return v
    } catch (err) {
      last = err
    }
    await sleep(everyMs)
  }
  throw new Error(
    `timed out (${Math.round(timeoutMs / 1000)} s): ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`
  )
}

/** Sidechannel relay lines: our inviter — a reference invitee — our invitee; the two ends never connect. */
export const RELAY_SCENARIOS: Record<string, { title: string; sealed: boolean }> = {
  relay: { title: 'invite-only channel through a reference relay: ours ↔ reference ↔ ours', sealed: false },
  'relay-sealed': {
    title: 'sealed invite-only channel through a reference relay (it relays what it cannot read)',
    sealed: true
  }
}

export async function runScenario(name: string, env: ScenarioEnv): Promise<ScenarioResult> {
  if (name in RELAY_SCENARIOS) return await runRelayScenario(name, env)
  const { roles, title } = SCENARIOS[name]!
  const started = Date.now()
  const checks: ScenarioResult['checks'] = []
  const runDir = path.join(env.runDir, name)
  fs.mkdirSync(runDir, { recursive: true })
  const channel = `interop-${name}`
  const logs = new Map<string, fs.WriteStream>()
  const make = (role: string, impl: Impl): PeerProcess => {
    const peerName = `${role}-${impl === 'ours' ? 'ours' : 'ref'}`
    const out = fs.createWriteStream(path.join(runDir, `${peerName}.log`))
    logs.set(peerName, out)
    const launch: PeerLaunch = {
      name: peerName,
      impl,
      runDir,
      dht: env.dht,
      channel,
      refDir: env.refDir,
      bare: env.bare,
      repoDir: env.repoDir,
      log: (line) => {
        out.write(line + '\n')
        if (env.verbose) console.log(line)
      }
    }
    return new PeerProcess(launch)
  }
  const admin = make('admin', roles.admin)
  const a = make('a', roles.a)
  const b = make('b', roles.b)
  const peers = [admin, a, b]
  const step = (line: string): void =>
    env.report(`  ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  ${line}`)
  const check = (what: string, ok: boolean, detail?: string): void => {
    checks.push({ what, ok, ...(detail !== undefined ? { detail } : {}) })
    env.report(`  ${ok ? 'PASS' : 'FAIL'} ${what}${detail ? `: ${detail}` : ''}`)
  }
  /** Runs an appending command; a `Command failed` answer fails the scenario unless `mayFail`. */
  const run = async (p: PeerProcess, command: string, mayFail = false): Promise<void> => {
    step(`${p.label}: ${command.length > 90 ? command.slice(0, 87) + '...' : command}`)
    const err = await p.command(command)
    if (err !== null && !mayFail) throw new Error(`${p.label}: ${command}: ${err}`)
  }
  const running = (): PeerProcess[] => peers.filter((p) => p.running)
  /** Waits until every running peer's unconfirmed view has `key` satisfying `ok`. */
  const everywhere = async (key: string, ok: (value: string) => boolean, valueRe?: RegExp): Promise<void> => {
    for (const p of running()) {
      await until(
        `${key} on ${p.label}`,
        async () => ok(await p.get(key, { confirmed: false, ...(valueRe ? { valueRe } : {}) })),
        60_000
      )
    }
  }
  const isNumber = (n: number) => (v: string) => Number(v) === n
  const isBool = (b: boolean) => (v: string) => v === String(b)
  const BOOL = /^(true|false|null)$/
  const HEX_OR_NULL = /^([0-9a-f]{64}|null)$/
  const role = async (p: PeerProcess, field: 'isWriter' | 'isIndexer'): Promise<boolean> =>
    (await p.stats()).get(field) === 'true'

  env.report(`\n== ${name}: ${title}`)
  env.report(`   admin ${roles.admin}, a ${roles.a}, b ${roles.b}; run dir ${runDir}`)
  try {
    // ---- roles: creator, admin, a writer added by the admin, then made an indexer; an auto-added writer
    await admin.start()
    step(`${admin.label} created subnet ${admin.bootstrap}`)
    await run(admin, `/add_admin --address ${admin.pubkey}`)
    await everywhere('admin', (v) => v === admin.pubkey, HEX_OR_NULL)
    await run(admin, '/set_chat_status --enabled 1')
    await everywhere('chat_status', (v) => v === 'on', /^(on|off|null)$/)

    await a.start({ bootstrap: admin.bootstrap })
    step(`${a.label} joined (writer key ${a.writerKey.slice(0, 16)}…)`)
    await run(admin, `/add_writer --key ${a.writerKey}`)
    await until(`${a.label} becomes a writer`, () => role(a, 'isWriter'))
    check(`${a.impl} peer added as a writer by the ${admin.impl} admin`, true)

    await run(admin, '/set_auto_add_writers --enabled 1')
    await everywhere('auto_add_writers', (v) => v === 'on', /^(on|off|null)$/)
    await b.start({ bootstrap: admin.bootstrap })
    step(`${b.label} joined; waiting for auto-add`)
    await until(`${b.label} auto-added`, () => role(b, 'isWriter'), 90_000)
    check(`${b.impl} peer auto-added as a writer`, true)

    await run(admin, `/add_indexer --key ${a.writerKey}`)
    await until(`${a.label} becomes an indexer`, () => role(a, 'isIndexer'))
    check(`${a.impl} peer made an indexer by the ${admin.impl} admin`, true)

    // ---- chat from every peer, including what only a lenient implementation accepts
    await run(admin, `/post --message "hello from the ${admin.impl} admin"`)
    await everywhere('msgl', isNumber(1))
    await run(a, `/post --message "hello from ${a.impl} a"`)
    await everywhere('msgl', isNumber(2))
    await run(b, '/post --message "   "')
    await everywhere('msgl', isNumber(3))
    // Typed into a reference peer, a 5,000-character line stalls (its Bare readline redraws the whole line for
    // every character) and can abort it, so one of our peers posts it; the reference applies it. The other
    // direction is covered by the recorded reference blocks (test/fixtures/subnet-blocks.json).
    const longPoster = [a, admin, b].find((p) => p.impl === 'ours')!
    await run(longPoster, `/post --message ${'x'.repeat(5000)}`)
    await everywhere('msgl', isNumber(4))
    check('chat from all three, a whitespace-only and a 5,000-character message included, accepted everywhere', true)

    // ---- nicks, mods, mutes, pins, deletes, whitelist
    await run(a, '/set_nick --nick "alpha"')
    await run(b, '/set_nick --nick "beta"')
    await everywhere(`nick/${a.pubkey}`, (v) => v === 'alpha', /^(alpha|null)$/)
    await everywhere(`nick/${b.pubkey}`, (v) => v === 'beta', /^(beta|null)$/)
    await run(admin, `/set_mod --user ${b.pubkey} --mod 1`)
    await everywhere(`mod/${b.pubkey}`, isBool(true), BOOL)
    await run(b, `/mute_status --user ${a.pubkey} --muted 1`)
    await everywhere(`mtd/${a.pubkey}`, isBool(true), BOOL)
    await run(a, '/post --message "muted words"', true)
    await sleep(1500)
    await run(admin, `/mute_status --user ${a.pubkey} --muted 0`)
    await everywhere(`mtd/${a.pubkey}`, isBool(false), BOOL)
    await everywhere('msgl', isNumber(4))
    await run(admin, '/pin_message --id 0 --pin 1')
    await everywhere('pnl', isNumber(1))
    await run(b, '/unpin_message --pin_id 0')
    // The mod deletes a's message (the reference's terminal lets only the admin or a mod send deletes).
    await run(b, '/delete_message --id 1')
    await everywhere('delml', isNumber(1))
    await run(admin, '/enable_whitelist --enabled 1')
    await everywhere('wlst', isBool(true), BOOL)
    await run(b, '/post --message "before the whitelist"', true)
    await sleep(1500)
    await run(admin, `/set_whitelist_status --user ${b.pubkey} --status 1`)
    await everywhere(`wl/${b.pubkey}`, isBool(true), BOOL)
    await run(b, '/post --message "whitelisted"')
    await everywhere('msgl', isNumber(5))
    await run(admin, '/enable_whitelist --enabled 0')
    await everywhere('wlst', isBool(false), BOOL)
    check('moderation: nicks, mod, mute, pin/unpin, delete, whitelist (rejected posts rejected everywhere)', true)

    // ---- restarts: the indexer a, then the admin with the timer feature
    step(`restarting ${a.label}`)
    await a.stop()
    // A joiner keeps no subnet-bootstrap file (only a creator does, in both implementations): name it again.
    await a.start({ bootstrap: admin.bootstrap })
    await until(`${a.label} is an indexer again`, () => role(a, 'isIndexer'))
    await run(a, '/post --message "after a restart"')
    await everywhere('msgl', isNumber(6))
    check(`${a.impl} indexer restarted from its store and kept writing`, true)

    step(`restarting ${admin.label} with --timer 1`)
    await admin.stop()
    await admin.start({ flags: ['--timer', '1'] })
    await everywhere('currentTime', (v) => /^\d{13}$/.test(v), /^(\d+|null)$/)
    await run(b, '/post --message "after the timer"')
    await everywhere('msgl', isNumber(7))
    check(`${admin.impl} admin restarted; its timer feature fed currentTime to every contract`, true)

    // ---- convergence: same signed view everywhere, confirmed reads caught up
    step('waiting for every view to be signed and identical')
    const final = await until(
      'views signed and identical on all peers',
      async () => {
        const all = await Promise.all(peers.map((p) => p.stats()))
        const dags = all.map((s) => s.get('VIEW Dag'))
        const signed = all.map((s) => s.get('base.view.core.signedLength'))
        const lengths = dags.map((d) => /\(length: (\d+)\)/.exec(d ?? '')?.[1])
        const same = dags.every((d) => d === dags[0])
        const allSigned = signed.every((s, i) => s === lengths[i])
        return same && allSigned ? all : false
      },
      120_000,
      1000
    )
    check('VIEW Dag and signed length identical on all peers', true, final[0]!.get('VIEW Dag'))
    for (const p of peers) {
      const confirmed = await p.getNumber('msgl', true)
      check(`confirmed read of msgl on ${p.label}`, confirmed === 7, String(confirmed))
    }
    const ours = peers.find((p) => p.impl === 'ours')!
    const viewKey = final[peers.indexOf(ours)]!.get('viewKey') ?? null

    // ---- every store, read directly: same cores, same blocks, same view entries
    for (const p of peers) await p.stop()
    const dumps = []
    for (const p of peers) dumps.push(await dumpStore(path.join(runDir, 'stores', p.name), viewKey))
    const cmp = compareDumps(dumps)
    check(
      `stores identical: ${cmp.coreCount} cores (every block), ${cmp.viewEntries} view entries`,
      cmp.ok,
      cmp.problems.slice(0, 5).join('; ') || undefined
    )
    fs.writeFileSync(path.join(runDir, 'view.json'), JSON.stringify(dumps[0]!.view, null, 1))
  } catch (err) {
    check('scenario ran to the end', false, (err as Error).message)
  } finally {
    await Promise.all(peers.map((p) => p.stop(10_000).catch(() => p.kill())))
    for (const out of logs.values()) out.end()
  }
  return { name, ok: checks.every((c) => c.ok), checks, seconds: (Date.now() - started) / 1000 }
}

async function runRelayScenario(name: string, env: ScenarioEnv): Promise<ScenarioResult> {
  const { title, sealed } = RELAY_SCENARIOS[name]!
  const started = Date.now()
  const checks: ScenarioResult['checks'] = []
  const runDir = path.join(env.runDir, name)
  fs.mkdirSync(runDir, { recursive: true })
  const logs: fs.WriteStream[] = []
  const make = (peerName: string, impl: Impl): PeerProcess => {
    const out = fs.createWriteStream(path.join(runDir, `${peerName}.log`))
    logs.push(out)
    return new PeerProcess({
      name: peerName,
      impl,
      runDir,
      dht: env.dht,
      channel: `interop-${name}`,
      refDir: env.refDir,
      bare: env.bare,
      repoDir: env.repoDir,
      log: (line) => {
        out.write(line + '\n')
        if (env.verbose) console.log(line)
      }
    })
  }
  const check = (what: string, ok: boolean, detail?: string): void => {
    checks.push({ what, ok, ...(detail !== undefined ? { detail } : {}) })
    env.report(`  ${ok ? 'PASS' : 'FAIL'} ${what}${detail ? `: ${detail}` : ''}`)
  }
  const step = (line: string): void =>
    env.report(`  ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  ${line}`)
  const inviter = make('inviter-ours', 'ours')
  const relay = make('relay-ref', 'reference')
  const far = make('far-ours', 'ours')
  const peers = [inviter, relay, far]
  const CH = 'vip'
  const inviteOnly = [
    '--sidechannel-invite-required',
    '1',
    '--sidechannel-invite-channels',
    CH,
    '--sidechannel-welcome-required',
    '0'
  ]
  const sealedFlags = sealed ? ['--sidechannel-encrypt-channels', CH] : []
  /** Sends from `from` until `to` prints the message (the channel opens lazily on every hop). */
  const deliver = async (from: PeerProcess, to: PeerProcess, text: string): Promise<string> => {
    const re = new RegExp(`^\\[sidechannel:${CH}\\] ${from.pubkey}: ${text}$`)
    const mark = to.lines.length
    return await until(
      `${text} reaches ${to.label}`,
      async () => {
        await from.command(`/sc_send --channel ${CH} --message ${text}`).catch(() => null)
        try {
          await to.waitFor(re, 3000, mark)
          return to.lines.slice(mark).find((l) => re.test(l))!
        } catch {
          return false
        }
      },
      60_000,
      100
    )
  }
  env.report(`\n== ${name}: ${title}`)
  env.report(`   inviter ours, relay reference, far end ours; run dir ${runDir}`)
  try {
    // Our inviter trusts its own invites; the others trust the inviter's. The far end refuses the inviter, so
    // every message between them crosses the reference peer.
    await inviter.start({ flags: [...inviteOnly, ...sealedFlags] })
    await relay.start({ flags: [...inviteOnly, '--sidechannel-inviter-keys', inviter.pubkey] })
    await far.start({
      flags: [
        ...inviteOnly,
        ...sealedFlags,
        '--sidechannel-inviter-keys',
        inviter.pubkey,
        '--peer-deny',
        inviter.pubkey
      ]
    })
    const invite = async (p: PeerProcess): Promise<string> => {
      const lines = await inviter.query(`/sc_invite --channel ${CH} --pubkey ${p.pubkey} --ttl 600`, /^invite_b64: /)
      return lines.at(-1)!.slice('invite_b64: '.length)
    }
    const joined = new RegExp(`^Joined sidechannel: ${CH}$`)
    await inviter.query(`/sc_join --channel ${CH}`, joined)
    await relay.query(`/sc_join --channel ${CH} --invite ${await invite(relay)}`, joined)
    await far.query(`/sc_join --channel ${CH} --invite ${await invite(far)}`, joined)
    step('invites issued and accepted; waiting for the line to carry messages')

    const there = await deliver(inviter, far, 'inviter-to-far')
    check('our inviter → reference relay → our invitee', true, there)
    const back = await deliver(far, inviter, 'far-to-inviter')
    check('our invitee → reference relay → our inviter', true, back)
    const farStats = await far.stats()
    check(
      'the two ends are not connected (the far end has one connection, to the relay)',
      farStats.get('swarm.connections.size') === '1',
      farStats.get('swarm.connections.size')
    )
    const relayRead = relay.lines.filter((l) => l.includes('inviter-to-far') || l.includes('far-to-inviter'))
    if (sealed) check('the reference relay never saw the plaintext', relayRead.length === 0, relayRead[0])
    else check('the reference relay delivered the messages it relayed (plain channel)', relayRead.length > 0)
  } catch (err) {
    check('scenario ran to the end', false, (err as Error).message)
  } finally {
    await Promise.all(peers.map((p) => p.stop(10_000).catch(() => p.kill())))
    for (const out of logs) out.end()
  }
  return { name, ok: checks.every((c) => c.ok), checks, seconds: (Date.now() - started) / 1000 }
}
