/**
 * Which values a replica keeps, stores and heals as its own: well-formed records of its space, or
 * (private spaces) well-shaped sealed frames, which only members can open and check, under their
 * true id. Junk, another space's records and anything held under a key that is not
 * its hash stay out of the store; they still reach the space, which rejects them with a reason.
 * Signatures and authority are the space's to judge (a fresh key signs anything, so checking them
 * here would buy nothing).
 */
import { cidString } from '../cid-string.js'
import { HARD_MAX_RECORD_BYTES, parseRecord, recordCid } from '../record.js'
import { isSealedFrame, MAX_FRAME_OVERHEAD } from '../private/frame.js'

/** Whether `bytes`, whose id is `id` (already computed from them), is a well-formed record of the space. */
export function isRecordOfSpace(bytes: Uint8Array, id: string, spaceId: string): boolean {
  // A frame says nothing of its space to anyone without the key: the space that opens it checks.
  if (isSealedFrame(bytes)) return bytes.length <= HARD_MAX_RECORD_BYTES + MAX_FRAME_OVERHEAD
  const parsed = parseRecord(bytes, HARD_MAX_RECORD_BYTES)
  if (!parsed.ok) return false
  const space = parsed.value.space?.toString() ?? null
  if (space !== null) return space === spaceId
  // The genesis has no space field: its id is the space id.
  return id === spaceId
}

/** Whether `bytes`, found under `key` (chosen by whoever wrote it), is a record of the space whose id is `key`. */
export async function isRecordOfSpaceUnder(bytes: Uint8Array, key: string, spaceId: string): Promise<boolean> {
  // Parsed first: most junk fails there, before it costs a hash.
  return isRecordOfSpace(bytes, key, spaceId) && cidString(await recordCid(bytes)) === key
}
