// A benchmark agent: a separate process holding one SC-Bridge WebSocket client (the `ws` package),
// driven by the parent over the same JSON-lines RPC as child-peer.ts. It never touches the P2P side
// itself, so the peers' event loops carry only what a real agent would cost them.
//
// Usage: node bench/bridge-agent.js --name NAME   (the bridge token comes in the env BENCH_BRIDGE_TOKEN)
//
// Commands: connect {url} (hello → auth → auth_ok), blast {durationMs, window, seqBase, channel}
// (`send` requests with at most `window` outstanding, the `sent` replies are the acks), paced {rate,
// durationMs, seqBase, channel}, arm / setExpect / collect (count `sidechannel_message` events of the
// bench channel, optionally with latencies), stats, close.
// Only ws://127.0.0.1 URLs are accepted.
import WebSocket from 'ws'
import { ReceiveMeter, argReader, benchMessage, hrNow, pacedSend, serveCommands, withTimeout } from './common.js'

const arg = argReader(process.argv)

function log(line: string): void {
  process.stderr.write(line + '\n')
}

async function main(): Promise<void> {
  const name = arg('name')
  const token = process.env.BENCH_BRIDGE_TOKEN
  if (!token) throw new Error('BENCH_BRIDGE_TOKEN is not set')
  const meter = new ReceiveMeter()

  let ws: WebSocket | null = null
  let channel = 'bench'
  let nextId = 1
  // Outcome counters of our own `send` requests.
  let acked = 0
  let refused = 0
  let lastError = ''
  let events = 0
  let lastEventBytes = 0
  let otherFrames = 0
  // Called after each batch of replies (one socket read) while a sender waits for window space.
  let wake: (() => void) | null = null
  // One-shot waiters for the connect handshake.
  let expectFrame: ((frame: any) => void) | null = null

  const onFrame = (data: WebSocket.RawData): void => {
    let frame: any
    try {
      frame = JSON.parse(data.toString())
    } catch {
      otherFrames++
      return
    }
    if (frame.type === 'sidechannel_message') {
      events++
      lastEventBytes =
        typeof data === 'string'
          ? Buffer.byteLength(data)
          : Array.isArray(data)
            ? data.reduce((n, x) => n + x.byteLength, 0)
            : data.byteLength
      if (frame.channel === channel) meter.note(frame.message)
      return
    }
    if (frame.type === 'sent') acked++
    else if (frame.type === 'error' && typeof frame.id === 'number') {
      refused++
      lastError = String(frame.error)
    } else if (expectFrame) {
      expectFrame(frame)
      return
    } else {
      otherFrames++
      return
    }
    if (wake) {
      const w = wake
      wake = null
      w()
    }
  }

  const nextFrame = (what: string, timeoutMs = 10_000): Promise<any> =>
    withTimeout(
      new Promise((resolve) => {
        expectFrame = (f) => {
          expectFrame = null
          resolve(f)
        }
      }),
      timeoutMs,
      `${name}: ${what}`
    )

  const sendFrame = (body: Record<string, unknown>): void => {
    if (!ws || ws.readyState !== WebSocket.OPEN) throw new Error(`${name}: bridge socket is not open`)
    ws.send(JSON.stringify(body))
  }

  const closeSocket = async (): Promise<void> => {
    const s = ws
    ws = null
    if (!s) return
    if (s.readyState === WebSocket.CLOSED) return
    const closed = new Promise<void>((resolve) => s.once('close', () => resolve()))
    try {
      s.close(1000, 'bench done')
    } catch {}
    await withTimeout(closed, 3000, 'ws close').catch(() => {
      s.terminate()
    })
  }

  let closing = false
  const shutdown = async (code: number): Promise<never> => {
    if (!closing) {
      closing = true
      await closeSocket().catch(() => {})
    }
    process.exit(code)
  }
  process.on('SIGTERM', () => {
    void shutdown(0)
  })

  serveCommands(
    {
      async connect(req) {
        const url = String(req.url)
        if (!url.startsWith('ws://127.0.0.1:')) throw new Error(`refusing non-loopback bridge ${url}`)
        channel = typeof req.channel === 'string' ? req.channel : channel
        const socket = new WebSocket(url, { perMessageDeflate: false })
        ws = socket
        socket.on('message', onFrame)
        socket.on('error', (err) => log(`${name}: ws error ${err.message}`))
        const hello = nextFrame('hello')
        hello.catch(() => {}) // awaited below; a failed open must not leave it unhandled
        await withTimeout(
          new Promise<void>((resolve, reject) => {
            socket.once('open', () => resolve())
            socket.once('error', reject)
          }),
          10_000,
          `${name}: connect ${url}`
        )
        const h = await hello
        if (h.type !== 'hello') throw new Error(`${name}: expected hello, got ${JSON.stringify(h)}`)
        const authReply = nextFrame('auth_ok')
        sendFrame({ type: 'auth', token })
        const a = await authReply
        if (a.type !== 'auth_ok') throw new Error(`${name}: auth failed: ${JSON.stringify(a)}`)
        return { peer: h.peer, pid: process.pid }
      },
      ...meter.handlers(),
      async blast(req) {
        // Windowed: keep at most `window` `send` requests unanswered; each `sent` (or error) reply frees a slot.
        const durationMs: number = req.durationMs
        const windowSize: number = req.window ?? 256
        const seqBase: number = req.seqBase ?? 0
        const ch: string = req.channel ?? channel
        acked = 0
        refused = 0
        let sent = 0
        let rounds = 0
        let refills = 0
        const tStart = hrNow()
        const waitReplies = (what: string): Promise<void> =>
          withTimeout(
            new Promise<void>((resolve) => {
              wake = resolve
            }),
            10_000,
            `${name}: ${what} (${acked + refused}/${sent} answered)`
          ).finally(() => {
            wake = null
          })
        while (hrNow() - tStart < durationMs) {
          // Refill the window, then wait for the next batch of replies (one socket read's worth).
          const room = windowSize - (sent - acked - refused)
          for (let i = 0; i < room; i++, sent++) {
            sendFrame({ id: nextId++, type: 'send', channel: ch, message: benchMessage(seqBase + sent, hrNow()) })
          }
          refills += room
          rounds++
          await waitReplies('a reply')
        }
        const tSendEnd = hrNow()
        while (acked + refused < sent) await waitReplies('the last replies')
        if (refused > 0) throw new Error(`${name}: ${refused}/${sent} sends refused (${lastError})`)
        return { sent, acked, tStart, tSendEnd, tEnd: hrNow(), rounds, meanRefill: rounds > 0 ? refills / rounds : 0 }
      },
      async paced(req) {
        const ch: string = req.channel ?? channel
        acked = 0
        refused = 0
        const r = await pacedSend(req.rate, req.durationMs, req.seqBase ?? 0, (m) =>
          sendFrame({ id: nextId++, type: 'send', channel: ch, message: m })
        )
        // Every request answered (a refused one fails the run).
        const deadline = Date.now() + 10_000
        while (acked + refused < r.sent && Date.now() < deadline) {
          await withTimeout(
            new Promise<void>((resolve) => {
              wake = resolve
            }),
            1000,
            'reply'
          )
            .catch(() => {})
            .finally(() => {
              wake = null
            })
        }
        if (refused > 0) throw new Error(`${name}: ${refused}/${r.sent} sends refused (${lastError})`)
        return { ...r, acked }
      },
      async stats() {
        const mem = process.memoryUsage()
        const cpu = process.cpuUsage()
        return {
          rss: mem.rss,
          heapUsed: mem.heapUsed,
          cpuUs: cpu.user + cpu.system,
          events,
          lastEventBytes,
          otherFrames,
          acked,
          refused
        }
      },
      async close() {
        closing = true
        await closeSocket()
        return {}
      }
    },
    shutdown
  )
}

main().catch((err) => {
  log(`agent fatal: ${err?.stack ?? err}`)
  process.exit(1)
})
