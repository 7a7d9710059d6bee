/**
 * tiercache-demo: the `tiercache demo` command, kept out of the library so that the library's package
 * stays small and its users do not install the demo's database clients. The `tiercache` command loads
 * this module when `tiercache demo` runs.
 */
export { demoCommand } from './command.js'
