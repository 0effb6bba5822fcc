// The MSB's stored record of a confirmed subnet transaction (spec §10.2). The apply.operations schema now lives
// in src/msb/record.ts (shared with the MSB client codecs); this module re-exports it so existing imports work.
export { decodeMsbOperation, encodeMsbOperation, type MsbOperationRecord, type MsbTxOperation } from '../msb/record.js'
