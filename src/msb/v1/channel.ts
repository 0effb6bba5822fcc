// The `network/v1` Protomux channel of an MSB connection (spec msb.md §1.3): no id, no handshake, one message
// type (index 0) carrying the raw protobuf envelope. Oversized or undecodable frames reach the handler as
// `null` with the raw bytes, so the caller can count and drop them; nothing here throws into Protomux.
import Protomux from 'protomux'
import c from 'compact-encoding'
import { MAX_V1_MESSAGE_BYTES, V1_PROTOCOL, decodeV1, encodeV1, type V1Message } from './envelope.js'

export interface V1ChannelHandlers {
  onmessage(msg: V1Message | null, raw: Uint8Array): void
  onopen?(): void
  onclose?(): void
}

export interface V1Channel {
  /** Sends one envelope; false when the channel is closed or the message is over 4096 bytes. */
  send(msg: V1Message): boolean
  close(): void
  readonly isOpen: boolean
  /** Resolves true once both sides opened the channel, false if it closed first. */
  opened: Promise<boolean>
}

/** Attaches the channel to a connection (or an existing Protomux); null if this mux already has one open. */
export function openV1Channel(muxOrStream: unknown, handlers: V1ChannelHandlers): V1Channel | null {
  const mux = Protomux.isProtomux(muxOrStream) ? (muxOrStream as Protomux) : Protomux.from(muxOrStream)
  const channel = mux.createChannel({
    protocol: V1_PROTOCOL,
    onopen: () => {
      try {
        handlers.onopen?.()
      } catch {}
    },
    onclose: () => {
      try {
        handlers.onclose?.()
      } catch {}
    }
  })
  if (channel === null) return null
  const message = channel.addMessage<Uint8Array>({
    encoding: c.raw as any,
    onmessage: (raw: Uint8Array) => {
      let msg: V1Message | null = null
      try {
        msg = raw.byteLength <= MAX_V1_MESSAGE_BYTES ? decodeV1(raw) : null
      } catch {}
      try {
        handlers.onmessage(msg, raw)
      } catch {}
    }
  })
  channel.open()
  return {
    send(msg: V1Message): boolean {
      if (channel.closed || channel.destroyed) return false
      const bytes = encodeV1(msg)
      if (bytes.byteLength > MAX_V1_MESSAGE_BYTES) return false
      message.send(bytes)
      return true
    },
    close(): void {
      channel.close()
    },
    get isOpen(): boolean {
      return channel.opened && !channel.closed
    },
    opened: channel.fullyOpened()
  }
}
