export { TierTimeoutError } from '../../errors.js'

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
