// The check every Redis client program makes, shared by the ES module and CommonJS programs.

/**
 * set, get and delete through a cache whose only tier is Redis on `client`, and a look at the server
 * through the same client: the entry is there after set, and get finds nothing after delete.
 */
async function roundTrip(cache, client) {
  const value = { id: 42, name: 'tiercache', tags: ['a', 'b'] }
  await cache.set('product:42', value)
  const read = await cache.get('product:42')
  if (JSON.stringify(read) !== JSON.stringify(value))
    throw new Error(`get returned ${JSON.stringify(read)} after set of ${JSON.stringify(value)}`)
  const keys = await client.keys(`*${cache.namespace}*product:42*`)
  if (keys.length === 0) throw new Error('set wrote nothing the client can see on the server')
  await cache.delete('product:42')
  const deleted = await cache.get('product:42')
  if (deleted !== undefined) throw new Error(`get returned ${JSON.stringify(deleted)} after delete`)
}

module.exports = { roundTrip }
