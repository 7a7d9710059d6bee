import { expect, test } from 'vitest'
import { withoutComments } from '../../build/strip-comments.js'

const BUNDLE = `// src/clock.ts
/**
 * The time, in milliseconds.
 */
var now = () => Date.now(); // not performance.now()
var Box = class {
  /** The value inside. */
  value = "// not a comment" + '/* nor this */';
  /* eslint-disable */
  pattern = /\\/\\/ kept/;
  text = \`/** kept */\`;
};
var made = /* @__PURE__ */ new Box();
/*! legal notice */
/** @license MIT */
export { made, now };
`

test('a bundle loses its comments and the lines they stood on, and keeps the code', () => {
  const { code } = withoutComments(BUNDLE, '/tmp/chunk.js')
  expect(code).toBe(`var now = () => Date.now(); 
var Box = class {
  value = "// not a comment" + '/* nor this */';
  pattern = /\\/\\/ kept/;
  text = \`/** kept */\`;
};
var made = /* @__PURE__ */ new Box();
/*! legal notice */
/** @license MIT */
export { made, now };
`)
})

test('CommonJS keeps the export names Node reads for ESM imports, without the note about them', () => {
  const cjs = `"use strict";
module.exports = { a: 1 };
// Annotate the CommonJS export names for ESM import in node:
0 && (module.exports = {
  a
});
`
  expect(withoutComments(cjs, '/tmp/chunk.cjs').code).toBe(`"use strict";
module.exports = { a: 1 };
0 && (module.exports = {
  a
});
`)
})

test("a command's #! line stays", () => {
  const command = '#!/usr/bin/env node\n// src/cli/index.ts\nmain();\n'
  expect(withoutComments(command, '/tmp/cli.js').code).toBe('#!/usr/bin/env node\nmain();\n')
})

test('the map of the edit points each line at the line it came from', () => {
  const { map } = withoutComments(BUNDLE, '/tmp/chunk.js')
  expect(map.sources).toEqual(['/tmp/chunk.js'])
  // The first kept line (var now) came from line 5: four lines of comments went before it.
  expect(map.mappings.split(';')[0]).toMatch(/^AAIA/)
})
