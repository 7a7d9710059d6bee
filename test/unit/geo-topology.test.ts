import { describe, expect, test } from 'vitest'
import { type GeoTopologyOptions, geoCache, geoTopology } from '../../src/entries/geo.js'
import { InvalidOptionError } from '../../src/index.js'

const url = (port: number) => ({ url: `redis://127.0.0.1:${port}` })
const valid = (): GeoTopologyOptions => ({
  global: url(1),
  regions: [
    { name: 'eu', redis: url(2) },
    { name: 'us', redis: url(3) },
  ],
  dataCenters: [
    { name: 'eu-west', region: 'eu', redis: url(4) },
    { name: 'us-east', region: 'us', redis: url(5) },
  ],
})

describe('geoTopology and geoCache validate before any I/O', () => {
  test('a valid topology is frozen', () => {
    const topology = geoTopology(valid())
    expect(Object.isFrozen(topology)).toBe(true)
    expect(topology.dataCenters.map((dataCenter) => dataCenter.name)).toEqual(['eu-west', 'us-east'])
  })

  test.each([
    [
      'a data center without a region',
      (t: GeoTopologyOptions) => {
        ;(t.dataCenters[0] as { region?: string }).region = undefined
      },
      /data center "eu-west" has no region/,
    ],
    [
      'a data center naming an unknown region',
      (t: GeoTopologyOptions) => {
        ;(t.dataCenters[0] as { region: string }).region = 'asia'
      },
      /names region "asia", which is not in regions/,
    ],
    [
      'two regions with one name',
      (t: GeoTopologyOptions) => {
        ;(t.regions[1] as { name: string }).name = 'eu'
      },
      /two regions are named "eu"/,
    ],
    [
      'two data centers with one name',
      (t: GeoTopologyOptions) => {
        ;(t.dataCenters[1] as { name: string }).name = 'eu-west'
      },
      /two data centers are named "eu-west"/,
    ],
    [
      'a region without data centers',
      (t: GeoTopologyOptions) => {
        ;(t.dataCenters as unknown[]).pop()
      },
      /region "us" has no data center/,
    ],
    [
      'a name unusable in a key prefix',
      (t: GeoTopologyOptions) => {
        ;(t.regions[0] as { name: string }).name = 'eu:1'
      },
      /region names must be 1-64 characters/,
    ],
    [
      'a level with both url and client',
      (t: GeoTopologyOptions) => {
        ;(t.regions[0] as { redis: object }).redis = { url: 'redis://x', client: {} }
      },
      /region "eu" needs exactly one of redis.url or redis.client/,
    ],
    [
      'a level with a bad url',
      (t: GeoTopologyOptions) => {
        t.global = { url: 'http://x' }
      },
      /the global level redis.url must start with redis:\/\//,
    ],
    [
      'no data centers at all',
      (t: GeoTopologyOptions) => {
        t.dataCenters = []
      },
      /non-empty dataCenters array/,
    ],
  ])('rejects %s', (_, change, message) => {
    const options = structuredClone(valid())
    change(options)
    expect(() => geoTopology(options)).toThrow(InvalidOptionError)
    expect(() => geoTopology(options)).toThrow(message)
  })

  test('geoCache rejects an unknown data center, bad level options and a hand-made topology', () => {
    const topology = geoTopology(valid())
    expect(() => geoCache(topology, { dataCenter: 'ap-south' })).toThrow(
      /unknown data center "ap-south"; the topology has eu-west, us-east/,
    )
    expect(() => geoCache(topology, { dataCenter: 'eu-west', regional: { budget: -1 } })).toThrow(
      /regional budget must be a finite, non-negative number/,
    )
    expect(() => geoCache(topology, { dataCenter: 'eu-west', local: { ttl: 'soon' } })).toThrow(
      /local.*ttl "soon" is not a duration/,
    )
    expect(() => geoCache(valid() as never, { dataCenter: 'eu-west' })).toThrow(/made by geoTopology/)
  })
})
