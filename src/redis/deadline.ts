/** Thrown when a tier does not answer within its timeout. */
export class TierTimeoutError extends Error {
  constructor(tier: string, operation: string, timeoutMs: number) {
    super(`tier "${tier}" did not answer ${operation} within ${timeoutMs} ms`)
    this.name = 'TierTimeoutError'
  }
}

/**
 * Races `promise` against a timer. The losing promise is not cancelled (Redis has no cancel), but its
 * rejection is swallowed so it cannot become an unhandled rejection.
 */
export function withDeadline<T>(promise: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), timeoutMs)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}
