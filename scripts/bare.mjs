// Runs the Bare runtime binary (optional dependency `bare-runtime-linux-x64`, the runtime Pear uses)
// with the given arguments, forwarding signals and the exit code. npm may install the binary without
// its exec bit (no install scripts), so that is restored first.
import { createRequire } from 'node:module'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

export function bareBinary() {
  const pkg = `bare-runtime-${process.platform}-${process.arch}`
  let dir
  try {
    dir = path.dirname(createRequire(import.meta.url).resolve(`${pkg}/package`))
  } catch {
    return null
  }
  const bin = path.join(dir, 'bin', process.platform === 'win32' ? 'bare.exe' : 'bare')
  try {
    fs.accessSync(bin, fs.constants.X_OK)
  } catch {
    fs.chmodSync(bin, 0o755)
  }
  return bin
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bin = bareBinary()
  if (!bin) {
    console.error(
      `No Bare runtime for ${process.platform}-${process.arch} is installed (optional dependency bare-runtime-${process.platform}-${process.arch}).`
    )
    process.exit(1)
  }
  // The memory settings `npm start` gives Node (scripts/runtime.json); Bare links the same glibc malloc.
  const runtime = JSON.parse(fs.readFileSync(new URL('./runtime.json', import.meta.url), 'utf8'))
  const child = spawn(bin, process.argv.slice(2), { stdio: 'inherit', env: { ...runtime.env, ...process.env } })
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig))
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)))
}
