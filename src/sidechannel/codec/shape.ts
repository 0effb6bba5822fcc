// Shape tests for decoded JSON shared by the welcome, invite, blob and control codecs.

/** A non-null, non-array object (what JSON.parse yields for `{…}`). */
export { isRecord as isObject } from '../../common/index.js'

/** Wrapped form of welcomes and invites: any object-typed `payload` member wins over the flat form. */
export function hasPayloadObject(v: Record<string, unknown>): v is { payload: Record<string, unknown> } {
  return v.payload !== null && typeof v.payload === 'object'
}
