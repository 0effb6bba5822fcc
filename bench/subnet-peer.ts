// A subnet benchmark peer in its own process, driven by the parent over stdin/stdout JSON lines
// (see common.ts). The parent normally runs the tsc-compiled copy (bench/.build/bench/subnet-peer.js)
// under plain node; `--tsx-children` runs this file through tsx.
//
//   node [--import tsx] bench/subnet-peer.ts --bootstrap 127.0.0.1:PORT[,...] --dir TMPDIR --name NAME
//        --channel SUBNET_CHANNEL [--subnet-bootstrap HEX]
//
// A real IntercomPeer (wallet, Hyperswarm, SubnetRuntime with the sample protocol and contract,
// sidechannels). Chat posts go through `peer.subnet.append(buildMessage(...))`, the path the TTY
// `/post` and the SC-Bridge use. Only 127.0.0.1 bootstraps are accepted.
import fs from 'node:fs'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { parseConfig } from '../src/config/index.js'
import { IntercomPeer } from '../src/peer.js'
import { randomBytes, toHex } from '../src/crypto/index.js'
import { buildAddAdmin, buildAddWriter, buildMessage, buildSetChatStatus } from '../src/subnet/builders.js'
import { argReader, hrNow, serveCommands, sleep, waitUntil, withTimeout } from './common.js'

interface Args {
  bootstrap: string
  dir: string
  name: string
  channel: string
  subnetBootstrap: string | null
}

function parseArgs(argv: string[]): Args {
  const get = argReader(argv)
  const bootstrap = get('bootstrap')
  for (const node of bootstrap.split(',')) {
    if (!node.startsWith('127.0.0.1:')) throw new Error(`refusing non-loopback bootstrap ${node}`)
  }
  const sb = get('subnet-bootstrap', '')
  return {
    bootstrap,
    dir: get('dir'),
    name: get('name'),
    channel: get('channel'),
    subnetBootstrap: sb === '' ? null : sb
  }
}

function log(line: string): void {
  process.stderr.write(line + '\n')
}

const nonce = (): string => toHex(randomBytes(32))

/** Apparent size (bytes) and file count of everything under `dir`. */
function dirSize(dir: string): { bytes: number; files: number } {
  let bytes = 0
  let files = 0
  const walk = (d: string): void => {
    let entries: fs.Dirent[]
    try {
      entries = fs.readdirSync(d, { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.isFile()) {
        try {
          bytes += fs.statSync(p).size
          files++
        } catch {}
      }
    }
  }
  walk(dir)
  return { bytes, files }
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2))
  fs.mkdirSync(a.dir, { recursive: true })
  const storesDir = path.join(a.dir, 'stores')
  let peer: IntercomPeer | null = null
  // The chat apply prints `#n | author: text` for every stored message, as the TTY shows it. Those
  // lines are counted, not written (BENCH_DEBUG=1 writes them): 30 k stderr writes would only
  // measure the pipe to the parent.
  let chatLines = 0
  const peerLog = (line: string): void => {
    if (line.charCodeAt(0) === 35 /* # */ && / \| /.test(line)) {
      chatLines++
      if (!process.env.BENCH_DEBUG) return
    }
    log(line)
  }

  let closing = false
  const closePeer = async (): Promise<void> => {
    if (peer) await withTimeout(peer.close(), 15_000, 'peer close').catch(() => {})
  }
  const shutdown = async (code: number): Promise<never> => {
    if (!closing) {
      closing = true
      await closePeer()
    }
    process.exit(code)
  }
  process.on('SIGTERM', () => {
    void shutdown(0)
  })

  const need = (): IntercomPeer => {
    if (!peer) throw new Error('not started')
    return peer
  }
  const msgl = async (p: IntercomPeer): Promise<number> => {
    const v = await p.subnet.get('msgl')
    return typeof v === 'number' ? v : 0
  }
  /** Polls `msgl` until it is at least `target`; the time it was first seen there (hrNow). */
  const waitMsgl = async (p: IntercomPeer, target: number, timeoutMs: number): Promise<number> => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if ((await msgl(p)) >= target) return hrNow()
      if (Date.now() > deadline) throw new Error(`msgl is ${await msgl(p)} after ${timeoutMs} ms, expected ${target}`)
      await sleep(2)
    }
  }

  serveCommands(
    {
      async start() {
        const argv = [
          '--peer-store-name',
          a.name,
          '--peer-stores-directory',
          storesDir,
          '--peer-dht-bootstrap',
          a.bootstrap,
          '--subnet-channel',
          a.channel,
          ...(a.subnetBootstrap ? ['--subnet-bootstrap', a.subnetBootstrap] : [])
        ]
        const env = { INTERCOM_LOCAL_ONLY: '1' }
        peer = new IntercomPeer({ config: parseConfig(argv, env), env, log: peerLog })
        await withTimeout(peer.ready(), 40_000, 'peer ready')
        const s = peer.subnet
        return {
          key: peer.wallet.publicKeyHex,
          pid: process.pid,
          bootstrapHex: s.bootstrapHex,
          writerKeyHex: s.writerKeyHex,
          writable: s.writable
        }
      },
      /** Creator only: admin = self, chat on, then `writers` (writer keys) added; waits until all are applied. */
      async setupChat(req) {
        const p = need()
        const kp = p.wallet.keyPair
        await p.subnet.append(buildAddAdmin(p.wallet.publicKeyHex))
        await p.subnet.append(buildSetChatStatus(kp, true, nonce()))
        for (const w of (req.writers ?? []) as string[]) await p.subnet.append(buildAddWriter(kp, w, nonce()))
        if ((await p.subnet.get('admin')) !== p.wallet.publicKeyHex) throw new Error('admin not set')
        if ((await p.subnet.get('chat_status')) !== 'on') throw new Error('chat not on')
        return {}
      },
      /** Until this peer can write and sees chat on. */
      async waitReady(req) {
        const p = need()
        const timeoutMs: number = req.timeoutMs ?? 30_000
        await waitUntil(() => p.subnet.writable, timeoutMs, 'writable')
        const deadline = Date.now() + timeoutMs
        while ((await p.subnet.get('chat_status')) !== 'on') {
          if (Date.now() > deadline) throw new Error('chat_status not on')
          await sleep(20)
        }
        return {}
      },
      /**
       * `count` chat posts through `peer.subnet.append(buildMessage(...))`. concurrent: one loop issues
       * them all without awaiting (the runtime coalesces concurrent appends), then awaits them;
       * sequential: each append awaited before the next is built. Then, with `waitMsgl`, waits until the
       * local view's `msgl` reaches it. Times are hrNow(): start, appends resolved, msgl reached.
       */
      async post(req) {
        const p = need()
        const kp = p.wallet.keyPair
        const count: number = req.count
        const tag: string = req.tag ?? a.name
        const batches0 = p.subnet.stats.appendBatches
        const t0 = hrNow()
        if (req.sequential === true) {
          for (let i = 0; i < count; i++) await p.subnet.append(buildMessage(kp, `bench post ${tag} #${i}`, nonce()))
        } else {
          const all: Array<Promise<void>> = []
          for (let i = 0; i < count; i++)
            all.push(p.subnet.append(buildMessage(kp, `bench post ${tag} #${i}`, nonce())))
          await Promise.all(all)
        }
        const tAppended = hrNow()
        const tReached =
          typeof req.waitMsgl === 'number' ? await waitMsgl(p, req.waitMsgl, req.timeoutMs ?? 60_000) : tAppended
        return { t0, tAppended, tReached, appendBatches: p.subnet.stats.appendBatches - batches0, msgl: await msgl(p) }
      },
      async waitMsgl(req) {
        const p = need()
        return { tReached: await waitMsgl(p, req.target, req.timeoutMs ?? 60_000) }
      },
      /** View fingerprint: msgl, entry count and sha256 over every `key \0 JSON(value) \n` in key order. */
      async viewHash() {
        const p = need()
        const h = createHash('sha256')
        let entries = 0
        const t0 = hrNow()
        for await (const e of p.subnet.base.view.createReadStream()) {
          h.update(String(e.key)).update('\0').update(JSON.stringify(e.value)).update('\n')
          entries++
        }
        const core = p.subnet.base.view.core
        return {
          msgl: await msgl(p),
          entries,
          hash: h.digest('hex'),
          ms: hrNow() - t0,
          viewLength: core.length,
          signedLength: core.signedLength
        }
      },
      async stats(req) {
        const gc = (globalThis as { gc?: () => void }).gc
        if (req.gc === true && gc) gc()
        const mem = process.memoryUsage()
        const cpu = process.cpuUsage()
        const p = peer
        return {
          rss: mem.rss,
          heapUsed: mem.heapUsed,
          heapTotal: mem.heapTotal,
          external: mem.external,
          arrayBuffers: mem.arrayBuffers,
          gc: req.gc === true && gc !== undefined,
          cpuUs: cpu.user + cpu.system,
          store: p ? dirSize(p.peerDir) : { bytes: 0, files: 0 },
          subnet: p ? { ...p.subnet.stats, skips: Object.fromEntries(p.subnet.skips), chatLines } : null
        }
      },
      async close() {
        closing = true
        await closePeer()
        return {}
      }
    },
    shutdown
  )
}

main().catch((err) => {
  log(`child fatal: ${err?.stack ?? err}`)
  process.exit(1)
})
