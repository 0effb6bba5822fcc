// fastest-validator 1.19 set up like trac-peer's BaseCheck (spec §5), so op schemas behave exactly as the
// reference's do, quirks included (e.g. a nested `$$strict` inside a `$$type` shorthand is ignored).
//
// Custom type `is_hex`: the value must survive hex → bytes → hex unchanged, i.e. it is a string of lowercase,
// even-length hex. The empty string passes and there is no length check (schemas that need one add it).
// Non-strings fail (the reference would hand them to Buffer.from and fail or throw; failing is the safe reading).
import FastestValidator from 'fastest-validator'

// The package is CommonJS with `module.exports = Validator`, while its typings declare an ES default export;
// under nodenext TypeScript sees the namespace, Node hands us the class itself.
type Validator = FastestValidator.default
const Validator = FastestValidator as unknown as typeof FastestValidator.default

/** Lowercase even-length hex, the exact set of strings that survive the reference's hex round trip. */
export const HEX_ROUND_TRIP_RE = /^(?:[0-9a-f]{2})*$/

export function isHexRoundTrip(value: unknown): value is string {
  return typeof value === 'string' && HEX_ROUND_TRIP_RE.test(value)
}

/** A fastest-validator schema written as plain data (custom type names do not fit the library's typings). */
export type Schema = Record<string, unknown>

export type Check = (value: unknown) => boolean

function createValidator(): Validator {
  const v = new Validator({ useNewCustomCheckerFunction: true })
  v.addMessage('isHex', "The '{field}' field must be lowercase even-length hex.")
  v.add('is_hex', function (this: Validator, { messages }) {
    return {
      source: `
        if (typeof value !== "string" || !${HEX_ROUND_TRIP_RE.toString()}.test(value)) {
          ${this.makeError({ type: 'isHex' as never, actual: 'value', messages })}
        }
        return value;
      `
    }
  })
  return v
}

let shared: Validator | null = null

/** The validator every subnet schema is compiled with (one instance; compiling is the costly part). */
export function subnetValidator(): Validator {
  shared ??= createValidator()
  return shared
}

/**
 * Compiles `schema` into a predicate. The schema object is consumed (fastest-validator rewrites it while
 * compiling), so pass a fresh literal. Validation never throws for JSON input; a throw from exotic input
 * (getters, proxies) counts as a failed check.
 */
export function compileCheck(schema: Schema): Check {
  const fn = subnetValidator().compile(schema as never)
  if (fn.async) throw new TypeError('subnet schemas must be synchronous')
  return (value) => {
    try {
      return fn(value) === true
    } catch {
      return false
    }
  }
}
