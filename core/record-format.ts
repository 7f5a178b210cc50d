/**
 * The record envelope version. Version 2 added the rule that a record's refs name the causal past
 * its author had seen (see causal.ts); version 1 records are refused as `old-format`.
 */
export const RECORD_FORMAT = 2
