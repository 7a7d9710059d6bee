import { type Comment, parse } from 'acorn'
import MagicString, { type SourceMap } from 'magic-string'
import type { Options } from 'tsup'

type TsupPlugin = NonNullable<Options['plugins']>[number]

/** Comments a tool reads: legal notices, and the annotations bundlers tree-shake by. */
const MEANINGFUL = /^!|@license|@preserve|[@#]__(PURE|NO_SIDE_EFFECTS)__/

/**
 * Drops the comments esbuild carries into the bundles (TSDoc on class members, module markers): about an
 * eighth of the package's size. Users read the documentation in the declaration files, which keep it.
 * The code keeps its lines and indentation, and the source maps follow the edit.
 */
export function stripComments(): TsupPlugin {
  return {
    name: 'strip-comments',
    renderChunk(code, chunk) {
      if (!/\.[cm]?js$/.test(chunk.path)) return undefined
      return withoutComments(code, chunk.path)
    },
  }
}

/** `code` without its comments (those in {@link MEANINGFUL} stay), and a source map of the edit. */
export function withoutComments(code: string, file: string): { code: string; map: SourceMap } {
  const comments: Comment[] = []
  parse(code, {
    ecmaVersion: 'latest',
    sourceType: file.endsWith('.cjs') ? 'script' : 'module',
    // With code splitting, tsup hands plugins a .cjs chunk still in ESM syntax (it converts it after).
    allowImportExportEverywhere: true,
    allowHashBang: true,
    onComment: comments,
  })
  const edited = new MagicString(code)
  for (const comment of comments) {
    if (MEANINGFUL.test(comment.value) || isHashbang(code, comment)) continue
    const [start, end] = wholeLine(code, comment.start, comment.end) ?? [comment.start, comment.end]
    edited.remove(start, end)
  }
  const map = edited.generateMap({ hires: 'boundary', includeContent: false })
  // Named as the chunk itself, so that tsup maps through it to the chunk's own source map.
  map.sources = [file]
  return { code: edited.toString(), map }
}

/** Acorn reports a `#!` line as a comment: it is what makes the command's file executable. */
function isHashbang(code: string, comment: Comment): boolean {
  return comment.start === 0 && code.startsWith('#!')
}

/** The range of the comment's lines with their line break, when nothing but blanks shares them. */
function wholeLine(code: string, start: number, end: number): [number, number] | undefined {
  const lineStart = code.lastIndexOf('\n', start - 1) + 1
  const lineEnd = code.indexOf('\n', end)
  const after = lineEnd === -1 ? code.length : lineEnd + 1
  const blank = (text: string) => text.trim() === ''
  if (!blank(code.slice(lineStart, start)) || !blank(code.slice(end, after))) return undefined
  return [lineStart, after]
}
