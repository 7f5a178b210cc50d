/**
 * The records of a batch that a replica does not hold yet, each once, keyed by id in batch order
 * (every adapter's `add` starts this way), and the records its store gives back at open.
 */
import type { ReplicaEntry } from '../replica.js'
import { isSealedFrame } from '../private/frame.js'
import { idNow, idOf } from './record-id.js'
import type { LoadedRecord, StoredRecord } from './record-store.js'

export async function freshRecords(batch: Iterable<Uint8Array>, held: ReadonlyMap<string, unknown>): Promise<Map<string, Uint8Array>> {
  // A map, not a list searched for each record: a batch of n records was n²/2 string comparisons
  // (100k records imported at once: five billion).
  const fresh = new Map<string, Uint8Array>()
  for (const given of batch) {
    const bytes = plainBytes(given)
    // Synchronous where hashing is (Node): no promise to await for each record of a large batch.
    const id = idNow(bytes) ?? (await idOf(bytes))
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
  for (const { id, bytes: given } of loaded) {
    const bytes = plainBytes(given)
    // A store's own business, but an empty or non-string id (a store written in JavaScript) is no id.
    const key = typeof id === 'string' && id !== '' ? id : (idNow(bytes) ?? (await idOf(bytes)))
    if (!held.has(key)) held.set(key, bytes)
  }
  return held
}

/**
 * Plain Uint8Arrays: Yjs stores no other binary content (a Node Buffer throws "Unexpected content
 * type"), and records must not differ by where they came from.
 */
function plainBytes(given: Uint8Array): Uint8Array {
  return given.constructor === Uint8Array ? given : new Uint8Array(given)
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

/**
 * A record an adapter adopted from a peer, as an entry for the space: keyed by the id the adapter
 * computed from these bytes (`hashed`), and read in place when the adapter parsed it as a plain
 * record (`wellFormed`; a sealed frame is opened and parsed by the space).
 */
export function adoptedEntry(bytes: Uint8Array, id: string, source: string): ReplicaEntry {
  return { bytes, claimedId: id, source, hashed: true, wellFormed: !isSealedFrame(bytes) }
}
