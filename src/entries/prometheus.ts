/**
 * The `tiercache/prometheus` entry: a cache's statistics as Prometheus metrics (prom-client).
 *
 * @module tiercache/prometheus
 */
export {
  type PrometheusMetrics,
  type PrometheusOptions,
  type PrometheusRegistry,
  prometheusMetrics,
} from '../metrics/prometheus.js'
export { LATENCY_BUCKET_MICROS } from '../tiers/tier-counters.js'
