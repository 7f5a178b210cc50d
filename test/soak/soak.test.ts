/**
 * A short soak run (test/soak/soak.ts) in `npm test`: every fault of the full run for 10 s, then
 * no acknowledged write may be missing, no process may have crashed, and the honest views of each
 * adapter must be identical. The full run is `npm run soak`.
 */
import { describe, expect, it } from 'vitest'
import { runSoak } from './soak.js'

describe('soak, short', () => {
  it('loses no acknowledged write, crashes nothing and ends with identical honest views under every fault', async () => {
    const report = await runSoak({ durationMs: 10_000, settleMs: 40_000, log: (line) => console.log(line) })
    console.log(JSON.stringify(report))
    expect(report.crashes, `seed ${report.seed}`).toEqual([])
    expect(report.lost, `seed ${report.seed}`).toEqual({ yjs: 0, automerge: 0, orbitdb: 0 })
    expect(report.identical, `seed ${report.seed}`).toEqual({ yjs: true, automerge: true, orbitdb: true })
    expect(Object.values(report.acknowledged).every((n) => n > 0)).toBe(true)
    expect(report.inputs['garbage frames']).toBeGreaterThan(0)
  }, 150_000)
})
