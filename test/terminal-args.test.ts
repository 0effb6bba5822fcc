import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'fs'
import { parseTtyArgs, pickArg, tokenizeCommandLine } from '../src/common/index.js'

interface Vectors {
  ttyArgs: Array<{ line: string; args: Record<string, string | null> }>
}

const vectors = JSON.parse(fs.readFileSync(new URL('./fixtures/flag-vectors.json', import.meta.url), 'utf8')) as Vectors

test('ttyArgs vectors', () => {
  assert.ok(vectors.ttyArgs.length >= 6)
  for (const v of vectors.ttyArgs) assert.deepEqual(parseTtyArgs(v.line), v.args, v.line)
})

test('tokenizer: quotes, escapes and whitespace', () => {
  assert.deepEqual(tokenizeCommandLine('  a   b\tc  '), ['a', 'b', 'c'])
  assert.deepEqual(tokenizeCommandLine(''), [])
  assert.deepEqual(tokenizeCommandLine('"a b" \'c d\''), ['a b', 'c d'])
  // Single quotes keep backslashes; double quotes and bare text use them as escapes.
  assert.deepEqual(tokenizeCommandLine(String.raw`'a\"b' "a\"b" a\ b`), [String.raw`a\"b`, 'a"b', 'a b'])
  assert.deepEqual(tokenizeCommandLine(String.raw`"back\\slash"`), [String.raw`back\slash`])
  // Adjacent quoted and unquoted parts form one word; empty quotes form an empty word.
  assert.deepEqual(tokenizeCommandLine(`x"y z"'w'`), ['xy zw'])
  assert.deepEqual(tokenizeCommandLine(`--message ""`), ['--message', ''])
  // Quotes of the other kind are literal inside a quoted part.
  assert.deepEqual(tokenizeCommandLine(`"it's" 'say "hi"'`), ["it's", 'say "hi"'])
  // An unterminated quote runs to the end; a trailing backslash is kept.
  assert.deepEqual(tokenizeCommandLine('a "b c'), ['a', 'b c'])
  assert.deepEqual(tokenizeCommandLine('a b\\'), ['a', 'b\\'])
  // Non-ASCII text passes through untouched.
  assert.deepEqual(tokenizeCommandLine('/sc_send --message "héllo 🌍"'), ['/sc_send', '--message', 'héllo 🌍'])
})

test('parseTtyArgs: pairs by position, only one leading -- stripped', () => {
  assert.deepEqual(parseTtyArgs('/cmd'), {})
  assert.deepEqual(parseTtyArgs('/cmd plain value ---x y'), { plain: 'value', '-x': 'y' })
  assert.deepEqual(parseTtyArgs('/cmd --a 1 --a 2'), { a: '2' })
  assert.deepEqual(parseTtyArgs('/cmd --message ""'), { message: '' })
  const odd = parseTtyArgs('/cmd --__proto__ x')
  assert.equal(Object.getPrototypeOf(odd), Object.prototype)
  assert.deepEqual(Object.keys(odd), ['__proto__'])
  // biome-ignore lint/suspicious/noProto: an own key named __proto__ is what this case checks
  assert.equal(odd.__proto__, 'x')
})

test('pickArg returns the first alias with a non-empty value', () => {
  const args = parseTtyArgs('/sc_join --ch pub1 --name other --invite')
  assert.equal(pickArg(args, 'channel', 'ch', 'name'), 'pub1')
  assert.equal(pickArg(args, 'name', 'ch'), 'other')
  assert.equal(pickArg(args, 'invite', 'invite_b64'), null)
  assert.equal(pickArg(args, 'missing'), null)
  assert.equal(pickArg(parseTtyArgs('/x --message "" --msg hi'), 'message', 'msg'), 'hi')
  assert.equal(pickArg(parseTtyArgs('/x --toString y'), 'constructor'), null)
})
