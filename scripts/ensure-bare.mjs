// The `bare` dev dependency ships its runtime binary in a platform package; installed without
// install scripts (npm 11's default) it can lack the exec bit. Restore it before `npm run start:bare`.
import { createRequire } from 'node:module'
import fs from 'node:fs'

const bin = createRequire(import.meta.url)('bare-runtime')()
try {
  fs.accessSync(bin, fs.constants.X_OK)
} catch {
  fs.chmodSync(bin, 0o755)
}
