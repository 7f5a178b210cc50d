/** Property-test budgets: short in the default suite, long behind `npm run test:extensive`. */
export const propertyRuns = (defaultRuns: number): number => Number(process.env.TOWNHALL_PROPERTY_RUNS ?? defaultRuns)

/** A fixed seed unless one is given, so a failure seen once can be replayed (fast-check prints the seed). */
export const propertySeed = (): number => Number(process.env.TOWNHALL_PROPERTY_SEED ?? 20261122)
