/** A log line; `args` are what produced it (console.log style), for captures that format them otherwise (SC-Bridge `cli`). */
export type LogFn = (line: string, args?: readonly unknown[]) => void
