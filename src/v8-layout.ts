/** Whether V8 runs with pointer compression (4-byte tagged fields instead of 8). */
export const COMPRESSED =
  (process.config.variables as Record<string, unknown>).v8_enable_pointer_compression === 1 ||
  (process.config.variables as Record<string, unknown>).v8_enable_pointer_compression === true

/** Largest integer kept inline as a small integer (Smi): 31 bits with compression, 32 without. */
export const SMI_MAX = COMPRESSED ? 2 ** 30 - 1 : 2 ** 31 - 1
