// The plain-object check every untrusted-input path starts with.

/** A non-null object that is not an array (what JSON.parse gives for `{…}`). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
