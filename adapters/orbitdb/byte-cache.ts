/**
 * A least-recently-used cache for OrbitDB storages that is bounded by bytes, not only by count.
 * OrbitDB's own `LRUStorage` counts entries: the 1000 log entries it kept in front of the block
 * store could each be a peer's 2 MiB junk payload (the access controller's bound), 2 GB of memory
 * for one log. This one keeps at most `maxBytes` of values (and `maxEntries` of them); a value
 * larger than a quarter of `maxBytes` is not cached at all, as the store behind it has it.
 */
import type { Storage } from '@orbitdb/core'

export interface ByteCacheOptions {
  readonly maxBytes: number
  readonly maxEntries?: number
}

const sizeOf = (value: unknown): number => (value instanceof Uint8Array ? value.length : 64)

export interface ByteCache extends Storage {
  del(hash: string): Promise<void>
  iterator(): AsyncGenerator<[string, unknown]>
  merge(other?: { iterator(): AsyncIterable<[string, unknown]> }): Promise<void>
  clear(): Promise<void>
  /** Bytes of values held now. */
  readonly bytes: number
}

export function byteCache(options: ByteCacheOptions): ByteCache {
  const maxEntries = options.maxEntries ?? 1000
  /** Insertion order is recency order: a read moves the key to the end. */
  let cache = new Map<string, unknown>()
  let bytes = 0
  const remove = (hash: string) => {
    if (!cache.has(hash)) return
    bytes -= sizeOf(cache.get(hash))
    cache.delete(hash)
  }
  const set = (hash: string, value: unknown) => {
    remove(hash)
    const size = sizeOf(value)
    if (size > options.maxBytes / 4) return
    cache.set(hash, value)
    bytes += size
    while (bytes > options.maxBytes || cache.size > maxEntries) remove(cache.keys().next().value!)
  }
  return {
    async put(hash, value) {
      set(hash, value)
    },
    async get(hash) {
      if (!cache.has(hash)) return undefined
      const value = cache.get(hash)
      cache.delete(hash)
      cache.set(hash, value)
      return value
    },
    async del(hash) {
      remove(hash)
    },
    async *iterator() {
      for (const entry of [...cache]) yield entry
    },
    async merge(other) {
      if (other) for await (const [hash, value] of other.iterator()) set(hash, value)
    },
    async clear() {
      cache = new Map()
      bytes = 0
    },
    async close() {},
    get bytes() {
      return bytes
    },
  }
}

/** What the cache in front of a log's entry blocks may hold (16 MiB): eight entries at the largest payload. */
export const ENTRY_CACHE_BYTES = 16 * 1024 * 1024
