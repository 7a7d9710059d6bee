import { spawnSync } from 'node:child_process'

/**
 * Runs a command to completion and returns its output. Throws with the command line and everything it
 * printed when it cannot start, exits non-zero or outlives `timeoutMs`.
 */
export function run(command, args, { cwd, env, timeoutMs = 10 * 60_000 } = {}) {
  const result = spawnSync(command, args, {
    cwd,
    env: env ?? process.env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: timeoutMs,
  })
  const commandLine = [command, ...args].join(' ')
  if (result.error) throw new Error(`${commandLine} failed: ${result.error.message}`)
  const output = `${result.stdout}${result.stderr}`.trim()
  if (result.status !== 0) {
    const how = result.signal ? `was killed by ${result.signal}` : `exited with ${result.status}`
    throw new Error(`${commandLine} ${how}${cwd ? ` (in ${cwd})` : ''}:\n${lastLines(output)}`)
  }
  return { stdout: result.stdout, stderr: result.stderr, output }
}

/** The end of a long output, where the reason a command failed usually is. */
function lastLines(output, count = 60) {
  const lines = output.split('\n')
  if (lines.length <= count) return output
  return [`… (${lines.length - count} earlier lines left out)`, ...lines.slice(-count)].join('\n')
}
