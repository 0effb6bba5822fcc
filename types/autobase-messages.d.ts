// Autobase's internal (but published, "files": lib/**) compact-encoding schemas, as far as the MSB light reader
// uses them: the oplog block of a writer core and the Info record of the system core. Only the fields read
// are declared; see autobase/encoding/spec/autobase/schema.json for the full shapes.
declare module 'autobase/lib/messages.js' {
  import type { Encoder } from 'compact-encoding'

  interface AutobaseClockEntry { key: Uint8Array, length: number }
  interface AutobaseDigest { pointer: number, key: Uint8Array | null }
  interface AutobaseOplogMessage {
    version: number
    digest: AutobaseDigest | null
    checkpoint: unknown
    node: unknown
  }
  interface AutobaseInfo {
    version: number
    members: number
    pendingIndexers: Uint8Array[]
    indexers: AutobaseClockEntry[]
    heads: AutobaseClockEntry[]
    views: AutobaseClockEntry[]
    encryptionLength?: number
    entropy?: Uint8Array | null
  }
  const messages: {
    OplogMessage: Encoder<AutobaseOplogMessage>
    Info: Encoder<AutobaseInfo>
  }
  namespace messages { export { AutobaseClockEntry, AutobaseDigest, AutobaseOplogMessage, AutobaseInfo } }
  export = messages
}
