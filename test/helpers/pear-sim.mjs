// A simulated Pear for tests, runnable under Node and under the bare binary alike:
//   node test/helpers/pear-sim.mjs     bare test/helpers/pear-sim.mjs
// It installs `globalThis.Pear` before the compiled entry (dist/index.js) loads, the way the Pear
// runtime does. Configuration comes from the environment, so the command line stays empty:
//   INTERCOM_PEAR_SIM = {"args": [...], "storage": "/dir"}   -> Pear.config.args / Pear.config.storage
// Teardown follows pear-api: SIGINT or SIGTERM runs the Pear.teardown handlers in order, each
// awaited (at most 15 s in all); if the app is still alive after they settle, the process exits
// 130 (SIGINT) or 143 (SIGTERM), as Pear does by re-raising the signal. Pear.exit(code) exits at once.
// Everything the simulator itself does is printed with a `[pear-sim]` prefix.
//
// Under Bare it must not install the Node globals ('#globals') itself, as Pear would not either: they
// set process.versions.node to 20.0.0, and Bare then checks every package's "engines" against that
// while resolving the app (@noble/hashes wants >= 20.19). It takes bare-process, the very object
// '#globals' later installs as `process`, so its signal listeners run before the app's.
const isBare = typeof Bare !== 'undefined'
const proc = isBare ? (await import('bare-process')).default : process

const config = JSON.parse(proc.env.INTERCOM_PEAR_SIM ?? '{}')
const handlers = []
let unloading = null

function unload(signal) {
  if (unloading !== null) return unloading
  console.log(`[pear-sim] ${signal}: running ${handlers.length} teardown handler(s)`)
  unloading = (async () => {
    const all = (async () => {
      for (const fn of handlers) await fn()
    })()
    let timer = null
    const limit = new Promise((resolve) => {
      timer = setTimeout(() => resolve('timeout'), 15_000)
    })
    const how = await Promise.race([
      all.then(
        () => 'settled',
        (err) => `threw: ${err?.message ?? err}`
      ),
      limit
    ])
    clearTimeout(timer)
    console.log(`[pear-sim] teardown handlers ${how}; exiting ${signal === 'SIGINT' ? 130 : 143}`)
    proc.exit(signal === 'SIGINT' ? 130 : 143)
  })()
  return unloading
}

globalThis.Pear = {
  config: {
    args: config.args ?? [],
    storage: config.storage,
    key: null,
    dev: true,
    options: config.options ?? {}
  },
  teardown(fn) {
    if (typeof fn === 'function') handlers.push(fn)
  },
  exit(code) {
    console.log(`[pear-sim] Pear.exit(${code})`)
    proc.exit(code)
  }
}

// Registered before the app loads, so these run before any signal listener the app adds (Pear's
// own handlers are also in place before the app starts).
for (const sig of ['SIGINT', 'SIGTERM'])
  proc.on(sig, () => {
    void unload(sig)
  })

console.log(`[pear-sim] ${isBare ? 'bare' : 'node'} runtime; Pear global installed`)
await import('../../dist/index.js')
