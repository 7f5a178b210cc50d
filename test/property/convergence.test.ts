/**
 * Convergence under an adversarial network: a founder, two to four members (one of them perhaps on
 * two devices) and newcomers act while the network reorders, duplicates and loses messages
 * (repaired by anti-entropy), partitions split and heal, devices write to the same items
 * concurrently, roles change under the actions they govern, invites are redeemed beyond their
 * limit, and a hostile peer sends forged, replayed, oversized and garbage values. At the end every
 * peer shows the same views, equal to a fresh peer that received all valid records one by one in
 * yet another order. What the runs exercised is printed for each seed, with floors (see
 * ./convergence/coverage.ts) so that a generator that stops producing these cases fails.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Space } from '../../core/index.js'
import { memoryNetwork } from '../../testing/index.js'
import { snapshot } from '../helpers.js'
import { Coverage } from './convergence/coverage.js'
import { identities, runScenario } from './convergence/driver.js'
import { foreignSpace } from './convergence/hostile.js'
import { scenarioArb, type Scenario } from './convergence/scenario.js'
import { assertProperty } from './runs.js'

/** Every replicated view, polls included. */
const views = (space: Space) => ({ ...snapshot(space), polls: space.getPolls() })

describe('convergence', () => {
  it('every peer and a one-by-one reference peer show identical views', async () => {
    const foreign = await foreignSpace(await identities(4))
    let coverage = new Coverage()
    const run = async (scenario: Scenario) => {
      const { devices, coverage: covered, random } = await runScenario(scenario, foreign)
      try {
        // In a private space only members hold every key: a device removed (or never a member) reads
        // nothing sealed after its removal, so it is held to a subset of what members hold instead.
        const founder = devices[0]!.space
        const readers = devices.filter((d) => founder.getInfo()?.founder === d.identity.did || founder.getRole(d.identity.did) !== null)
        const outside = scenario.visibility === 'private' ? devices.filter((d) => !readers.includes(d)) : []
        const compared = scenario.visibility === 'private' ? readers : devices
        const seen = compared.map((device) => views(device.space))
        for (const [i, view] of seen.entries()) expect(view, `${compared[i]!.peerId} differs from p0`).toEqual(seen[0])

        // A fresh peer that receives the union of all valid records one at a time, in a shuffled order
        // (a member's plain copy, as an export gives it).
        const union = new Map(compared.flatMap((d) => d.space.getRecords().map((r) => [r.id, r.bytes] as const)))
        for (const device of outside) for (const record of device.space.getRecords()) expect(union.has(record.id)).toBe(true)
        const reference = await Space.open({
          id: devices[0]!.space.id,
          identity: devices[0]!.identity,
          plainRecords: true,
          replica: memoryNetwork().replica(devices[0]!.space.id),
        })
        const order = random.shuffle([...union.keys()])
        for (const id of order) await reference.ingest([{ bytes: union.get(id)!, source: 'reference' }])
        expect(views(reference)).toEqual(seen[0])
        await reference.close()
        coverage.add(covered)
      } finally {
        for (const device of devices) await device.space.close()
      }
    }
    await assertProperty(fc.asyncProperty(scenarioArb, run), {
      endOnFailure: false,
      beforeSeed: () => void (coverage = new Coverage()),
      afterSeed: (seed) => {
        console.info(coverage.summary(`seed ${seed}`))
        expect(coverage.shortfalls(), 'the scenario generator no longer covers what it should').toEqual([])
      },
    })
  }, 900_000)
})
