import { redactCredentials } from '../redact.js'

/**
 * An error the CLI reports as one line (no stack) and turns into an exit code. The credentials of any
 * URL in the message are redacted.
 */
export class CliError extends Error {
  constructor(
    message: string,
    /** 2 for bad arguments (usage), 1 for everything else. */
    readonly exitCode = 1,
  ) {
    super(redactCredentials(message))
    this.name = 'CliError'
  }
}

/** Bad arguments: the message plus a pointer to `--help`. */
export class UsageError extends CliError {
  constructor(message: string, command: string) {
    super(`${message}\nRun "tiercache ${command} --help" for usage.`, 2)
    this.name = 'UsageError'
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return errorMessage(error.errors[0])
  if (error instanceof Error) return error.message || error.name
  return String(error)
}
