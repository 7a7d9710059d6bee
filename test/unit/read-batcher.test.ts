import { describe, expect, test } from 'vitest'
import { MIN_SPLIT_HALF, ReadBatcher } from '../../src/tiers/redis/read-batcher.js'
import { waitFor } from '../support/wait.js'

/**
 * A batcher over a fetch that answers only when the test says so, logging every batch sent and every
 * caller resumed, in order.
 */
function controlledBatcher() {
  const log: string[] = []
  const answers: (() => void)[] = []
  const batcher = new ReadBatcher<string, string | undefined>(
    (keys) => {
      log.push(`sent ${keys.join(',')}`)
      return new Promise((resolve) => answers.push(() => resolve(keys.map((key) => `value of ${key}`))))
    },
    (value) => value,
  )
  return { log, answers, batcher }
}

/** `count` callers that each read `first<i>`, note that they resumed, then read `second<i>`. */
function callers(batcher: ReadBatcher<string, string | undefined>, log: string[], count: number) {
  return Array.from({ length: count }, async (_, i) => {
    expect(await batcher.read(`first${i}`)).toBe(`value of first${i}`)
    log.push(`resumed ${i}`)
    return batcher.read(`second${i}`)
  })
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i)
const sent = (prefix: string, indexes: number[]) => `sent ${indexes.map((i) => `${prefix}${i}`).join(',')}`

describe('ReadBatcher', () => {
  test('reads issued in the same tick share one batch', async () => {
    const { log, answers, batcher } = controlledBatcher()
    const reads = callers(batcher, log, 3)
    await waitFor(() => answers.length === 1, { what: 'the first batch' })
    expect(log).toEqual([sent('first', [0, 1, 2])])
    answers[0]?.()
    await waitFor(() => answers.length === 2, { what: 'the second batch' })
    answers[1]?.()
    expect(await Promise.all(reads)).toEqual(range(0, 3).map((i) => `value of second${i}`))
    expect(log).toEqual([
      sent('first', [0, 1, 2]),
      'resumed 0',
      'resumed 1',
      'resumed 2',
      sent('second', [0, 1, 2]),
    ])
  })

  test('the only batch in flight resumes its callers in two halves, the second once the first half has sent its reads', async () => {
    const count = 4 * MIN_SPLIT_HALF
    const half = count / 2
    const { log, answers, batcher } = controlledBatcher()
    const reads = callers(batcher, log, count)
    await waitFor(() => answers.length === 1, { what: 'the first batch' })
    answers[0]?.()
    await waitFor(() => answers.length === 3, { what: 'a batch from each half' })
    for (const answer of answers.slice(1)) answer()
    expect(await Promise.all(reads)).toEqual(range(0, count).map((i) => `value of second${i}`))
    expect(log).toEqual([
      sent('first', range(0, count)),
      ...range(0, half).map((i) => `resumed ${i}`),
      sent('second', range(0, half)),
      ...range(half, count).map((i) => `resumed ${i}`),
      sent('second', range(half, count)),
    ])
  })

  test('fewer callers than two halves of the minimum resume together', async () => {
    const count = 2 * MIN_SPLIT_HALF - 1
    const { log, answers, batcher } = controlledBatcher()
    const reads = callers(batcher, log, count)
    await waitFor(() => answers.length === 1, { what: 'the first batch' })
    answers[0]?.()
    await waitFor(() => answers.length === 2, { what: 'the second batch' })
    answers[1]?.()
    await Promise.all(reads)
    expect(log.filter((line) => line.startsWith('sent'))).toEqual([
      sent('first', range(0, count)),
      sent('second', range(0, count)),
    ])
  })

  test('callers resumed while another batch is in flight resume together', async () => {
    const count = 4 * MIN_SPLIT_HALF
    const { log, answers, batcher } = controlledBatcher()
    const reads = callers(batcher, log, count)
    await waitFor(() => answers.length === 1, { what: 'the first batch' })
    const other = batcher.read('other')
    await waitFor(() => answers.length === 2, { what: 'the other batch' })
    answers[0]?.()
    await waitFor(() => answers.length === 3, { what: 'the callers’ second batch' })
    expect(log.at(-1)).toBe(sent('second', range(0, count)))
    for (const answer of answers.slice(1)) answer()
    await Promise.all([...reads, other])
  })
})
