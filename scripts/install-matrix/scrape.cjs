// What the prom-client programs expect in a scrape after one load, shared by ESM and CommonJS.

/** Throws unless the scrape counts the one load of the cache named `namespace`. */
function assertScraped(text, namespace) {
  const load = new RegExp(`^tiercache_loads_total\\{[^}]*cache="${namespace}"[^}]*\\} 1$`, 'm')
  if (!load.test(text)) throw new Error(`the scrape does not count one load of "${namespace}":\n${text}`)
}

module.exports = { assertScraped }
