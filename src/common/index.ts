// What more than one plane needs and no plane owns: the subnet/MSB seam (settlement interfaces, the MSB
// operation record and types, transaction hashes), shared names (entry channel, 32-byte topics), the TTY
// argument grammar (terminal commands and app protocols both parse it), input lines and the plain-object
// check. No I/O and no plane imports: every plane may depend on this, this depends on none of them.
export * from './settlement.js'
export * from './msb-ops.js'
export * from './msb-record.js'
export * from './tx-hash.js'
export * from './topic.js'
export * from './args.js'
export * from './lines.js'
export * from './object.js'
export * from './log.js'
export * from './json-frame.js'
export * from './view-bee.js'
