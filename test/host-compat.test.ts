// Pieces that make Node and Bare behave the same, checked in-process: line splitting for piped
// stdin (what Node's readline does without a terminal) and Node's lenient base64 decoding.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { LineReader, LineSplitter } from '../src/terminal/index.js'
import { decodeBase64Lenient } from '../src/sidechannel/codec/blob.js'

test('LineSplitter: \\n, \\r\\n and lone \\r end lines, across chunk borders; UTF-8 split across chunks', () => {
  const s = new LineSplitter()
  const bytes = Buffer.from('a\r\nb\rc\n\nhé€llo\r')
  const got: string[] = []
  for (const b of bytes) got.push(...s.push(Uint8Array.of(b)))
  got.push(...s.push('\nlast'))
  got.push(...s.end())
  assert.deepEqual(got, ['a', 'b', 'c', '', 'hé€llo', 'last'])
  assert.deepEqual(s.end(), [])
})

test('LineReader: lines in order, the unterminated last one at end, nothing after close; errors end it', async () => {
  const input = new PassThrough()
  const lines: string[] = []
  let ended = 0
  const reader = new LineReader(
    input,
    (l) => lines.push(l),
    () => {
      ended++
    }
  )
  input.write('/one\n/tw')
  input.write('o\r\n/three')
  input.end()
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(lines, ['/one', '/two', '/three'])
  assert.equal(ended, 1)
  reader.close()

  const input2 = new PassThrough()
  const lines2: string[] = []
  const r2 = new LineReader(input2, (l) => lines2.push(l))
  input2.write('x\n')
  await new Promise((resolve) => setImmediate(resolve))
  r2.close()
  input2.write('y\n')
  input2.destroy(new Error('EIO'))
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(lines2, ['x'], 'closed readers deliver nothing, and a later stream error is not thrown')
})

test('decodeBase64Lenient matches Node\'s Buffer.from(text, "base64") on messy input', () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_= \n\t!.{é'
  let seed = 42
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % n
  }
  const cases = [
    'YQ==YQ==',
    'YWJj ZGVm',
    'YW!Jj',
    'YWJjZ',
    'Y',
    'YQ=',
    'YW=Jj',
    'YWJj-_',
    '=YQ',
    'YWJjZGVm=',
    'YQ==\n',
    ''
  ]
  for (let i = 0; i < 3000; i++) {
    let s = ''
    for (let n = rnd(24); n > 0; n--) s += alphabet[rnd(10) < 8 ? rnd(64) : rnd(alphabet.length)]
    cases.push(s)
  }
  for (const s of cases)
    assert.deepEqual(Buffer.from(decodeBase64Lenient(s)), Buffer.from(s, 'base64'), JSON.stringify(s))
})
