// TTY output formatting: exactly what console.log prints (the reference prints with console.log, and agents
// parse those lines), rendered by the host's own formatter so Node and Bare print the same.
import { formatArgs } from '../host/index.js'

export { formatArgs }

/** One value as console.log prints it: strings as they are, everything else as util.inspect renders it. */
export function inspectValue(v: unknown): string {
  return formatArgs([v])
}
