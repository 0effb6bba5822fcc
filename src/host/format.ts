// Console-style formatting without writing to the console: what `console.log(...args)` would print, as a
// string, on the host runtime (Node's util.formatWithOptions, Bare's bare-format; both render objects the
// way util.inspect does, so output agents parse is the same on both and the same as the reference's
// console.log lines).
import hostFormat from '#format'

/**
 * `console.log(...args)` as a string (no trailing newline). `colors`: inspected values colored as a console
 * on a terminal colors them (numbers yellow, strings green, null bold); plain string arguments never are.
 */
export function formatArgs(args: unknown[], opts: { colors?: boolean } = {}): string {
  return hostFormat.formatWithOptions(opts.colors === true ? { colors: true } : {}, ...args)
}
