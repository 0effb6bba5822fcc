// The "stable stringify" every signed or hashed sidechannel structure goes through (spec §2.2).
// It is compact JSON with object keys sorted by UTF-16 code units, except that `undefined` (as a
// member, an array item or the whole value) becomes `null` instead of being dropped. That difference
// is the root of bug B1, so senders must hand in values that are already pure JSON.

/** Serializes `value` to the canonical string; throws a TypeError on BigInt, functions and symbols. */
export function canonicalJson(value: unknown): string {
  return canonicalOf(value)
}

function canonicalOf(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value)
    case 'number':
      // JSON.stringify already maps NaN/±Infinity to null and -0 to 0.
      return JSON.stringify(value)
    case 'object':
      return Array.isArray(value) ? canonicalArray(value) : canonicalObject(value as Record<string, unknown>)
    default:
      // The reference would emit the bare text `undefined` for functions/symbols and throw on BigInt;
      // neither can come out of JSON, so refusing them loudly is the safe choice.
      throw new TypeError('non-JSON value')
  }
}

function canonicalArray(items: readonly unknown[]): string {
  let out = '['
  // Index loop (not forEach/map) so that holes in sparse arrays are visited and written as null.
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ','
    out += canonicalOf(items[i])
  }
  return out + ']'
}

function canonicalObject(obj: Record<string, unknown>): string {
  // Default sort compares UTF-16 code units, which is exactly the order the reference uses.
  const keys = Object.keys(obj).sort()
  let out = '{'
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]
    if (i > 0) out += ','
    out += JSON.stringify(key) + ':' + canonicalOf(obj[key])
  }
  return out + '}'
}
