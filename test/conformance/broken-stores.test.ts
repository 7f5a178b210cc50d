/**
 * Tests of the record store conformance suite itself: each deliberately broken store must fail the
 * check that covers what it breaks, and the honest store they are made from must pass them all, so
 * a check made vacuous fails here.
 */
import { describe, expect, it } from 'vitest'
import { memoryRecordStore, type LoadedRecord, type RecordStore, type StoredRecord } from '../../core/adapter/index.js'
import { checkStoreConformance, storeCheckNames, type CheckResult, type StoreHarness } from '../../testing/index.js'

const checks = {
  order: 'gives back every record appended, in append order, once append resolved',
  concurrent: 'loses none of several appends made without waiting for each other',
  reopen: storeCheckNames.reopen,
  checkpoint: 'keeps the last checkpoint saved, replacing the one before, when it has one',
} as const

interface Faults {
  /** Gives records back newest first. */
  readonly reversed?: boolean
  /** Keeps only the last of appends that overlap in time (a read-modify-write without a queue). */
  readonly racyAppend?: boolean
  /** Says it is durable, but what was appended since the last open is lost on close (a missing flush). */
  readonly losesOnClose?: boolean
  /** Keeps the first checkpoint saved, not the last. */
  readonly stickyCheckpoint?: boolean
}

/** A store "on disk" (a variable that outlives its openings), with the faults asked for. */
function brokenHarness(faults: Faults): StoreHarness {
  let disk: StoredRecord[] = []
  let checkpoint: Uint8Array | undefined
  const verified = new Set<string>()
  return {
    durable: true,
    teardown: async () => {},
    async open(): Promise<RecordStore> {
      let records = [...disk]
      const honest = memoryRecordStore()
      return {
        load: async (): Promise<LoadedRecord[]> => (faults.reversed ? [...records].reverse() : [...records]),
        async append(more) {
          if (faults.racyAppend) {
            const before = records
            await new Promise((resolve) => setTimeout(resolve, 1))
            records = [...before, ...more]
          } else records = [...records, ...more]
          if (!faults.losesOnClose) disk = [...records]
        },
        verified: { load: async () => [...verified], add: async (ids) => ids.forEach((id) => verified.add(id)) },
        checkpoint: {
          load: async () => checkpoint,
          save: async (bytes) => void (faults.stickyCheckpoint ? (checkpoint ??= bytes) : (checkpoint = bytes)),
        },
        close: () => honest.close(),
      }
    },
  }
}

const failed = (results: readonly CheckResult[]) => results.filter((r) => r.status === 'failed').map((r) => r.name)
const report = (results: readonly CheckResult[]) =>
  results.map((r) => `${r.status}: ${r.name}${r.error ? ` (${r.error.split('\n')[0]})` : ''}`).join('\n')

const broken: Array<{ name: string; faults: Faults; fails: string }> = [
  { name: 'gives records back newest first', faults: { reversed: true }, fails: checks.order },
  { name: 'loses appends that overlap', faults: { racyAppend: true }, fails: checks.concurrent },
  { name: 'says it is durable but loses what it was given since it opened', faults: { losesOnClose: true }, fails: checks.reopen },
  { name: 'keeps its first checkpoint instead of the last', faults: { stickyCheckpoint: true }, fails: checks.checkpoint },
]

describe('the record store conformance suite', () => {
  it('passes an honest store of the same design, every check run', async () => {
    const results = await checkStoreConformance(async () => brokenHarness({}))
    expect(failed(results), report(results)).toEqual([])
    expect(results.map((r) => r.status)).not.toContain('skipped')
    expect(results.map((r) => r.name)).toEqual(expect.arrayContaining(Object.values(checks)))
  })

  for (const { name, faults, fails } of broken) {
    it(`fails a store that ${name}, at "${fails}"`, async () => {
      const results = await checkStoreConformance(async () => brokenHarness(faults))
      expect(failed(results), report(results)).toContain(fails)
    })
  }

  it('skips the reopen checks for a store that keeps records in memory only, and says so', async () => {
    const results = await checkStoreConformance(async () => {
      const store = memoryRecordStore()
      return { open: async () => store, durable: false, teardown: async () => {} }
    })
    expect(failed(results), report(results)).toEqual([])
    expect(results.filter((r) => r.status === 'skipped').map((r) => r.name)).toEqual([
      storeCheckNames.reopen,
      storeCheckNames.verifiedReopen,
    ])
  })
})
