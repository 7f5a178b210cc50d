/**
 * What the convergence scenarios actually exercised, counted run by run, with floors: a generator
 * that degrades (fewer writers, no conflicts, no hostile input, no partitions) fails the property
 * even though every run it still makes passes.
 */

export interface RunCoverage {
  /** Distinct identities whose writes (after joining) the space accepted locally. */
  writers: number
  /** Writes by different devices, or several by one, to the same item with no delivery between. */
  conflicts: number
  /** Role changes made concurrently with actions of the person they affect. */
  roleRaces: number
  /** Invites redeemed locally by more people than their use limit allows. */
  overRedeemed: number
  /** Concurrent moderation of one post. */
  moderationRaces: number
  /** Hostile values sent, by kind. */
  hostile: Record<string, number>
  /** Partitions formed while writes happened. */
  partitions: number
  /** Actions the API refused, by error name and reason. */
  refused: Record<string, number>
  /** Records the spaces rejected or held, by reason (summed over peers). */
  rejected: Record<string, number>
  /** A private space: every record sealed, keys rotated when members leave or join. */
  private: boolean
  /** Key rotations (epoch records) the founder holds at the end. */
  rotations: number
}

export const emptyRun = (): RunCoverage => ({
  writers: 0,
  conflicts: 0,
  roleRaces: 0,
  overRedeemed: 0,
  moderationRaces: 0,
  hostile: {},
  partitions: 0,
  refused: {},
  rejected: {},
  private: false,
  rotations: 0,
})

export const bump = (counts: Record<string, number>, key: string, by = 1): void => {
  counts[key] = (counts[key] ?? 0) + by
}

/**
 * Shares of runs (0..1) that must show each feature, for the scenario generator to pass: half to
 * two thirds of what the generator gave over 800 runs (two commit seeds and the regression seed),
 * so that a seed varying with each commit stays clear of them (3.5 standard deviations or more at
 * 200 runs) while a generator that stops making a case falls below.
 */
export const FLOORS = {
  threeWriters: 0.8,
  conflicts: 0.8,
  roleRaces: 0.2,
  overRedeemed: 0.1,
  moderationRaces: 0.4,
  hostile: 0.55,
  everyHostileKind: 0.08,
  partitions: 0.55,
  private: 0.25,
  rotatedPrivately: 0.05,
} as const

export class Coverage {
  readonly runs: RunCoverage[] = []

  add(run: RunCoverage): void {
    this.runs.push(run)
  }

  shares(): Record<keyof typeof FLOORS, number> {
    const share = (test: (run: RunCoverage) => boolean) => this.runs.filter(test).length / Math.max(1, this.runs.length)
    return {
      threeWriters: share((run) => run.writers >= 3),
      conflicts: share((run) => run.conflicts > 0),
      roleRaces: share((run) => run.roleRaces > 0),
      overRedeemed: share((run) => run.overRedeemed > 0),
      moderationRaces: share((run) => run.moderationRaces > 0),
      hostile: share((run) => Object.keys(run.hostile).length > 0),
      everyHostileKind: share((run) => Object.keys(run.hostile).length >= 4),
      partitions: share((run) => run.partitions > 0),
      private: share((run) => run.private),
      rotatedPrivately: share((run) => run.private && run.rotations > 0 && run.partitions > 0),
    }
  }

  /** Floors not met, as readable lines (empty when the generator did its job). */
  shortfalls(): string[] {
    const shares = this.shares()
    return Object.entries(FLOORS)
      .filter(([key, floor]) => shares[key as keyof typeof FLOORS] < floor)
      .map(([key, floor]) => `${key}: ${pct(shares[key as keyof typeof FLOORS])} of runs, floor ${pct(floor)}`)
  }

  summary(label: string): string {
    const totals = (pick: (run: RunCoverage) => Record<string, number>) => {
      const out: Record<string, number> = {}
      for (const run of this.runs) for (const [key, n] of Object.entries(pick(run))) bump(out, key, n)
      return Object.entries(out)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([key, n]) => `${key} ${n}`)
        .join(', ')
    }
    const shares = this.shares()
    return [
      `convergence coverage, ${label}: ${this.runs.length} runs`,
      ...Object.entries(shares).map(
        ([key, share]) => `  ${key.padEnd(17)} ${pct(share).padStart(5)} (floor ${pct(FLOORS[key as keyof typeof FLOORS])})`,
      ),
      `  hostile values by kind: ${totals((run) => run.hostile) || 'none'}`,
      `  refused actions by reason: ${totals((run) => run.refused) || 'none'}`,
      `  rejected or held records by reason: ${totals((run) => run.rejected) || 'none'}`,
    ].join('\n')
  }
}

const pct = (share: number) => `${Math.round(share * 100)}%`
