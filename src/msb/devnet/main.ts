// `npm run devnet`: a local MSB test network on a loopback DHT, with a small terminal. It prints the DHT address,
// the `peer flags: …` line a peer appends to its command line, the admin and validator addresses, then reads
// commands (`/fund <trac1…> <amount TNK>`, `/balance`, `/status`, `/add_indexer`, `/remove_indexer`, `/drop`, `/hold`,
// `/help`, `/exit`) from a TTY or a pipe, one at a time, in order. Exits cleanly on /exit, SIGINT or SIGTERM.
import readline from 'readline'
import { LineReader, type LineSource } from '../../common/index.js'
import { formatAmount, parseAmount } from '../amount.js'
import { decodeNodeEntry } from '../state.js'
import { DEFAULT_DEVNET_CHANNEL, startDevnet, type Devnet, type DevnetOptions } from './devnet.js'

const USAGE = `Usage: npm run devnet -- [flags]

Starts a local MSB devnet (admin/indexer + validators) on a loopback DHT and prints the flags a peer needs.

Flags:
  --dht-bootstrap <host:port,…>  use this loopback DHT instead of starting one
  --channel <name>               MSB channel, 1–32 bytes (default ${DEFAULT_DEVNET_CHANNEL})
  --store <dir>                  keep the network in <dir> and resume from it (default: a temp dir, removed on exit)
  --validators <n>               number of validator nodes (default 1)
  --fund <trac1…>:<amount TNK>   fund an address at start (repeatable)
  --admin-validates 1|0          the admin-indexer also answers broadcasts (default 0)
  --exit-on-eof                  exit when stdin ends (default: keep running until /exit or a signal)
  --verbose                      log apply failures and validator rejections
  --help                         this text`

const HELP = `Commands:
  /fund <trac1…> <amount TNK>       credit an address (faucet); prints the result once confirmed
  /balance <trac1…>                 confirmed and unconfirmed balance
  /status                           view lengths, indexers, validators, txv
  /add_indexer <validator#|trac1…>  promote a validator to indexer (ADD_INDEXER)
  /remove_indexer <validator#|trac1…>  demote an indexer back to a writer (REMOVE_INDEXER)
  /drop <validator#> on|off         the validator ignores (on) or answers (off) broadcast requests
  /hold <validator#> <ms>|off       the validator appends each checked broadcast request only after <ms> (a pause)
  /help                             this list
  /exit                             stop the devnet`

interface Flags extends DevnetOptions {
  exitOnEof: boolean
  verbose: boolean
  help: boolean
}

export function parseDevnetArgs(argv: string[]): Flags {
  const flags: Flags = { exitOnEof: false, verbose: false, help: false, fund: [] }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const eq = arg.indexOf('=')
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined
    const value = (): string => {
      if (inline !== undefined) return inline
      const v = argv[++i]
      if (v === undefined) throw new Error(`${name} needs a value`)
      return v
    }
    switch (name) {
      case '--dht-bootstrap':
        flags.dhtBootstrap = value()
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
        break
      case '--channel':
        flags.channel = value()
        break
      case '--store':
        flags.storeDir = value()
        break
      case '--validators': {
        const n = Number(value())
        if (!Number.isInteger(n) || n < 1 || n > 16) throw new Error('--validators must be an integer in 1..16')
        flags.validators = n
        break
      }
      case '--fund': {
        const v = value()
        const at = v.lastIndexOf(':')
        if (at <= 0) throw new Error('--fund takes <trac1…>:<amount TNK>')
        flags.fund!.push({ address: v.slice(0, at), units: parseAmount(v.slice(at + 1)) })
        break
      }
      case '--admin-validates': {
        const v = value()
        if (v !== '0' && v !== '1') throw new Error('--admin-validates takes 1 or 0')
        flags.adminValidates = v === '1'
        break
      }
      case '--exit-on-eof':
        flags.exitOnEof = true
        break
      case '--verbose':
        flags.verbose = true
        break
      case '--help':
      case '-h':
        flags.help = true
        break
      default:
        throw new Error(`unknown argument ${JSON.stringify(arg)} (see --help)`)
    }
  }
  return flags
}

const tnk = (units: bigint | null): string => (units === null ? 'no account' : `${formatAmount(units)} TNK`)

/** Runs one command line against the devnet; returns false when the devnet should stop. */
export async function runDevnetCommand(devnet: Devnet, line: string, print: (s: string) => void): Promise<boolean> {
  const parts = line.trim().split(/\s+/).filter(Boolean)
  const cmd = parts[0]
  if (cmd === undefined) return true
  const args = parts.slice(1)
  try {
    switch (cmd) {
      case '/help':
        print(HELP)
        return true
      case '/exit':
      case '/quit':
        return false
      case '/fund': {
        if (args.length !== 2) throw new Error('usage: /fund <trac1…> <amount TNK>')
        const units = parseAmount(args[1]!)
        const tx = await devnet.fund(args[0]!, units)
        print(
          `funded ${args[0]} with ${formatAmount(units)} TNK (tx ${tx}); confirmed balance ${tnk(await devnet.balance(args[0]!, { confirmed: true }))}`
        )
        return true
      }
      case '/balance': {
        if (args.length !== 1) throw new Error('usage: /balance <trac1…>')
        const confirmed = decodeNodeEntry(await devnet.get(args[0]!, { confirmed: true }))
        const unconfirmed = decodeNodeEntry(await devnet.get(args[0]!))
        print(
          `${args[0]}: confirmed ${tnk(confirmed?.balance ?? null)}, unconfirmed ${tnk(unconfirmed?.balance ?? null)}` +
            (confirmed !== null && confirmed.stakedBalance > 0n ? `, staked ${tnk(confirmed.stakedBalance)}` : '') +
            (confirmed !== null ? `, role ${confirmed.role}` : '')
        )
        return true
      }
      case '/status': {
        const s = await devnet.status()
        print(`view: unconfirmed length ${s.unsignedLength}, confirmed length ${s.signedLength}; txv ${s.txv}`)
        print(`applied: ${s.applied.success} ok, ${s.applied.failure} failed, ${s.applied.ignore} ignored`)
        for (const ix of s.indexers) print(`indexer ${ix.address ?? '?'} (writer ${ix.writerKeyHex})`)
        for (const v of s.validators) {
          print(
            `validator ${v.index}: ${v.address} key ${v.publicKeyHex} ${v.isIndexer ? 'indexer' : v.writable ? 'writer' : 'not writable'}, ` +
              `balance ${tnk(v.balance)}, ${v.connections} connection(s)${v.dropRequests ? ', dropping requests' : ''}` +
              `${v.holdMs > 0 || v.held > 0 ? `, held ${v.held} request(s)${v.holdMs > 0 ? ` (holding ${v.holdMs} ms)` : ''}` : ''}`
          )
        }
        return true
      }
      case '/add_indexer':
      case '/remove_indexer': {
        if (args.length !== 1) throw new Error(`usage: ${cmd} <validator#|trac1…>`)
        const target = /^\d+$/.test(args[0]!) ? Number(args[0]) : args[0]!
        const tx = cmd === '/add_indexer' ? await devnet.addIndexer(target) : await devnet.removeIndexer(target)
        print(`${cmd.slice(1)} ${args[0]} confirmed (tx ${tx}); txv is now ${devnet.txv()}`)
        return true
      }
      case '/drop': {
        if (args.length !== 2 || !/^\d+$/.test(args[0]!) || (args[1] !== 'on' && args[1] !== 'off'))
          throw new Error('usage: /drop <validator#> on|off')
        devnet.setDrop(Number(args[0]), args[1] === 'on')
        print(`validator ${args[0]} ${args[1] === 'on' ? 'now ignores' : 'answers'} broadcast requests`)
        return true
      }
      case '/hold': {
        if (args.length !== 2 || !/^\d+$/.test(args[0]!) || !(args[1] === 'off' || /^\d+$/.test(args[1]!)))
          throw new Error('usage: /hold <validator#> <ms>|off')
        const ms = args[1] === 'off' ? 0 : Number(args[1])
        devnet.setHold(Number(args[0]), ms)
        print(
          ms === 0
            ? `validator ${args[0]} processes broadcast requests at once`
            : `validator ${args[0]} now holds broadcast requests for ${ms} ms`
        )
        return true
      }
      default:
        print(`Unknown command: ${cmd}. Type /help for the list of commands.`)
        return true
    }
  } catch (err) {
    print(`Command failed: ${(err as Error)?.message ?? String(err)}`)
    return true
  }
}

async function main(): Promise<number> {
  let flags: Flags
  try {
    flags = parseDevnetArgs(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`)
    return 2
  }
  if (flags.help) {
    process.stdout.write(USAGE + '\n')
    return 0
  }
  const print = (s: string): void => {
    process.stdout.write(s + '\n')
  }
  let devnet: Devnet | null = null
  let stopping: Promise<void> | null = null
  let resolveDone: (code: number) => void = () => {}
  const done = new Promise<number>((resolve) => {
    resolveDone = resolve
  })
  const stop = (code: number): Promise<void> => {
    stopping ??= (async () => {
      print('Stopping the devnet…')
      try {
        await devnet?.close()
      } catch (err) {
        process.stderr.write(`close failed: ${(err as Error).message}\n`)
      }
      print('Devnet stopped.')
      resolveDone(code)
    })()
    return stopping
  }
  process.on('SIGINT', () => {
    stop(0).catch(() => {})
  })
  process.on('SIGTERM', () => {
    stop(0).catch(() => {})
  })

  print('Starting the MSB devnet…')
  try {
    devnet = await startDevnet({ ...flags, log: flags.verbose ? (l) => print(`[devnet] ${l}`) : undefined })
  } catch (err) {
    process.stderr.write(`Devnet failed to start: ${(err as Error)?.message ?? String(err)}\n`)
    await devnet?.close()
    return 1
  }
  if (stopping !== null) {
    // A signal arrived while starting: the stop above ran before the devnet existed.
    await devnet.close()
    return await done
  }
  const d = devnet
  print(
    d.localDht !== null
      ? `Local DHT started on ${d.dhtBootstrap.join(',')} (other peers: --dht-bootstrap ${d.dhtBootstrap.join(',')})`
      : `DHT: ${d.dhtBootstrap.join(',')}`
  )
  print(`MSB bootstrap ${d.bootstrapHex}, channel ${d.channel}, network id ${d.networkId}, txv ${d.txv()}`)
  print(d.peerFlags)
  print(`admin (indexer): ${d.admin.address}`)
  for (const v of d.validators) print(`validator ${v.index}: ${v.address} key ${v.publicKeyHex}`)
  for (const f of flags.fund ?? []) print(`funded ${f.address} with ${formatAmount(f.units)} TNK`)
  print(`Store: ${d.storeDir}${flags.storeDir ? '' : ' (temporary, removed on exit)'}`)
  print('Ready. Type /help for commands.')

  let queue: Promise<unknown> = Promise.resolve()
  const online = (line: string): void => {
    queue = queue.then(async () => {
      if (stopping !== null) return
      const keep = await runDevnetCommand(d, line, print)
      if (!keep) await stop(0)
    })
  }
  const stdin = process.stdin
  let rl: readline.Interface | null = null
  let lines: LineReader | null = null
  const onEof = (): void => {
    if (flags.exitOnEof) queue = queue.then(() => stop(0))
  }
  if (stdin.isTTY) {
    rl = readline.createInterface({ input: stdin, output: process.stdout, terminal: true })
    rl.setPrompt('msb> ')
    rl.prompt()
    rl.on('line', (line) => {
      online(line)
      queue = queue.then(() => {
        if (stopping === null) rl?.prompt()
      })
    })
    rl.on('SIGINT', () => {
      stop(0).catch(() => {})
    })
    rl.on('close', onEof)
  } else {
    lines = new LineReader(stdin as unknown as LineSource, online, onEof)
  }
  const code = await done
  rl?.close()
  lines?.close()
  return code
}

main().then(
  (code) => {
    process.exitCode = code
    // Sockets and timers are closed; nothing should hold the loop, but do not hang on a stray handle.
    setTimeout(() => process.exit(code), 500).unref()
  },
  (err) => {
    process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`)
    process.exit(1)
  }
)
