/**
 * The app's own small persistent state (identity, profile, settings, the list of joined spaces,
 * secret-ballot salts) as key-value stores in one IndexedDB database, `townhall-app`. Record
 * bytes are not kept here: each space has its own record store (see adapter.ts).
 *
 * Where IndexedDB is missing (unit tests under happy-dom), `openAppStorage` falls back to memory
 * and says so in `persistent`, so the UI can warn that nothing will survive a reload.
 */

export interface KeyValueStore {
  get<T>(key: string): Promise<T | undefined>
  /** Durable when it resolves (a strict-durability transaction in IndexedDB). */
  set(key: string, value: unknown): Promise<void>
  delete(key: string): Promise<void>
}

export interface AppStorage {
  /** Identity, profile, settings and the space list. */
  readonly settings: KeyValueStore
  /** Secret-ballot salts, keyed by ballot id (see secrets.ts). */
  readonly ballots: KeyValueStore
  readonly persistent: boolean
}

export const APP_DATABASE = 'townhall-app'
const STORES = ['settings', 'ballots'] as const

export function memoryKeyValueStore(): KeyValueStore {
  const values = new Map<string, unknown>()
  return {
    get: async <T>(key: string) => structuredClone(values.get(key)) as T | undefined,
    set: async (key, value) => void values.set(key, structuredClone(value)),
    delete: async (key) => void values.delete(key),
  }
}

function request<T>(open: () => IDBRequest<T>, transaction: IDBTransaction): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = open()
    transaction.oncomplete = () => resolve(req.result)
    transaction.onerror = () => reject(req.error ?? transaction.error ?? new Error('IndexedDB request failed'))
    transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'))
  })
}

function indexedDbKeyValueStore(db: IDBDatabase, store: string): KeyValueStore {
  const tx = (mode: IDBTransactionMode) =>
    mode === 'readwrite' ? db.transaction(store, mode, { durability: 'strict' }) : db.transaction(store, mode)
  return {
    get<T>(key: string) {
      const t = tx('readonly')
      return request(() => t.objectStore(store).get(key), t) as Promise<T | undefined>
    },
    async set(key, value) {
      const t = tx('readwrite')
      await request(() => t.objectStore(store).put(value, key), t)
    },
    async delete(key) {
      const t = tx('readwrite')
      await request(() => t.objectStore(store).delete(key), t)
    },
  }
}

function openDatabase(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, 1)
    req.onupgradeneeded = () => {
      for (const store of STORES) if (!req.result.objectStoreNames.contains(store)) req.result.createObjectStore(store)
    }
    req.onsuccess = () => {
      const db = req.result
      // Another tab wants to upgrade or delete the database: let it, this tab reloads its state then.
      db.onversionchange = () => db.close()
      resolve(db)
    }
    req.onerror = () => reject(new Error(`Cannot open the app database: ${req.error?.message ?? 'unknown error'}`))
    req.onblocked = () => reject(new Error('The app database is blocked by another tab; close other Townhall tabs and reload.'))
  })
}

export async function openAppStorage(name = APP_DATABASE): Promise<AppStorage> {
  if (typeof indexedDB === 'undefined') {
    return { settings: memoryKeyValueStore(), ballots: memoryKeyValueStore(), persistent: false }
  }
  const db = await openDatabase(name)
  return { settings: indexedDbKeyValueStore(db, 'settings'), ballots: indexedDbKeyValueStore(db, 'ballots'), persistent: true }
}
