import { expect, test } from 'vitest'
import { TierCacheError, UnexpectedReplyError } from '../../src/index.js'
import { asArray } from '../../src/tiers/redis/replies.js'

test('a Redis reply of the wrong shape is a typed error, not a plain Error', () => {
  for (const reply of [null, 'OK', 1, Buffer.from('x')]) {
    expect(() => asArray(reply)).toThrow(UnexpectedReplyError)
    expect(() => asArray(reply)).toThrow(expect.objectContaining({ code: 'ERR_UNEXPECTED_REPLY' }))
    expect(() => asArray(reply)).toThrow(TierCacheError)
  }
  expect(asArray([1, 2])).toEqual([1, 2])
})
