// Console-style formatting without writing to the console: what `console.log(...args)` would print, as a
// string, on the host runtime (Node's util.formatWithOptions, Bare's bare-format; both render objects the
// way util.inspect does, so output agents parse is the same on both and the same as the reference's
// console.log lines).
import hostFormat from '#format'

/** `console.log(...args)` as a string (no colors, no trailing newline). */
export function formatArgs (args: unknown[]): string {
  return hostFormat.formatWithOptions({}, ...args)
}
