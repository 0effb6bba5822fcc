// Inbound byte budget per remote peer (spec §3 step 5), a token bucket with strikes and a temporary
// block. State is keyed by the remote key rather than the connection (bug B8): a peer that gets blocked
// and reconnects keeps its block and its drained bucket.

export interface RateLimiterOptions {
  /** Refill rate; ≤ 0 disables limiting. */
  rateBytesPerSecond: number
  /** Bucket size, which is also the largest message that can ever pass. */
  burstBytes: number
  /** Strikes within one strike window that trigger a block; ≤ 1 blocks on the first strike. */
  maxStrikes: number
  strikeWindowMs?: number
  blockMs?: number
  /** Idle time after which `sweep` may drop a peer whose state has returned to the initial one. */
  idleExpiryMs?: number
}

export type RateCheck = { ok: true } | { ok: false; reason: 'blocked' | 'over-budget'; blockedNow?: boolean }

export interface RateState {
  tokens: number
  strikes: number
  strikeResetAt: number
  blockedUntil: number
  lastRefillAt: number
  lastSeenAt: number
}

export class RateLimiter {
  readonly rateBytesPerSecond: number
  readonly burstBytes: number
  readonly maxStrikes: number
  readonly strikeWindowMs: number
  readonly blockMs: number
  readonly idleExpiryMs: number
  private readonly states = new Map<string, RateState>()

  constructor({
    rateBytesPerSecond,
    burstBytes,
    maxStrikes,
    strikeWindowMs = 5000,
    blockMs = 30000,
    idleExpiryMs = 120000
  }: RateLimiterOptions) {
    this.rateBytesPerSecond = rateBytesPerSecond
    this.burstBytes = burstBytes
    this.maxStrikes = maxStrikes
    this.strikeWindowMs = strikeWindowMs
    this.blockMs = blockMs
    this.idleExpiryMs = idleExpiryMs
  }

  get enabled(): boolean {
    return this.rateBytesPerSecond > 0
  }

  get size(): number {
    return this.states.size
  }

  /** Charges `bytes` to `key` if the bucket holds them; an over-budget message takes nothing but earns a strike. */
  check(key: string, bytes: number, now: number): RateCheck {
    if (!this.enabled) return { ok: true }
    let state = this.states.get(key)
    if (state === undefined) {
      state = {
        tokens: this.burstBytes,
        strikes: 0,
        strikeResetAt: now + this.strikeWindowMs,
        blockedUntil: 0,
        lastRefillAt: now,
        lastSeenAt: now
      }
      this.states.set(key, state)
    }
    state.lastSeenAt = Math.max(state.lastSeenAt, now)
    if (now < state.blockedUntil) return { ok: false, reason: 'blocked' }

    if (now > state.strikeResetAt) {
      state.strikes = 0
      state.strikeResetAt = now + this.strikeWindowMs
    }
    state.tokens = this.refilled(state, now)
    // A clock step backwards must not mint tokens later on, so the refill mark never moves back.
    state.lastRefillAt = Math.max(state.lastRefillAt, now)

    // NaN or negative sizes would corrupt the bucket; they can only come from a caller bug, so they cost a strike.
    const measurable = Number.isFinite(bytes) && bytes >= 0
    if (!measurable || bytes > state.tokens) {
      state.strikes += 1
      if (state.strikes >= this.maxStrikes) {
        state.blockedUntil = now + this.blockMs
        return { ok: false, reason: 'over-budget', blockedNow: true }
      }
      return { ok: false, reason: 'over-budget' }
    }
    state.tokens -= bytes
    return { ok: true }
  }

  isBlocked(key: string, now: number): boolean {
    const state = this.states.get(key)
    return state !== undefined && now < state.blockedUntil
  }

  /** A copy of the state for `key`, or null when none is kept. */
  peek(key: string): RateState | null {
    const state = this.states.get(key)
    return state === undefined ? null : { ...state }
  }

  /**
   * Drops `key` unconditionally, including an active block. Not meant for connection close: forgetting a
   * peer there would hand it a full bucket on reconnect; `sweep` reclaims memory safely instead.
   */
  forget(key: string): void {
    this.states.delete(key)
  }

  /**
   * Drops peers idle for at least `idleExpiryMs` whose state is indistinguishable from a fresh one (not
   * blocked, strike window over, bucket refilled), so forgetting them never changes a later decision.
   */
  sweep(now: number): number {
    let dropped = 0
    for (const [key, state] of this.states) {
      if (now - state.lastSeenAt < this.idleExpiryMs) continue
      if (now < state.blockedUntil) continue
      if (state.strikes > 0 && now <= state.strikeResetAt) continue
      if (this.refilled(state, now) < this.burstBytes) continue
      this.states.delete(key)
      dropped++
    }
    return dropped
  }

  private refilled(state: RateState, now: number): number {
    const elapsedMs = Math.max(0, now - state.lastRefillAt)
    return Math.min(this.burstBytes, state.tokens + (elapsedMs / 1000) * this.rateBytesPerSecond)
  }
}
