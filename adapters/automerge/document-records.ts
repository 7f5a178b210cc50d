/**
 * What the Automerge replica keeps in the space's document, and how it reads what peers put there.
 * Records live in the `records` map: a record written alone under its id, records written together
 * as one batch value under the batch's id (batch-value.ts). Any peer can change any field, so the
 * document is a transport, not the truth: every well-formed record of this space found under its
 * true id, or in a batch under the batch's true id, is adopted into the replica's held records
 * (durable in its store before the space sees it). Whatever the replica relies on (records under
 * their id, whole batches of such records) is written back whenever a change removes or replaces
 * it, and a held record that sits nowhere it relies on is written again. Everything else reaches
 * the space as an untrusted entry, which it rejects with a reason, and is then deleted.
 */
import * as A from '@automerge/automerge'
import type { DocHandle } from '@automerge/automerge-repo'
import {
  adoptedEntry,
  equalBytes,
  isRecordOfSpace,
  isRecordOfSpaceUnder,
  type ReplicaBase,
  type ReplicaEntry,
  type StoredRecord,
} from '../../core/adapter/index.js'
import { batchValues, encodeBatch, idNow, idOf, readBatch } from './batch-value.js'
import { isMap, type SpaceDocument } from './document.js'
import type { StoredDocument } from './stored-document.js'

/**
 * Records handed to the space at a time while a large arrival is read (10k records in one sync
 * message): the space verifies each slice on worker threads while this replica reads the next.
 */
const DELIVER_EVERY = 1000

export interface DocumentRecords {
  /** Records and batches restored after a peer deleted or overwrote them. */
  readonly healed: number
  /** Junk deleted from the document after it was handed to the space. */
  readonly junkDeleted: number
  /** Whether this replica ever changed the document: only then does close wait for peers to have it. */
  readonly wroteLocally: boolean
  /**
   * Puts the stored document into the handle, adopting what it holds where it qualifies, then
   * writes the held records it lacks, as batches. Synchronous up to the writing, so that the
   * document is whole before the Repo syncs it with a peer. Once; later calls get the same work.
   */
  ensureLoaded(): Promise<void>
  /** Writes held records that sit nowhere this replica relies on into the document. */
  house(ids: Iterable<string>): Promise<void>
  /** What the document holds beyond the held records, for `getAll`. */
  unheld(): Promise<ReplicaEntry[]>
  /** Stops watching the document and waits for the loading work, if any. */
  stop(): Promise<void>
}

export function documentRecords(options: {
  readonly base: ReplicaBase
  readonly handle: DocHandle<SpaceDocument>
  readonly stored: StoredDocument
}): DocumentRecords {
  const { base, handle, stored } = options
  const { held, store, spaceId } = base
  /** Once close() drained: nothing is delivered, healed or written from then on. */
  const stopped = () => base.stopped
  /** While opening, records written back are what storage lacked, not damage done by a peer. */
  const opening = () => base.lifecycle.state === 'opening'
  let healed = 0
  let junkDeleted = 0

  /** Held records this replica relies on under their own id in the document: written back there if damaged. */
  const singles = new Set<string>()
  /** Batches this replica relies on (every record in them held), by key, with their records' ids in batch order. */
  const batches = new Map<string, readonly string[]>()
  /** The records of those batches (never removed: a batch relied on is healed, not dropped). */
  const batched = new Set<string>()
  const rely = (key: string, ids: readonly string[]) => {
    batches.set(key, ids)
    for (const id of ids) batched.add(id)
  }
  /** A batch relied on, encoded again from the records held: its very bytes, since only canonical batches are relied on. */
  const batchBytes = (key: string): Uint8Array => encodeBatch(batches.get(key)!.map((id) => held.get(id)!))
  /** The records of `value` when it is a batch whose id is `key`, else undefined. */
  const batchUnder = async (value: Uint8Array, key: string): Promise<readonly Uint8Array[] | undefined> => {
    const records = readBatch(value)
    return records && (await idOf(value)) === key ? records : undefined
  }

  /** Whether this replica ever changed the document: only then does close wait for peers to have it. */
  let wroteLocally = false

  /**
   * Writes held records that sit nowhere this replica relies on: one alone under its id, more as
   * batches (sorted by id, so that replicas writing the same records write the same keys).
   */
  const house = async (ids: Iterable<string>) => {
    if (stopped()) return
    const homeless = new Map<string, Uint8Array>()
    for (const id of ids) {
      const bytes = held.get(id)
      if (bytes && !singles.has(id) && !batched.has(id)) homeless.set(id, bytes)
    }
    if (homeless.size === 0) return
    const values = homeless.size === 1 ? [] : await batchValues(homeless)
    if (stopped()) return
    handle.change((doc) => {
      if (!isMap(doc.records)) doc.records = {}
      if (homeless.size === 1) {
        const [id, bytes] = homeless.entries().next().value!
        doc.records[id] = bytes
        singles.add(id)
      }
      for (const { key, bytes, ids: members } of values) {
        doc.records[key] = bytes
        rely(key, members)
      }
    })
    wroteLocally = true
  }

  const incoming = async (changes: ReadonlyArray<{ key: string; value: unknown }>, source: string, announce: boolean) => {
    let entries: ReplicaEntry[] = []
    let fresh: StoredRecord[] = []
    /** Records adopted from a batch this replica cannot rely on (it also holds junk): written again by it. */
    const strays: string[] = []
    /** Keys whose value is junk, with the value seen: deleted once handed over. */
    const junk: Array<{ key: string; value: unknown }> = []
    const adopt = (id: string, bytes: Uint8Array) => {
      held.set(id, bytes)
      fresh.push({ id, bytes })
      // Hashed and parsed here: the key is its id.
      entries.push(adoptedEntry(bytes, id, source))
    }
    /** Stores what was adopted so far, then hands it over: the space verifies it while the rest is read. */
    const deliver = async () => {
      const out = entries
      const adopted = fresh
      entries = []
      fresh = []
      // Durable before anyone sees it, so what the space accepted survives a crash.
      if (adopted.length) await store.append(adopted)
      if (announce) base.deliver(out)
    }
    for (const { key, value } of changes) {
      if (held.has(key) || batches.has(key)) continue
      // A batch is tried first: parsing one as a record would decode and encode all of it for nothing.
      const records = value instanceof Uint8Array ? await batchUnder(value, key) : undefined
      if (!(value instanceof Uint8Array)) {
        entries.push({ bytes: value, claimedId: key, source })
        junk.push({ key, value })
      } else if (records) {
        const ids: string[] = []
        let whole = true
        for (const record of records) {
          const id = idNow(record) ?? (await idOf(record))
          if (held.has(id)) ids.push(id)
          else if (isRecordOfSpace(record, id, spaceId)) {
            // A copy: the batch's records are views on the whole value.
            adopt(id, new Uint8Array(record))
            ids.push(id)
          } else {
            whole = false
            entries.push({ bytes: record, source })
          }
        }
        if (whole) rely(key, ids)
        else {
          strays.push(...ids)
          junk.push({ key, value })
        }
      } else if (await isRecordOfSpaceUnder(value, key, spaceId)) {
        adopt(key, new Uint8Array(value))
        singles.add(key)
      } else {
        entries.push({ bytes: value, claimedId: key, source })
        junk.push({ key, value })
      }
      if (entries.length >= DELIVER_EVERY) await deliver()
    }
    await deliver()
    if (strays.length) await house(strays)
    if (junk.length) dropJunk(junk)
  }

  /**
   * Deletes junk under `records` once the space has had it. Only what was seen goes: a key that
   * holds other bytes by now is left for the examination of the change that wrote them. A value
   * that is not bytes can never be a record, whatever was seen.
   */
  const dropJunk = (junk: ReadonlyArray<{ key: string; value: unknown }>) => {
    if (stopped()) return
    handle.change((doc) => {
      if (!isMap(doc.records)) return
      for (const { key, value } of junk) {
        const now = doc.records[key]
        if (now === undefined || held.has(key) || batches.has(key)) continue
        if (now instanceof Uint8Array && !(value instanceof Uint8Array && equalBytes(now, value))) continue
        delete doc.records[key]
        junkDeleted++
      }
    })
  }

  /**
   * Keys at the root of the document other than `records` are junk by construction: each is handed
   * to the space as a non-record, one entry per key and per change written under it, then deleted.
   */
  const dropForeignRoots = (written: ReadonlyMap<string, number>, source: string) => {
    if (stopped() || written.size === 0) return
    const entries: ReplicaEntry[] = []
    handle.change((doc) => {
      const root = doc as unknown as Record<string, unknown>
      for (const [key, count] of written) {
        if (key === 'records' || !(key in root)) continue
        delete root[key]
        junkDeleted += count
        for (let entry = 0; entry < count; entry++) entries.push({ bytes: { foreignRoot: key, entry }, source })
      }
    })
    if (!opening()) base.deliver(entries)
  }
  let foreignQueued: Map<string, number> | undefined
  const queueForeign = (key: string, count: number) => {
    if (!foreignQueued) {
      foreignQueued = new Map()
      // After this event: a change cannot be made from inside the handle's change notification.
      queueMicrotask(() => {
        const written = foreignQueued!
        foreignQueued = undefined
        dropForeignRoots(written, 'peer')
      })
    }
    foreignQueued.set(key, (foreignQueued.get(key) ?? 0) + count)
  }
  const enqueue = (work: () => Promise<void>) => void base.enqueue(work).catch(() => {})

  /** Writes back what this replica relies on where the document lacks it or has something else, as one change. */
  const heal = (keys: Iterable<string>, count: boolean) => {
    if (stopped()) return
    let restored = 0
    handle.change((doc) => {
      if (!isMap(doc.records)) doc.records = {}
      for (const key of keys) {
        const single = held.get(key)
        const ours = single ?? (batches.has(key) ? batchBytes(key) : undefined)
        const now = doc.records[key]
        if (!ours || (now instanceof Uint8Array && equalBytes(now, ours))) continue
        doc.records[key] = ours
        if (single) singles.add(key)
        restored++
      }
    })
    if (restored) wroteLocally = true
    if (count) healed += restored
  }
  let healQueued: Set<string> | undefined
  const queueHeal = (keys: Iterable<string>) => {
    if (!healQueued) {
      healQueued = new Set()
      // After this event: a change cannot be made from inside the handle's change notification.
      queueMicrotask(() => {
        const keys = healQueued!
        healQueued = undefined
        heal(keys, !opening())
      })
    }
    for (const key of keys) healQueued.add(key)
  }

  /** Compares the touched keys with what this replica relies on: heal that, hand over the rest. */
  const examine = (doc: A.Doc<SpaceDocument>, touched: Iterable<string> | 'all', source: string, announce: boolean) => {
    const records = isMap(doc.records) ? doc.records : undefined
    if (!records) {
      queueHeal([...singles, ...batches.keys()])
      return
    }
    const keys = touched === 'all' ? new Set([...Object.keys(records), ...singles, ...batches.keys()]) : touched
    const damaged: string[] = []
    const changes: Array<{ key: string; value: unknown }> = []
    for (const key of keys) {
      const ours = held.get(key)
      const now = records[key]
      if (ours) {
        if (now instanceof Uint8Array && equalBytes(now, ours)) singles.add(key)
        // Missing is damage only where this replica relied on it: a record may sit in a batch instead.
        else if (now !== undefined || singles.has(key)) damaged.push(key)
      } else if (batches.has(key)) {
        // Compared with its bytes encoded again: no hash, so no await.
        if (!(now instanceof Uint8Array) || !equalBytes(now, batchBytes(key))) damaged.push(key)
      } else if (now !== undefined) changes.push({ key, value: now })
    }
    if (damaged.length) queueHeal(damaged)
    if (changes.length) enqueue(() => incoming(changes, source, announce))
  }

  const onChange = ({ doc, patches }: { doc: A.Doc<SpaceDocument>; patches: A.Patch[] }) => {
    if (stopped() || stored.state === 'loading') return
    let all = false
    const touched = new Set<string>()
    for (const patch of patches) {
      if (patch.path[0] !== 'records') {
        // A patch of a key this replica just deleted is its own deletion: nothing a peer wrote.
        if (patch.path.length > 0 && patch.action !== 'del') queueForeign(String(patch.path[0]), 1)
        continue
      }
      if (patch.path.length === 1) all = true
      else touched.add(String(patch.path[1]))
    }
    if (all || touched.size) examine(doc, all ? 'all' : touched, 'peer', !opening())
  }

  /** Set once the stored document is in the handle, with what housing the held records it lacks. */
  let loaded: Promise<void> | undefined
  const ensureLoaded = (): Promise<void> => {
    if (loaded) return loaded
    stored.loadInto(handle)
    // What the document had (storage, a peer) is adopted where it qualifies; the change event of
    // the update above was too early for this examination, which sees everything.
    examine(handle.doc(), 'all', 'peer', !opening())
    for (const key of Object.keys(handle.doc())) if (key !== 'records') queueForeign(key, 1)
    const work = (async () => {
      await base.pending
      if (healQueued) {
        const keys = healQueued
        healQueued = undefined
        heal(keys, false)
      }
      await house(held.keys())
    })()
    loaded = work
    return work
  }
  handle.on('change', onChange)

  return {
    get healed() {
      return healed
    },
    get junkDeleted() {
      return junkDeleted
    },
    get wroteLocally() {
      return wroteLocally
    },
    ensureLoaded,
    house,
    async unheld() {
      const out: ReplicaEntry[] = []
      const records = handle.doc().records
      // Keys first: reading a value copies it out of Automerge's memory, and held ones are not needed.
      if (!isMap(records)) return out
      for (const key of Object.keys(records)) {
        if (held.has(key) || batches.has(key)) continue
        const value = records[key]
        const inBatch = value instanceof Uint8Array ? await batchUnder(value, key) : undefined
        // A batch with junk in it, as `incoming` saw it: its records one by one, those not held.
        if (inBatch) {
          for (const record of inBatch) if (!held.has(await idOf(record))) out.push({ bytes: record, source: 'peer' })
        } else out.push({ bytes: value, claimedId: key, source: 'peer' })
      }
      return out
    },
    async stop() {
      handle.off('change', onChange)
      await base.pending.catch(() => {})
      await loaded?.catch(() => {})
    },
  }
}
