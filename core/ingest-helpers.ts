/**
 * Helpers of a space's ingest path that hold no state of the space: how many entries are
 * validated at once, the verdict on a validator that threw, a bounded concurrent map, and reading
 * the replica's list of ids verified before.
 */
import type { Replica, ReplicaEntry } from './replica.js'
import type { Validation } from './validate.js'

/** What the replica's list says this device verified before; an unreadable list means verifying again. */
export async function loadVerifiedIds(replica: Replica): Promise<ReadonlySet<string> | undefined> {
  if (!replica.verified) return undefined
  try {
    const ids = await replica.verified.load()
    return ids.length > 0 ? new Set(ids) : undefined
  } catch {
    return undefined
  }
}

/**
 * Entries validated at once. Bounded so that decoding the next entries (main thread) overlaps the
 * signature checks in flight (on worker threads in Node, WebCrypto's threads in browsers) instead
 * of decoding a whole large batch first and then waiting for all its signatures, and so the
 * garbage of a 100k-entry batch is not alive all at once. 256 keeps several batches of
 * verifications queued for the workers while the main thread decodes (measured on 2 cores, 10k
 * ballots: 6.0k/s at 32, 8.5k/s at 256 and 512, 8.2k/s at 1024).
 */
export const VALIDATION_CONCURRENCY = 256

/** A validator that threw: a bug, but only this entry is lost, and the log says why. */
export const malformed = (entry: ReplicaEntry, error: unknown): Validation => ({
  ok: false,
  rejection: { reason: 'malformed', detail: `validation failed: ${String(error)}`, source: entry.source },
})
