// MSB operation types (trac-msb OperationType) that this peer builds, checks and settles. Defined once: the
// subnet checks that a confirmed record is a subnet tx, the MSB client builds and pre-checks all three.
export const MSB_OP = {
  /** Registers a subnet (`bdo`): /deploy_subnet. */
  BOOTSTRAP_DEPLOYMENT: 11,
  /** A subnet transaction (`txo`): /tx. */
  TX: 12,
  /** A TNK transfer (`tro`): /transfer. */
  TRANSFER: 13
} as const

export type MsbOpType = (typeof MSB_OP)[keyof typeof MSB_OP]
