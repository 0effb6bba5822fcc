// Running a peer as a program: parse the flags, build the peer with an app, print the banner, start the
// terminal, and close everything on /exit, SIGINT/SIGTERM or Pear's teardown. `index.ts` runs the sample app
// with it; an app of your own runs the same way (`runIntercom({ app })`, see examples/).
import { hostArgs, hostEnv, hostExit, hostStdin, hostStorage, onTeardown } from './host/index.js'
import { parseConfig, renderHelp, bannerLines, startupWarnings, ConfigError, type Config } from './config/index.js'
import { IntercomPeer } from './peer.js'
import { Terminal } from './terminal/index.js'
import { isStartupUserError } from './errors.js'
import type { IntercomApp } from './app.js'

export const VERSION = '0.1.0'

export interface RunOptions {
  /** The subnet app (default: the reference's sample app). */
  app?: IntercomApp
  /** What `--version` prints before the version (default `intercom-ts`). */
  name?: string
  /** Flags (default: the process's, or Pear.config.args under Pear). */
  args?: string[]
}

/** Runs a peer until it is closed; exits the process with 0 after a clean close, 1 or 2 on a start-up error. */
export async function runIntercom(opts: RunOptions = {}): Promise<void> {
  const env = hostEnv()
  let config: Config
  try {
    config = parseConfig(opts.args ?? hostArgs(), env)
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
    console.log(`${opts.name ?? 'intercom-ts'} ${VERSION}`)
    return hostExit(0)
  }
  const sc = config.sidechannel
  for (const warning of startupWarnings(config)) console.error(warning)

  let shuttingDown: Promise<void> | null = null
  let terminal: Terminal | null = null
  const peer = new IntercomPeer({
    config,
    ...(opts.app ? { app: opts.app } : {}),
    env,
    cwd: hostStorage() ?? '.',
    onShutdownRequest: () => shutdown('exit')
  })
  function shutdown(reason: string): Promise<void> {
    if (shuttingDown !== null) return shuttingDown
    shuttingDown = (async () => {
      if (reason !== 'exit') console.log(`\n[peer] ${reason}: shutting down...`)
      terminal?.close()
      const timer = setTimeout(() => {
        console.error('[peer] shutdown took too long; exiting.')
        hostExit(1)
      }, 15_000)
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
    // A failure the user fixes (a bad file, flag or store) is a line; anything else is a crash with its stack.
    if (isStartupUserError(err)) {
      console.error(err.message)
      await peer.close().catch(() => {})
      return hostExit(1)
    }
    throw err
  }

  // trac-peer's ready lines (spec §6.4 step 5): 86-column box with the address and writer key.
  const rule = '#'.repeat(86)
  if (peer.hasSubnet) {
    console.log(
      [
        '',
        rule,
        `# Peer Address:     ${peer.wallet.publicKeyHex} #`,
        `# Peer Writer:      ${peer.subnet.writerKeyHex} #`,
        rule,
        '',
        `isIndexer: ${peer.subnet.isIndexer}`,
        `isWriter: ${peer.subnet.writable}`,
        ''
      ].join('\n')
    )
  } else {
    console.log(
      ['', rule, `# Peer Address:     ${peer.wallet.publicKeyHex} #`, rule, '', 'Subnet: off (--subnet 0)', ''].join(
        '\n'
      )
    )
  }
  const summary = peer.info()
  for (const line of bannerLines({ ...summary, scBridgeUrl: peer.bridge ? peer.bridge.url : null })) console.log(line)

  // With the bridge on, received messages go to its clients instead of stdout (as in the reference).
  if (!sc.quiet && !peer.bridge) peer.attachConsolePrinter((line) => console.log(line))
  console.log('Sidechannel: ready')

  terminal = new Terminal(peer.runner, {
    input: hostStdin(),
    output: process.stdout,
    noColor: (env.NO_COLOR ?? '') !== ''
  })
  terminal.start()
}
