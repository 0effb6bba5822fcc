// The subnet's Corestore storage: hypercore-storage 1.18.0, the reference's format, with the memory settings
// the peer runs with. hypercore-storage 1.18.0 builds its RocksDB column family without a write-buffer
// option (so RocksDB's 64 MiB default applies); that family is swapped here, before anything is opened, for
// one with the same options plus `writeBufferSize` and, optionally, no bloom filters. The data written (keys and
// values, so everything hypercore reads back) is unchanged.
import CoreStorage from 'hypercore-storage-subnet'
import RocksDB from 'rocksdb-native'

/** hypercore-storage 1.18.0's column family: its name and options, as that version creates it. */
const COLUMN_FAMILY = 'corestore'

export interface SubnetStorageOptions {
  /** RocksDB memtable size of the column family (bytes). */
  writeBufferSize: number
  /** false: no RocksDB block cache (reads go to the OS page cache). */
  blockCache: boolean
  tableCacheIndexAndFilterBlocks: boolean
  /** Bloom filters on the column family (RocksDB's default, 10 bits per key). */
  bloomFilters: boolean
}

// rocksdb-native 3.18 (pinned): a database session keeps its column family in `_columnFamily`, and the shared
// state lists the families it will open in `columnFamilies`. Nothing is open until `ready()`.
interface RocksSession {
  _columnFamily: unknown
  _state: { columnFamilies: unknown[]; opened?: boolean }
}
interface StorageInternals {
  db: RocksSession
}

export function createSubnetStorage(dir: string, opts: SubnetStorageOptions): CoreStorage {
  const storage = new CoreStorage(dir, { ...opts })
  const session = (storage as unknown as StorageInternals).db
  const families = session?._state?.columnFamilies
  const at = Array.isArray(families) ? families.indexOf(session._columnFamily) : -1
  if (at < 0 || session._state.opened === true) {
    throw new Error('hypercore-storage-subnet / rocksdb-native are not the versions the subnet storage was written for')
  }
  const family = new RocksDB.ColumnFamily(COLUMN_FAMILY, {
    enableBlobFiles: true,
    minBlobSize: 4096,
    blobFileSize: 256 * 1024 * 1024,
    enableBlobGarbageCollection: true,
    tableBlockSize: 8192,
    tableCacheIndexAndFilterBlocks: opts.tableCacheIndexAndFilterBlocks,
    tableFormatVersion: 6,
    optimizeFiltersForMemory: false,
    blockCache: opts.blockCache,
    writeBufferSize: opts.writeBufferSize,
    // No bloom filters: without a block cache RocksDB keeps every SST's filter in memory, so they grow with the
    // store (~10 MiB over a writer's first 30k posts); without them memory stays flat at the same speed
    // (bench/README.md). Point reads then consult each level's index instead.
    filterPolicy: opts.bloomFilters ? undefined : null
  })
  families![at] = family
  session._columnFamily = family
  return storage
}
