// Hand-written declarations for the untyped Holepunch packages: only the surface this project uses.

declare module 'sodium-universal' {
  type Buf = Uint8Array
  const sodium: {
    crypto_sign_BYTES: number
    crypto_sign_PUBLICKEYBYTES: number
    crypto_sign_SECRETKEYBYTES: number
    crypto_sign_SEEDBYTES: number
    crypto_sign_detached (sig: Buf, msg: Buf, sk: Buf): void
    crypto_sign_verify_detached (sig: Buf, msg: Buf, pk: Buf): boolean
    crypto_sign_keypair (pk: Buf, sk: Buf): void
    crypto_sign_seed_keypair (pk: Buf, sk: Buf, seed: Buf): void
    crypto_hash_sha256 (out: Buf, input: Buf): void
    crypto_hash_sha256_BYTES: number
    crypto_hash_sha256_STATEBYTES: number
    crypto_hash_sha256_init (state: Buf): void
    crypto_hash_sha256_update (state: Buf, input: Buf): void
    crypto_hash_sha256_final (state: Buf, out: Buf): void
    crypto_generichash (out: Buf, input: Buf, key?: Buf): void
    crypto_pwhash (out: Buf, passwd: Buf, salt: Buf, opslimit: number, memlimit: number, alg: number): void
    crypto_pwhash_ALG_ARGON2I13: number
    crypto_pwhash_SALTBYTES: number
    crypto_pwhash_OPSLIMIT_MODERATE: number
    crypto_pwhash_MEMLIMIT_MODERATE: number
    crypto_secretbox_easy (c: Buf, m: Buf, n: Buf, k: Buf): void
    crypto_secretbox_open_easy (m: Buf, c: Buf, n: Buf, k: Buf): boolean
    crypto_secretbox_MACBYTES: number
    crypto_secretbox_NONCEBYTES: number
    crypto_secretbox_KEYBYTES: number
    randombytes_buf (buf: Buf): void
    sodium_memzero (buf: Buf): void
  }
  export = sodium
}

declare module 'hyperdht' {
  import { EventEmitter } from 'events'
  interface KeyPair { publicKey: Uint8Array, secretKey: Uint8Array }
  interface DHTNodeAddr { host: string, port: number }
  interface HyperDHTOptions {
    bootstrap?: Array<string | DHTNodeAddr>
    host?: string
    port?: number
    keyPair?: KeyPair
    ephemeral?: boolean
    firewalled?: boolean
  }
  class HyperDHT extends EventEmitter {
    constructor (opts?: HyperDHTOptions)
    static keyPair (seed?: Uint8Array): KeyPair
    readonly bootstrapped: boolean
    readonly destroyed: boolean
    readonly firewalled: boolean
    readonly host: string | null
    readonly port: number
    ready (): Promise<void>
    fullyBootstrapped (): Promise<void>
    address (): { host: string, port: number }
    destroy (opts?: { force?: boolean }): Promise<void>
  }
  export = HyperDHT
}

declare module 'hyperdht/testnet.js' {
  import HyperDHT from 'hyperdht'
  interface Testnet {
    nodes: HyperDHT[]
    bootstrap: Array<{ host: string, port: number }>
    createNode (opts?: object): HyperDHT
    destroy (): Promise<void>
  }
  function createTestnet (size?: number, opts?: { host?: string, port?: number, teardown?: (fn: () => Promise<void>) => void }): Promise<Testnet>
  export = createTestnet
}

declare module 'hyperswarm' {
  import { EventEmitter } from 'events'
  import HyperDHT from 'hyperdht'
  interface KeyPair { publicKey: Uint8Array, secretKey: Uint8Array }
  interface PeerInfo { publicKey: Uint8Array, topics: Uint8Array[], ban (b?: boolean): void }
  interface Discovery { flushed (): Promise<void>, refresh (opts?: object): Promise<void>, destroy (): Promise<void> }
  interface SwarmConnection extends EventEmitter {
    remotePublicKey: Uint8Array
    publicKey: Uint8Array
    rawStream?: { remoteHost?: string, remotePort?: number }
    userData: any
    write (data: Uint8Array): boolean
    end (): void
    destroy (err?: Error): void
    destroyed: boolean
  }
  interface HyperswarmOptions {
    keyPair?: KeyPair
    dht?: HyperDHT
    bootstrap?: Array<string | { host: string, port: number }>
    maxPeers?: number
    firewall?: (remotePublicKey: Uint8Array, payload?: unknown) => boolean
  }
  class Hyperswarm extends EventEmitter {
    constructor (opts?: HyperswarmOptions)
    readonly dht: HyperDHT
    readonly keyPair: KeyPair
    readonly connections: Set<SwarmConnection>
    readonly peers: Map<string, PeerInfo>
    readonly destroyed: boolean
    join (topic: Uint8Array, opts?: { server?: boolean, client?: boolean }): Discovery
    leave (topic: Uint8Array): Promise<void>
    joinPeer (publicKey: Uint8Array): void
    leavePeer (publicKey: Uint8Array): void
    flush (): Promise<boolean>
    listen (): Promise<void>
    destroy (opts?: { force?: boolean }): Promise<void>
    on (event: 'connection', listener: (conn: SwarmConnection, info: PeerInfo) => void): this
    on (event: string | symbol, listener: (...args: any[]) => void): this
  }
  namespace Hyperswarm { export { SwarmConnection, PeerInfo, KeyPair } }
  export = Hyperswarm
}

declare module 'protomux' {
  import type { Encoder } from 'compact-encoding'
  interface ProtomuxMessage<T = any> {
    type: number
    send (m: T): boolean
    onmessage: ((m: T, channel: ProtomuxChannel) => void) | null
  }
  interface ProtomuxChannel {
    protocol: string
    id: Uint8Array | null
    opened: boolean
    closed: boolean
    destroyed: boolean
    userData: any
    open (handshake?: unknown): void
    close (): void
    fullyOpened (): Promise<boolean>
    cork (): void
    uncork (): void
    addMessage<T = any> (opts: { encoding?: Encoder<T>, onmessage?: (m: T, channel: ProtomuxChannel) => void }): ProtomuxMessage<T>
  }
  interface CreateChannelOptions {
    protocol: string
    id?: Uint8Array | null
    unique?: boolean
    handshake?: Encoder<any> | null
    userData?: unknown
    onopen?: (handshake: unknown, channel: ProtomuxChannel) => void | Promise<void>
    onclose?: (isRemote: boolean, channel: ProtomuxChannel) => void | Promise<void>
    ondestroy?: (channel: ProtomuxChannel) => void | Promise<void>
    ondrain?: (channel: ProtomuxChannel) => void
  }
  class Protomux {
    static from (stream: unknown, opts?: object): Protomux
    static isProtomux (m: unknown): boolean
    readonly stream: any
    isIdle (): boolean
    drained: boolean
    createChannel (opts: CreateChannelOptions): ProtomuxChannel | null
    pair (opts: { protocol: string, id?: Uint8Array | null }, notify: (id: Uint8Array | null) => void): void
    unpair (opts: { protocol: string, id?: Uint8Array | null }): void
    opened (opts: { protocol: string, id?: Uint8Array | null }): boolean
    cork (): void
    uncork (): void
    destroy (err?: Error): void
  }
  namespace Protomux { export { ProtomuxChannel, ProtomuxMessage } }
  export = Protomux
}

declare module 'corestore' {
  import { EventEmitter } from 'events'
  class Corestore extends EventEmitter {
    constructor (storage: string | object, opts?: object)
    ready (): Promise<void>
    close (): Promise<void>
    get (opts: string | { name?: string, key?: Uint8Array, valueEncoding?: unknown }): any
    replicate (stream: unknown, opts?: object): any
    namespace (name: string): Corestore
  }
  export = Corestore
}

declare module 'hyperbee' {
  interface BeeEntry { seq: number, key: string, value: any }
  interface BeeBatch {
    get (key: string): Promise<BeeEntry | null>
    put (key: string, value: unknown): Promise<void>
    del (key: string): Promise<void>
    flush (): Promise<void>
    close (): Promise<void>
  }
  class Hyperbee {
    constructor (core: unknown, opts?: { keyEncoding?: string, valueEncoding?: string, extension?: boolean })
    readonly core: {
      length: number
      signedLength: number
      key: Uint8Array
      treeHash (length?: number): Promise<Uint8Array>
      on (ev: string, fn: (...a: any[]) => void): void
      off (ev: string, fn: (...a: any[]) => void): void
    }
    readonly version: number
    ready (): Promise<void>
    get (key: string): Promise<BeeEntry | null>
    put (key: string, value: unknown): Promise<void>
    del (key: string): Promise<void>
    batch (): BeeBatch
    checkout (version: number): Hyperbee
    snapshot (): Hyperbee
    createReadStream (opts?: object): AsyncIterable<BeeEntry>
    close (): Promise<void>
  }
  namespace Hyperbee { export { BeeEntry, BeeBatch } }
  export = Hyperbee
}

declare module 'autobase' {
  import { EventEmitter } from 'events'
  interface AutobaseNode { value: any, from: { key: Uint8Array }, indexed?: boolean, length?: number }
  interface AutobaseHost {
    addWriter (key: Uint8Array, opts?: { indexer?: boolean }): Promise<void>
    removeWriter (key: Uint8Array): Promise<void>
    removeable (key: Uint8Array): boolean
  }
  interface AutobaseHandlers<V> {
    open: (store: any, host?: unknown) => V
    apply: (nodes: AutobaseNode[], view: V, host: AutobaseHost) => Promise<void>
    close?: (view: V) => Promise<void>
    valueEncoding?: string
    ackInterval?: number
  }
  class Autobase<V = any> extends EventEmitter {
    constructor (store: unknown, bootstrap: Uint8Array | string | null, handlers: AutobaseHandlers<V>)
    readonly key: Uint8Array
    readonly discoveryKey: Uint8Array
    readonly local: { key: Uint8Array, length: number }
    readonly view: V
    readonly writable: boolean
    readonly isIndexer: boolean
    readonly signedLength: number
    readonly indexedLength: number
    /** The system view (membership, heads); its core is what `/stats` reports as the SYSTEM Dag. */
    readonly system: { readonly core: { readonly key: Uint8Array, readonly length: number, treeHash (length?: number): Promise<Uint8Array> } }
    readonly linearizer: { readonly indexers: ReadonlyArray<unknown> }
    ready (): Promise<void>
    close (): Promise<void>
    update (): Promise<void>
    append (value: unknown): Promise<number>
  }
  namespace Autobase { export { AutobaseNode, AutobaseHost } }
  export = Autobase
}

declare module 'hypercore-storage' {
  class CoreStorage {
    constructor (dir: string, opts?: { writeBufferSize?: number, blockCache?: boolean, tableCacheIndexAndFilterBlocks?: boolean, [k: string]: unknown })
  }
  export = CoreStorage
}

declare module 'rache' {
  class Rache {
    constructor (opts?: { maxSize?: number })
    /** A cache sharing this one's entry budget. */
    sub (): Rache
    /** Entries held by this cache and its parent's other subs together. */
    readonly globalSize: number
    /** Entries held by this cache. */
    readonly size: number
    get (key: unknown): unknown
    set (key: unknown, value: unknown): void
    delete (key: unknown): boolean
    keys (): IterableIterator<unknown>
  }
  export = Rache
}

declare module '@hyperswarm/secret-stream' {
  import { Duplex } from 'stream'
  class NoiseSecretStream extends Duplex {
    constructor (isInitiator: boolean, rawStream?: unknown, opts?: { keyPair?: { publicKey: Uint8Array, secretKey: Uint8Array } })
    readonly rawStream: any
    readonly publicKey: Uint8Array
    readonly remotePublicKey: Uint8Array | null
  }
  export = NoiseSecretStream
}

// The subnet runs the stack reference subnet peers run (trac-peer b157f7e's pins): Autobase 7.6.3 on
// Corestore 7.4.4, Hypercore 11.8.3 and hypercore-storage 1.18.0, installed under these aliases. The public
// API used here is the part of the newer versions declared above.
declare module 'autobase-subnet' {
  import Autobase = require('autobase')
  export = Autobase
}
declare module 'corestore-subnet' {
  import Corestore = require('corestore')
  export = Corestore
}
declare module 'hypercore-storage-subnet' {
  import CoreStorage = require('hypercore-storage')
  export = CoreStorage
}

// rocksdb-native: only the column family the subnet storage builds (see src/subnet/storage.ts).
declare module 'rocksdb-native' {
  class RocksDB {
    static ColumnFamily: new (name: string, opts?: Record<string, unknown>) => unknown
  }
  export = RocksDB
}
