import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { runCli } from '../support/cli.js'

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string
}

test.each([['--version'], ['-v']])('tiercache %s prints the package version and exits 0', async (flag) => {
  const result = await runCli([flag])
  expect(result.code).toBe(0)
  expect(result.stdout.trim()).toBe(version)
})
