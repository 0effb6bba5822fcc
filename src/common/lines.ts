// Line splitting for non-interactive input (a pipe, a file, /dev/null): what Node's readline does
// with `terminal: false`, done here so it is the same on every runtime. Bare's readline
// (bare-readline) always edits lines as a terminal would, so on a pipe it echoed every keystroke
// with prompts and cursor escape codes.

/**
 * Splits text into lines ended by `\n`, `\r\n` or a lone `\r`. A `\r\n` split across two chunks
 * still counts once. Bytes are decoded as UTF-8, also when a character is split across chunks.
 */
export class LineSplitter {
  private partial = ''
  private lastWasCR = false
  private readonly decoder = new TextDecoder()

  /** Feeds a chunk; returns the lines it completed. */
  push(chunk: Uint8Array | string): string[] {
    let text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true })
    if (this.lastWasCR && text.startsWith('\n')) text = text.slice(1)
    if (text.length > 0) this.lastWasCR = text.endsWith('\r')
    const parts = (this.partial + text).split(/\r\n|\n|\r/)
    this.partial = parts.pop()!
    return parts
  }

  /** The input ended: returns the last line if it had no line end. */
  end(): string[] {
    const rest = this.partial + this.decoder.decode()
    this.partial = ''
    this.lastWasCR = false
    return rest.length > 0 ? [rest] : []
  }
}

/** The stream surface the reader needs; Node's and Bare's stdin both have it. */
export interface LineSource {
  on(event: string, fn: (...args: any[]) => void): unknown
  removeListener(event: string, fn: (...args: any[]) => void): unknown
  pause?(): unknown
}

/**
 * Calls `online` for every line of `input` and `onend` once when it ends (or errors). Never writes
 * anything. `close()` stops reading and pauses the stream so it no longer holds the process open.
 * Stream errors (EOF on a closed descriptor, EIO) end the input; they are not thrown.
 */
export class LineReader {
  private readonly splitter = new LineSplitter()
  private closed = false

  constructor(
    private readonly input: LineSource,
    private readonly online: (line: string) => void,
    private readonly onend: () => void = () => {}
  ) {
    input.on('data', this.ondata)
    input.on('end', this.onfinish)
    input.on('error', this.onfinish)
  }

  private readonly ondata = (chunk: Uint8Array | string): void => {
    if (this.closed) return
    for (const line of this.splitter.push(chunk)) {
      if (this.closed) return
      this.online(line)
    }
  }

  private readonly onfinish = (): void => {
    if (this.closed) return
    for (const line of this.splitter.end()) this.online(line)
    this.close()
    this.onend()
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.input.removeListener('data', this.ondata)
    this.input.removeListener('end', this.onfinish)
    // The 'error' listener stays: an error on stdin after close must not become an uncaught one.
    this.input.pause?.()
  }
}
