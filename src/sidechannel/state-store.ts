// Persists what a restart must not forget (spec §9 B10): verified welcomes, accepted local invites
// and the remote invites this peer remembered. One small JSON file in the peer store, written
// atomically (temp file + rename) and debounced so bursts of auth messages cost one write.
import fs from 'fs'
import path from 'path'
import { isRecord } from '../common/index.js'

export interface PersistedSidechannelState {
  version: 1
  welcomes: Record<string, unknown>
  localInvites: Record<string, unknown>
  remoteInvites: Record<string, Record<string, number>>
  /** base64 channel keys of sealed channels (secret: the file is written owner-only). */
  channelKeys: Record<string, string>
}

export function emptyState(): PersistedSidechannelState {
  return { version: 1, welcomes: {}, localInvites: {}, remoteInvites: {}, channelKeys: {} }
}

export class SidechannelStateStore {
  readonly filePath: string | null
  private timer: ReturnType<typeof setTimeout> | null = null
  private pending: (() => PersistedSidechannelState) | null = null
  private writing: Promise<void> = Promise.resolve()

  constructor(
    filePath: string | null,
    private readonly debounceMs = 200,
    private readonly warn: (msg: string) => void = () => {}
  ) {
    this.filePath = filePath
  }

  /** Loads the state; a corrupt file is moved aside (kept for inspection), never silently overwritten. */
  async load(): Promise<PersistedSidechannelState> {
    if (!this.filePath) return emptyState()
    let text: string
    try {
      text = await fs.promises.readFile(this.filePath, 'utf8')
    } catch (err: any) {
      if (err?.code === 'ENOENT') return emptyState()
      throw err
    }
    try {
      const parsed = JSON.parse(text)
      if (!isRecord(parsed) || parsed.version !== 1) throw new Error('unknown format')
      const out = emptyState()
      if (isRecord(parsed.welcomes)) out.welcomes = parsed.welcomes
      if (isRecord(parsed.localInvites)) out.localInvites = parsed.localInvites
      if (isRecord(parsed.channelKeys)) {
        for (const [ch, k] of Object.entries(parsed.channelKeys)) if (typeof k === 'string') out.channelKeys[ch] = k
      }
      if (isRecord(parsed.remoteInvites)) {
        for (const [ch, m] of Object.entries(parsed.remoteInvites)) {
          if (!isRecord(m)) continue
          const keep: Record<string, number> = {}
          for (const [k, exp] of Object.entries(m)) if (typeof exp === 'number' && Number.isFinite(exp)) keep[k] = exp
          out.remoteInvites[ch] = keep
        }
      }
      return out
    } catch (err: any) {
      const aside = `${this.filePath}.corrupt-${Date.now()}`
      await fs.promises.rename(this.filePath, aside).catch(() => {})
      this.warn(
        `[sidechannel] state file ${this.filePath} is unreadable (${err?.message ?? err}); moved to ${aside}, starting empty.`
      )
      return emptyState()
    }
  }

  /** Schedules a write of whatever `snapshot()` returns when the debounce fires. */
  schedule(snapshot: () => PersistedSidechannelState): void {
    if (!this.filePath) return
    this.pending = snapshot
    if (this.timer) return
    this.timer = setTimeout(() => {
      this.timer = null
      this.writing = this.writing
        .then(() => this.writeNow())
        .catch((err) => this.warn(`[sidechannel] could not save state: ${err?.message ?? err}`))
    }, this.debounceMs)
  }

  /** Writes any pending state now; called on close so nothing accepted is lost. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = null
      this.writing = this.writing.then(() => this.writeNow())
    }
    await this.writing
  }

  private async writeNow(): Promise<void> {
    const snap = this.pending
    this.pending = null
    if (!snap || !this.filePath) return
    const data = JSON.stringify(snap(), null, 2) + '\n'
    await fs.promises.mkdir(path.dirname(this.filePath), { recursive: true })
    const tmp = `${this.filePath}.tmp-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`
    await fs.promises.writeFile(tmp, data, { mode: 0o600 })
    await fs.promises.rename(tmp, this.filePath)
  }
}
