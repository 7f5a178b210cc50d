/**
 * What the conformance suites (replicas, record stores) share: they are written against the part
 * of vitest's API they use, so that the same checks register as vitest tests (`run…Conformance`)
 * or run one after another outside vitest's collector and report each outcome (`check…Conformance`),
 * which is how the suites' own tests show that deliberately broken implementations fail them.
 */
export type Hook = () => Promise<void> | void
export type Check = () => Promise<void> | void

/** The part of vitest's API the suites use. */
export interface SuiteApi {
  describe(name: string, body: () => void): void
  it: { (name: string, check: Check): void; skip(name: string, check: Check): void }
  expect: typeof import('vitest').expect
  beforeEach(hook: Hook): void
  afterEach(hook: Hook): void
}

/** The outcome of one check. */
export interface CheckResult {
  readonly name: string
  readonly status: 'passed' | 'failed' | 'skipped'
  readonly error?: string
}

export interface CollectedChecks {
  readonly checks: ReadonlyArray<{ readonly name: string; readonly check?: Check }>
  readonly before: readonly Hook[]
  readonly after: readonly Hook[]
}

/** Defines a suite against a collecting `SuiteApi`: its checks (skipped ones without a body) and hooks. */
export function collectChecks(expect: SuiteApi['expect'], define: (api: SuiteApi) => void): CollectedChecks {
  const checks: Array<{ name: string; check?: Check }> = []
  const before: Hook[] = []
  const after: Hook[] = []
  const it = Object.assign((name: string, check: Check) => void checks.push({ name, check }), {
    skip: (name: string) => void checks.push({ name }),
  })
  define({ describe: (_name, body) => body(), it, expect, beforeEach: (h) => before.push(h), afterEach: (h) => after.push(h) })
  return { checks, before, after }
}

/** Runs collected checks one after another, each between its hooks, and returns each one's outcome instead of failing. */
export async function runChecks({ checks, before, after }: CollectedChecks, only?: readonly string[]): Promise<CheckResult[]> {
  const results: CheckResult[] = []
  for (const { name, check } of checks) {
    if (only && !only.includes(name)) continue
    if (!check) {
      results.push({ name, status: 'skipped' })
      continue
    }
    let error: unknown
    try {
      for (const hook of before) await hook()
      await check()
    } catch (caught) {
      error = caught
    } finally {
      for (const hook of after) {
        try {
          await hook()
        } catch (caught) {
          error ??= caught
        }
      }
    }
    results.push(
      error === undefined
        ? { name, status: 'passed' }
        : { name, status: 'failed', error: error instanceof Error ? error.message : String(error) },
    )
  }
  return results
}
