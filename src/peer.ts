// The peer: composes the planes around one wallet and one Hyperswarm. Resources open in order
// (wallet → DHT → swarm → sidechannels) and close in reverse; nothing written is lost on close.
import type { LogFn } from './common/index.js'
import path from 'path'
import fs from 'fs'
import ReadyResource from 'ready-resource'
import type Hyperswarm from 'hyperswarm'
import type { Config } from './config/index.js'
import { loadOrCreateWallet, type Wallet } from './wallet/index.js'
import {
  type DhtNode,
  type LocalDht,
  parseDhtNode,
  assertLocalOnly,
  startLocalDht,
  formatNode,
  createPeerSwarm,
  waitForDht
} from './net/index.js'
import { SidechannelManager, type DeliveredMessage } from './sidechannel/index.js'
import { ENTRY_CHANNEL, parseBlobArg } from './sidechannel/index.js'
import { toHex } from './crypto/index.js'
import { CommandRunner, type TerminalPeer } from './terminal/index.js'
import { ScBridge } from './bridge/index.js'
import { configSummary, type StartupInfo } from './config/index.js'
import { MAINNET_DHT_BOOTSTRAP } from './config/index.js'
import { SubnetRuntime } from './subnet/index.js'
import type { Protocol } from './subnet/index.js'
import type { Contract } from './subnet/index.js'
import type { Feature } from './subnet/index.js'
import { SAMPLE_APP, checkApp, type IntercomApp } from './app.js'
import { IntercomError } from './errors.js'
import { MsbClient } from './msb/index.js'
import { MsbSettlement } from './settlement/index.js'
import { resolveMsbNetwork, MsbNetworkError, type MsbNetwork } from './msb/index.js'
import { formatArgs } from './terminal/index.js'

export interface PeerOptions {
  config: Config
  env?: Record<string, string | undefined>
  /** Base for relative store paths (default: the current directory). */
  cwd?: string
  log?: (line: string) => void
  /** Refuse connections from these remote keys (tests shape topologies with it). */
  firewall?: (remotePublicKey: Uint8Array) => boolean
  /** Ask the host to end the process (used by /exit). */
  onShutdownRequest?: () => Promise<void> | void
  /** The subnet app this peer runs (its Protocol, Contract and features); default: the reference's sample app. */
  app?: IntercomApp
}

function sameNodes(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

/** The swarm firewall: `--peer-deny` keys, then the caller's own rule (tests). Null when neither is set. */
export function denyFirewall(
  deny: string[] | null,
  extra: ((remote: Uint8Array) => boolean) | null
): ((remote: Uint8Array) => boolean) | null {
  const denied = new Set((deny ?? []).map((k) => k.toLowerCase()))
  if (denied.size === 0) return extra
  return (remote) => denied.has(toHex(remote)) || (extra !== null && extra(remote))
}

export class PeerStartupError extends IntercomError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PEER_STARTUP', message, options)
    this.name = 'PeerStartupError'
  }
}

export class IntercomPeer extends ReadyResource {
  readonly config: Config
  readonly peerDir: string
  readonly keypairPath: string
  wallet!: Wallet
  walletCreated = false
  swarm!: Hyperswarm
  sidechannel!: SidechannelManager
  dhtBootstrap: DhtNode[] = []
  localDht: LocalDht | null = null
  bridge: ScBridge | null = null
  readonly app: IntercomApp
  #subnet: SubnetRuntime<Protocol, Contract> | null = null
  /** The app's features this peer runs, by key (started once the subnet is open, stopped first on close). */
  readonly features = new Map<string, Feature>()
  /** The MSB light client; null with --msb 0, or when local-only mode refuses its DHT. */
  msb: MsbClient | null = null
  settlement: MsbSettlement | null = null
  msbDhtBootstrap: DhtNode[] = []
  private msbLocalDht: LocalDht | null = null
  private commandRunner: CommandRunner | null = null
  private readonly env: Record<string, string | undefined>
  private readonly log: LogFn
  private readonly logTaps = new Set<LogFn>()
  /** Where log lines go (the terminal), without the SC-Bridge capture taps. */
  private readonly out: (line: string) => void
  private readonly cwd: string

  constructor(private readonly opts: PeerOptions) {
    super()
    this.config = opts.config
    this.app = opts.app ?? SAMPLE_APP
    checkApp(this.app)
    this.env = opts.env ?? {}
    const out = opts.log ?? ((l: string) => console.log(l))
    this.out = out
    // Every plane logs through this one function, so SC-Bridge `cli` can also capture what the peer logs while
    // its command runs (the reference captures the whole console for that time).
    this.log = (line, args) => {
      out(line)
      for (const tap of this.logTaps) {
        try {
          tap(line, args)
        } catch {}
      }
    }
    this.cwd = opts.cwd ?? '.'
    this.peerDir = path.resolve(this.cwd, this.config.peer.storesDirectory, this.config.peer.storeName)
    this.keypairPath = path.join(this.peerDir, 'db', 'keypair.json')
  }

  protected override async _open(): Promise<void> {
    const { config } = this
    const configWelcomes = this.readConfigWelcomes()

    // Check the network settings before anything is written to disk.
    const configuredNodes =
      config.peer.dhtBootstrap === 'local'
        ? null
        : config.peer.dhtBootstrap.map((s) => parseDhtNode(s, '--peer-dht-bootstrap'))
    if (configuredNodes) assertLocalOnly(configuredNodes, '--peer-dht-bootstrap', this.env)
    const msbPlan = this.planMsb()

    const { wallet, created } = await loadOrCreateWallet(this.keypairPath, {
      onCreated: ({ mnemonic }) => {
        // The reference's line for a new key file, then the phrase that restores it (ours only).
        this.log(`Key pair exported to ${this.keypairPath}`)
        this.log(`Recovery phrase (write it down, it is shown only once): ${mnemonic}`)
      }
    })
    this.wallet = wallet
    this.walletCreated = created

    if (configuredNodes) {
      this.dhtBootstrap = configuredNodes
    } else {
      this.localDht = await startLocalDht()
      this.dhtBootstrap = this.localDht.bootstrap
      const addr = this.dhtBootstrap.map(formatNode).join(',')
      this.log(`Local DHT started on ${addr} (other peers: --dht-bootstrap ${addr})`)
    }

    const firewall = denyFirewall(config.peer.deny, this.opts.firewall ?? null)
    this.swarm = createPeerSwarm({
      keyPair: wallet.keyPair,
      bootstrap: this.dhtBootstrap,
      ...(firewall ? { firewall } : {})
    })
    const dhtReady = await waitForDht(this.swarm.dht, {
      timeoutMs: 30_000,
      onProgress: (ms) => this.log(`[peer] waiting for DHT bootstrap... (${Math.round(ms / 1000)}s)`)
    })
    if (!dhtReady) this.log('[peer] DHT not bootstrapped after 30s; continuing, it keeps trying in the background.')

    if (msbPlan !== null) await this.startMsb(msbPlan)

    if (config.subnet.enabled) {
      const subnet = new SubnetRuntime<Protocol, Contract>({
        storeDir: this.peerDir,
        swarm: this.swarm,
        wallet: { publicKeyHex: wallet.publicKeyHex, sign: (m: string) => wallet.sign(m) },
        channel: config.subnet.channel,
        bootstrap: config.subnet.bootstrap,
        ProtocolClass: this.app.Protocol,
        ContractClass: this.app.Contract,
        msb: this.msb ? this.msb.msbView() : null,
        log: this.log
      })
      this.#subnet = subnet
      await subnet.ready()
      if (this.msb) {
        this.settlement = new MsbSettlement(this.msb, {
          wallet: wallet.keyPair,
          writerKeyHex: () => subnet.writerKeyHex,
          subnetBootstrapHex: () => subnet.bootstrapHex,
          writable: () => subnet.writable,
          append: async (op) => await subnet.append(op),
          log: this.log
        })
        subnet.settlement = this.settlement
      }
      await this.startFeatures(subnet)
    }

    this.sidechannel = new SidechannelManager(
      {
        swarm: this.swarm,
        identity: { publicKeyHex: wallet.publicKeyHex, keyPair: wallet.keyPair, address: wallet.address },
        configWelcomes,
        statePath: path.join(this.peerDir, 'db', 'sidechannel-state.json'),
        log: this.log
      },
      config.sidechannel
    )
    await this.sidechannel.ready()

    const br = config.scBridge
    if (br.enabled) {
      this.bridge = new ScBridge(
        {
          sidechannel: this.sidechannel,
          identity: { publicKeyHex: wallet.publicKeyHex, address: wallet.address },
          entryChannel: ENTRY_CHANNEL,
          info: () => ({ ...this.info() }),
          runner: br.cli ? this.runner : null,
          echo: (...args) => this.out(formatArgs(args)),
          log: this.log
        },
        br
      )
      try {
        await this.bridge.ready()
      } catch (err: any) {
        throw new PeerStartupError(`SC-Bridge failed to start: ${err?.message ?? err}`)
      }
    }
  }

  protected override async _close(): Promise<void> {
    if (this.bridge) await this.bridge.close()
    if (this.sidechannel) await this.sidechannel.close()
    for (const feature of [...this.features.values()].reverse()) await feature.stop()
    // The reference's two shutdown lines (its transaction observer and its subnet updater), which scripts
    // watching a peer exit may wait for; ours name the settlement watcher and the subnet.
    if (this.settlement) {
      this.log('TransactionObserver: closing gracefully...')
      this.settlement.close()
    }
    // The MSB reader closes before the subnet: an apply waiting on the MSB view is released (and retried on
    // the next start) instead of holding the subnet's close.
    if (this.msb) await this.msb.close()
    if (this.#subnet) {
      this.log('Updater: closing gracefully...')
      await this.#subnet.close()
    }
    if (this.swarm) await this.swarm.destroy()
    if (this.msbLocalDht) await this.msbLocalDht.close()
    if (this.localDht) await this.localDht.close()
  }

  /**
   * Resolves the MSB settings before anything is written: the network (a bad --msb-channel stops start-up),
   * and the DHT. Null when the client stays off: --msb 0, or INTERCOM_LOCAL_ONLY with a public MSB DHT (the
   * peer then runs without settlement rather than send a packet off the machine).
   */
  private planMsb(): { network: MsbNetwork; nodes: DhtNode[] | 'local' } | null {
    const msb = this.config.msb
    if (!msb.enabled) return null
    let network: MsbNetwork
    try {
      network = resolveMsbNetwork({ network: msb.network, bootstrap: msb.bootstrap, channel: msb.channel })
    } catch (err) {
      if (err instanceof MsbNetworkError) throw new PeerStartupError(err.message)
      throw err
    }
    if (msb.dhtBootstrap === 'local') return { network, nodes: 'local' }
    // A peer told to stay on a local DHT keeps its MSB swarm there too unless an MSB DHT was named: an offline
    // run never reaches for the public bootstrap nodes behind the user's back.
    if (this.config.peer.dhtBootstrap === 'local' && sameNodes(msb.dhtBootstrap, MAINNET_DHT_BOOTSTRAP)) {
      this.log('[msb] using the local DHT, as the peer does (give --msb-dht-bootstrap to reach an MSB network)')
      return { network, nodes: 'local' }
    }
    const nodes = msb.dhtBootstrap.map((s) => parseDhtNode(s, '--msb-dht-bootstrap'))
    try {
      assertLocalOnly(nodes, '--msb-dht-bootstrap', this.env)
    } catch (err) {
      this.log(`[msb] client off: ${(err as Error).message} Pass --msb-dht-bootstrap with loopback nodes, or --msb 0.`)
      return null
    }
    return { network, nodes }
  }

  private async startMsb(plan: { network: MsbNetwork; nodes: DhtNode[] | 'local' }): Promise<void> {
    if (plan.nodes === 'local') {
      if (this.localDht) {
        this.msbDhtBootstrap = this.localDht.bootstrap
      } else {
        this.msbLocalDht = await startLocalDht()
        this.msbDhtBootstrap = this.msbLocalDht.bootstrap
      }
    } else {
      this.msbDhtBootstrap = plan.nodes
    }
    const msbDir = path.resolve(this.cwd, this.config.msb.storesDirectory, this.config.msb.storeName)
    const { wallet } = await loadOrCreateWallet(path.join(msbDir, 'db', 'keypair.json'))
    this.msb = new MsbClient({
      network: plan.network,
      dhtBootstrap: this.msbDhtBootstrap,
      storeDir: msbDir,
      keyPair: wallet.keyPair,
      log: this.log
    })
    await this.msb.ready()
    const custom = this.config.msb.bootstrap !== null || this.config.msb.channel !== null ? ', overridden' : ''
    this.log(
      `[msb] light client (${plan.network.name} preset${custom}: bootstrap ${plan.network.bootstrapHex.slice(0, 16)}…, channel ${plan.network.channel}); peer MSB address ${this.msb.addressOf(this.wallet.publicKey)}`
    )
  }

  /** The subnet runtime. Throws when this peer runs none (`--subnet 0`); see `hasSubnet`. */
  get subnet(): SubnetRuntime<Protocol, Contract> {
    if (this.#subnet === null) throw new IntercomError('SUBNET_DISABLED', 'This peer runs no subnet (--subnet 0).')
    return this.#subnet
  }

  get hasSubnet(): boolean {
    return this.#subnet !== null
  }

  /** Starts the app's features this peer runs; admin-only ones only on the writable subnet admin. */
  private async startFeatures(subnet: SubnetRuntime<Protocol, Contract>): Promise<void> {
    for (const [key, spec] of Object.entries(this.app.features ?? {})) {
      if (spec.enabled && !spec.enabled(this.config)) continue
      if (spec.adminOnly !== false) {
        const admin = await subnet.get('admin')
        if (admin !== this.wallet.publicKeyHex || !subnet.writable) {
          this.log(`[${key}] not started: this peer is not the writable subnet admin.`)
          continue
        }
      }
      const feature = spec.create(subnet, this.config)
      subnet.protocol.addFeature(key, feature)
      this.features.set(key, feature)
      await feature.start()
    }
  }

  /** --sidechannel-welcome values, decoded now so a bad one stops start-up with a clear message. */
  private readConfigWelcomes(): Map<string, unknown> {
    const out = new Map<string, unknown>()
    for (const [ch, raw] of this.config.sidechannel.welcomes) {
      const w = parseBlobArg(raw, {
        mode: 'startup',
        readFile: (p: string) => fs.readFileSync(p, 'utf8'),
        resolvePath: (p: string) => path.resolve(this.cwd, p)
      })
      if (!w)
        throw new PeerStartupError(
          `Invalid --sidechannel-welcome for channel "${ch}": expected base64 JSON, b64:…, or @file with a welcome object.`
        )
      out.set(ch, w)
    }
    return out
  }

  /** The TTY command runner, shared by the terminal and SC-Bridge `cli` so commands run one at a time. */
  get runner(): CommandRunner {
    this.commandRunner ??= new CommandRunner(this.terminalPeer())
    return this.commandRunner
  }

  /** The reference's `info` object (bridge `info` frame). */
  info(): StartupInfo {
    return {
      ...configSummary(this.config, {
        msbBootstrap: this.msb ? this.msb.bootstrapHex : null,
        msbChannel: this.msb ? this.msb.network.channel : null,
        subnetBootstrap: this.#subnet ? this.#subnet.bootstrapHex : null,
        peerPubkey: this.wallet.publicKeyHex,
        peerTracAddress: this.wallet.address,
        peerWriterKey: this.#subnet ? this.#subnet.writerKeyHex : null,
        peerDhtNodes: this.dhtBootstrap.map(formatNode),
        ...(this.msbDhtBootstrap.length > 0 ? { msbDhtNodes: this.msbDhtBootstrap.map(formatNode) } : {})
      })
    }
  }

  /** Prints received messages the way the reference does when no bridge is attached. */
  attachConsolePrinter(print: (line: string) => void): void {
    this.sidechannel.on('message', (m: DeliveredMessage) => {
      // console.log(prefix, message) as the reference: a string raw, anything else inspected (`{ a: 1 }`).
      const msg = m.payload.message ?? m.payload
      print(formatArgs([`[sidechannel:${m.channel}] ${m.payload.from ?? 'unknown'}:`, msg]))
    })
  }

  terminalPeer(): TerminalPeer {
    const self = this
    return {
      get msb() {
        return self.msb
      },
      sidechannel: this.sidechannel ?? null,
      identity: {
        publicKeyHex: this.wallet.publicKeyHex,
        address: this.wallet.address,
        secretKeyHex: toHex(this.wallet.keyPair.secretKey)
      },
      subnet: this.#subnet,
      walletKeyPair: this.wallet.keyPair,
      inviteTtlMs: Math.max(0, this.config.sidechannel.inviteTtlSec) * 1000,
      entryChannel: ENTRY_CHANNEL,
      extraStats: () => ({ 'Peer store': this.peerDir, 'DHT bootstrap': this.dhtBootstrap.map(formatNode).join(', ') }),
      shutdown: async () => {
        if (this.opts.onShutdownRequest) await this.opts.onShutdownRequest()
        else await this.close()
      },
      tapLog: (fn) => {
        this.logTaps.add(fn)
        return () => {
          this.logTaps.delete(fn)
        }
      }
    }
  }
}
