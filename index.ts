#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=131072 MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=1 --max-old-space-size=96
// Entry point: the peer with the reference's sample app. Everything lives in src/ (src/main.ts runs it).
import { hostExit } from './src/host/index.js'
import { runIntercom } from './src/main.js'

runIntercom().catch((err) => {
  console.error(err?.stack ?? err)
  hostExit(1)
})
