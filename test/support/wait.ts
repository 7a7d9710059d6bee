/**
 * Polls `condition` until it returns a truthy value or the deadline passes. Tests wait for things to
 * happen this way, never with a fixed sleep.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  {
    timeoutMs = 5000,
    intervalMs = 10,
    what = 'condition',
  }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const value = await condition()
      if (value) return value as NonNullable<T>
    } catch (error) {
      lastError = error
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
      )
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/**
 * Waits until `cache` runs no load. A load's callers have its value a little before the load has
 * finished writing it; a caller that misses in between joins that load and gets the same value, so a
 * test that advances a clock past a value's life lets the load that produced it finish first.
 */
export function loadsFinished(cache: { stats(): { inFlight: number } }): Promise<boolean> {
  return waitFor(() => cache.stats().inFlight === 0, { what: 'running loads to finish' })
}
