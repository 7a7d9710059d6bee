import type { Counter, Histogram, Meter } from '@opentelemetry/api'

/** The metrics `instrumentTiercache` records, made once per instrumentation. */
export interface Instruments {
  readonly hits: Counter
  readonly misses: Counter
  readonly loads: Counter
  readonly operationDuration: Histogram
  readonly tierDuration: Histogram
}

export function createInstruments(meter: Meter): Instruments {
  return {
    hits: meter.createCounter('tiercache.hits', { description: 'Reads answered by a tier' }),
    misses: meter.createCounter('tiercache.misses', { description: 'Reads no tier answered' }),
    loads: meter.createCounter('tiercache.loads', { description: 'Loader runs' }),
    operationDuration: meter.createHistogram('tiercache.operation.duration', {
      description: 'Duration of a public cache call',
      unit: 's',
    }),
    tierDuration: meter.createHistogram('tiercache.tier.duration', {
      description: 'Duration of one round trip to one Redis tier',
      unit: 's',
    }),
  }
}
