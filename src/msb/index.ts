export * from './amount.js'
export * from './ops.js'
export * from './record.js'
