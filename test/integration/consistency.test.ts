import pg from 'pg'
import { beforeAll, describe, expect, test } from 'vitest'
import { type Chaos, runConsistencyCheck } from '../../scripts/consistency/run.js'

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
/** The documented bound: bus heartbeat interval + timeout (see docs/invalidation.md, "Consistency bound"). */
const BOUND_MS = 2000

beforeAll(async () => {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
  } catch (error) {
    throw new Error(
      `the consistency test needs PostgreSQL at ${databaseUrl} (set DATABASE_URL): install it with ` +
        `"sudo apt-get install postgresql" and start it (pg_ctlcluster <version> main start). ${String(error)}`,
    )
  } finally {
    await client.end().catch(() => undefined)
  }
})

describe('consistency across processes (3 workers, memory + hot + warm, PostgreSQL)', () => {
  test.each<Chaos>(['none', 'kill-bus', 'restart-hot', 'restart-warm', 'stall-hot'])(
    'no read is stale beyond the bound (chaos: %s)',
    async (chaos) => {
      const report = await runConsistencyCheck({
        workers: 3,
        operationsPerWorker: 1500,
        boundMs: BOUND_MS,
        chaos,
        databaseUrl,
      })
      console.log(`chaos=${chaos}`, JSON.stringify({ ...report, examples: report.examples.slice(0, 2) }))
      expect(report.reads).toBeGreaterThan(5000)
      // Updates need the coordinating tier to invalidate tags; while it restarts or stalls they fail.
      expect(report.writes).toBeGreaterThan(chaos === 'none' ? 100 : 20)
      expect(report.staleBeyondBound, report.examples.join('\n')).toBe(0)
      if (chaos !== 'none') expect(report.chaosEvents).toBeGreaterThan(0)
    },
    120_000,
  )
})
