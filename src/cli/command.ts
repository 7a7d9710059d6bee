/** A `tiercache` sub-command. `run` resolves with the process exit code. */
export interface Command {
  run(argv: readonly string[]): Promise<number>
}

/** An entry of the command list: loaded only when it runs, so `--help` and each command start fast. */
export interface CommandEntry {
  readonly name: string
  /** One line for the command list in `tiercache --help`. */
  readonly summary: string
  load(): Promise<Command>
}
