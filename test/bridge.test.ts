// SC-Bridge against real peers and real WebSocket clients: the reference transcript, agent A → P2P →
// agent B, every hardening rule, and a fuzz of malformed frames.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import WebSocket from 'ws'
import { Cluster, waitFor, waitChannelOpen, type TestPeer } from './helpers/peers.js'
import { ScBridge } from '../src/bridge/server.js'
import { ENTRY_CHANNEL as ENTRY } from '../src/sidechannel/codec/index.js'
import { ERROR_CODES } from '../src/errors.js'
import { defaultConfig } from '../src/config/index.js'

const T = { timeout: 90_000 }
const TOKEN = 'test-token-123'
const vectors = JSON.parse(fs.readFileSync(new URL('./fixtures/sidechannel-vectors.json', import.meta.url), 'utf8'))

class Agent {
  readonly frames: any[] = []
  closed: { code: number; reason: string } | null = null
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      try {
        this.frames.push(JSON.parse(d.toString()))
      } catch {
        this.frames.push({ unparsable: d.toString() })
      }
    })
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() }
    })
    ws.on('error', () => {})
  }

  static async connect(url: string, headers: Record<string, string> = {}): Promise<Agent> {
    const ws = new WebSocket(url, { headers })
    const agent = new Agent(ws)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    })
    await waitFor(() => agent.frames.some((f) => f.type === 'hello'), 5000, 'hello')
    return agent
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** Sends and waits for the next `n` frames after what was received so far. */
  async exchange(frame: unknown, n = 1): Promise<any[]> {
    const start = this.frames.length
    this.send(frame)
    await waitFor(
      () => this.frames.length >= start + n,
      10_000,
      () => `reply to ${JSON.stringify(frame).slice(0, 80)}`
    )
    return this.frames.slice(start, start + n)
  }

  async auth(token = TOKEN): Promise<void> {
    const [r] = await this.exchange({ type: 'auth', token })
    assert.deepEqual(r, { type: 'auth_ok' })
  }

  close(): void {
    this.ws.terminate()
  }
}

function bridgeFlags(extra: string[] = []): string[] {
  return ['--sc-bridge', '1', '--sc-bridge-port', '0', '--sc-bridge-token', TOKEN, ...extra]
}

function urlOf(tp: TestPeer): string {
  return tp.peer.bridge!.url
}

test('agent A sends through its bridge, agent B receives through its bridge', T, async (t) => {
  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  const a = await cl.peer('a', bridgeFlags())
  const b = await cl.peer('b', bridgeFlags())
  await waitChannelOpen(a, b, ENTRY)
  const agentA = await Agent.connect(urlOf(a))
  const agentB = await Agent.connect(urlOf(b))
  t.after(() => {
    agentA.close()
    agentB.close()
  })
  assert.deepEqual(agentA.frames[0], {
    type: 'hello',
    peer: a.key,
    address: a.peer.wallet.address,
    entryChannel: ENTRY,
    filter: '',
    requiresAuth: true
  })
  await agentA.auth()
  await agentB.auth()

  assert.deepEqual(await agentA.exchange({ id: 1, type: 'send', channel: ENTRY, message: { hello: 'from agent A' } }), [
    { id: 1, type: 'sent', channel: ENTRY }
  ])
  const ev = await waitFor(() => agentB.frames.find((f) => f.type === 'sidechannel_message'), 10_000, 'event at B')
  assert.deepEqual(Object.keys(ev), [
    'type',
    'channel',
    'id',
    'from',
    'origin',
    'sig',
    'relayedBy',
    'ttl',
    'ts',
    'message'
  ])
  assert.equal(ev.channel, ENTRY)
  assert.equal(ev.from, a.key)
  assert.deepEqual(ev.message, { hello: 'from agent A' })
  assert.equal(agentA.frames.filter((f) => f.type === 'sidechannel_message').length, 0, 'no echo of own sends')

  // Filters and subscriptions decide what B's agent sees.
  assert.deepEqual(await agentB.exchange({ id: 2, type: 'set_filter', filter: 'alpha+beta|gamma' }), [
    { id: 2, type: 'filter_set', filter: 'alpha+beta|gamma' }
  ])
  for (const text of ['alpha only', 'BETA and Alpha', 'gamma ray'])
    await agentA.exchange({ type: 'send', channel: ENTRY, message: text })
  await waitFor(
    () => agentB.frames.filter((f) => f.type === 'sidechannel_message').length >= 3,
    10_000,
    'filtered events'
  )
  await new Promise((r) => setTimeout(r, 300))
  assert.deepEqual(
    agentB.frames
      .filter((f) => f.type === 'sidechannel_message')
      .slice(1)
      .map((f) => f.message),
    ['BETA and Alpha', 'gamma ray']
  )
  await agentB.exchange({ id: 3, type: 'subscribe', channel: 'elsewhere' })
  await agentB.exchange({ id: 4, type: 'clear_filter' })
  await agentA.exchange({ type: 'send', channel: ENTRY, message: 'not subscribed' })
  await new Promise((r) => setTimeout(r, 500))
  assert.ok(!agentB.frames.some((f) => f.message === 'not subscribed'))
  assert.ok(
    b.messages.some((m) => m.payload.message === 'not subscribed'),
    'the peer received it; only the agent was not subscribed'
  )
})

/**
 * Our error frames (and failed cli results) add a machine `code`; the reference's keys and texts are unchanged.
 * Checks each such code is a known one, then drops it so frames compare with the reference's transcript.
 */
function withoutCodes(frames: any[]): any[] {
  return frames.map((f) => {
    if (f.type !== 'error' && !(f.type === 'cli_result' && f.ok === false)) return f
    const { code, ...rest } = f
    assert.ok(Object.hasOwn(ERROR_CODES, code), `a ${f.type} frame without a known code: ${JSON.stringify(f)}`)
    return rest
  })
}

test('the reference transcript replays against our bridge', T, async (t) => {
  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  const p = await cl.peer('p')
  const tr = vectors.bridge.transcript
  const bridge = new ScBridge(
    {
      sidechannel: p.peer.sidechannel,
      identity: { publicKeyHex: p.key, address: p.peer.wallet.address },
      entryChannel: ENTRY,
      info: () => ({ sidechannelEntry: ENTRY, sidechannelExtras: [] }),
      now: () => tr.setup.fixedNow
    },
    { ...defaultConfig().scBridge, enabled: true, host: '127.0.0.1', port: 0, token: tr.setup.token }
  )
  await bridge.ready()
  t.after(() => bridge.close())
  const agent = await Agent.connect(bridge.url)
  t.after(() => agent.close())
  assert.deepEqual(agent.frames[0], { ...tr.onConnect, peer: p.key, address: p.peer.wallet.address })
  for (const step of tr.exchanges) {
    const got = withoutCodes(await agent.exchange(step.sendRaw ?? step.send, step.expect.length))
    const expected = step.expect.map((e: any) => (e.type === 'stats' ? { ...e, sidechannelStarted: true } : e))
    assert.deepEqual(got, expected, JSON.stringify(step.send ?? step.sendRaw))
  }
})

test('cli over the bridge mirrors the TTY and is off unless enabled', T, async (t) => {
  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  const p = await cl.peer('p', bridgeFlags(['--sc-bridge-cli', '1']))
  const agent = await Agent.connect(urlOf(p))
  t.after(() => agent.close())
  assert.deepEqual(await agent.exchange({ id: 1, type: 'cli', command: '/sc_stats' }), [
    { id: 1, type: 'error', error: 'Unauthorized.', code: 'BRIDGE_UNAUTHORIZED' }
  ])
  await agent.auth()
  for (const step of vectors.bridge.cliTranscript.exchanges.slice(1)) {
    assert.deepEqual(withoutCodes(await agent.exchange(step.send, step.expect.length)), step.expect)
  }
  // Subnet commands are mirrored too: set the admin, then read it back.
  const [admin] = await agent.exchange({ id: 7, type: 'cli', command: `/add_admin --address ${p.key}` })
  // As the reference's cli does, the reply carries what the peer printed meanwhile: here the apply line.
  assert.deepEqual(admin, {
    id: 7,
    type: 'cli_result',
    command: `/add_admin --address ${p.key}`,
    ok: true,
    output: [`Admin added: ${p.key}`],
    error: null
  })
  // A line no command takes: nothing printed, no result; a failure: ok false, its message as error, result null.
  assert.deepEqual(await agent.exchange({ id: 10, type: 'cli', command: '/bogus' }), [
    { id: 10, type: 'cli_result', command: '/bogus', ok: true, output: [], error: null }
  ])
  assert.deepEqual(await agent.exchange({ id: 11, type: 'cli', command: '/add_admin' }), [
    {
      id: 11,
      type: 'cli_result',
      command: '/add_admin',
      ok: false,
      output: [],
      error: 'Admin is already set.',
      result: null,
      code: 'COMMAND_REFUSED'
    }
  ])
  // Objects are captured as JSON, as the reference's console capture writes them; undefined as ''.
  assert.deepEqual((await agent.exchange({ id: 12, type: 'cli', command: '/sc_stats' }))[0].output, [
    '{"channels":["0000intercom"],"connectionCount":0}'
  ])
  assert.deepEqual((await agent.exchange({ id: 13, type: 'cli', command: '/print' }))[0].output, [''])
  let got: any[] = []
  for (let i = 0; i < 100 && !String(got[0]?.output?.[0]).includes(p.key); i++) {
    got = await agent.exchange({ id: 8, type: 'cli', command: '/get --key admin --confirmed false' })
  }
  assert.deepEqual(got[0].output, [p.key])
  const [inv] = await agent.exchange({
    id: 9,
    type: 'cli',
    command: `/sc_invite --channel vip --pubkey ${'cd'.repeat(32)} --ttl 60`
  })
  assert.equal(inv.ok, true)
  assert.equal(inv.output.length, 2)
  assert.match(inv.output[1], /^invite_b64: /)
})

test('hardening: auth timeout, bad tokens, frame cap, Origin check, fuzzed frames', T, async (t) => {
  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  const p = await cl.peer('p', bridgeFlags(['--sc-bridge-auth-timeout', '400', '--sc-bridge-max-frame', '4096']))
  const url = urlOf(p)

  const idle = await Agent.connect(url)
  await waitFor(() => idle.closed, 5000, 'auth-timeout close')
  assert.deepEqual(idle.frames.at(-1), { type: 'error', error: 'Auth timeout.', code: 'BRIDGE_AUTH_TIMEOUT' })

  // Wrong tokens are refused and the socket stays open (as in the reference) until the auth timeout.
  const guesser = await Agent.connect(url)
  for (let i = 0; i < 3; i++)
    assert.deepEqual(await guesser.exchange({ type: 'auth', token: 'nope' + i }), [
      { type: 'error', error: 'Unauthorized.', code: 'BRIDGE_UNAUTHORIZED' }
    ])
  await waitFor(() => guesser.closed, 5000, 'closed at the auth timeout')
  assert.deepEqual(guesser.frames.at(-1), { type: 'error', error: 'Auth timeout.', code: 'BRIDGE_AUTH_TIMEOUT' })

  await assert.rejects(Agent.connect(url, { Origin: 'https://evil.example' }), /HTTP 403/)

  const big = await Agent.connect(url)
  await big.auth()
  big.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(6000) }))
  await waitFor(() => big.closed, 5000, 'oversized close')
  assert.deepEqual(big.frames.at(-1), {
    type: 'error',
    error: 'Frame too large (max 4096 bytes).',
    code: 'BRIDGE_FRAME_TOO_LARGE'
  })

  const fuzz = await Agent.connect(url)
  t.after(() => fuzz.close())
  await fuzz.auth()
  let seed = 42
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed / 0x7fffffff
  }
  const junk = (): unknown => {
    const k = Math.floor(rnd() * 10)
    switch (k) {
      case 0:
        return '{"type":'
      case 1:
        return String(rnd())
      case 2:
        return JSON.stringify({
          type: ['send', 'join', 'leave', 'open', 'subscribe', 'set_filter', 'info', 'cli'][Math.floor(rnd() * 8)],
          channel: rnd() < 0.5 ? 123 : { x: 1 },
          message: rnd() < 0.5 ? null : [1, 2],
          invite: rnd() < 0.5 ? 'zz' : 7,
          welcome: {},
          channels: 'nope',
          filter: { a: 1 }
        })
      case 3:
        return JSON.stringify({ type: 'x'.repeat(Math.floor(rnd() * 2000)) })
      case 4:
        return Buffer.from([0xff, 0xfe, 0x00, Math.floor(rnd() * 255)])
      case 5:
        return JSON.stringify([1, 2, 3])
      case 6:
        return JSON.stringify({ id: rnd() * 1e6, type: 'ping' })
      case 7:
        return JSON.stringify({ type: 'subscribe', channels: [null, 1, 'a'.repeat(100)] })
      case 8:
        return 'null'
      default:
        return JSON.stringify({ type: 'open', channel: ' ', via: 5 })
    }
  }
  for (let i = 0; i < 10_000; i++) fuzz.ws.send(junk() as any)
  const [pong] = await fuzz.exchange({ id: 777, type: 'ping' }, 1).then(async () => {
    await waitFor(() => fuzz.frames.some((f) => f.id === 777), 30_000, 'pong after fuzz')
    return fuzz.frames.filter((f) => f.id === 777)
  })
  assert.equal(pong.type, 'pong')
  assert.equal(fuzz.closed, null, 'still connected')
  assert.ok(
    fuzz.frames.every((f) => typeof f.type === 'string'),
    'every reply is a JSON frame with a type'
  )
  assert.ok(p.peer.bridge!.clientCount >= 1)
})

test('start-up refuses the bridge without a token', async () => {
  const { parseConfig } = await import('../src/config/index.js')
  assert.throws(
    () => parseConfig(['--sc-bridge', '1', '--dht-bootstrap', '127.0.0.1:1'], {}),
    /SC-Bridge requires --sc-bridge-token \(auth is mandatory\)\./
  )
})

test('back-pressure: a client that stops reading loses events; others still get all of them', T, async (t) => {
  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  const sender = await cl.peer('sender')
  const p = await cl.peer('p', bridgeFlags(['--sc-bridge-max-buffered', '65536', '--sidechannel-rate-bytes', '0']))
  await waitChannelOpen(sender, p, ENTRY)
  const slow = await Agent.connect(urlOf(p))
  const fast = await Agent.connect(urlOf(p))
  t.after(() => {
    slow.close()
    fast.close()
  })
  await slow.auth()
  await fast.auth()
  ;(slow.ws as any)._socket.pause()
  const total = 1500
  const pad = 'p'.repeat(10_000)
  for (let i = 0; i < total; i++) {
    sender.peer.sidechannel.send(ENTRY, { i, pad })
    if (i % 50 === 0) await new Promise((r) => setImmediate(r))
  }
  await waitFor(
    () => fast.frames.filter((f) => f.type === 'sidechannel_message').length >= total,
    60_000,
    () => `fast agent got ${fast.frames.filter((f) => f.type === 'sidechannel_message').length}/${total}`
  )
  // 15 MB of events against a 64 KiB budget: only what fits in the socket buffers may be queued.
  const dropped = p.peer.bridge!.stats.droppedEvents
  assert.ok(dropped > total / 2, `most events to the stalled client were dropped (${dropped}/${total})`)
})

test('typed client: agents on two peers talk through their bridges', T, async (t) => {
  const { IntercomBridgeClient } = await import('../src/lib.js')
  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  const a = await cl.peer('a', bridgeFlags(['--sc-bridge-cli', '1']))
  const b = await cl.peer('b', bridgeFlags())
  await waitChannelOpen(a, b, ENTRY)
  const ca = new IntercomBridgeClient({ url: urlOf(a), token: TOKEN })
  const cb = new IntercomBridgeClient({ url: urlOf(b), token: TOKEN })
  t.after(async () => {
    await ca.close()
    await cb.close()
  })
  const hello = await ca.connect()
  assert.equal(hello.peer, a.key)
  await cb.connect()
  const sub = await cb.subscribe([ENTRY])
  assert.equal(sub.type, 'subscribed')
  assert.deepEqual(sub.channels, [ENTRY])
  const iter = cb.messages()
  await ca.send(ENTRY, { n: 1 })
  await ca.send(ENTRY, 'two')
  const first = await iter.next()
  const second = await iter.next()
  assert.deepEqual([first.value?.message, second.value?.message], [{ n: 1 }, 'two'])
  assert.equal(first.value?.from, a.key)
  const stats = await ca.stats()
  assert.deepEqual(stats.channels, [ENTRY])
  const cli = await ca.cli('/sc_stats')
  assert.equal(cli.ok, true)
  assert.match(cli.output[0]!, /"connectionCount":1/)
  await assert.rejects(
    cb.cli('/sc_stats'),
    (err: any) => err.message === 'CLI over WS is disabled.' && err.code === 'BRIDGE_CLI_DISABLED'
  )
  await assert.rejects(
    cb.join('  '),
    (err: any) => err.message === 'Missing channel.' && err.code === 'BRIDGE_BAD_REQUEST'
  )
})

test('denials use the reference error texts; repeated failures from one address are backed off', T, async (t) => {
  const cl = await new Cluster().start()
  t.after(() => cl.cleanup())
  const owner = await cl.identity('owner')
  const p = await cl.peer(
    'p',
    bridgeFlags([
      '--sidechannel-owner',
      `news:${owner.publicKeyHex}`,
      '--sidechannel-owner-write-channels',
      'news',
      '--sidechannel-invite-required',
      '1',
      '--sidechannel-invite-channels',
      'vip',
      '--sidechannel-inviter-keys',
      owner.publicKeyHex
    ])
  )
  const agent = await Agent.connect(urlOf(p))
  t.after(() => agent.close())
  await agent.auth()
  assert.deepEqual(await agent.exchange({ id: 1, type: 'send', channel: 'news', message: 'x' }), [
    { id: 1, type: 'error', error: 'Send denied (invite required or invalid).', code: 'BRIDGE_DENIED' }
  ])
  assert.deepEqual(await agent.exchange({ id: 2, type: 'join', channel: 'vip' }), [
    { id: 2, type: 'error', error: 'Join denied (invite required or invalid).', code: 'BRIDGE_DENIED' }
  ])
  assert.deepEqual(await agent.exchange({ id: 3, type: 'open', channel: 'room', via: 'news' }), [
    {
      id: 3,
      type: 'error',
      error: 'Open request denied (invalid input or missing invite/welcome).',
      code: 'BRIDGE_DENIED'
    }
  ])
  assert.deepEqual(await agent.exchange({ id: 4, type: 'leave', channel: 'nope' }), [
    { id: 4, type: 'left', channel: 'nope', ok: false }
  ])
  assert.deepEqual(await agent.exchange({ id: 5, type: 'cli', command: '/sc_stats' }), [
    { id: 5, type: 'error', error: 'CLI over WS is disabled.', code: 'BRIDGE_CLI_DISABLED' }
  ])
  assert.deepEqual(
    await agent.exchange({ id: 6, type: 'send', channel: 'vip', message: 'x', invite: { payload: {}, sig: 'aa' } }),
    [{ id: 6, type: 'error', error: 'Send denied (invite required or invalid).', code: 'BRIDGE_DENIED' }]
  )

  // Three wrong tokens, then the right one on the same socket: it is answered (after a 1 s pause) and works.
  const retry = await Agent.connect(urlOf(p))
  for (let i = 0; i < 3; i++)
    assert.deepEqual(await retry.exchange({ id: i, type: 'auth', token: 'wrong' }), [
      { id: i, type: 'error', error: 'Unauthorized.', code: 'BRIDGE_UNAUTHORIZED' }
    ])
  const started = Date.now()
  assert.deepEqual(await retry.exchange({ id: 9, type: 'auth', token: TOKEN }), [{ id: 9, type: 'auth_ok' }])
  assert.ok(Date.now() - started >= 900, 'the fourth attempt waited out its pause')
  assert.equal((await retry.exchange({ id: 10, type: 'ping' }))[0]?.type, 'pong')
  retry.close()

  // A socket that piles up auth attempts behind a pause is closed.
  const flood = await Agent.connect(urlOf(p))
  for (let i = 0; i < 3; i++) await flood.exchange({ type: 'auth', token: 'wrong' })
  for (let i = 0; i < 8; i++) flood.send(JSON.stringify({ type: 'auth', token: 'wrong' }))
  await waitFor(() => flood.closed, 5000, 'flooding socket closed')
  assert.equal(flood.closed?.code, 4003)

  // Five failed tokens from this address since its last success: new connections are refused for a while.
  const more = await Agent.connect(urlOf(p))
  for (let i = 0; i < 2; i++) await more.exchange({ type: 'auth', token: 'wrong' })
  more.close()
  await assert.rejects(Agent.connect(urlOf(p)), /HTTP 429/)
  assert.equal(agent.closed, null, 'an authenticated client is not affected')
  let readmitted = false
  for (let i = 0; i < 40 && !readmitted; i++) {
    readmitted = await Agent.connect(urlOf(p)).then(
      (a) => {
        a.close()
        return true
      },
      () => false
    )
    if (!readmitted) await new Promise((r) => setTimeout(r, 100))
  }
  assert.ok(readmitted, 'the back-off expires')
})
