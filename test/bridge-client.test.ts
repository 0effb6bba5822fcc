import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import WebSocket, { WebSocketServer } from 'ws'

import {
  BridgeError,
  CLIENT_ERROR,
  IntercomBridgeClient,
  type BridgeClientEvents,
  type IntercomBridgeClientOptions,
  type SidechannelMessageEvent
} from '../src/bridge/client.js'
import { IntercomError } from '../src/errors.js'

// ---------------------------------------------------------------------------------------------
// A small fake SC-Bridge (spec §7.2–§7.3 shapes), enough to drive the client.

type Frame = Record<string, unknown>

interface FakeOptions {
  token?: string
  /** Connections (1-based, counted from server start) that get closed right away without hello. */
  refuse?: (n: number) => boolean
  /** Do not send hello at all. */
  silent?: boolean
  /** Reply delays per request type, ms. */
  delays?: Record<string, number>
}

class FakeBridge {
  readonly wss: WebSocketServer
  readonly received: Array<{ conn: number; frame: Frame }> = []
  readonly sockets = new Set<WebSocket>()
  private readonly authed = new Set<WebSocket>()
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  token: string
  connections = 0

  private constructor(
    wss: WebSocketServer,
    private readonly opts: FakeOptions
  ) {
    this.wss = wss
    this.token = opts.token ?? 'secret'
    wss.on('connection', (ws) => this.onConnection(ws))
  }

  static async start(opts: FakeOptions = {}, port = 0): Promise<FakeBridge> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port })
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        wss.once('listening', () => resolve())
        wss.once('error', reject)
      }),
      2000,
      'listen'
    )
    return new FakeBridge(wss, opts)
  }

  get port(): number {
    return (this.wss.address() as AddressInfo).port
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`
  }

  framesOf(type: string): Frame[] {
    return this.received.filter((r) => r.frame.type === type).map((r) => r.frame)
  }

  private onConnection(ws: WebSocket): void {
    const conn = ++this.connections
    this.sockets.add(ws)
    ws.on('close', () => {
      this.sockets.delete(ws)
      this.authed.delete(ws)
    })
    ws.on('error', () => {})
    if (this.opts.refuse?.(conn) === true) {
      ws.terminate()
      return
    }
    if (this.opts.silent === true) return
    ws.send(
      JSON.stringify({
        type: 'hello',
        peer: 'ab'.repeat(32),
        address: null,
        entryChannel: '0000intercom',
        filter: '',
        requiresAuth: true
      })
    )
    let subs: string[] = []
    ws.on('message', (data) => {
      let frame: Frame
      try {
        frame = JSON.parse(String(data))
      } catch {
        ws.send(JSON.stringify({ type: 'error', error: 'Invalid JSON.' }))
        return
      }
      this.received.push({ conn, frame })
      const reply = (body: Frame): void => {
        const out = Number.isInteger(frame.id) ? { id: frame.id, ...body } : body
        const delay = this.opts.delays?.[String(frame.type)] ?? 0
        if (delay === 0) {
          ws.send(JSON.stringify(out))
          return
        }
        const timer = setTimeout(() => {
          this.timers.delete(timer)
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(out))
        }, delay)
        this.timers.add(timer)
      }
      const list = (): string[] =>
        Array.isArray(frame.channels) ? frame.channels.map(String) : [String(frame.channel)]
      if (frame.type === 'auth') {
        if (frame.token === this.token) {
          this.authed.add(ws)
          reply({ type: 'auth_ok' })
        } else {
          reply({ type: 'error', error: 'Unauthorized.' })
        }
        return
      }
      if (!this.authed.has(ws)) return reply({ type: 'error', error: 'Unauthorized.' })
      switch (frame.type) {
        case 'ping':
          return reply({ type: 'pong', ts: 1700000000000 })
        case 'set_filter':
          return reply({ type: 'filter_set', filter: frame.filter || '' })
        case 'clear_filter':
          return reply({ type: 'filter_set', filter: '' })
        case 'subscribe':
          for (const c of list()) if (!subs.includes(c)) subs.push(c)
          return reply({ type: 'subscribed', channels: subs })
        case 'unsubscribe':
          subs = subs.filter((c) => !list().includes(c))
          return reply({ type: 'subscribed', channels: subs })
        case 'send': {
          const channel = String(frame.channel ?? '').trim()
          if (channel === '') return reply({ type: 'error', error: 'Missing channel.' })
          return reply({ type: 'sent', channel })
        }
        case 'join':
          return reply({ type: 'joined', channel: frame.channel })
        case 'leave': {
          const ok = frame.channel !== '0000intercom'
          if (ok) subs = subs.filter((c) => c !== frame.channel)
          return reply({ type: 'left', channel: frame.channel, ok })
        }
        case 'open':
          return reply({ type: 'open_requested', channel: frame.channel, via: frame.via || null })
        case 'stats':
          return reply({ type: 'stats', channels: ['0000intercom'], connectionCount: 0, sidechannelStarted: true })
        case 'info':
          return reply({ type: 'info', info: { sidechannelEntry: '0000intercom', sidechannelExtras: [] } })
        case 'cli':
          return reply({
            type: 'cli_result',
            command: String(frame.command).trim(),
            ok: true,
            output: ['line'],
            error: null
          })
        case 'never':
          return
        default:
          return reply({ type: 'error', error: `Unknown type: ${String(frame.type)}` })
      }
    })
  }

  /** Sends an event to every authenticated socket. */
  push(event: SidechannelMessageEvent): void {
    for (const ws of this.authed) ws.send(JSON.stringify(event))
  }

  /** Abruptly drops every client connection (simulated crash of the link). */
  dropAll(): void {
    for (const ws of this.sockets) ws.terminate()
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    for (const ws of this.sockets) ws.terminate()
    await withTimeout(new Promise<void>((resolve) => this.wss.close(() => resolve())), 2000, 'server close')
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    return await Promise.race([
      p,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`timeout: ${what}`)), ms)
      })
    ])
  } finally {
    clearTimeout(timer)
  }
}

async function nextEvent<K extends keyof BridgeClientEvents>(
  client: IntercomBridgeClient,
  name: K,
  ms = 3000
): Promise<BridgeClientEvents[K]> {
  return await withTimeout(
    new Promise<BridgeClientEvents[K]>((resolve) => {
      client.once(name, ((...args: BridgeClientEvents[K]) => resolve(args)) as never)
    }),
    ms,
    `event ${name}`
  )
}

async function until(cond: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const start = Date.now()
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error(`timeout: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

// The machine code expected for each message (server texts and the client's own).
const CODE_OF: Record<string, string> = {
  'Unauthorized.': 'BRIDGE_UNAUTHORIZED',
  'Missing channel.': 'BRIDGE_BAD_REQUEST',
  [CLIENT_ERROR.notConnected]: 'BRIDGE_NOT_CONNECTED',
  [CLIENT_ERROR.connectFailed]: 'BRIDGE_CONNECT_FAILED',
  [CLIENT_ERROR.connectTimeout]: 'BRIDGE_CONNECT_TIMEOUT',
  [CLIENT_ERROR.invalidRequest]: 'BRIDGE_INVALID_REQUEST',
  [CLIENT_ERROR.timeout]: 'BRIDGE_TIMEOUT',
  [CLIENT_ERROR.connectionClosed]: 'BRIDGE_CONNECTION_CLOSED'
}

async function rejectsWith(p: Promise<unknown>, message: string, fromServer?: boolean): Promise<void> {
  await assert.rejects(withTimeout(p, 3000, `rejection ${message}`), (err: unknown) => {
    assert.ok(err instanceof BridgeError, `expected BridgeError, got ${String(err)}`)
    assert.ok(err instanceof IntercomError)
    assert.equal(err.message, message)
    assert.equal(err.code, CODE_OF[message], `code for ${message}`)
    if (fromServer !== undefined) assert.equal(err.fromServer, fromServer)
    return true
  })
}

function event(channel: string, message: unknown, n = 0): SidechannelMessageEvent {
  return {
    type: 'sidechannel_message',
    channel,
    id: `id${n}`,
    from: 'ab',
    origin: 'ab',
    sig: null,
    relayedBy: null,
    ttl: 3,
    ts: n,
    message
  }
}

async function setup(
  t: { after: (fn: () => Promise<void>) => void },
  fake: FakeOptions = {},
  opts: Partial<IntercomBridgeClientOptions> = {}
) {
  const server = await FakeBridge.start(fake)
  const client = new IntercomBridgeClient({
    url: server.url,
    token: 'secret',
    requestTimeoutMs: 2000,
    reconnectDelayMs: 20,
    maxReconnectDelayMs: 200,
    ...opts
  })
  t.after(async () => {
    await client.close()
    await server.close()
  })
  return { server, client }
}

// ---------------------------------------------------------------------------------------------
// Tests

test('connect: waits for hello, authenticates, resolves with the hello frame', async (t) => {
  const { server, client } = await setup(t)
  const hello = await withTimeout(client.connect(), 3000, 'connect')
  assert.equal(hello.type, 'hello')
  assert.equal(hello.entryChannel, '0000intercom')
  assert.equal(hello.requiresAuth, true)
  assert.equal(client.connected, true)
  assert.equal(client.hello, hello)
  const auth = server.framesOf('auth')
  assert.equal(auth.length, 1)
  assert.equal(auth[0]!.token, 'secret')
  assert.ok(Number.isInteger(auth[0]!.id))
  // connect() again while connected is a no-op.
  assert.equal(await client.connect(), hello)
  assert.equal(server.connections, 1)
})

test('connect: wrong token rejects with the server error text', async (t) => {
  const { client } = await setup(t, { token: 'other' })
  await rejectsWith(client.connect(), 'Unauthorized.', true)
  assert.equal(client.connected, false)
  await rejectsWith(client.ping(), CLIENT_ERROR.notConnected, false)
})

test('connect: no server → Connect failed.; no hello → Connect timed out.', async (t) => {
  const probe = await FakeBridge.start()
  const url = probe.url
  await probe.close()
  const dead = new IntercomBridgeClient({ url, token: 'x', reconnect: true })
  await rejectsWith(dead.connect(), CLIENT_ERROR.connectFailed)
  await dead.close()

  const { client } = await setup(t, { silent: true }, { connectTimeoutMs: 150 })
  await rejectsWith(client.connect(), CLIENT_ERROR.connectTimeout)
})

test('convenience methods send the documented frames and return typed replies', async (t) => {
  const { server, client } = await setup(t)
  await client.connect()

  const pong = await client.ping()
  assert.equal(pong.type, 'pong')
  assert.equal(pong.ts, 1700000000000)
  assert.ok(Number.isInteger(pong.id))

  assert.deepEqual(await client.setFilter('alpha+beta|gamma'), {
    id: pong.id! + 1,
    type: 'filter_set',
    filter: 'alpha+beta|gamma'
  })
  assert.equal(client.currentFilter, 'alpha+beta|gamma')
  assert.equal((await client.clearFilter()).filter, '')
  assert.equal(client.currentFilter, '')

  assert.deepEqual((await client.subscribe(['pub1', '0000intercom'])).channels, ['pub1', '0000intercom'])
  const unsub = await client.unsubscribe(['pub1'])
  assert.equal(unsub.type, 'subscribed') // the bridge answers unsubscribe with `subscribed`
  assert.deepEqual(unsub.channels, ['0000intercom'])
  assert.deepEqual(client.subscribedChannels, ['0000intercom'])

  const sent = await client.send('pub1', { a: 1 }, { invite: 'b64text', welcome: { payload: {}, sig: 'x' } })
  assert.equal(sent.type, 'sent')
  assert.equal(sent.channel, 'pub1')
  assert.equal((await client.join('pub1')).type, 'joined')
  const left = await client.leave('0000intercom')
  assert.equal(left.ok, false)
  assert.deepEqual(client.subscribedChannels, ['0000intercom']) // failed leave keeps it (B21 fixed)
  assert.deepEqual(await client.open('pub2').then((r) => [r.type, r.channel, r.via]), ['open_requested', 'pub2', null])
  assert.equal((await client.open('pub2', { via: 'pub1' })).via, 'pub1')
  const stats = await client.stats()
  assert.deepEqual([stats.channels, stats.connectionCount, stats.sidechannelStarted], [['0000intercom'], 0, true])
  assert.equal((await client.info()).info.sidechannelEntry, '0000intercom')
  const cli = await client.cli('  /sc_stats ')
  assert.deepEqual(
    [cli.type, cli.command, cli.ok, cli.output, cli.error],
    ['cli_result', '/sc_stats', true, ['line'], null]
  )

  const byType = (type: string) => server.framesOf(type)
  assert.deepEqual(byType('send')[0], {
    type: 'send',
    channel: 'pub1',
    message: { a: 1 },
    invite: 'b64text',
    welcome: { payload: {}, sig: 'x' },
    id: byType('send')[0]!.id
  })
  assert.deepEqual(Object.keys(byType('open')[0]!), ['type', 'channel', 'id']) // no via/invite/welcome keys when not given
  assert.deepEqual(byType('subscribe')[0]!.channels, ['pub1', '0000intercom'])
  assert.equal(byType('cli')[0]!.command, '  /sc_stats ')
  // Ids are distinct integers.
  const ids = server.received.map((r) => r.frame.id)
  assert.ok(ids.every((id) => Number.isInteger(id)))
  assert.equal(new Set(ids).size, ids.length)
})

test('error replies reject with BridgeError carrying the server text and frame', async (t) => {
  const { client } = await setup(t)
  await client.connect()
  await rejectsWith(client.send('  ', 'hi'), 'Missing channel.', true)
  await assert.rejects(client.request({ type: 'bogus' }), (err: unknown) => {
    assert.ok(err instanceof BridgeError)
    assert.equal(err.message, 'Unknown type: bogus')
    assert.equal(err.code, 'BRIDGE_UNKNOWN_TYPE')
    assert.equal(
      err.reply?.code,
      undefined,
      'this fake bridge, like the reference, sends no code: the client derives it from the text'
    )
    assert.equal(err.reply?.type, 'error')
    assert.equal(err.reply?.error, 'Unknown type: bogus')
    return true
  })
  // Unserializable requests fail locally.
  await rejectsWith(client.request({ type: 'send', message: 1n }), CLIENT_ERROR.invalidRequest, false)
  // The client still works afterwards.
  assert.equal((await client.ping()).type, 'pong')
})

test('replies are correlated by id even when they arrive out of order', async (t) => {
  const { client } = await setup(t, { delays: { join: 150 } })
  await client.connect()
  const order: string[] = []
  const join = client.join('slow').then((r) => {
    order.push(r.type)
    return r
  })
  const ping = client.ping().then((r) => {
    order.push(r.type)
    return r
  })
  const [j, p] = await withTimeout(Promise.all([join, ping]), 3000, 'replies')
  assert.equal(j.channel, 'slow')
  assert.equal(p.type, 'pong')
  assert.deepEqual(order, ['pong', 'joined'])
})

test('a request without a reply times out; the client keeps working', async (t) => {
  const { client } = await setup(t)
  await client.connect()
  const started = Date.now()
  await rejectsWith(client.request({ type: 'never' }, { timeoutMs: 100 }), CLIENT_ERROR.timeout, false)
  assert.ok(Date.now() - started >= 90)
  assert.equal((await client.ping()).type, 'pong')
})

test('events: async iterator and on(message) both see sidechannel_message frames', async (t) => {
  const { server, client } = await setup(t)
  await client.connect()
  const seen: SidechannelMessageEvent[] = []
  client.on('message', (e) => seen.push(e))
  const it = client.messages()
  server.push(event('pub1', 'one', 1))
  server.push(event('pub1', { two: 2 }, 2))
  const a = await withTimeout(it.next(), 2000, 'first event')
  const b = await withTimeout(it.next(), 2000, 'second event')
  assert.equal(a.done, false)
  assert.deepEqual(a.value, event('pub1', 'one', 1))
  assert.deepEqual(b.value.message, { two: 2 })
  await until(() => seen.length === 2, 2000, 'listener')
  assert.deepEqual(
    seen.map((e) => e.id),
    ['id1', 'id2']
  )

  // for-await with break unregisters the iterator.
  server.push(event('pub1', 'three', 3))
  for await (const e of client.messages()) {
    assert.equal(e.message, 'three')
    break
  }
  assert.equal((await it.next()).value.message, 'three')
  assert.equal(it.dropped, 0)
})

test('events: the iterator buffer is bounded and drops the oldest', async (t) => {
  const { server, client } = await setup(t, {}, { messageBufferSize: 3 })
  await client.connect()
  const it = client.messages()
  let count = 0
  client.on('message', () => {
    count++
  })
  for (let i = 0; i < 5; i++) server.push(event('c', `m${i}`, i))
  await until(() => count === 5, 2000, 'all pushed')
  assert.equal(it.dropped, 2)
  assert.equal(client.droppedMessages, 2)
  const got: unknown[] = []
  for (let i = 0; i < 3; i++) got.push((await it.next()).value.message)
  assert.deepEqual(got, ['m2', 'm3', 'm4'])
})

test('reconnect: pending requests fail, then re-auth, filter and subscriptions are re-applied', async (t) => {
  const { server, client } = await setup(t)
  await client.connect()
  await client.setFilter('gamma')
  await client.subscribe(['pub1', 'pub2'])
  const it = client.messages()

  const pending = rejectsWith(
    client.request({ type: 'never' }, { timeoutMs: 2000 }),
    CLIENT_ERROR.connectionClosed,
    false
  )
  const disconnected = nextEvent(client, 'disconnect')
  const reconnecting = nextEvent(client, 'reconnecting')
  const reconnected = nextEvent(client, 'reconnect')
  server.dropAll()
  await pending
  await disconnected
  const [info] = await reconnecting
  assert.equal(info.attempt, 1)
  assert.equal(info.delayMs, 20)
  // While reconnecting, requests fail fast.
  if (!client.connected) await rejectsWith(client.ping(), CLIENT_ERROR.notConnected)
  const [hello] = await reconnected
  assert.equal(hello.type, 'hello')
  assert.equal(client.connected, true)
  assert.equal(server.connections, 2)

  const second = server.received.filter((r) => r.conn === 2).map((r) => r.frame)
  assert.deepEqual(
    second.map((f) => f.type),
    ['auth', 'set_filter', 'subscribe']
  )
  assert.equal(second[0]!.token, 'secret')
  assert.equal(second[1]!.filter, 'gamma')
  assert.deepEqual(second[2]!.channels, ['pub1', 'pub2'])

  // The same iterator keeps receiving after the reconnect.
  server.push(event('pub1', 'after', 9))
  assert.equal((await withTimeout(it.next(), 2000, 'event after reconnect')).value.message, 'after')
  assert.equal((await client.ping()).type, 'pong')
})

test('unsubscribe before any subscribe keeps the "all channels" state for reconnects', async (t) => {
  const { server, client } = await setup(t)
  await client.connect()
  assert.deepEqual((await client.unsubscribe(['x'])).channels, [])
  assert.equal(client.subscribedChannels, null)
  await client.subscribe(['a'])
  await client.unsubscribe(['a'])
  assert.deepEqual(client.subscribedChannels, []) // an explicit empty set: "none" on a B21-fixed server
  const reconnected = nextEvent(client, 'reconnect')
  server.dropAll()
  await reconnected
  const again = server.received.filter((r) => r.conn === 2).map((r) => r.frame)
  assert.deepEqual(
    again.map((f) => [f.type, f.channels]),
    [
      ['auth', undefined],
      ['subscribe', []]
    ]
  )
})

test('reconnect: clear_filter is re-applied as clear_filter; untouched state is not re-applied', async (t) => {
  const { server, client } = await setup(t)
  await client.connect()
  const reconnected = nextEvent(client, 'reconnect')
  server.dropAll()
  await reconnected
  assert.deepEqual(
    server.received.filter((r) => r.conn === 2).map((r) => r.frame.type),
    ['auth']
  )

  await client.clearFilter()
  const again = nextEvent(client, 'reconnect')
  server.dropAll()
  await again
  assert.deepEqual(
    server.received.filter((r) => r.conn === 3).map((r) => r.frame.type),
    ['auth', 'clear_filter']
  )
})

test('reconnect: exponential back-off across refused attempts', async (t) => {
  // Connection 1 is the initial session; 2..4 are refused; 5 succeeds.
  const { server, client } = await setup(
    t,
    { refuse: (n) => n >= 2 && n <= 4 },
    { reconnectDelayMs: 10, maxReconnectDelayMs: 30 }
  )
  await client.connect()
  const delays: number[] = []
  client.on('reconnecting', (info) => delays.push(info.delayMs))
  const reconnected = nextEvent(client, 'reconnect', 5000)
  server.dropAll()
  await reconnected
  assert.deepEqual(delays, [10, 20, 30, 30])
  assert.equal(server.connections, 5)
  assert.equal((await client.ping()).type, 'pong')
})

test('reconnect: a rejected token on re-auth stops the client', async (t) => {
  const { server, client } = await setup(t)
  await client.connect()
  const it = client.messages()
  const closed = nextEvent(client, 'close')
  server.token = 'rotated'
  server.dropAll()
  const [info] = await closed
  assert.equal(info.reason, 'reconnect_failed')
  assert.equal(info.error?.message, 'Unauthorized.')
  assert.equal(info.error?.code, 'BRIDGE_UNAUTHORIZED')
  assert.equal(client.connected, false)
  assert.equal((await withTimeout(it.next(), 1000, 'iterator end')).done, true)
})

test('reconnect: gives up after maxReconnectAttempts', async (t) => {
  const { server, client } = await setup(t, { refuse: (n) => n >= 2 }, { reconnectDelayMs: 5, maxReconnectAttempts: 2 })
  await client.connect()
  const closed = nextEvent(client, 'close')
  server.dropAll()
  const [info] = await closed
  assert.equal(info.reason, 'reconnect_failed')
  assert.equal(info.error?.message, CLIENT_ERROR.connectionClosed)
  assert.equal(info.error?.code, 'BRIDGE_CONNECTION_CLOSED')
  assert.equal(server.connections, 3)
})

test('reconnect disabled: socket loss closes the client and ends iterators', async (t) => {
  const { server, client } = await setup(t, {}, { reconnect: false })
  await client.connect()
  const it = client.messages()
  server.push(event('c', 'buffered', 1))
  await until(() => server.sockets.size === 1, 1000)
  const first = await withTimeout(it.next(), 2000, 'buffered event')
  assert.equal(first.value.message, 'buffered')
  const closed = nextEvent(client, 'close')
  server.dropAll()
  const [info] = await closed
  assert.equal(info.reason, 'disconnected')
  assert.equal((await withTimeout(it.next(), 1000, 'iterator end')).done, true)
  assert.equal(server.connections, 1)
})

test('close(): fails pending requests, ends iterators, stops reconnecting', async (t) => {
  const { server, client } = await setup(t)
  await client.connect()
  const it = client.messages()
  const waiting = it.next()
  const pending = rejectsWith(client.request({ type: 'never' }), CLIENT_ERROR.connectionClosed, false)
  const closed = nextEvent(client, 'close')
  await withTimeout(client.close(), 3000, 'close')
  await pending
  assert.equal((await withTimeout(waiting, 1000, 'iterator end')).done, true)
  assert.equal((await closed)[0].reason, 'closed')
  assert.equal((await client.messages().next()).done, true)
  await until(() => server.sockets.size === 0, 2000, 'server sees close')
  await new Promise((resolve) => setTimeout(resolve, 100))
  assert.equal(server.connections, 1)
  await rejectsWith(client.ping(), CLIENT_ERROR.notConnected)
})

test('close() during a reconnect back-off cancels it', async (t) => {
  const { server, client } = await setup(t, {}, { reconnectDelayMs: 200 })
  await client.connect()
  const reconnecting = nextEvent(client, 'reconnecting')
  server.dropAll()
  await reconnecting
  await client.close()
  await new Promise((resolve) => setTimeout(resolve, 300))
  assert.equal(server.connections, 1)
  assert.equal(client.connected, false)
})

test('WebSocketImpl is used to open sockets', async (t) => {
  let constructed = 0
  class CountingWebSocket extends WebSocket {
    constructor(address: string) {
      super(address)
      constructed++
    }
  }
  const { client } = await setup(t, {}, { WebSocketImpl: CountingWebSocket as typeof WebSocket })
  await client.connect()
  assert.equal(constructed, 1)
})
