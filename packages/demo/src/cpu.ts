import { connectOnce } from '../../../src/cli/redis/client.js'

/** CPU time one process has used so far, in microseconds (user + system). */
export interface CpuReading {
  readonly name: string
  readonly cpuMicros: number
}

/** Reads the CPU time of the processes besides the instances: the Redis servers and this one. */
export type CpuProbe = () => Promise<readonly CpuReading[]>

/**
 * The demo process (which also runs the embedded PostgreSQL when there is no DATABASE_URL) through
 * process.cpuUsage(), each Redis server through INFO cpu (used_cpu_user + used_cpu_sys).
 */
export function cpuProbe(redis: Readonly<Record<string, string>>, demoProcessName: string): CpuProbe {
  return async () => {
    const readings: CpuReading[] = []
    for (const [name, url] of Object.entries(redis)) {
      const micros = await redisCpuMicros(url).catch(() => Number.NaN)
      readings.push({ name: `Redis ${name}`, cpuMicros: micros })
    }
    const { user, system } = process.cpuUsage()
    readings.push({ name: demoProcessName, cpuMicros: user + system })
    return readings
  }
}

async function redisCpuMicros(url: string): Promise<number> {
  const connection = await connectOnce(url, 'a Redis tier')
  try {
    const info = await connection.text(['INFO', 'cpu'])
    const seconds = (field: string) => Number(new RegExp(`^${field}:([\\d.]+)`, 'm').exec(info)?.[1])
    return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1_000_000
  } finally {
    await connection.close()
  }
}
