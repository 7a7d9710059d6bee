import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { Dataset } from '../lib/dataset.js'
import type { BenchEnv } from '../lib/env.js'
import type { Subject } from '../lib/subject.js'

/**
 * The same cache layout for every library, so a workload compares engines, not settings:
 * - `memory+redis`: an in-process L1 in front of one Redis L2 (the multi-level setup all of them
 *   document), no cross-process invalidation bus (a single process needs none).
 * - `redis`: the Redis tier alone.
 */
export type Layout = 'memory+redis' | 'redis' | 'memory' | 'memory+hot+warm'

/**
 * Whether a layout has a memory tier, and how many Redis tiers. Libraries with a single Redis layer
 * (bentocache, layered-loader) run `memory+hot+warm` as memory + one Redis, and say so in their row.
 */
export function layoutParts(layout: Layout): { memory: boolean; redisTiers: number } {
  switch (layout) {
    case 'memory':
      return { memory: true, redisTiers: 0 }
    case 'redis':
      return { memory: false, redisTiers: 1 }
    case 'memory+redis':
      return { memory: true, redisTiers: 1 }
    case 'memory+hot+warm':
      return { memory: true, redisTiers: 2 }
  }
}

/** Shared limits: L1 holds up to 10,000 entries; values live 1 h (L1 copies 10 min where the library has that knob). */
export const LIMITS = {
  memoryEntries: 10_000,
  memoryTtlMs: 10 * 60_000,
  entryTtlMs: 60 * 60_000,
} as const

export interface SubjectContext {
  readonly env: BenchEnv
  readonly dataset: Dataset
  readonly layout: Layout
  /**
   * Distinguishes this workload's keys in the shared Redis (letters, digits and dashes); each library
   * appends its own name, since some of them lay keys out alike (`<prefix>:<key>`).
   */
  readonly scope: string
  /** Fill every key through the library before measuring (hit workloads); off for cold-start workloads. */
  readonly populate: boolean
  /** Most entries the memory tier holds (default LIMITS.memoryEntries). */
  readonly memoryEntries?: number
}

/** A library's set-up for the workloads: its row name, and how to create its row for a given layout. */
export interface SubjectFactory {
  readonly name: string
  create(context: SubjectContext): Promise<Subject>
}

/** What a library's set-up returns; the row name is the factory's. */
export type LibrarySubject = Omit<Subject, 'name'>

export function library(
  name: string,
  create: (context: SubjectContext) => Promise<LibrarySubject>,
): SubjectFactory {
  return { name, create: async (context) => ({ ...(await create(context)), name }) }
}

/** Reads a key through the library once per key, so each library writes its own format to its tiers. */
export async function populate(
  op: (key: string) => Promise<unknown>,
  keys: readonly string[],
): Promise<void> {
  for (const key of keys) await op(key)
}

const projectRoot = path.resolve(import.meta.dirname, '..', '..')

/** The installed version of a package (read from node_modules, since not every package exports its package.json). */
export function installedVersion(name: string): string {
  const file = path.join(projectRoot, 'node_modules', name, 'package.json')
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
}

export function projectVersion(): string {
  const file = path.join(projectRoot, 'package.json')
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
}

export function redisHostPort(url: string): { host: string; port: number } {
  const parsed = new URL(url)
  return { host: parsed.hostname, port: Number(parsed.port) }
}
