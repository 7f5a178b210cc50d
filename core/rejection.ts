/**
 * Why a record was kept out of the views. Every rejection is observable: a space keeps counters
 * per reason and a bounded log of recent rejections (see `Space.getRejections`).
 */
import type { StorageDamage } from './replica.js'

export type RejectionReason =
  /** not a byte array at all */
  | 'not-bytes'
  /** over the space's record size limit; rejected before parsing */
  | 'too-large'
  /** not strict, canonical, bounded dag-cbor */
  | 'malformed'
  /** envelope or body does not match the kind's schema */
  | 'schema'
  /** the record belongs to another space (replayed or misrouted) */
  | 'wrong-space'
  | 'unknown-kind'
  /** the signature does not verify against the claimed author */
  | 'bad-signature'
  /** the id it was stored under is not the hash of its bytes */
  | 'id-mismatch'
  /** the author lacked the role the action needs in the record's causal past (or lost it concurrently) */
  | 'not-authorized'
  /** the record refers to something it may not (another author's post, a non-invite, ...) */
  | 'invalid-reference'
  /** a genesis record that is not this space's genesis */
  | 'foreign-genesis'
  /** written in an envelope version this code does not read (format v1 had no causal links) */
  | 'old-format'
  /** names records this peer does not hold (yet): judged once they arrive, never before */
  | 'missing-dependency'
  /** a poll's closer committed an older ballot of a voter whose newer ballot the close's past holds */
  | 'stale-ballot'
  /** a private space's frame under an epoch whose key this member does not hold (yet); kept until the key arrives */
  | 'unknown-epoch'
  /** a private space's frame that does not open under its epoch's key: changed in transit, or sealed under another key */
  | 'bad-ciphertext'
  /** a plain record in a private space, or a sealed one in a public space */
  | 'wrong-privacy'
  /** an epoch key sealed to this member that does not open (sealed to another key, or damaged); the record stands, this member lacks that key */
  | 'bad-key-box'
  /** bytes of this device's own storage that could not be read back (a damaged disk, a torn write); moved to a quarantine file */
  | 'damaged-storage'

export interface Rejection {
  readonly reason: RejectionReason
  /** Human-readable explanation naming the field or rule that failed. */
  readonly detail: string
  /** Record id when the bytes were parseable enough to compute one. */
  readonly id?: string
  /** Author did when known. */
  readonly author?: string
  /** Where the bytes came from, as reported by the replica (peer id) or "local". */
  readonly source?: string
}

export type Verdict<T> = { ok: true; value: T } | { ok: false; rejection: Rejection }

export const reject = (reason: RejectionReason, detail: string, extra: Partial<Rejection> = {}): { ok: false; rejection: Rejection } => ({
  ok: false,
  rejection: { reason, detail, ...extra },
})

/** The rejection a space logs for damage its replica's storage found and set aside at open. */
export function storageRejection(damage: StorageDamage): Rejection {
  return {
    reason: 'damaged-storage',
    detail: `${damage.length} bytes at offset ${damage.offset} of ${damage.file} could not be read back (${damage.reason}); moved to ${damage.quarantine}`,
    source: 'local',
  }
}
