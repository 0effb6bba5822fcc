// Reads a stopped peer's subnet store directly (Corestore + hypercore-storage in the reference's format, no
// Autobase, no apply): every core in it with its length, tree hash and blocks, and a view core's entries.
// Reference and our stores have the same format, so one reader compares both byte for byte (the live interop
// check and the recorded-blocks test use it). The store must not be open elsewhere (RocksDB takes a lock).
import Corestore from 'corestore-subnet'
import CoreStorage from 'hypercore-storage-subnet'
import Hyperbee from 'hyperbee'
import b4a from 'b4a'

export interface CoreDump {
  key: string
  length: number
  /** Tree hash at `length` (hex), '' for an empty core. */
  treeHash: string
  blocks: string[]
}

export interface StoreDump {
  dir: string
  cores: Map<string, CoreDump>
  /** key → raw JSON text of the value, in Hyperbee order, for the requested view core. */
  view: Array<[string, string]> | null
}

const hex = (b: Uint8Array): string => b4a.toString(b, 'hex')

export async function dumpStore(dir: string, viewKey: string | null): Promise<StoreDump> {
  const store = new Corestore(new CoreStorage(dir))
  await store.ready()
  const cores = new Map<string, CoreDump>()
  let view: Array<[string, string]> | null = null
  try {
    const storage = (
      store as unknown as { storage: { createCoreStream(): AsyncIterable<{ discoveryKey: Uint8Array }> } }
    ).storage
    const found: Uint8Array[] = []
    for await (const entry of storage.createCoreStream()) found.push(entry.discoveryKey)
    for (const discoveryKey of found) {
      const core = store.get({ discoveryKey } as never)
      await core.ready()
      try {
        const blocks: string[] = []
        for (let i = 0; i < core.length; i++) {
          const block = await core.get(i, { wait: false })
          blocks.push(block ? hex(block) : '')
        }
        const key = hex(core.key)
        cores.set(key, {
          key,
          length: core.length,
          treeHash: core.length > 0 ? hex(await core.treeHash(core.length)) : '',
          blocks
        })
        if (key === viewKey) {
          const bee = new Hyperbee(core, { keyEncoding: 'utf-8', valueEncoding: 'binary', extension: false })
          await bee.ready()
          view = []
          for await (const e of bee.createReadStream())
            view.push([String(e.key), b4a.toString(e.value as Uint8Array, 'utf8')])
        }
      } finally {
        await core.close()
      }
    }
  } finally {
    await store.close()
  }
  return { dir, cores, view }
}

export interface DumpComparison {
  ok: boolean
  problems: string[]
  coreCount: number
  viewEntries: number
}

/**
 * Every core in any of the stores must be in all of them with the same length, tree hash and blocks; the
 * view entries (key and raw value bytes) must be the same everywhere.
 */
export function compareDumps(dumps: StoreDump[]): DumpComparison {
  const problems: string[] = []
  const keys = new Set<string>()
  for (const d of dumps) for (const k of d.cores.keys()) keys.add(k)
  for (const key of keys) {
    const seen = dumps.map((d) => d.cores.get(key) ?? null)
    const first = seen.find((c) => c !== null)!
    seen.forEach((c, i) => {
      const where = dumps[i]!.dir
      if (c === null) problems.push(`core ${key.slice(0, 16)}… (length ${first.length}) missing in ${where}`)
      else if (c.length !== first.length || c.treeHash !== first.treeHash) {
        problems.push(
          `core ${key.slice(0, 16)}…: length ${c.length} / tree ${c.treeHash.slice(0, 16)} in ${where}, ${first.length} / ${first.treeHash.slice(0, 16)} elsewhere`
        )
      } else {
        const diff = c.blocks.findIndex((b, j) => b !== first.blocks[j])
        if (diff >= 0) problems.push(`core ${key.slice(0, 16)}…: block ${diff} differs in ${where}`)
      }
    })
  }
  const views = dumps.map((d) => d.view)
  if (views.some((v) => v === null))
    problems.push(
      `the view core is missing in ${dumps
        .filter((d) => d.view === null)
        .map((d) => d.dir)
        .join(', ')}`
    )
  else {
    const first = JSON.stringify(views[0])
    views.forEach((v, i) => {
      if (JSON.stringify(v) !== first) problems.push(`view entries differ in ${dumps[i]!.dir}`)
    })
  }
  return { ok: problems.length === 0, problems, coreCount: keys.size, viewEntries: views[0]?.length ?? 0 }
}
