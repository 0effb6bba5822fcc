// SC-Bridge: the server the peer runs, and the pure pieces (filters, events) it is built from.
// The typed agent client lives in ./client.ts and is exported from the package entry (src/lib.ts),
// not from here: it needs `ws`'s client and has no place in the peer process.
export { ScBridge, type BridgeComponents } from './server.js'
export { parseFilter, matchesFilter, normalizeText, type ParsedFilter } from './filter.js'
export { sidechannelEvent, shouldDeliver } from './events.js'
