// Fails on an inline import type of the library's own modules in src/ (`import('./x.js').Name`,
// `typeof import('tiercache')`): those hide a dependency from a reader of the file's imports. Import the type
// at the top of the file instead. A package's inline type (`typeof import('pg')`) stays allowed: it types a
// module loaded lazily.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

const INLINE_SOURCE_IMPORT = /(?<!await\s+)\bimport\(\s*['"](?:\.{1,2}\/|tiercache['"/])/

function sourceFiles(directory) {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(directory, entry.name)
    if (entry.isDirectory()) return sourceFiles(file)
    return file.endsWith('.ts') ? [file] : []
  })
}

const found = []
for (const file of sourceFiles('src')) {
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      if (INLINE_SOURCE_IMPORT.test(line)) found.push(`${file}:${index + 1}: ${line.trim()}`)
    })
}
if (found.length > 0) {
  console.error(
    `Inline import types of source files (import the type at the top instead):\n${found.join('\n')}`,
  )
  process.exit(1)
}
console.log('no inline import types of source files in src/')
