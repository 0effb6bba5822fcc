#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=131072 MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=1 --max-old-space-size=96
// Entry point: parse flags, build the peer, print the banner, start the terminal. Everything else
// lives in src/; this file only composes.
import { hostArgs, hostEnv, hostExit, hostStdin, hostStorage, onTeardown } from './src/host/index.js'
import { parseConfig, renderHelp, bannerLines, startupWarnings, ConfigError, type Config } from './src/config/index.js'
import { IntercomPeer, PeerStartupError } from './src/peer.js'
import { Terminal } from './src/terminal/index.js'
import { WalletFileError } from './src/wallet/index.js'
import { BootstrapError } from './src/net/index.js'
import { SubnetStoreFormatError } from './src/subnet/errors.js'

const VERSION = '0.1.0'

async function main (): Promise<void> {
  const env = hostEnv()
  let config: Config
  try {
    config = parseConfig(hostArgs(), env)
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message)
      return hostExit(2)
    }
    throw err
  }
  if (config.help) {
    console.log(renderHelp())
    return hostExit(0)
  }
  if (config.version) {
    console.log(`intercom-ts ${VERSION}`)
    return hostExit(0)
  }
  const sc = config.sidechannel
  for (const warning of startupWarnings(config)) console.error(warning)

  let shuttingDown: Promise<void> | null = null
  let terminal: Terminal | null = null
  const peer = new IntercomPeer({
    config,
    env,
    cwd: hostStorage() ?? '.',
    onShutdownRequest: () => shutdown('exit')
  })
  function shutdown (reason: string): Promise<void> {
    if (shuttingDown) return shuttingDown
    shuttingDown = (async () => {
      if (reason !== 'exit') console.log(`\n[peer] ${reason}: shutting down...`)
      terminal?.close()
      const timer = setTimeout(() => { console.error('[peer] shutdown took too long; exiting.'); hostExit(1) }, 15_000)
      try {
        await peer.close()
      } catch (err: any) {
        console.error(`[peer] error while closing: ${err?.message ?? err}`)
      }
      clearTimeout(timer)
      hostExit(0)
    })()
    return shuttingDown
  }
  onTeardown((signal) => shutdown(signal))

  console.log('=============== STARTING PEER ===============')
  try {
    await peer.ready()
  } catch (err: any) {
    if (err instanceof WalletFileError || err instanceof BootstrapError || err instanceof PeerStartupError ||
      err instanceof SubnetStoreFormatError) {
      console.error(err.message)
      await peer.close().catch(() => {})
      return hostExit(1)
    }
    throw err
  }

  // trac-peer's ready lines (spec §6.4 step 5): 86-column box with the address and writer key.
  const rule = '#'.repeat(86)
  console.log(['', rule, `# Peer Address:     ${peer.wallet.publicKeyHex} #`, `# Peer Writer:      ${peer.subnet.writerKeyHex} #`, rule, '',
    `isIndexer: ${peer.subnet.isIndexer}`, `isWriter: ${peer.subnet.writable}`, ''].join('\n'))
  const summary = peer.info()
  for (const line of bannerLines({ ...summary, scBridgeUrl: peer.bridge ? peer.bridge.url : null })) console.log(line)

  // With the bridge on, received messages go to its clients instead of stdout (as in the reference).
  if (!sc.quiet && !peer.bridge) peer.attachConsolePrinter((line) => console.log(line))
  console.log('Sidechannel: ready')

  terminal = new Terminal(peer.runner, { input: hostStdin(), output: process.stdout, noColor: (env.NO_COLOR ?? '') !== '' })
  terminal.start()
}

main().catch((err) => {
  console.error(err?.stack ?? err)
  hostExit(1)
})
