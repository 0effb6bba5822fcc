import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'fs'
import {
  BANNER_RULE,
  BANNER_TITLE,
  ConfigError,
  ENTRY_CHANNEL,
  FLAGS,
  MAINNET_DHT_BOOTSTRAP,
  assertDistinctBootstraps,
  bannerLines,
  bridgeUrl,
  configFromFlags,
  configSummary,
  defaultConfig,
  describeFlags,
  parseBool,
  parseChanMap,
  parseConfig,
  parseCsvList,
  renderHelp,
  startupWarnings,
  storeLabelOf,
  toArgMap,
  type BannerInfo,
  type Config
} from '../src/config/index.js'

interface Vectors {
  parseBool: Array<{ input: string | null; inputIsUndefined: boolean; fallback: boolean; result: boolean }>
  keyValueList: Array<{ input: string; result: Array<[string, string]> }>
  csvList: Array<{ input: string; result: string[] | null }>
  argv: Array<{ argv: string[]; storeLabel: string | null; flags: Record<string, string | true> }>
}

const vectors = JSON.parse(fs.readFileSync(new URL('./fixtures/flag-vectors.json', import.meta.url), 'utf8')) as Vectors

const KEY_A = '8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c'
const KEY_B = 'a'.repeat(64)

function parse(argv: string[], env: Record<string, string | undefined> = {}): Config {
  return parseConfig(argv, env)
}

function throwsConfig(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`)
    assert.equal(err.message, message)
    return true
  })
}

test('parseBool vectors', () => {
  for (const v of vectors.parseBool) {
    const input = v.inputIsUndefined ? undefined : v.input
    assert.equal(parseBool(input, v.fallback), v.result, `parseBool(${JSON.stringify(v.input)}, ${v.fallback})`)
  }
})

test('chan:value list vectors', () => {
  for (const v of vectors.keyValueList) assert.deepEqual(parseChanMap(v.input), v.result, v.input)
})

test('csv list vectors', () => {
  for (const v of vectors.csvList) assert.deepEqual(parseCsvList(v.input), v.result, v.input)
})

test('argv vectors: flag map and store label', () => {
  for (const v of vectors.argv) {
    assert.deepEqual(toArgMap(v.argv), v.flags, v.argv.join(' '))
    assert.equal(storeLabelOf(v.argv), v.storeLabel)
  }
})

test('toArgMap keeps __proto__ as an ordinary key', () => {
  const map = toArgMap(['--__proto__', 'x'])
  assert.equal(Object.getPrototypeOf(map), Object.prototype)
  // biome-ignore lint/suspicious/noProto: an own key named __proto__ is what this case checks
  assert.equal(map.__proto__, 'x')
})

test('defaults for an empty command line', () => {
  const c = parse([])
  assert.equal(c.help, false)
  assert.equal(c.version, false)
  assert.equal(c.timer, false)
  assert.equal(c.storeLabel, null)
  assert.deepEqual(c.peer, {
    storeName: 'peer',
    storesDirectory: 'stores/',
    dhtBootstrap: [...MAINNET_DHT_BOOTSTRAP],
    deny: null
  })
  assert.deepEqual(c.msb, {
    enabled: true,
    network: 'mainnet',
    bootstrap: null,
    channel: null,
    storeName: 'peer-msb',
    storesDirectory: 'stores/',
    dhtBootstrap: [...MAINNET_DHT_BOOTSTRAP]
  })
  assert.deepEqual(c.subnet, { enabled: true, channel: 'trac-peer-subnet', bootstrap: null })
  assert.deepEqual(c.sidechannel, {
    channels: [],
    debug: false,
    quiet: false,
    maxBytes: 1_000_000,
    allowRemoteOpen: true,
    autoJoin: false,
    pow: true,
    powDifficulty: 12,
    powEntry: false,
    powChannels: null,
    rateBytes: 64_000,
    rateBurst: 256_000,
    maxStrikes: 3,
    rateBlockSec: 30,
    verifyWorkers: -1,
    inviteRequired: false,
    inviteChannels: null,
    encryptChannels: null,
    invitePrefixes: null,
    inviterKeys: null,
    inviteTtlSec: 604_800,
    owners: new Map(),
    ownerWriteOnly: false,
    ownerWriteChannels: null,
    welcomes: new Map(),
    welcomeRequired: true,
    maxAgeSec: 600,
    relayTtl: 3
  })
  assert.deepEqual(c.scBridge, {
    enabled: false,
    host: '127.0.0.1',
    port: 49222,
    token: null,
    filter: '',
    filterChannels: null,
    cli: false,
    debug: false,
    authTimeoutMs: 10_000,
    maxFrameBytes: 1_048_576,
    maxBufferedBytes: 4_194_304,
    allowedOrigins: null
  })
  assert.deepEqual(defaultConfig(), c)
  assert.deepEqual(MAINNET_DHT_BOOTSTRAP, [
    '116.202.214.149:10001',
    '157.180.12.214:10001',
    'node1.hyperdht.org:49737',
    'node2.hyperdht.org:49737',
    'node3.hyperdht.org:49737'
  ])
})

test('defaults are fresh objects on every call', () => {
  const a = parse([])
  a.sidechannel.owners.set('x', KEY_A)
  ;(a.peer.dhtBootstrap as string[]).push('1.2.3.4:5')
  const b = parse([])
  assert.equal(b.sidechannel.owners.size, 0)
  assert.deepEqual(b.peer.dhtBootstrap, [...MAINNET_DHT_BOOTSTRAP])
})

test('every form of value: --k=v, --k v, bare boolean, typed results', () => {
  const c = parse([
    'alice',
    '--sidechannels',
    `a, ${ENTRY_CHANNEL} ,b`,
    '--sidechannel-pow=0',
    '--sidechannel-debug',
    '--sidechannel-pow-difficulty',
    '16',
    '--sidechannel-pow-channels',
    'x,y',
    '--sidechannel-owner',
    `pub1:${KEY_A.toUpperCase()},pub2=${KEY_B}`,
    '--sidechannel-welcome',
    'pub1:b64:eyJ9,pub2:@/tmp/w.json',
    '--sidechannel-inviter-keys',
    `${KEY_A.toUpperCase()}, ${KEY_B}`,
    '--sidechannel-rate-bytes',
    '-0',
    '--sc-bridge-port',
    '0',
    '--peer-stores-directory',
    '/var/lib/intercom',
    '--msb-stores-directory=msb/',
    '--subnet-bootstrap',
    ` ${KEY_A.toUpperCase()} `,
    '--dht-bootstrap',
    '127.0.0.1:49737, [::1]:10001',
    '--msb-dht-bootstrap',
    'local',
    '--timer'
  ])
  assert.equal(c.storeLabel, 'alice')
  assert.equal(c.peer.storeName, 'alice')
  assert.equal(c.msb.storeName, 'alice-msb')
  assert.equal(c.peer.storesDirectory, '/var/lib/intercom/')
  assert.equal(c.msb.storesDirectory, 'msb/')
  assert.deepEqual(c.sidechannel.channels, ['a', 'b'])
  assert.equal(c.sidechannel.pow, false)
  assert.equal(c.sidechannel.debug, true)
  assert.equal(c.sidechannel.powDifficulty, 16)
  assert.deepEqual(c.sidechannel.powChannels, ['x', 'y'])
  assert.deepEqual(
    [...c.sidechannel.owners],
    [
      ['pub1', KEY_A],
      ['pub2', KEY_B]
    ]
  )
  assert.deepEqual(
    [...c.sidechannel.welcomes],
    [
      ['pub1', 'b64:eyJ9'],
      ['pub2', '@/tmp/w.json']
    ]
  )
  assert.deepEqual(c.sidechannel.inviterKeys, [KEY_A, KEY_B])
  assert.equal(c.sidechannel.rateBytes, 0)
  assert.equal(c.scBridge.port, 0)
  assert.equal(c.subnet.bootstrap, KEY_A)
  assert.deepEqual(c.peer.dhtBootstrap, ['127.0.0.1:49737', '[::1]:10001'])
  assert.equal(c.msb.dhtBootstrap, 'local')
  assert.equal(c.timer, true)
})

test('store names: flag beats env beats label beats default', () => {
  assert.equal(parse(['lbl']).peer.storeName, 'lbl')
  assert.equal(parse(['lbl'], { PEER_STORE_NAME: 'envname' }).peer.storeName, 'envname')
  assert.equal(
    parse(['lbl', '--peer-store-name', 'flagname'], { PEER_STORE_NAME: 'envname' }).peer.storeName,
    'flagname'
  )
  const c = parse(['--peer-store-name', 'p1', '--msb-store-name', 'm1'])
  assert.equal(c.peer.storeName, 'p1')
  assert.equal(c.msb.storeName, 'm1')
  assert.equal(parse([], { MSB_STORE_NAME: 'menv' }).msb.storeName, 'menv')
  assert.equal(parse(['--peer-store-name', 'p2']).msb.storeName, 'p2-msb')
})

test('env fallback and precedence', () => {
  const env = {
    SIDECHANNEL_POW_DIFFICULTY: '20',
    SIDECHANNEL_POW: 'off',
    SIDECHANNELS: 'e1,e2',
    SC_BRIDGE: 'yes',
    SC_BRIDGE_TOKEN: 'from-env',
    INTERCOM_TIMER: '1',
    SIDECHANNEL_WELCOME_REQUIRED: ''
  }
  const c = parse([], env)
  assert.equal(c.sidechannel.powDifficulty, 20)
  assert.equal(c.sidechannel.pow, false)
  assert.deepEqual(c.sidechannel.channels, ['e1', 'e2'])
  assert.equal(c.scBridge.enabled, true)
  assert.equal(c.scBridge.token, 'from-env')
  assert.equal(c.timer, true)
  // An empty env value counts as unset.
  assert.equal(c.sidechannel.welcomeRequired, true)

  // A flag with a value wins over env.
  const d = parse(['--sidechannel-pow-difficulty', '8', '--sidechannel-pow', '1'], env)
  assert.equal(d.sidechannel.powDifficulty, 8)
  assert.equal(d.sidechannel.pow, true)

  // An empty flag value falls back to env, then to the default.
  assert.equal(parse(['--sidechannel-pow-difficulty='], env).sidechannel.powDifficulty, 20)
  assert.equal(parse(['--sidechannel-pow-difficulty=']).sidechannel.powDifficulty, 12)

  // Env names are tried in order; aliases fill the same setting.
  assert.deepEqual(parse([], { DHT_BOOTSTRAP: '127.0.0.1:1' }).peer.dhtBootstrap, ['127.0.0.1:1'])
  assert.deepEqual(parse([], { PEER_DHT_BOOTSTRAP: '127.0.0.1:2', DHT_BOOTSTRAP: '127.0.0.1:1' }).peer.dhtBootstrap, [
    '127.0.0.1:2'
  ])
  assert.deepEqual(parse(['--peer-dht-bootstrap', 'LOCAL']).peer.dhtBootstrap, 'local')
  assert.deepEqual(parse(['--sidechannel', 'solo']).sidechannel.channels, ['solo'])
})

test('booleans follow the reference words', () => {
  assert.equal(parse(['--sidechannel-pow', 'enabled']).sidechannel.pow, false)
  assert.equal(parse(['--sidechannel-auto-join', ' ON ']).sidechannel.autoJoin, true)
  assert.equal(parse(['--sidechannel-welcome-required', '0']).sidechannel.welcomeRequired, false)
  assert.equal(parse(['--sidechannel-allow-remote-open=']).sidechannel.allowRemoteOpen, true)
})

test('bridge token: required when the bridge is on, accepted from flag or env', () => {
  throwsConfig(() => parse(['--sc-bridge', '1']), 'SC-Bridge requires --sc-bridge-token (auth is mandatory).')
  throwsConfig(() => parse(['--sc-bridge']), 'SC-Bridge requires --sc-bridge-token (auth is mandatory).')
  throwsConfig(
    () => parse([], { SC_BRIDGE: '1', SC_BRIDGE_TOKEN: '' }),
    'SC-Bridge requires --sc-bridge-token (auth is mandatory).'
  )
  const c = parse(['--sc-bridge', '--sc-bridge-token', 's3cret', '--sc-bridge-host', '::1', '--sc-bridge-port', '5000'])
  assert.equal(c.scBridge.token, 's3cret')
  assert.equal(bridgeUrl(c), 'ws://[::1]:5000')
  assert.equal(bridgeUrl(parse([])), null)
  // A token alone does not switch the bridge on.
  assert.equal(parse(['--sc-bridge-token', 'x']).scBridge.enabled, false)
})

test('integer flags reject non-integers and out-of-range values', () => {
  throwsConfig(
    () => parse(['--sidechannel-pow-difficulty', 'abc']),
    'Invalid --sidechannel-pow-difficulty: "abc" (expected an integer 0..256).'
  )
  throwsConfig(
    () => parse(['--sidechannel-pow-difficulty', '12abc']),
    'Invalid --sidechannel-pow-difficulty: "12abc" (expected an integer 0..256).'
  )
  throwsConfig(
    () => parse(['--sidechannel-pow-difficulty', '1e3']),
    'Invalid --sidechannel-pow-difficulty: "1e3" (expected an integer 0..256).'
  )
  throwsConfig(
    () => parse(['--sidechannel-pow-difficulty', '-1']),
    'Invalid --sidechannel-pow-difficulty: "-1" (expected an integer 0..256).'
  )
  throwsConfig(
    () => parse(['--sidechannel-pow-difficulty', '257']),
    'Invalid --sidechannel-pow-difficulty: "257" (expected an integer 0..256).'
  )
  throwsConfig(
    () => parse(['--sidechannel-relay-ttl', '17']),
    'Invalid --sidechannel-relay-ttl: "17" (expected an integer 0..16).'
  )
  throwsConfig(
    () => parse(['--sc-bridge-port', '70000']),
    'Invalid --sc-bridge-port: "70000" (expected an integer 0..65535).'
  )
  throwsConfig(
    () => parse(['--sidechannel-rate-bytes', '-5']),
    'Invalid --sidechannel-rate-bytes: "-5" (expected an integer >= 0).'
  )
  throwsConfig(
    () => parse(['--sidechannel-rate-bytes', '99999999999999999999']),
    'Invalid --sidechannel-rate-bytes: "99999999999999999999" (expected an integer >= 0).'
  )
  throwsConfig(
    () => parse(['--sidechannel-pow-difficulty']),
    'Missing value for --sidechannel-pow-difficulty (expected an integer 0..256).'
  )
  throwsConfig(
    () => parse([], { SIDECHANNEL_MAX_AGE: 'ten' }),
    'Invalid env SIDECHANNEL_MAX_AGE: "ten" (expected an integer 0..31536000).'
  )
  // Surrounding blanks are tolerated, the bounds themselves are accepted.
  assert.equal(parse(['--sidechannel-pow-difficulty', ' 256 ']).sidechannel.powDifficulty, 256)
  assert.equal(parse(['--sidechannel-relay-ttl', '0']).sidechannel.relayTtl, 0)
})

test('value-taking flags reject a bare flag', () => {
  throwsConfig(
    () => parse(['--sidechannels']),
    'Missing value for --sidechannels (expected a comma-separated list of channel names).'
  )
  throwsConfig(
    () => parse(['--sidechannels', '--sidechannel-debug']),
    'Missing value for --sidechannels (expected a comma-separated list of channel names).'
  )
  throwsConfig(
    () => parse(['--sc-bridge-token', '--sc-bridge']),
    'Missing value for --sc-bridge-token (expected a text value).'
  )
  throwsConfig(() => parse(['--dht-bootstrap']), 'Missing value for --dht-bootstrap (expected host:port,... or local).')
})

test('subnet bootstrap must be 64 hex', () => {
  const msg = 'Invalid --subnet-bootstrap. Provide 32-byte hex (64 chars).'
  throwsConfig(() => parse(['--subnet-bootstrap', 'abcd']), msg)
  throwsConfig(() => parse(['--subnet-bootstrap', 'g'.repeat(64)]), msg)
  throwsConfig(() => parse(['--subnet-bootstrap']), msg)
  throwsConfig(() => parse([], { SUBNET_BOOTSTRAP: KEY_A + '00' }), msg)
})

test('inviter and owner keys must be 64 hex', () => {
  throwsConfig(
    () => parse(['--sidechannel-inviter-keys', `${KEY_A},xyz`]),
    'Invalid --sidechannel-inviter-keys: key "xyz" (expected 64 hex chars per key).'
  )
  throwsConfig(
    () => parse(['--sidechannel-owner', 'pub1:1234']),
    'Invalid --sidechannel-owner: key "1234" for channel "pub1" (expected 64 hex chars).'
  )
  throwsConfig(
    () => parse(['--sidechannel-owner', `pub1:${KEY_A},pub2`]),
    'Invalid --sidechannel-owner: entry "pub2" (expected chan:hexkey,...).'
  )
  throwsConfig(
    () => parse(['--sidechannel-owner', `pub1:${KEY_A},pub1:${KEY_B}`]),
    'Invalid --sidechannel-owner: channel "pub1" is listed twice.'
  )
  throwsConfig(
    () => parse(['--sidechannel-welcome', 'pub1:']),
    'Invalid --sidechannel-welcome: entry "pub1:" (expected chan:value,...).'
  )
})

test('bootstrap lists must be host:port', () => {
  throwsConfig(
    () => parse(['--peer-dht-bootstrap', '127.0.0.1']),
    'Invalid --peer-dht-bootstrap: entry "127.0.0.1" (expected host:port).'
  )
  throwsConfig(
    () => parse(['--dht-bootstrap', 'a:1,b:0']),
    'Invalid --dht-bootstrap: entry "b:0" (expected host:port).'
  )
  throwsConfig(
    () => parse(['--msb-dht-bootstrap', 'host:99999']),
    'Invalid --msb-dht-bootstrap: entry "host:99999" (expected host:port).'
  )
  throwsConfig(
    () => parse(['--msb-dht-bootstrap', ',']),
    'Invalid --msb-dht-bootstrap: "," (expected host:port,... or local).'
  )
  throwsConfig(
    () => parse([], { DHT_BOOTSTRAP: 'local,1.2.3.4:5' }),
    'Invalid env DHT_BOOTSTRAP: entry "local" (expected host:port).'
  )
})

test('unknown flags, stray arguments and repeated flags are errors', () => {
  throwsConfig(() => parse(['--foo']), 'Unknown flag --foo. Run with --help for the list.')
  throwsConfig(() => parse(['--foo=1']), 'Unknown flag --foo. Run with --help for the list.')
  throwsConfig(() => parse(['-x']), 'Unknown flag -x. Run with --help for the list.')
  throwsConfig(
    () => parse(['label', '--timer', '1', 'stray']),
    'Unexpected argument "stray": only the first argument may be a store label; flags take --name value or --name=value.'
  )
  throwsConfig(
    () => parse(['--sidechannels', 'a', '--sidechannels', 'b']),
    'Flag --sidechannels given more than once; pass it once (lists are comma separated).'
  )
  throwsConfig(
    () => parse(['--sidechannel', 'a', '--sidechannels', 'b']),
    'Flags --sidechannel and --sidechannels set the same option; pass one of them once.'
  )
  throwsConfig(() => parse(['--peer-store-name', '//']), 'Invalid --peer-store-name: "//" (expected a non-empty name).')
})

test('--help, -h and --version win over everything else', () => {
  for (const argv of [['--help'], ['-h'], ['label', '--foo', '-h'], ['--sc-bridge', '1', '--help']]) {
    const c = parse(argv)
    assert.equal(c.help, true, argv.join(' '))
    assert.equal(c.version, false)
  }
  const v = parse(['--version', '--sidechannel-pow-difficulty', 'abc'])
  assert.equal(v.version, true)
  assert.equal(v.sidechannel.powDifficulty, 12)
  assert.equal(parse(['--help', '0']).help, false)
  // -h is never taken as a flag value.
  assert.equal(parse(['--sidechannel-debug', '-h']).help, true)
})

test('negative-looking values are still values', () => {
  throwsConfig(
    () => parse(['--sidechannel-max-strikes', '-2']),
    'Invalid --sidechannel-max-strikes: "-2" (expected an integer 1..1000000).'
  )
})

test('configFromFlags reads a reference-style flag map', () => {
  const c = configFromFlags({ 'sidechannel-pow-entry': '1', 'sidechannel-pow-channels': 'swap-x', 'sc-bridge': '0' })
  assert.equal(c.sidechannel.powEntry, true)
  assert.deepEqual(c.sidechannel.powChannels, ['swap-x'])
  assert.equal(configFromFlags({}, {}, 'bob').peer.storeName, 'bob')
  throwsConfig(() => configFromFlags({ nope: true }), 'Unknown flag --nope. Run with --help for the list.')
})

test('start-up checks and warnings', () => {
  assert.deepEqual(startupWarnings(parse([])), [
    '[sidechannel] welcome required for non-entry channels; entry "0000intercom" is open and does not require owner/welcome.'
  ])
  assert.deepEqual(startupWarnings(parse(['--sidechannel-welcome-required', '0'])), [])
  assert.deepEqual(startupWarnings(parse(['--sidechannel-owner', `${ENTRY_CHANNEL}:${KEY_A}`])), [])
  throwsConfig(
    () => assertDistinctBootstraps(KEY_A, KEY_A.toUpperCase()),
    'Subnet bootstrap cannot equal MSB bootstrap.'
  )
  assertDistinctBootstraps(KEY_A, KEY_B)
  assertDistinctBootstraps(null, KEY_B)
})

test('--help lists every flag, alias and env var of the table', () => {
  const help = renderHelp({ program: 'intercom' })
  assert.ok(help.startsWith('Usage: intercom '))
  for (const flag of FLAGS) {
    assert.ok(help.includes(`--${flag.name}`), flag.name)
    for (const alias of flag.aliases ?? []) assert.ok(help.includes(`--${alias}`), alias)
    for (const env of flag.env) assert.ok(help.includes(env), env)
  }
  assert.ok(help.includes('  --help, -h  Print this list of flags and exit.\n'))
  assert.match(
    help,
    /--sidechannel-pow-difficulty <int> .*\(env: SIDECHANNEL_POW_DIFFICULTY, default: 12 bits, range: 0\.\.256\)/
  )
  assert.match(
    help,
    /--peer-dht-bootstrap, --dht-bootstrap <host:port,\.\.\.\|local> .*env: PEER_DHT_BOOTSTRAP or DHT_BOOTSTRAP/
  )
  // Groups appear as headings, in order.
  const headings = help.split('\n').filter((l) => /^[A-Z][^:]*:$/.test(l))
  assert.deepEqual(headings, [
    'General:',
    'Peer & stores:',
    'Networking:',
    'Sidechannels:',
    'SC-Bridge:',
    'Subnet:',
    'MSB:'
  ])
})

test('describeFlags has one row per table entry with rendered defaults', () => {
  const rows = describeFlags()
  assert.equal(rows.length, FLAGS.length)
  assert.equal(new Set(rows.map((r) => r.name)).size, rows.length)
  const byName = new Map(rows.map((r) => [r.name, r]))
  assert.deepEqual(byName.get('--sidechannel-pow'), {
    name: '--sidechannel-pow',
    aliases: [],
    env: ['SIDECHANNEL_POW'],
    type: '<bool>',
    default: 'on',
    group: 'Sidechannels',
    help: FLAGS.find((f) => f.name === 'sidechannel-pow')!.help,
    range: null
  })
  assert.equal(byName.get('--sc-bridge-port')!.default, '49222')
  assert.equal(byName.get('--sc-bridge-filter')!.default, "''")
  assert.equal(byName.get('--help')!.type, '')
  assert.deepEqual(byName.get('--help')!.aliases, ['-h'])
  for (const row of rows) assert.ok(row.help.length > 0, row.name)
})

function sampleInfo(overrides: Partial<BannerInfo> = {}): BannerInfo {
  return {
    msbBootstrap: 'msbhex',
    msbChannel: 'msbchan',
    msbStore: 'stores/peer-msb',
    msbDhtBootstrap: ['a:1', 'b:2'],
    peerStore: 'stores/peer',
    peerDhtBootstrap: ['c:3'],
    subnetBootstrap: 'subhex',
    subnetChannel: 'trac-peer-subnet',
    peerPubkey: 'pk',
    peerTracAddress: 'trac1xyz',
    peerWriterKey: 'wk',
    sidechannelEntry: ENTRY_CHANNEL,
    sidechannelExtras: ['x', 'y'],
    scBridgeUrl: 'ws://127.0.0.1:49222',
    ...overrides
  }
}

test('banner lines in the reference order', () => {
  assert.deepEqual(bannerLines(sampleInfo()), [
    '',
    '====================INTERCOM ====================',
    'MSB network bootstrap: msbhex',
    'MSB channel: msbchan',
    'MSB store: stores/peer-msb',
    'Peer store: stores/peer',
    'MSB DHT bootstrap nodes: a:1, b:2',
    'Peer DHT bootstrap nodes: c:3',
    'Peer subnet bootstrap: subhex',
    'Peer subnet channel: trac-peer-subnet',
    'Peer pubkey (hex): pk',
    'Peer trac address (bech32m): trac1xyz',
    'Peer writer key (hex): wk',
    'Sidechannel entry: 0000intercom',
    'Sidechannel extras: x, y',
    'SC-Bridge: ws://127.0.0.1:49222',
    '================================================================',
    ''
  ])
  assert.equal(BANNER_TITLE, '====================INTERCOM ====================')
  assert.equal(BANNER_RULE.length, 64)
})

test('banner leaves out empty optional lines and prints null values', () => {
  const lines = bannerLines(
    sampleInfo({
      msbDhtBootstrap: null,
      peerDhtBootstrap: [],
      peerTracAddress: null,
      peerWriterKey: null,
      sidechannelExtras: [],
      scBridgeUrl: null
    })
  )
  assert.ok(!lines.some((l) => l.startsWith('MSB DHT') || l.startsWith('Peer DHT')))
  assert.ok(!lines.some((l) => l.startsWith('Sidechannel extras') || l.startsWith('SC-Bridge')))
  assert.ok(lines.includes('Peer trac address (bech32m): null'))
  assert.ok(lines.includes('Peer writer key (hex): null'))
  assert.equal(lines.length, 14)
})

test('configSummary combines config and runtime facts', () => {
  const c = parse(['bob', '--sidechannels', 'x', '--dht-bootstrap', 'local', '--peer-stores-directory', './data'])
  const facts = {
    msbBootstrap: 'm',
    msbChannel: 'mc',
    subnetBootstrap: 's',
    peerPubkey: 'pk',
    peerTracAddress: null,
    peerWriterKey: 'wk'
  }
  assert.deepEqual(configSummary(c, facts), {
    msbBootstrap: 'm',
    msbChannel: 'mc',
    msbStore: 'stores/bob-msb',
    msbDhtBootstrap: [...MAINNET_DHT_BOOTSTRAP],
    peerStore: 'data/bob',
    peerDhtBootstrap: null,
    subnetBootstrap: 's',
    subnetChannel: 'trac-peer-subnet',
    peerPubkey: 'pk',
    peerTracAddress: null,
    peerWriterKey: 'wk',
    sidechannelEntry: ENTRY_CHANNEL,
    sidechannelExtras: ['x']
  })
  assert.deepEqual(configSummary(c, { ...facts, peerDhtNodes: ['127.0.0.1:30001'] }).peerDhtBootstrap, [
    '127.0.0.1:30001'
  ])
  // Without an MSB client (--msb 0) no MSB DHT nodes are in use: none are listed, not the mainnet defaults.
  const off = configSummary(parse(['bob', '--msb', '0', '--dht-bootstrap', 'local']), {
    ...facts,
    msbBootstrap: null,
    msbChannel: null
  })
  assert.equal(off.msbDhtBootstrap, null)
  assert.equal(off.msbBootstrap, null)
})

test('docs/flags.md is generated from the current flag table', async () => {
  const { flagsMarkdown } = await import('../src/config/index.js')
  const onDisk = fs.readFileSync(new URL('../docs/flags.md', import.meta.url), 'utf8')
  assert.equal(onDisk, flagsMarkdown() + '\n', 'docs/flags.md is stale: run `npm run docs`')
})

test('MSB flags: network preset choice, bootstrap and channel overrides, clear errors', () => {
  const c = parseConfig(
    ['--msb-network', 'Testnet', '--msb-bootstrap', 'AB'.repeat(32), '--msb-channel', 'my-msb', '--msb', '0'],
    {}
  )
  assert.equal(c.msb.network, 'testnet')
  assert.equal(c.msb.bootstrap, 'ab'.repeat(32))
  assert.equal(c.msb.channel, 'my-msb')
  assert.equal(c.msb.enabled, false)
  assert.throws(
    () => parseConfig(['--msb-network', 'moonnet'], {}),
    /--msb-network.*expected one of mainnet, testnet, development/
  )
  assert.throws(() => parseConfig(['--msb-bootstrap', 'xyz'], {}), /--msb-bootstrap/)
  assert.equal(parseConfig([], { MSB_NETWORK: 'development' }).msb.network, 'development')
})

test('npm start, the entry shebang and the bench share one runtime setting (scripts/runtime.json)', () => {
  const root = new URL('../', import.meta.url)
  const runtime = JSON.parse(fs.readFileSync(new URL('scripts/runtime.json', root), 'utf8')) as {
    nodeFlags: string[]
    env: Record<string, string>
  }
  const envPart = Object.entries(runtime.env)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')
  const expected = `${envPart} node ${runtime.nodeFlags.join(' ')}`
  const pkg = JSON.parse(fs.readFileSync(new URL('package.json', root), 'utf8'))
  assert.equal(pkg.scripts.start, `${expected} dist/index.js`)
  const firstLine = fs.readFileSync(new URL('index.ts', root), 'utf8').split('\n')[0]
  assert.equal(firstLine, `#!/usr/bin/env -S ${expected}`)
})

test('--peer-deny: a block list of peer keys for the swarm firewall', async () => {
  const { denyFirewall } = await import('../src/peer.js')
  const a = 'ab'.repeat(32)
  const b = 'cd'.repeat(32)
  const cfg = parseConfig(['--peer-deny', `${a.toUpperCase()},${b}`], {})
  assert.deepEqual(cfg.peer.deny, [a, b])
  assert.equal(parseConfig([], {}).peer.deny, null)
  assert.equal(parseConfig([], { PEER_DENY: a }).peer.deny?.[0], a)
  assert.throws(() => parseConfig(['--peer-deny', 'nothex'], {}), /peer-deny/)
  const key = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'))
  const fw = denyFirewall(cfg.peer.deny, null)!
  assert.equal(fw(key(a)), true)
  assert.equal(fw(key(b)), true)
  assert.equal(fw(key('ef'.repeat(32))), false)
  assert.equal(denyFirewall(null, null), null)
  const extra = (r: Uint8Array): boolean => r[0] === 0xef
  assert.equal(denyFirewall(null, extra), extra)
  const both = denyFirewall([a], extra)!
  assert.equal(both(key(a)), true)
  assert.equal(both(key('ef'.repeat(32))), true)
  assert.equal(both(key(b)), false)
})
