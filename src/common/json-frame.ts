// The one Protomux message of a sidechannel session. On the wire it is exactly compact-encoding's
// `json` (uint length, then UTF-8 JSON), but decoding never throws: Protomux destroys the whole
// connection when a decoder throws, and a remote must not be able to do that with a bad frame.
// Oversized frames are skipped without decoding their text.
import c from 'compact-encoding'
import b4a from 'b4a'

export type InboundFrame =
  | { kind: 'json'; value: unknown; bytes: number }
  | { kind: 'too-large'; bytes: number }
  | { kind: 'malformed'; bytes: number; reason: string }

interface State {
  start: number
  end: number
  buffer: Uint8Array
}

/** Outbound frames are pre-serialized UTF-8 JSON bytes, so a broadcast serializes once. */
export function frameEncoding(maxInboundBytes: number) {
  return {
    preencode(state: State, m: Uint8Array) {
      c.uint.preencode(state as any, m.byteLength)
      state.end += m.byteLength
    },
    encode(state: State, m: Uint8Array) {
      c.uint.encode(state as any, m.byteLength)
      state.buffer.set(m, state.start)
      state.start += m.byteLength
    },
    decode(state: State): InboundFrame {
      const total = state.end - state.start
      let len: number
      try {
        len = c.uint.decode(state as any)
      } catch {
        state.start = state.end
        return { kind: 'malformed', bytes: total, reason: 'bad-length' }
      }
      const available = state.end - state.start
      if (len > available) {
        state.start = state.end
        return { kind: 'malformed', bytes: total, reason: 'truncated' }
      }
      const from = state.start
      state.start += len
      if (len > maxInboundBytes) return { kind: 'too-large', bytes: len }
      try {
        const text = b4a.toString(state.buffer, 'utf8', from, from + len)
        return { kind: 'json', value: JSON.parse(text), bytes: len }
      } catch {
        return { kind: 'malformed', bytes: len, reason: 'invalid-json' }
      }
    }
  }
}

export function serializePayload(payload: unknown): Uint8Array {
  return b4a.from(JSON.stringify(payload), 'utf8')
}
