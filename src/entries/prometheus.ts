// The `tiercache/prometheus` entry: a cache's statistics as Prometheus metrics (prom-client).
export {
  type PrometheusMetrics,
  type PrometheusOptions,
  type PrometheusRegistry,
  prometheusMetrics,
} from '../metrics/prometheus.js'
export { LATENCY_BUCKET_MICROS } from '../tiers/tier-counters.js'
