import type { Command } from '../command.js'
import { CliError } from '../errors.js'

/** The package the demo lives in, with its database clients, so that the library needs neither. */
export const DEMO_PACKAGE = 'tiercache-demo'

export const DEMO_NOT_INSTALLED = `the demo is a package of its own, not installed here: run "npm install ${DEMO_PACKAGE}" next to tiercache, or "npm ci" then "npm run demo" in a clone of the repository`

/** `tiercache demo`, loaded from the demo package; a clear one-line error when that is not installed. */
export async function loadDemoCommand(): Promise<Command> {
  try {
    return (await import('tiercache-demo')).demoCommand
  } catch (error) {
    if (isDemoPackageMissing(error)) throw new CliError(DEMO_NOT_INSTALLED)
    throw error
  }
}

/** The demo package itself is missing, not a module it imports (whose message names that module). */
function isDemoPackageMissing(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown }
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    message.includes(`'${DEMO_PACKAGE}'`)
  )
}
