// Runtime hosts that may or may not be present. Declared loosely on purpose.
declare var Bare: { argv: string[], exit (code?: number): void, on (ev: string, fn: (...a: any[]) => void): void } | undefined
declare var Pear: {
  config: { args?: string[], storage?: string, key?: unknown, dev?: boolean, options?: Record<string, unknown> }
  teardown (fn: () => unknown): void
  exit? (code?: number): void
} | undefined
