// Shape tests for decoded JSON shared by the welcome, invite, blob and control codecs.

/** A non-null, non-array object (what JSON.parse yields for `{…}`). */
export function isObject (v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** Wrapped form of welcomes and invites: any object-typed `payload` member wins over the flat form. */
export function hasPayloadObject (v: Record<string, unknown>): v is { payload: Record<string, unknown> } {
  return v.payload !== null && typeof v.payload === 'object'
}
