// MSB network presets (spec msb.md §1.4, the reference's environment constants) and the resolution of the
// peer's --msb-* flags against them. The channel is padded to 32 bytes by repetition and used as the swarm
// topic as it is (§1.1).
import b4a from 'b4a'
import { subnetTopic } from '../common/index.js'
import { IntercomError } from '../errors.js'

export interface MsbNetworkPreset {
  name: string
  bootstrapHex: string
  channel: string
  networkId: number
  addressPrefix: string
}

export const MSB_PRESETS: Readonly<Record<string, MsbNetworkPreset>> = Object.freeze({
  mainnet: {
    name: 'mainnet',
    bootstrapHex: 'acbc3a4344d3a804101d40e53db1dda82b767646425af73599d4cd6577d69685',
    channel: '0000trac0network0msb0mainnet0000',
    networkId: 918,
    addressPrefix: 'trac'
  },
  testnet: {
    name: 'testnet',
    bootstrapHex: 'c184f4ad8e9cf5e911f9415b60e7dcfb30aed73ebd8a402ef68e1b154624f5ef',
    channel: '1111trac1network1msb1testnet1111',
    networkId: 919,
    addressPrefix: 'testtrac'
  },
  development: {
    name: 'development',
    bootstrapHex: '12f7f1668eac2e691e17cbc6a53e509c5cee78cdcac562313091c64e5fd077d6',
    channel: '12312313123123',
    networkId: 918,
    addressPrefix: 'trac'
  }
})

export interface MsbNetwork extends MsbNetworkPreset {
  /** The channel repeated to fill 32 bytes: the swarm topic and the legacy protocol name. */
  channel32: Uint8Array
}

export class MsbNetworkError extends IntercomError {
  constructor(message: string) {
    super('MSB_NETWORK', message)
    this.name = 'MsbNetworkError'
  }
}

/** Pads a 1..32-byte channel name to 32 bytes by repeating it (`b4a.alloc(32).fill(channel)`). */
export function channelTo32(channel: string): Uint8Array {
  const bytes = b4a.from(channel, 'utf8')
  if (bytes.byteLength < 1 || bytes.byteLength > 32)
    throw new MsbNetworkError(`Invalid --msb-channel: ${JSON.stringify(channel)} (expected 1-32 bytes).`)
  return subnetTopic(channel)
}

export function resolveMsbNetwork(opts: {
  network: string
  bootstrap: string | null
  channel: string | null
}): MsbNetwork {
  const preset = MSB_PRESETS[opts.network]
  if (preset === undefined)
    throw new MsbNetworkError(
      `Invalid --msb-network: ${JSON.stringify(opts.network)} (expected one of ${Object.keys(MSB_PRESETS).join(', ')}).`
    )
  const channel = opts.channel ?? preset.channel
  return {
    ...preset,
    bootstrapHex: (opts.bootstrap ?? preset.bootstrapHex).toLowerCase(),
    channel,
    channel32: channelTo32(channel)
  }
}
