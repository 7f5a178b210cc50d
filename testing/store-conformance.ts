/**
 * The record store conformance suite: what a replica relies on from its `RecordStore`
 * (townhall/adapter). Every store runs it unchanged, the way `runReplicaConformance` checks
 * replicas:
 *
 * ```ts
 * import { memoryRecordStore } from 'townhall/adapter'
 * import { runStoreConformance } from 'townhall/testing'
 *
 * const store = memoryRecordStore()
 * await runStoreConformance('memory', async () => ({ open: async () => store, durable: false, teardown: async () => {} }))
 * ```
 *
 * It registers vitest tests, so call it at the top level of a test file; `checkStoreConformance`
 * runs the same checks outside vitest's collector and returns what failed (the suite's own tests
 * use it on deliberately broken stores).
 */
import { idOf, type RecordStore, type StoredRecord } from '../core/adapter/index.js'
import { seededRandom } from './random.js'
import { collectChecks, runChecks, type CheckResult, type SuiteApi } from './suite.js'

export interface StoreHarness {
  /**
   * Opens the store under test, at the same place every time within one harness: what a store
   * wrote before it was closed, the next one opened reads. Each harness starts empty.
   */
  open(): Promise<RecordStore>
  /**
   * Whether records survive `close` (a file, IndexedDB). A store that keeps them in memory only
   * (false) is checked within one opening; its reopen checks are reported as skipped.
   */
  readonly durable: boolean
  /** Removes whatever the harness created (files, databases). */
  teardown(): Promise<void>
}

const REOPEN = 'keeps appended records, ids and order across close and reopen'
const VERIFIED_REOPEN = 'keeps verified ids and the checkpoint across close and reopen'

/** Registers the suite as vitest tests. */
export async function runStoreConformance(
  name: string,
  makeHarness: () => Promise<StoreHarness>,
  options: { durable?: boolean } = {},
): Promise<void> {
  const api = (await import('vitest')) as unknown as SuiteApi
  // Whether to run the reopen checks must be known when the tests are registered.
  defineStoreConformance(api, name, makeHarness, options.durable ?? (await probeDurable(makeHarness)))
}

/** Runs every check of the suite outside vitest's collector and returns each one's outcome. */
export async function checkStoreConformance(makeHarness: () => Promise<StoreHarness>): Promise<CheckResult[]> {
  const { expect } = await import('vitest')
  const durable = await probeDurable(makeHarness)
  return runChecks(collectChecks(expect, (api) => defineStoreConformance(api, '', makeHarness, durable)))
}

async function probeDurable(makeHarness: () => Promise<StoreHarness>): Promise<boolean> {
  const harness = await makeHarness()
  await harness.teardown()
  return harness.durable
}

/** Deterministic record-like bytes (the store treats records as opaque) with their ids. */
async function records(count: number, seed: number, size = 64): Promise<StoredRecord[]> {
  const random = seededRandom(seed)
  const out: StoredRecord[] = []
  for (let i = 0; i < count; i++) {
    const bytes = new Uint8Array(size + random.int(0, size))
    // Random up to 1 KiB, then that repeated: large records cost no more to make than small ones.
    for (let j = 0; j < bytes.length; j++) bytes[j] = j < 1024 ? random.int(0, 255) : bytes[j - 1024]!
    out.push({ id: await idOf(bytes), bytes })
  }
  return out
}

function defineStoreConformance(api: SuiteApi, name: string, makeHarness: () => Promise<StoreHarness>, durable: boolean): void {
  const { describe, it, expect, beforeEach, afterEach } = api
  describe(`record store conformance: ${name}`, () => {
    let harness: StoreHarness
    let opened: RecordStore[] = []
    beforeEach(async () => {
      harness = await makeHarness()
      opened = []
    })
    afterEach(async () => {
      for (const store of opened.splice(0).reverse()) await store.close().catch(() => {})
      await harness.teardown()
    })
    const open = async () => {
      const store = await harness.open()
      opened.push(store)
      return store
    }
    const close = async (store: RecordStore) => {
      opened.splice(opened.indexOf(store), 1)
      await store.close()
    }
    /** What `load` gave back, as the replica reads it: each id it vouches for must be the one appended. */
    const loaded = async (store: RecordStore) => {
      const all = await store.load()
      for (const record of all) {
        expect(record.bytes).toBeInstanceOf(Uint8Array)
        if (record.id !== undefined) expect(record.id).toBe(await idOf(record.bytes))
      }
      return all.map((record) => Array.from(record.bytes))
    }
    const bytesOf = (list: readonly StoredRecord[]) => list.map((record) => Array.from(record.bytes))
    const reopenIt = durable ? it : it.skip

    it('loads nothing when new, and reports no damage', async () => {
      const store = await open()
      expect(await store.load()).toEqual([])
      expect(store.getDamage?.() ?? []).toEqual([])
    })

    it('gives back every record appended, in append order, once append resolved', async () => {
      const store = await open()
      const first = await records(5, 1)
      const second = await records(40, 2)
      await store.append(first)
      await store.append([])
      await store.append(second)
      expect(await loaded(store)).toEqual(bytesOf([...first, ...second]))
    })

    it('loses none of several appends made without waiting for each other', async () => {
      const store = await open()
      const batches = await Promise.all([1, 2, 3, 4].map((seed) => records(10, 10 + seed)))
      await Promise.all(batches.map((batch) => store.append(batch)))
      const got = await loaded(store)
      expect(got).toHaveLength(40)
      // Each call's records stay together and in order; calls may land in any order.
      for (const batch of batches) {
        const at = got.findIndex((bytes) => bytes.join() === Array.from(batch[0]!.bytes).join())
        expect(got.slice(at, at + batch.length)).toEqual(bytesOf(batch))
      }
    })

    it('keeps a large record and a one-byte one, byte for byte', async () => {
      const store = await open()
      const big = (await records(1, 3, 300 * 1024))[0]!
      const small = { bytes: new Uint8Array([0xa0]), id: await idOf(new Uint8Array([0xa0])) }
      await store.append([big, small])
      expect(await loaded(store)).toEqual(bytesOf([big, small]))
    })

    reopenIt(REOPEN, async () => {
      const before = await open()
      const written = await records(25, 4)
      await before.append(written.slice(0, 10))
      await before.append(written.slice(10))
      await close(before)
      const after = await open()
      expect(await loaded(after)).toEqual(bytesOf(written))
      const more = await records(3, 5)
      await after.append(more)
      await close(after)
      expect(await loaded(await open())).toEqual(bytesOf([...written, ...more]))
    })

    it('keeps the verified ids the space adds, when it has a list', async () => {
      const store = await open()
      if (!store.verified) return
      expect(await store.verified.load()).toEqual([])
      const ids = (await records(6, 6)).map((record) => record.id)
      await store.verified.add(ids.slice(0, 4))
      await store.verified.add(ids.slice(2))
      expect(new Set(await store.verified.load())).toEqual(new Set(ids))
    })

    it('keeps the last checkpoint saved, replacing the one before, when it has one', async () => {
      const store = await open()
      if (!store.checkpoint) return
      expect(await store.checkpoint.load()).toBeUndefined()
      await store.checkpoint.save(new Uint8Array([1, 2, 3]))
      await store.checkpoint.save(new Uint8Array([4, 5, 6, 7]))
      expect(Array.from((await store.checkpoint.load()) ?? [])).toEqual([4, 5, 6, 7])
    })

    reopenIt(VERIFIED_REOPEN, async () => {
      const before = await open()
      const ids = (await records(3, 7)).map((record) => record.id)
      await before.verified?.add(ids)
      await before.checkpoint?.save(new Uint8Array([9, 8, 7]))
      await close(before)
      const after = await open()
      // Neither need be durable when `add`/`save` resolve, but a clean close keeps them.
      if (after.verified) expect(new Set(await after.verified.load())).toEqual(new Set(before.verified ? ids : []))
      if (after.checkpoint) expect(Array.from((await after.checkpoint.load()) ?? [])).toEqual(before.checkpoint ? [9, 8, 7] : [])
    })
  })
}

/** The names of the suite's checks (for tests and docs that cite them). */
export const storeCheckNames = { reopen: REOPEN, verifiedReopen: VERIFIED_REOPEN } as const
