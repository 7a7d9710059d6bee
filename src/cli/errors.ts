import { redactCredentials } from '../redact.js'

/** Marks a {@link CliError} from any copy of this module: the demo package bundles a copy of its own. */
const CLI_ERROR = Symbol.for('tiercache.CliError')

/**
 * An error the CLI reports as one line (no stack) and turns into an exit code. The credentials of any
 * URL in the message are redacted.
 */
export class CliError extends Error {
  readonly [CLI_ERROR] = true

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

/** Whether `error` is a {@link CliError}, thrown by this module or by the demo package's copy of it. */
export function isCliError(error: unknown): error is CliError {
  return error instanceof Error && (error as { [CLI_ERROR]?: unknown })[CLI_ERROR] === true
}

export function errorMessage(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return errorMessage(error.errors[0])
  if (error instanceof Error) return error.message || error.name
  return String(error)
}
