// `#format` (package.json "imports"): console.log's formatter of the host. Node's `util` and Bare's
// `bare-format` both export `formatWithOptions(options, ...args)` and format alike (`bare-inspect`
// follows `util.inspect`).
declare const hostFormat: {
  formatWithOptions (options: Record<string, unknown>, ...args: unknown[]): string
}
export default hostFormat
