// Op schemas (spec §4.3), kept apart from the handlers that use them. They are fastest-validator 1.19
// schemas written the way the reference writes them (`$$type` shorthands), so the library gives the same
// answers, including its quirk: a `$$strict` inside a `$$type` shorthand is ignored, so `msg` value/dispatch
// and `tx` dispatch accept extra keys (vectors `msg/EDGE-extra-*`, `tx/EDGE-extra-dispatch-field-*`).
// Where the spec does not pin a detail down, the choice is noted next to it.
import { compileCheck, type Schema } from '../validator.js'

const hex = (): Schema => ({ type: 'is_hex' })
const str = (): Schema => ({ type: 'string' })
const bool = (): Schema => ({ type: 'boolean' })
/** Nonces are 64 hex characters in practice; schemas only ask for a string of 1..256 characters. */
const nonce = (): Schema => ({ type: 'string', min: 1, max: 256 })
const int = (extra: Schema = {}): Schema => ({ type: 'number', integer: true, ...extra })

function guard<T>(schema: Schema): (value: unknown) => value is T {
  const check = compileCheck(schema)
  return (value: unknown): value is T => check(value)
}

/** Every node: an object whose `type` is a string of 1..256 characters (BaseCheck.validateNode). */
export const isOpNode = guard<{ type: string }>({ type: { type: 'string', min: 1, max: 256 } })

export interface KeyOp {
  type: string
  key: string
}
/** addAdmin, autoAddWriter: unsigned, a hex key. */
export const isKeyOp = guard<KeyOp>({ key: hex() })

export interface MsgLayoutOp {
  type: string
  key: string
  value: { msg: { type: string; key: string } }
  hash: string
  nonce: string
}
/** addWriter, addIndexer, removeWriter: the key is a writer key. */
export const isMembershipOp = guard<MsgLayoutOp>({
  key: hex(),
  hash: hex(),
  nonce: nonce(),
  value: { $$type: 'object', msg: { $$type: 'object', type: str(), key: hex() } }
})
/** setAutoAddWriters, setChatStatus: the key is 'on'/'off' (checked by the handler). */
export const isToggleOp = guard<MsgLayoutOp>({
  key: str(),
  hash: hex(),
  nonce: nonce(),
  value: { $$type: 'object', msg: { $$type: 'object', type: str(), key: str() } }
})

export interface DispatchOp<D> {
  type: string
  value: { dispatch: D }
  hash: string
  nonce: string
}
function dispatchOp<D>(dispatch: Schema): (value: unknown) => value is DispatchOp<D> {
  return guard<DispatchOp<D>>({
    hash: hex(),
    nonce: nonce(),
    value: { $$type: 'object', dispatch: { $$type: 'object', type: str(), ...dispatch } }
  })
}

export interface UpdateAdminDispatch {
  type: string
  admin: string | null
  address: string
}
export const isUpdateAdminOp = dispatchOp<UpdateAdminDispatch>({
  admin: { type: 'is_hex', nullable: true },
  address: hex()
})

export interface EnableDispatch {
  type: string
  enabled: boolean
  address: string
}
/** enableTransactions, enableWhitelist (same schema, which is why the two can be relabelled; §4.3). */
export const isEnableOp = dispatchOp<EnableDispatch>({ enabled: bool(), address: hex() })

export interface WhitelistDispatch {
  type: string
  user: string
  status: boolean
  address: string
}
export const isSetWhitelistStatusOp = dispatchOp<WhitelistDispatch>({ user: hex(), status: bool(), address: hex() })

export interface ModDispatch {
  type: string
  user: string
  mod: boolean
  address: string
}
export const isSetModOp = dispatchOp<ModDispatch>({ user: hex(), mod: bool(), address: hex() })

export interface MuteDispatch {
  type: string
  user: string
  muted: boolean
  address: string
}
export const isMuteStatusOp = dispatchOp<MuteDispatch>({ user: hex(), muted: bool(), address: hex() })

export interface NickDispatch {
  type: string
  nick: string
  address: string
  initiator: string
}
export const isSetNickOp = dispatchOp<NickDispatch>({
  nick: { type: 'string', min: 1, max: 256 },
  address: hex(),
  initiator: hex()
})

export interface DeleteMessageDispatch {
  type: string
  id: number
  address: string
}
/** `id` has no minimum: a negative id simply names no message. */
export const isDeleteMessageOp = dispatchOp<DeleteMessageDispatch>({ id: int(), address: hex() })

export interface PinMessageDispatch {
  type: string
  id: number
  pinned: boolean
  address: string
}
export const isPinMessageOp = dispatchOp<PinMessageDispatch>({ id: int(), pinned: bool(), address: hex() })

export interface UnpinMessageDispatch {
  type: string
  id: number
  address: string
}
/** `id` is a pin id, >= 0 (vector `unpinMessage/id-negative`). */
export const isUnpinMessageOp = dispatchOp<UnpinMessageDispatch>({ id: int({ min: 0 }), address: hex() })

export interface MessageDispatch {
  type: string
  msg: string | null
  address: string
  attachments: string[]
  deleted_by: string | null
  reply_to: number | null
  pinned: boolean
  pin_id: number | null
  [extra: string]: unknown
}
/** `msg`: strict at the top level only; the nested `$$strict` flags are ignored by fastest-validator 1.19. */
export const isMsgOp = guard<DispatchOp<MessageDispatch>>({
  $$strict: true,
  type: str(),
  nonce: nonce(),
  hash: hex(),
  value: {
    $$type: 'object',
    $$strict: true,
    dispatch: {
      $$type: 'object',
      $$strict: true,
      attachments: { type: 'array', items: 'string' },
      msg: { type: 'string', min: 1 },
      type: str(),
      address: hex(),
      deleted_by: { type: 'is_hex', nullable: true },
      reply_to: int({ min: 0, nullable: true }),
      pinned: bool(),
      pin_id: int({ nullable: true })
    }
  }
})

export interface FeatureDispatch {
  type: unknown
  key: unknown
  hash: string
  value: unknown
  nonce: string
  address: unknown
}
export interface FeatureOp {
  type: 'feature'
  key: string
  value: { dispatch: FeatureDispatch }
}
/**
 * `feature`: only the parts the handler relies on are checked; `dispatch.type`, `.key` and `.address` are left
 * to the contract (Contract.execute returns false without an is_hex address). The nonce gets the usual 1..256
 * bound (the spec only says "string"; every real nonce is 64 characters).
 */
export const isFeatureOp = guard<FeatureOp>({
  key: { type: 'string', min: 1, max: 256 },
  value: {
    $$type: 'object',
    dispatch: { $$type: 'object', value: { type: 'any', nullable: true }, nonce: nonce(), hash: hex() }
  }
})

export interface TxDispatch {
  type: string
  value: unknown
  [extra: string]: unknown
}
export interface TxOp {
  type: 'tx'
  key: string
  value: { msbsl: number; dispatch: TxDispatch; ipk: string; wp: string }
}
/**
 * `tx`: `dispatch.value` must be present (null allowed); the nested `$$strict` is ignored (extra dispatch keys
 * pass and are then caught, or not, by the `ch` check). `msbsl` must be a non-negative integer: the spec only
 * says "int"; anything else would reach the MSB wait with an argument it refuses.
 */
export const isTxOp = guard<TxOp>({
  key: hex(),
  value: {
    $$type: 'object',
    msbsl: int({ min: 0 }),
    dispatch: {
      $$type: 'object',
      $$strict: true,
      type: { type: 'string', min: 1, max: 256 },
      value: { type: 'any', nullable: true }
    },
    ipk: hex(),
    wp: hex()
  }
})
