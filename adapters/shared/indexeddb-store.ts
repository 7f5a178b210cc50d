/**
 * Browser persistence: the records this device holds, in IndexedDB, durable before `append`
 * resolves.
 *
 * Why not y-indexeddb: it persists the shared Y.Doc itself, so a Byzantine peer's deletions,
 * overwrites and garbage entries would be written to disk along with everything else, and a
 * reload would bring them back. This store keeps only what the replica hands it: records whose
 * bytes hash to their id. Nothing a peer does to the shared document can remove them.
 *
 * Layout: one database per store name (`townhall-records-${name}`), one object store with
 * auto-increment keys, so `load` returns records in append order. Each value is `{ id, bytes }`,
 * the record and the id its replica computed (kept so that opening does not hash every record
 * again, a WebCrypto round trip each); values written before ids were kept are bare `Uint8Array`s.
 * Each `append` is one readwrite transaction with `durability: 'strict'` (the browser flushes to
 * disk before `complete` fires) and resolves on `complete`.
 */
import type { CheckpointStore, VerifiedIds } from '../../core/index.js'
import type { LoadedRecord, RecordStore, StoredRecord } from '../../core/adapter/index.js'

// Version 2 added the `verified` store (ids the space verified; see VerifiedIds in core/replica.ts),
// version 3 the `checkpoint` store (one value: the space's view checkpoint, see core/checkpoint.ts).
const VERSION = 3
const STORE = 'records'
const VERIFIED = 'verified'
const CHECKPOINT = 'checkpoint'

export const indexedDbName = (name: string): string => `townhall-records-${name}`

const explain = (error: DOMException | Error | null | undefined): string => (error ? `${error.name}: ${error.message}` : 'unknown error')

/** The error of the request an `error` event bubbled up from (`transaction.error` is set only on abort). */
const requestError = (event: Event): DOMException | null => (event.target instanceof IDBRequest ? event.target.error : null)

/**
 * Resolves with `result()` once `tx` commits; rejects once, naming `what` ("load from …"), if it
 * fails or aborts (an error event is followed by an abort: the first says more).
 */
function completion<T>(tx: IDBTransaction, what: string, result: () => T): Promise<T> {
  return new Promise((resolve, reject) => {
    let failed = false
    const fail = (how: string, error: DOMException | Error | null) => {
      if (failed) return
      failed = true
      reject(new Error(`IndexedDB ${what} ${how}: ${explain(error)}`))
    }
    tx.oncomplete = () => resolve(result())
    tx.onerror = (event) => fail('failed', requestError(event) ?? tx.error)
    tx.onabort = () => fail('aborted', tx.error)
  })
}

function openDatabase(dbName: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    let settled = false
    let request: IDBOpenDBRequest
    try {
      request = indexedDB.open(dbName, VERSION)
    } catch (error) {
      reject(new Error(`cannot open IndexedDB database ${dbName}: ${explain(error as Error)}`))
      return
    }
    request.onupgradeneeded = () => {
      const db = request.result
      if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { autoIncrement: true })
      if (!db.objectStoreNames.contains(VERIFIED)) db.createObjectStore(VERIFIED)
      if (!db.objectStoreNames.contains(CHECKPOINT)) db.createObjectStore(CHECKPOINT)
    }
    request.onsuccess = () => {
      if (settled) {
        // Opened after we gave up on it (see onblocked): do not leak the connection.
        request.result.close()
        return
      }
      settled = true
      resolve(request.result)
    }
    request.onerror = () => {
      if (settled) return
      settled = true
      reject(new Error(`cannot open IndexedDB database ${dbName}: ${explain(request.error)}`))
    }
    request.onblocked = () => {
      // Another connection (a tab running an older version of the schema) will not close: fail
      // instead of hanging the space open forever.
      if (settled) return
      settled = true
      reject(new Error(`cannot open IndexedDB database ${dbName}: blocked by a connection in another tab; close it and reload`))
    }
  })
}

function isStored(value: unknown): value is StoredRecord {
  if (typeof value !== 'object' || value === null) return false
  const { id, bytes } = value as Partial<StoredRecord>
  return typeof id === 'string' && bytes instanceof Uint8Array
}

export async function indexedDbRecordStore(name: string): Promise<RecordStore> {
  if (typeof indexedDB === 'undefined') throw new Error('indexedDbRecordStore: IndexedDB is not available in this environment')
  const dbName = indexedDbName(name)
  const db = await openDatabase(dbName)
  let closed: string | undefined
  const inFlight = new Set<Promise<void>>()

  const markClosed = (why: string) => {
    if (closed === undefined) closed = why
  }
  // A newer version of the app (or a deleteDatabase) wants the database: let it have it. Further
  // appends reject, so the replica never reports a record as stored when it was not.
  db.onversionchange = () => {
    markClosed('record store is closed: another connection upgraded or deleted the database')
    db.close()
  }
  // The browser closed the connection (storage cleared, disk error).
  db.onclose = () => markClosed('record store is closed: the browser closed the database connection')

  const closedError = () => new Error(closed ?? 'record store is closed')

  const transaction = (
    mode: IDBTransactionMode,
    what: string,
    name = STORE,
    durability: IDBTransactionDurability = 'strict',
  ): IDBTransaction => {
    try {
      return mode === 'readwrite' ? db.transaction(name, mode, { durability }) : db.transaction(name, mode)
    } catch (error) {
      // InvalidStateError: the connection is closing.
      if (closed !== undefined) throw closedError()
      throw new Error(`IndexedDB ${what} on ${dbName} failed: ${explain(error as Error)}`)
    }
  }

  /** Writes are tracked so that close lets the ones already issued finish. */
  const track = (write: Promise<void>): Promise<void> => {
    const tracked = write.finally(() => inFlight.delete(tracked))
    inFlight.add(tracked)
    return tracked
  }

  /** A transaction, or a rejection when it cannot start: the store's methods never throw. */
  const begin = (mode: IDBTransactionMode, what: string, name?: string, durability?: IDBTransactionDurability) => {
    if (closed !== undefined) return { error: closedError() }
    try {
      return { tx: transaction(mode, what, name, durability) }
    } catch (error) {
      return { error: error as Error }
    }
  }

  const verified: VerifiedIds = {
    load() {
      const { tx, error } = begin('readonly', 'load of verified ids', VERIFIED)
      if (!tx) return Promise.reject(error)
      const request = tx.objectStore(VERIFIED).getAllKeys()
      return completion(tx, `load of verified ids from ${dbName}`, () =>
        (request.result as unknown[]).filter((key): key is string => typeof key === 'string'),
      )
    },
    add(ids) {
      // Relaxed durability: a lost id costs one verification on the next open, so no flush is waited for.
      const { tx, error } = begin('readwrite', 'write of verified ids', VERIFIED, 'relaxed')
      if (!tx) return Promise.reject(error)
      const store = tx.objectStore(VERIFIED)
      for (const id of ids) store.put(1, id)
      return track(completion(tx, `write of verified ids to ${dbName}`, () => undefined))
    },
  }

  const checkpoint: CheckpointStore = {
    load() {
      const { tx, error } = begin('readonly', 'load of the checkpoint', CHECKPOINT)
      if (!tx) return Promise.reject(error)
      const request = tx.objectStore(CHECKPOINT).get(CHECKPOINT)
      return completion(tx, `load of the checkpoint from ${dbName}`, () =>
        request.result instanceof Uint8Array ? request.result : undefined,
      )
    },
    save(bytes) {
      // Relaxed durability: a lost checkpoint costs a slower open. A transaction is whole or nothing,
      // so no checksum is needed to tell a torn one.
      const { tx, error } = begin('readwrite', 'write of the checkpoint', CHECKPOINT, 'relaxed')
      if (!tx) return Promise.reject(error)
      tx.objectStore(CHECKPOINT).put(bytes, CHECKPOINT)
      return track(completion(tx, `write of the checkpoint to ${dbName}`, () => undefined))
    },
  }

  return {
    verified,
    checkpoint,
    load() {
      const { tx, error } = begin('readonly', 'load')
      if (!tx) return Promise.reject(error)
      // getAll returns values in key order, and keys increase with every append.
      const request = tx.objectStore(STORE).getAll()
      return completion(tx, `load from ${dbName}`, () => {
        const out: LoadedRecord[] = []
        for (const value of request.result as unknown[]) {
          if (value instanceof Uint8Array) out.push({ bytes: value })
          else if (isStored(value)) out.push({ id: value.id, bytes: value.bytes })
        }
        return out
      })
    },
    append(records) {
      if (closed !== undefined) return Promise.reject(closedError())
      if (records.length === 0) return Promise.resolve()
      // A value without an id would be skipped by `load`: refuse it now rather than lose it then.
      const bad = records.find(({ id }) => typeof id !== 'string' || id === '')
      if (bad) return Promise.reject(new Error(`cannot store record id ${JSON.stringify(String(bad.id))}: ids must be non-empty strings`))
      const what = `append of ${records.length} record(s) to ${dbName}`
      const { tx, error } = begin('readwrite', 'append')
      if (!tx) return track(Promise.reject(error))
      const committed = completion(tx, what, () => undefined)
      const store = tx.objectStore(STORE)
      try {
        for (const { id, bytes } of records) {
          // Structured clone copies a view's whole buffer: store exactly the record's bytes, as a plain Uint8Array.
          const exact =
            bytes.constructor === Uint8Array && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
              ? bytes
              : new Uint8Array(bytes)
          store.add({ id, bytes: exact })
        }
      } catch (error) {
        // The abort that follows would only say "aborted": this is the reason.
        committed.catch(() => {})
        try {
          tx.abort()
        } catch {
          // Already finished or aborting.
        }
        return track(Promise.reject(new Error(`IndexedDB ${what} failed: ${explain(error as Error)}`)))
      }
      return track(committed)
    },
    async close() {
      if (closed === undefined) closed = 'record store is closed'
      // Let appends already issued finish (their callers are waiting on them), then close.
      await Promise.allSettled([...inFlight])
      db.close()
    },
  }
}
