/**
 * V8 tuning for a process that does one burst of work and exits (the CLI, the Action).
 *
 * By default V8 sends a function to its optimizing compiler after little work, which suits a
 * long-lived process. A check of a repository runs for about a second: much of that early
 * optimization is spent on code that is about to finish anyway, and it runs on the second core
 * beside the scan (on the realistic bench profile, about a quarter of the process's CPU time).
 * A larger budget optimizes only what stays hot. Measured in docs/performance.md.
 * The language server, which runs for hours, keeps V8's defaults.
 */
import { setFlagsFromString } from 'node:v8';

export function tuneForShortRun(): void {
  setFlagsFromString('--interrupt-budget=400000');
}
