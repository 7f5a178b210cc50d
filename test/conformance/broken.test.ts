/**
 * Tests of the conformance suite itself: each deliberately broken replica must fail the check
 * that covers what it breaks (and an honest replica of the same design must pass them all), so a
 * check made vacuous, or one that skips what it cannot see, fails here.
 */
import { describe, expect, it } from 'vitest'
import { checkReplicaConformance, conformanceCheckNames, type ConformanceResult } from '../../testing/index.js'
import { busHarness, type Faults } from './bus-replica.js'

const checks = {
  delivers: 'delivers records added on one peer to every peer, and keeps them locally once add resolves',
  duplicates: 'treats duplicates as harmless',
  verified: 'keeps the list of verified ids the space writes',
  lateJoiner: 'brings a peer that joins late up to date',
  garbage: 'rejects garbage from a peer without losing or corrupting anything',
  close: 'stops delivering and refuses writes after close',
} as const

const broken: Array<{ name: string; faults: Faults; fails: string }> = [
  { name: 'drops late joiners (a first sync truncated to 8 records)', faults: { lateJoinLimit: 8 }, fails: checks.lateJoiner },
  { name: 'stores and delivers duplicates', faults: { duplicates: true }, fails: checks.duplicates },
  { name: 'reorders and loses live messages without healing', faults: { reorderWithoutHealing: true }, fails: checks.delivers },
  { name: 'leaks on close (keeps delivering)', faults: { leakOnClose: true }, fails: checks.close },
  { name: 'accepts garbage (vouches for entries it never checked)', faults: { acceptGarbage: true }, fails: checks.garbage },
  { name: 'has no list of verified ids, and does not say so', faults: { noVerified: true }, fails: checks.verified },
]

const failed = (results: readonly ConformanceResult[]) => results.filter((r) => r.status === 'failed').map((r) => r.name)
const report = (results: readonly ConformanceResult[]) =>
  results.map((r) => `${r.status}: ${r.name}${r.error ? ` (${r.error.split('\n')[0]})` : ''}`).join('\n')

describe('the replica conformance suite', () => {
  it('names the checks these tests expect', () => {
    expect(conformanceCheckNames()).toEqual(expect.arrayContaining(Object.values(checks)))
  })

  it('passes an honest replica of the same design, every check run', { timeout: 60_000 }, async () => {
    const results = await checkReplicaConformance(async () => busHarness())
    expect(failed(results), report(results)).toEqual([])
    expect(results.map((r) => r.status)).not.toContain('skipped')
  })

  for (const { name, faults, fails } of broken) {
    it(`fails a replica that ${name}, at "${fails}"`, { timeout: 60_000 }, async () => {
      const results = await checkReplicaConformance(async () => busHarness(faults))
      expect(failed(results), report(results)).toContain(fails)
    })
  }

  it('skips the verified-ids check only when the replica declares it absent, and says so', { timeout: 60_000 }, async () => {
    const results = await checkReplicaConformance(async () => busHarness({ noVerified: true }), { absent: ['verified'] })
    expect(failed(results), report(results)).toEqual([])
    const skipped = results.filter((r) => r.status === 'skipped')
    expect(skipped.map((r) => r.name)).toEqual([`${checks.verified} (skipped: this replica declares no 'verified')`])
  })
})
