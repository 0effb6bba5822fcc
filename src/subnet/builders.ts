// Builders for every subnet op, producing exactly what trac-peer's terminal, API, Feature and
// TransactionObserver append: same fields, same key order (the key order is part of what is signed, §4.2).
// Nonces come from the caller (32 random bytes as hex in practice), which keeps builders pure and testable.
import { fromHex, sign, toHex, type KeyPair } from '../crypto/index.js'
import { encodeAddress } from '../wallet/index.js'
import { MSB_OP, commandHash, txHash } from '../common/index.js'
import { signTextHex, signedText } from './signing.js'
import type { MessageDispatch, TxDispatch } from './ops/schemas.js'

export type Signer = KeyPair

const pubHex = (signer: Signer): string => toHex(signer.publicKey)
const onOff = (on: boolean | 'on' | 'off'): 'on' | 'off' => (on === true || on === 'on' ? 'on' : 'off')

/** `{ type, value: { dispatch }, hash, nonce }`, signed over `JSON.stringify(value) + nonce`. */
function dispatchOp<D extends { type: string }>(
  signer: Signer,
  dispatch: D,
  nonce: string
): { type: D['type']; value: { dispatch: D }; hash: string; nonce: string } {
  const value = { dispatch }
  return { type: dispatch.type, value, hash: signTextHex(signedText(value, nonce), signer.secretKey), nonce }
}

/** `{ [op,] type, key, value: { msg: { type, key } }, hash, nonce }`, signed over `JSON.stringify(msg) + nonce`. */
function msgLayoutOp<T extends string>(
  signer: Signer,
  type: T,
  key: string,
  nonce: string,
  opField?: 'append_writer' | 'remove_writer'
) {
  const msg = { type, key }
  const hash = signTextHex(signedText(msg, nonce), signer.secretKey)
  const value = { msg }
  return opField === undefined ? { type, key, value, hash, nonce } : { op: opField, type, key, value, hash, nonce }
}

/** Unsigned; only works when appended by the subnet bootstrap writer, once. */
export function buildAddAdmin(adminPublicKeyHex: string) {
  return { type: 'addAdmin' as const, key: adminPublicKeyHex }
}

/** Signed by the current admin; `newAdmin = null` gives the role up for good. */
export function buildUpdateAdmin(signer: Signer, newAdmin: string | null, nonce: string) {
  return dispatchOp(signer, { type: 'updateAdmin' as const, admin: newAdmin, address: pubHex(signer) }, nonce)
}

export function buildAddWriter(signer: Signer, writerKeyHex: string, nonce: string) {
  return msgLayoutOp(signer, 'addWriter', writerKeyHex, nonce, 'append_writer')
}

export function buildAddIndexer(signer: Signer, writerKeyHex: string, nonce: string) {
  return msgLayoutOp(signer, 'addIndexer', writerKeyHex, nonce, 'append_writer')
}

/** Also what `/remove_indexer` sends (there is no removeIndexer op). */
export function buildRemoveWriter(signer: Signer, writerKeyHex: string, nonce: string) {
  return msgLayoutOp(signer, 'removeWriter', writerKeyHex, nonce, 'remove_writer')
}

export function buildSetAutoAddWriters(signer: Signer, on: boolean | 'on' | 'off', nonce: string) {
  return msgLayoutOp(signer, 'setAutoAddWriters', onOff(on), nonce)
}

export function buildSetChatStatus(signer: Signer, on: boolean | 'on' | 'off', nonce: string) {
  return msgLayoutOp(signer, 'setChatStatus', onOff(on), nonce)
}

/** Unsigned; what a writable peer appends when a joiner's invite arrives (§3.5). */
export function buildAutoAddWriter(writerKeyHex: string) {
  return { type: 'autoAddWriter' as const, key: writerKeyHex }
}

export function buildEnableTransactions(signer: Signer, enabled: boolean, nonce: string) {
  return dispatchOp(signer, { type: 'enableTransactions' as const, enabled, address: pubHex(signer) }, nonce)
}

export function buildEnableWhitelist(signer: Signer, enabled: boolean, nonce: string) {
  return dispatchOp(signer, { type: 'enableWhitelist' as const, enabled, address: pubHex(signer) }, nonce)
}

export function buildSetWhitelistStatus(signer: Signer, user: string, status: boolean, nonce: string) {
  return dispatchOp(signer, { type: 'setWhitelistStatus' as const, user, status, address: pubHex(signer) }, nonce)
}

export function buildSetMod(signer: Signer, user: string, mod: boolean, nonce: string) {
  return dispatchOp(signer, { type: 'setMod' as const, user, mod, address: pubHex(signer) }, nonce)
}

export function buildMuteStatus(signer: Signer, user: string, muted: boolean, nonce: string) {
  return dispatchOp(signer, { type: 'muteStatus' as const, user, muted, address: pubHex(signer) }, nonce)
}

/** Names `user` (default: the signer). A mod or the admin may name someone else. */
export function buildSetNick(signer: Signer, nick: string, nonce: string, user: string = pubHex(signer)) {
  return dispatchOp(signer, { type: 'setNick' as const, nick, address: user, initiator: pubHex(signer) }, nonce)
}

/** `ProtocolApi.prepareMessage`: the unsigned `{ dispatch }` a client signs (with `JSON.stringify(it) + nonce`). */
export function prepareMessage(
  text: string,
  addressHex: string,
  replyTo: number | null = null,
  attachments: string[] = []
): { dispatch: MessageDispatch } {
  return {
    dispatch: {
      type: 'msg',
      msg: text,
      address: addressHex,
      attachments,
      deleted_by: null,
      reply_to: replyTo,
      pinned: false,
      pin_id: null
    }
  }
}

/** `ProtocolApi.post` / `/post`: a chat message from a prepared value and its signature. */
export function buildMessageFromPrepared(prepared: { dispatch: MessageDispatch }, signatureHex: string, nonce: string) {
  return { type: 'msg' as const, value: prepared, hash: signatureHex, nonce }
}

/** `/post --message <text> [--reply_to <id>]`, signed by the author. */
export function buildMessage(
  signer: Signer,
  text: string,
  nonce: string,
  opts: { replyTo?: number | null; attachments?: string[] } = {}
) {
  const prepared = prepareMessage(text, pubHex(signer), opts.replyTo ?? null, opts.attachments ?? [])
  return buildMessageFromPrepared(prepared, signTextHex(signedText(prepared, nonce), signer.secretKey), nonce)
}

export function buildDeleteMessage(signer: Signer, id: number, nonce: string) {
  return dispatchOp(signer, { type: 'deleteMessage' as const, id, address: pubHex(signer) }, nonce)
}

export function buildPinMessage(signer: Signer, id: number, pinned: boolean, nonce: string) {
  return dispatchOp(signer, { type: 'pinMessage' as const, id, pinned, address: pubHex(signer) }, nonce)
}

/** `pinId` is the pin slot (`pni/<pinId>`), not the message id. */
export function buildUnpinMessage(signer: Signer, pinId: number, nonce: string) {
  return dispatchOp(signer, { type: 'unpinMessage' as const, id: pinId, address: pubHex(signer) }, nonce)
}

/**
 * `Feature.append(key, value)` of a feature registered as `featureKey`: signed over
 * `JSON.stringify(value) + nonce` only. Applied only when the signer is the subnet admin.
 */
export function buildFeature(signer: Signer, featureKey: string, key: string, value: unknown, nonce: string) {
  const hash = signTextHex(signedText(value, nonce), signer.secretKey)
  return {
    type: 'feature' as const,
    key: `${featureKey}_${key}`,
    value: { dispatch: { type: `${featureKey}_feature`, key, hash, value, nonce, address: pubHex(signer) } }
  }
}

/** The TransactionObserver's subnet op, appended once the MSB record is confirmed at `msbsl`. Not signed. */
export function buildTxOp(input: { txHash: string; msbsl: number; dispatch: TxDispatch; ipk: string; wp: string }) {
  return {
    type: 'tx' as const,
    key: input.txHash,
    value: { msbsl: input.msbsl, dispatch: input.dispatch, ipk: input.ipk, wp: input.wp }
  }
}

export interface MsbTxPayloadInput {
  /** The invoker: signs the tx and pays the fee. */
  signer: Signer
  dispatch: TxDispatch
  networkId: number
  addressPrefix: string
  /** Hex, 32 bytes each: MSB indexer-sequence state, relaying peer's subnet writer key, subnet and MSB bootstraps. */
  txv: string
  iw: string
  bs: string
  mbs: string
  nonce: string
}

/**
 * The MSB payload `Protocol.broadcastTransaction` hands to the MSB (§8.2): `{ type: 12, address, txo }` with
 * `txo` in the order tx, txv, iw, in, ch, is, bs, mbs (all hex). `is` signs the 32 raw bytes of `tx`.
 */
export function buildMsbTxPayload(input: MsbTxPayloadInput) {
  const ch = commandHash(input.dispatch)
  const tx = txHash({
    networkId: input.networkId,
    txv: input.txv,
    iw: input.iw,
    ch,
    bs: input.bs,
    mbs: input.mbs,
    nonce: input.nonce
  })
  const is = toHex(sign(fromHex(tx), input.signer.secretKey))
  return {
    type: MSB_OP.TX,
    address: encodeAddress(input.signer.publicKey, input.addressPrefix),
    txo: { tx, txv: input.txv, iw: input.iw, in: input.nonce, ch, is, bs: input.bs, mbs: input.mbs }
  }
}
