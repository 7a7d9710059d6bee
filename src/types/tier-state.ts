/**
 * The state of a tier, as `stats()` and the `tierState` event report it:
 * - `'connecting'`: a Redis tier making its first connection, within its `connectTimeout`;
 * - `'up'`: in use;
 * - `'degraded'`: connected but skipped (its circuit breaker is open or probing, or it is replaying the
 *   writes it missed before serving reads again);
 * - `'down'`: unreachable (disconnected, or not connected within its `connectTimeout`);
 * - `'bypassed'`: a memory tier while invalidations from other processes could be missed (the bus is
 *   down): reads go past it to Redis until the bus is back.
 */
export type TierState = 'connecting' | 'up' | 'degraded' | 'down' | 'bypassed'

/** A circuit breaker's own word for its state. */
export type BreakerState = 'closed' | 'open' | 'half-open'
