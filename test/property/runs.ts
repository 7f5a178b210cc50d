/**
 * Budgets and seeds for every property test (fast-check), in one place.
 *
 * - Budget: each property runs at least `PROPERTY_FLOOR` (200) times in the default suite.
 *   `TOWNHALL_PROPERTY_RUNS=n` raises every property to at least n runs (`npm run test:extensive`
 *   sets 2000). A value that is not a positive integer is an error, never a silent zero.
 * - Seeds: every property runs once with a seed that changes with each commit (derived from
 *   `git rev-parse HEAD`, or `TOWNHALL_PROPERTY_SEED` to replay), and once more with each seed of a
 *   fixed regression list, so that what passed yesterday is still checked today. The varying seed
 *   is printed once per test file; fast-check prints seed and path of any counterexample.
 */
import { execFileSync } from 'node:child_process'
import fc from 'fast-check'

/** The fewest runs any property may have in the default suite. */
export const PROPERTY_FLOOR = 200

/** Seeds run by every property on every commit, whatever the commit's seed: the suite's old fixed seed. */
export const REGRESSION_SEEDS: readonly number[] = [20261122]

const positiveInteger = /^[1-9]\d*$/
const int32 = /^-?\d+$/

/** The budget from `TOWNHALL_PROPERTY_RUNS`, or undefined when unset. Throws on anything but a positive integer. */
export function envRuns(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.TOWNHALL_PROPERTY_RUNS
  if (raw === undefined) return undefined
  if (!positiveInteger.test(raw.trim()) || !Number.isSafeInteger(Number(raw))) {
    throw new RangeError(`TOWNHALL_PROPERTY_RUNS must be a positive integer (number of runs per property), got ${JSON.stringify(raw)}.`)
  }
  return Number(raw)
}

/** The replay seed from `TOWNHALL_PROPERTY_SEED`, or undefined when unset. Throws on anything but a 32-bit integer. */
export function envSeed(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.TOWNHALL_PROPERTY_SEED
  if (raw === undefined) return undefined
  const value = Number(raw)
  if (!int32.test(raw.trim()) || value !== (value | 0)) {
    throw new RangeError(`TOWNHALL_PROPERTY_SEED must be a 32-bit integer (as fast-check prints it), got ${JSON.stringify(raw)}.`)
  }
  return value
}

/** A property's run count: its own default, raised to the `TOWNHALL_PROPERTY_RUNS` budget when that is larger. */
export const propertyRuns = (defaultRuns: number): number => Math.max(defaultRuns, envRuns() ?? 0)

/** 32 bits of the commit hash as a signed integer, the form fast-check prints seeds in. */
export const seedFromCommit = (commit: string): number => Number.parseInt(commit.slice(0, 8), 16) | 0

let cached: { seed: number; origin: string } | undefined

function commitSeed(): { seed: number; origin: string } {
  const replay = envSeed()
  if (replay !== undefined) return { seed: replay, origin: 'TOWNHALL_PROPERTY_SEED' }
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: import.meta.dirname,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim()
    if (/^[0-9a-f]{40,64}$/.test(commit)) return { seed: seedFromCommit(commit), origin: `commit ${commit.slice(0, 12)}` }
  } catch {
    // Not a git checkout (an unpacked tarball): fall back to the regression seed, and say so.
  }
  return { seed: REGRESSION_SEEDS[0]!, origin: 'no git commit found; the first regression seed' }
}

/** The seed that varies with the commit (read once per process and printed), or the replay seed. */
export function propertySeed(): number {
  if (!cached) {
    cached = commitSeed()
    console.info(`property seed ${cached.seed} (${cached.origin}); replay with TOWNHALL_PROPERTY_SEED=${cached.seed}`)
  }
  return cached.seed
}

export interface PropertyOptions<Ts> extends Omit<fc.Parameters<Ts>, 'seed' | 'numRuns' | 'path'> {
  /** Runs per seed before the `TOWNHALL_PROPERTY_RUNS` budget raises it; at least `PROPERTY_FLOOR` (default). */
  readonly runs?: number
  /** Seeds this property ran with before, or that once found a bug in it: run on every commit too. */
  readonly seeds?: readonly number[]
  /** Called before each seed's runs (to reset per-seed bookkeeping such as coverage counts). */
  readonly beforeSeed?: (seed: number) => void
  /** Called after each seed's runs passed (to print and check what the runs covered). */
  readonly afterSeed?: (seed: number, runs: number) => void
}

/** The seeds one property runs with: the commit's (or replay) seed first, then the regression list, without repeats. */
export function propertySeeds(extra: readonly number[] = []): number[] {
  const replay = envSeed()
  // Replaying a seed runs that seed only: the point is to see one failure again, quickly.
  if (replay !== undefined) return [propertySeed()]
  return [...new Set([propertySeed(), ...REGRESSION_SEEDS, ...extra])]
}

function parameters<Ts>(options: PropertyOptions<Ts>): { numRuns: number; rest: fc.Parameters<Ts>; seeds: number[] } {
  const { runs = PROPERTY_FLOOR, seeds = [], beforeSeed: _before, afterSeed: _after, ...rest } = options
  if (!Number.isSafeInteger(runs) || runs < PROPERTY_FLOOR) {
    throw new RangeError(`A property runs at least ${PROPERTY_FLOOR} times in the default suite; this one asks for ${runs}.`)
  }
  return { numRuns: propertyRuns(runs), rest, seeds: propertySeeds(seeds) }
}

/**
 * `fc.assert` with the suite's budget and seeds: runs `property` once per seed of `propertySeeds`,
 * each time at least `PROPERTY_FLOOR` times (more under `TOWNHALL_PROPERTY_RUNS`).
 */
export function assertProperty<Ts>(property: fc.IAsyncProperty<Ts>, options?: PropertyOptions<Ts>): Promise<void>
export function assertProperty<Ts>(property: fc.IProperty<Ts>, options?: PropertyOptions<Ts>): void
export function assertProperty<Ts>(property: fc.IRawProperty<Ts>, options: PropertyOptions<Ts> = {}): Promise<void> | void {
  const { numRuns, rest, seeds } = parameters(options)
  const { beforeSeed = () => {}, afterSeed = () => {} } = options
  if (property.isAsync()) {
    return (async () => {
      for (const seed of seeds) {
        beforeSeed(seed)
        await fc.assert(property, { ...rest, seed, numRuns })
        afterSeed(seed, numRuns)
      }
    })()
  }
  for (const seed of seeds) {
    beforeSeed(seed)
    fc.assert(property as fc.IProperty<Ts>, { ...rest, seed, numRuns })
    afterSeed(seed, numRuns)
  }
}
