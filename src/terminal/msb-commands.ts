// MSB terminal commands: `/msb` (the reference's status fields, plus what a light client can add), `/balance`,
// `/transfer` and `/deploy_subnet`. Transfers and deployments wait for the indexer-signed confirmation and
// report it; every refusal names the validator's reason (the same result-code names the MSB uses).
import { isAddress } from '../wallet/index.js'
import { formatAmount, parseAmount } from '../msb/index.js'
import type { MsbClient } from '../msb/index.js'
import { channelToIc, type PartialOperation } from '../msb/index.js'
import { pickArg } from '../common/index.js'
import type { CommandContext, CommandSpec } from './commands.js'
import { IntercomError } from '../errors.js'
import type { MSB_OP } from '../common/index.js'

/** MSB's `txv` for an empty indexer set: BLAKE3 of nothing (what a node with empty state reports). */
export const EMPTY_TXV = 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262'

export const MSB_OFF =
  'The MSB client is off (--msb 0, or local-only mode refused its DHT); settlement commands are unavailable.'

/** What the terminal uses of the MSB client (`MsbClient` satisfies it). */
export type TerminalMsb = Pick<
  MsbClient,
  | 'status'
  | 'account'
  | 'addressOf'
  | 'buildTransfer'
  | 'buildDeployment'
  | 'precheck'
  | 'send'
  | 'waitForConfirmed'
  | 'fee'
  | 'networkId'
  | 'bootstrapHex'
  | 'addressPrefix'
>

function msbOf(ctx: CommandContext): TerminalMsb {
  const msb = ctx.peer.msb ?? null
  if (msb === null) throw new IntercomError('MSB_DISABLED', MSB_OFF)
  return msb
}

function signerOf(ctx: CommandContext, msb: TerminalMsb): { address: string; secretKey: Uint8Array } {
  const kp = ctx.peer.walletKeyPair ?? null
  if (kp === null) throw new IntercomError('COMMAND_FAILED', 'Wallet keys are not available.')
  return { address: msb.addressOf(kp.publicKey), secretKey: kp.secretKey }
}

const tnk = (units: bigint): string => `${formatAmount(units)} TNK`

export const MSB_COMMANDS: CommandSpec[] = [
  {
    name: '/msb',
    section: 'System',
    usage: '/msb',
    description: "MSB status: network, txv, confirmed length, validators, this peer's MSB address, balance and the fee",
    async run(_args, ctx) {
      const msb = msbOf(ctx)
      const s = msb.status()
      const kp = ctx.peer.walletKeyPair ?? null
      const address = kp === null ? null : msb.addressOf(kp.publicKey)
      const account = address === null ? null : await msb.account(address)
      // The reference's object first, with its keys, order and value types: amounts as decimal TNK strings
      // (0 when there is no account), txv as hex (the empty indexer set's before the first sync, as a node
      // with empty state reports it). A light client holds only confirmed state, so its unsigned length is
      // its confirmed length.
      ctx.print({
        networkId: s.networkId,
        msbBootstrap: s.msbBootstrap,
        txv: s.txv ?? EMPTY_TXV,
        msbSignedLength: s.msbSignedLength,
        msbUnsignedLength: s.msbSignedLength,
        connectedValidators: s.connectedValidators,
        peerMsbAddress: address,
        peerMsbBalance: account === null ? 0 : formatAmount(account.balance),
        msbFee: formatAmount(msb.fee)
      })
      // What only the light client knows, after it.
      ctx.print({
        network: s.network,
        channel: s.channel,
        knownValidators: s.knownValidators,
        connections: s.connections,
        indexers: s.indexers,
        viewKey: s.viewKey,
        verified: s.verified,
        staleSeconds: s.staleMs === null ? null : Math.round(s.staleMs / 1000),
        error: s.error
      })
    }
  },
  {
    name: '/balance',
    section: 'System',
    usage: '/balance [--address "<trac1…>"]',
    description: "confirmed MSB balance of an address (default: this peer's)",
    async run(args, ctx) {
      const msb = msbOf(ctx)
      let address = pickArg(args, 'address')
      if (address === null) address = signerOf(ctx, msb).address
      address = address.trim()
      if (!isAddress(address, msb.addressPrefix))
        throw new IntercomError('COMMAND_INVALID', `Invalid --address: expected a ${msb.addressPrefix}1… address.`)
      const account = await msb.account(address)
      const s = msb.status()
      if (account === null) {
        ctx.print({
          address,
          balance: '0 TNK',
          exists: false,
          signedLength: s.msbSignedLength,
          note: 'no MSB account: fund this address to create one'
        })
        return
      }
      ctx.print({
        address,
        balance: tnk(account.balance),
        balanceUnits: account.balance.toString(),
        stakedBalance: tnk(account.stakedBalance),
        isValidator: account.isWriter && !account.isIndexer,
        isIndexer: account.isIndexer,
        signedLength: s.msbSignedLength
      })
    }
  },
  {
    name: '/transfer',
    section: 'System',
    usage: '/transfer --to "<trac1…>" --amount <TNK>',
    description: 'send TNK on the MSB (plus the 0.03 TNK fee) and wait for the confirmation',
    async run(args, ctx) {
      const msb = msbOf(ctx)
      const to = pickArg(args, 'to')?.trim() ?? null
      const amountText = pickArg(args, 'amount')?.trim() ?? null
      if (to === null || amountText === null)
        throw new IntercomError('COMMAND_INVALID', 'Usage: /transfer --to "<trac1…>" --amount <TNK>')
      if (!isAddress(to, msb.addressPrefix))
        throw new IntercomError('COMMAND_INVALID', `Invalid --to: expected a ${msb.addressPrefix}1… address.`)
      let amount: bigint
      try {
        amount = parseAmount(amountText)
      } catch (err) {
        throw new IntercomError('COMMAND_INVALID', `Invalid --amount: ${(err as Error).message}`)
      }
      const op = msb.buildTransfer(signerOf(ctx, msb), to, amount) as PartialOperation & {
        type: typeof MSB_OP.TRANSFER
      }
      await msb.precheck(op)
      await msb.send(op)
      ctx.print(`Transfer ${op.tro.tx} accepted by an MSB validator; waiting for the confirmation...`)
      const length = await msb.waitForConfirmed(op.tro.tx)
      ctx.print(
        `Transfer confirmed (MSB signed length ${length}): ${tnk(amount)} to ${to}, fee ${tnk(msb.fee)}. tx ${op.tro.tx}`
      )
    }
  },
  {
    name: '/deploy_subnet',
    section: 'Setup',
    usage: '/deploy_subnet',
    description:
      "register this subnet's bootstrap on the MSB (needed before /tx settles) and wait for the confirmation",
    async run(_args, ctx) {
      const msb = msbOf(ctx)
      const subnet = ctx.peer.subnet ?? null
      if (subnet === null) throw new IntercomError('SUBNET_NOT_READY', 'Subnet not initialized.')
      const channel = subnet.channel ?? null
      if (channel === null) throw new IntercomError('SUBNET_NOT_READY', 'The subnet channel is unknown.')
      const op = msb.buildDeployment(signerOf(ctx, msb), subnet.bootstrapHex, channel) as PartialOperation & {
        type: typeof MSB_OP.BOOTSTRAP_DEPLOYMENT
      }
      await msb.precheck(op)
      await msb.send(op)
      // The reference prints these three lines once the deployment is broadcast; we then also wait for it.
      ctx.print(`Subnet bootstrap: ${subnet.bootstrapHex}`)
      ctx.print(`Subnet channel (hex): ${channelToIc(channel)}`)
      ctx.print(`Subnet deployment tx: ${op.bdo.tx}`)
      const length = await msb.waitForConfirmed(op.bdo.tx)
      ctx.print(`Subnet deployment confirmed (MSB signed length ${length}).`)
    }
  }
]
