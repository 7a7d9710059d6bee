import { spawnSync } from 'node:child_process'

/** Fails the whole run at once, with install instructions, when redis-server is missing. */
export default function setup(): void {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' })
  if (probe.error || probe.status !== 0) {
    throw new Error(
      [
        'redis-server is not installed (or not on PATH); the integration tests start their own servers.',
        'Install it with:  sudo apt-get install redis-server   (Debian/Ubuntu)',
        '             or:  brew install redis                  (macOS)',
      ].join('\n'),
    )
  }
}
