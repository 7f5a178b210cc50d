/**
 * The records of a batch that a replica does not hold yet, each once, keyed by id in batch order.
 * Every adapter's `add` starts this way, and so does loading its record store at open.
 */
import { cidString } from '../../core/cid-string.js'
import { recordCid, recordCidNow } from '../../core/record.js'
import type { ReplicaEntry } from '../../core/replica.js'
import type { LoadedRecord, StoredRecord } from './store.js'

export async function freshRecords(batch: Iterable<Uint8Array>, held: ReadonlyMap<string, unknown>): Promise<Map<string, Uint8Array>> {
  // A map, not a list searched for each record: a batch of n records was n²/2 string comparisons
  // (100k records imported at once: five billion).
  const fresh = new Map<string, Uint8Array>()
  for (const given of batch) {
    // Plain Uint8Arrays: Yjs stores no other binary content (a Node Buffer throws "Unexpected
    // content type"), and records must not differ by where they came from.
    const bytes = given.constructor === Uint8Array ? given : new Uint8Array(given)
    const id = cidString(recordCidNow(bytes) ?? (await recordCid(bytes)))
    if (!held.has(id) && !fresh.has(id)) fresh.set(id, bytes)
  }
  return fresh
}

/**
 * A replica's records as its store gave them back, each once, keyed by id in store order. Ids the
 * store kept are taken as given (the store vouches for them, see `LoadedRecord`); the rest are
 * hashed.
 */
export async function storedRecords(loaded: Iterable<LoadedRecord>): Promise<Map<string, Uint8Array>> {
  const held = new Map<string, Uint8Array>()
  for (const { id, bytes } of loaded) {
    // A store's own business, but an empty or non-string id (a store written in JavaScript) is no id.
    const key = typeof id === 'string' && id !== '' ? id : cidString(recordCidNow(bytes) ?? (await recordCid(bytes)))
    if (!held.has(key)) held.set(key, bytes)
  }
  return held
}

/** Records keyed by id as a store takes them. */
export function toStore(records: Iterable<readonly [string, Uint8Array]>): StoredRecord[] {
  return Array.from(records, ([id, bytes]) => ({ id, bytes }))
}

/**
 * A replica's own records as entries for the space. Every adapter keys them by the id it computed
 * (here, or in `isRecordOfSpaceUnder`), never by a key a peer chose: so they are marked `hashed`.
 */
export function heldEntries(held: ReadonlyMap<string, Uint8Array>): ReplicaEntry[] {
  return [...held].map(([id, bytes]) => ({ bytes, claimedId: id, source: 'local', hashed: true }))
}
