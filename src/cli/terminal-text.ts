/**
 * Text read from Redis (or a metrics endpoint) made safe to print: control characters that a terminal
 * would act on (ESC sequences, BEL, backspace, C1 controls, bidirectional overrides) are shown as
 * escapes such as `\x1b` instead.
 */

/** C0 controls, DEL, C1 controls, and the bidirectional embeddings, overrides and isolates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

/** One line of text with every control character (newlines and tabs included) escaped. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (char) => {
    const code = char.charCodeAt(0)
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`
  })
}

/** Several lines: newlines are kept, every other control character is escaped. */
export function escapeLines(text: string): string {
  return text.split('\n').map(escapeControl).join('\n')
}

/**
 * JSON text with the characters JSON.stringify leaves raw (DEL, C1 controls, bidirectional controls)
 * written as `\uXXXX` escapes: the same JSON value, safe for a terminal.
 */
export function escapeJson(json: string): string {
  return json.replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (char) => {
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
  })
}
