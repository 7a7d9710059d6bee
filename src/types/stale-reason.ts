/** Why a stale value was served. */
export type StaleReason = 'revalidate' | 'fail-safe' | 'soft-timeout' | 'backoff'
