/** One sample of the Prometheus text exposition format. */
export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/**
 * Parses Prometheus text exposition (version 0.0.4) into samples; comments, HELP and TYPE lines are
 * skipped. Enough for reading tiercache's own metrics back; not a general validator.
 */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line)
    if (!match) continue
    const labels: Record<string, string> = {}
    for (const label of (match[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[label[1] as string] = (label[2] as string).replace(/\\(.)/g, (_, c: string) =>
        c === 'n' ? '\n' : c,
      )
    }
    samples.push({ name: match[1] as string, labels, value: parseValue(match[4] as string) })
  }
  return samples
}

function parseValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY
  if (text === '-Inf') return Number.NEGATIVE_INFINITY
  return Number(text)
}

/**
 * The q-quantile (0..1) of a histogram from its cumulative `_bucket` samples, interpolated within the
 * bucket as PromQL's histogram_quantile does; undefined without observations. A rank past the highest
 * finite bound answers that bound.
 */
export function bucketQuantile(buckets: readonly Sample[], q: number): number | undefined {
  const sorted = buckets
    .map((sample) => ({ le: parseValue(sample.labels.le ?? ''), count: sample.value }))
    .filter((bucket) => !Number.isNaN(bucket.le))
    .sort((a, b) => a.le - b.le)
  const total = sorted.at(-1)?.count ?? 0
  if (total <= 0) return undefined
  const rank = q * total
  let lower = 0
  let below = 0
  for (const { le, count } of sorted) {
    if (count >= rank) {
      if (le === Number.POSITIVE_INFINITY) return lower
      return count === below ? le : lower + ((le - lower) * (rank - below)) / (count - below)
    }
    lower = le
    below = count
  }
  return lower
}
