/**
 * `npm run bench`: runs the benchmark suite and writes docs/benchmarks.md and docs/benchmarks.svg.
 *
 *   npm run bench                  full run (10k and 100k, several runs each; ~18 minutes)
 *   npm run bench -- --quick       smoke check: small N, one run each (under two minutes); its
 *                                  report goes to the fixture cache directory, not to docs/
 *   npm run bench -- --only=ingest,tally,storage,open,memory,sync,browser   (docs/ left as they are)
 *   npm run bench -- --render      rewrites docs/ from the last full run's saved results
 *
 * Each measurement runs in a fresh Node process (bench/workloads/*-child.ts, bench/peers/); servers
 * and peers listen on 127.0.0.1 only and are all stopped before this process ends. Fixtures (signed
 * ballots) are made on first use and cached in the system's temporary directory.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { ADAPTERS } from './lib/adapters.js'
import { killChildren, runChild } from './lib/child.js'
import { cacheDir, fixture } from './lib/fixtures.js'
import { machine } from './lib/machine.js'
import { fmtMs, now } from './lib/measure.js'
import { killAll } from './lib/peer.js'
import { NOTES } from './notes.js'
import type { PrivateIngestRun } from './workloads/ingest-child.js'
import {
  markdown,
  svg,
  targets,
  type IngestRun,
  type MemoryRun,
  type OpenRun,
  type Results,
  type StoreRun,
  type TallyRun,
} from './report.js'
import { syncOnce, type SyncRun } from './workloads/sync.js'
import { browserWorkloads } from './workloads/browser.js'

const argv = process.argv.slice(2)
const quick = argv.includes('--quick')
const docs = resolve(import.meta.dirname, '../docs')

if (argv.includes('--render')) {
  const saved = JSON.parse(await readFile(join(cacheDir(), 'results-full.json'), 'utf8')) as Results
  await writeFile(join(docs, 'benchmarks.md'), markdown(saved, NOTES))
  await writeFile(join(docs, 'benchmarks.svg'), `${svg(saved)}\n`)
  console.log(`docs/benchmarks.md and docs/benchmarks.svg rewritten from the run of ${saved.startedAt}`)
  process.exit(0)
}
const only = argv
  .find((arg) => arg.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',')
const selected = (name: string) => !only || only.includes(name)
const TALLY_METHODS = ['plurality', 'approval', 'instant-runoff', 'schulze', 'score', 'quadratic'] as const

const config = quick
  ? {
      ingest: [{ n: 5000, runs: 1 }],
      ingestWarmup: 1000,
      tally: [{ n: 5000, runs: 1 }],
      tallyPure: [] as Array<{ n: number; runs: number }>,
      storage: [{ n: 1000, runs: 1 }],
      open: [{ n: 1000, runs: 1 }],
      memory: [{ n: 1000, runs: 1 }],
      sync: { records: 1000, plainRecords: 50, runs: 1 },
      syncChunk: 100,
      browser: { join: { ballots: 2000, posts: 500 }, reopen: { ballots: 10_000 }, scroll: { posts: 2000 } },
    }
  : {
      ingest: [
        { n: 10_000, runs: 3 },
        { n: 100_000, runs: 3 },
      ],
      ingestWarmup: 2000,
      tally: [
        { n: 10_000, runs: 3 },
        { n: 100_000, runs: 3 },
      ],
      tallyPure: [{ n: 1_000_000, runs: 3 }],
      storage: [
        { n: 10_000, runs: 3 },
        { n: 100_000, runs: 3 },
      ],
      open: [
        { n: 10_000, runs: 3 },
        { n: 100_000, runs: 3 },
      ],
      memory: [
        { n: 10_000, runs: 3 },
        { n: 100_000, runs: 1 },
      ],
      sync: { records: 10_000, plainRecords: 500, runs: 3 },
      syncChunk: 100,
      browser: { join: { ballots: 10_000, posts: 2000 }, reopen: { ballots: 100_000 }, scroll: { posts: 10_000 } },
    }

const startedAt = new Date()
const start = now()
const results: Results = {
  mode: quick ? 'quick' : 'full',
  command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
  startedAt: startedAt.toISOString().replace(/\.\d+Z$/, 'Z'),
  wallMs: 0,
  machine: machine(),
  loadAtEnd: [],
  config,
  ingest: [],
  tally: [],
  tallyPure: [],
  storage: [],
  open: [],
  memory: [],
  sync: [],
  errors: [],
  browser: [],
}

const log = (line: string) => console.log(`[${fmtMs(now() - start).padStart(8)}] ${line}`)

async function step(workload: string, fn: () => Promise<void>): Promise<void> {
  if (!selected(workload)) return
  log(`${workload}...`)
  try {
    await fn()
  } catch (error) {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error)
    results.errors.push({ workload, error: text })
    log(`${workload} failed: ${text.split('\n').slice(0, 3).join(' | ')}`)
  }
}

/** Runs one measurement; a failure is recorded and logged, and the workload goes on with the next. */
async function attempt<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn()
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error)
    results.errors.push({ workload: what, error: text })
    log(`  ${what} failed: ${text.split('\n').slice(0, 4).join(' | ')}`)
    return undefined
  }
}

async function main(): Promise<void> {
  log(
    `${results.mode} run on ${results.machine.cpu} (${results.machine.cores} cores), Node ${results.machine.node}; load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  )
  log(`fixtures in ${cacheDir()} (made on first use)`)
  // Fixtures first, so that no measurement pays for making them.
  for (const n of new Set([
    config.ingestWarmup,
    ...config.ingest.map((s) => s.n),
    ...config.storage.map((s) => s.n),
    config.sync.records >= 10_000 ? 10_000 : 0,
  ])) {
    if (n > 0) await fixture('plurality', n)
  }
  for (const n of new Set([config.ingestWarmup, ...config.ingest.map((s) => s.n)])) await fixture('plurality', n, 'private')
  if (config.sync.records < 10_000) await fixture('plurality', Math.max(config.sync.records, 1000))

  await step('ingest', async () => {
    for (const { n, runs } of config.ingest) {
      const row = { n, runs: [] as IngestRun[] }
      results.ingest.push(row)
      for (let i = 0; i < runs; i++) {
        // Public and private each in a fresh process, taking turns at going first.
        const publicRun = () =>
          runChild<IngestRun>('workloads/ingest-child.ts', { n, warmup: config.ingestWarmup, extraBallots: quick ? 20 : 50 })
        const privateRun = () =>
          runChild<PrivateIngestRun>('workloads/ingest-child.ts', { n, warmup: config.ingestWarmup, visibility: 'private' })
        let plain: IngestRun
        let sealed: PrivateIngestRun
        if (i % 2 === 0) {
          plain = await publicRun()
          sealed = await privateRun()
        } else {
          sealed = await privateRun()
          plain = await publicRun()
        }
        const last: IngestRun = { ...plain, ...sealed }
        row.runs.push(last)
        log(
          `  ingest N=${n}: ${Math.round(last.ingestRate)}/s vs node:crypto ${Math.round(last.nodeRate)}/s; private ${Math.round(sealed.privateIngestRate)}/s; one more ${last.oneMoreMs.toFixed(3)} ms`,
        )
      }
    }
  })

  await step('tally', async () => {
    for (const { n, runs } of config.tally) {
      for (const method of TALLY_METHODS) {
        const row = { method, n, runs: [] as TallyRun[] }
        results.tally.push(row)
        row.runs.push(await runChild<TallyRun>('workloads/tally-child.ts', { method, n, runs, oneMore: quick ? 50 : 200 }))
        const last = row.runs[0]!
        log(`  ${method} N=${n}: pure ${fmtMs(last.pureMs)}, final ${fmtMs(last.finalMs)}, one more ${fmtMs(last.oneMoreMs)}`)
      }
    }
    for (const { n, runs } of config.tallyPure) {
      for (const method of TALLY_METHODS) {
        const row = { method, n, runs: [] as TallyRun[] }
        results.tallyPure.push(row)
        row.runs.push(await runChild<TallyRun>('workloads/tally-child.ts', { method, n, runs, oneMore: 0, pureOnly: true }))
        log(`  ${method} N=${n}: pure ${fmtMs(row.runs[0]!.pureMs)}`)
      }
    }
  })

  // Storage writes the directories that the cold-open and memory workloads then open.
  const directories = new Map<string, string>()
  const scratch = await mkdtemp(join(tmpdir(), 'townhall-bench-'))
  try {
    const needStorage = selected('storage') || selected('open') || selected('memory')
    if (needStorage) {
      await step(selected('storage') ? 'storage' : 'storage (for open/memory)', async () => {
        const sizes = new Map<number, number>()
        for (const { n, runs } of config.storage) sizes.set(n, selected('storage') ? runs : 1)
        for (const { n } of [...config.open, ...config.memory]) if (!sizes.has(n)) sizes.set(n, 1)
        for (const adapter of ADAPTERS) {
          for (const [n, runs] of sizes) {
            const row = { adapter, n, runs: [] as StoreRun[] }
            if (selected('storage') && config.storage.some((s) => s.n === n)) results.storage.push(row)
            for (let i = 0; i < runs; i++) {
              const directory = join(scratch, `${adapter}-${n}-${i}`)
              row.runs.push(await runChild<StoreRun>('workloads/store-child.ts', { adapter, n, directory, chunk: 1000 }))
              const previous = directories.get(`${adapter}-${n}`)
              if (previous) await rm(previous, { recursive: true, force: true })
              directories.set(`${adapter}-${n}`, directory)
              const last = row.runs[row.runs.length - 1]!
              log(`  ${adapter} N=${n}: ${(last.total / last.rawBytes).toFixed(2)}x raw`)
            }
          }
        }
      })
    }

    await step('open', async () => {
      for (const { n, runs } of config.open) {
        for (const adapter of ADAPTERS) {
          const directory = directories.get(`${adapter}-${n}`)
          if (!directory) throw new Error(`no stored ${adapter} space of ${n} ballots`)
          const row = { adapter, n, runs: [] as OpenRun[] }
          results.open.push(row)
          for (let i = 0; i < runs; i++) {
            // Each side in a fresh process of its own (see open-child.ts).
            const townhall = await attempt(`open ${adapter} N=${n}`, () =>
              runChild<Omit<OpenRun, 'rawMs'>>('workloads/open-child.ts', { adapter, n, directory, mode: 'open' }),
            )
            const raw = await attempt(`open ${adapter} N=${n} (raw)`, () =>
              runChild<{ rawMs: number }>('workloads/open-child.ts', { adapter, n, directory, mode: 'open-raw' }),
            )
            const own =
              adapter === 'automerge'
                ? await attempt(`open ${adapter} N=${n} (own document)`, () =>
                    runChild<{ ownLoadMs: number; ownKeys: number }>('workloads/open-child.ts', {
                      adapter,
                      n,
                      directory,
                      mode: 'open-own',
                    }),
                  )
                : undefined
            if (!townhall) break
            // Kept when the raw side fails (plain Automerge runs out of memory at 100k): townhall's figure still stands.
            const run: OpenRun = {
              ...townhall,
              rawMs: raw?.rawMs ?? null,
              ...(own ? { ownLoadMs: own.ownLoadMs, ownKeys: own.ownKeys } : {}),
            }
            row.runs.push(run)
            log(
              `  ${adapter} N=${n}: ${fmtMs(run.ms)} vs raw ${run.rawMs === null ? 'failed' : fmtMs(run.rawMs)}${own ? `, own document ${fmtMs(own.ownLoadMs)}` : ''}`,
            )
            if (!raw) break
          }
        }
      }
    })

    await step('memory', async () => {
      for (const { n, runs } of config.memory) {
        for (const adapter of ADAPTERS) {
          const directory = directories.get(`${adapter}-${n}`)
          if (!directory) throw new Error(`no stored ${adapter} space of ${n} ballots`)
          const row = { adapter, n, townhall: [] as MemoryRun[], raw: [] as MemoryRun[] }
          results.memory.push(row)
          for (let i = 0; i < runs; i++) {
            const townhall = await attempt(`memory ${adapter} N=${n} (townhall)`, () =>
              runChild<MemoryRun>('workloads/open-child.ts', { adapter, n, directory, mode: 'memory-townhall' }),
            )
            const raw = await attempt(`memory ${adapter} N=${n} (raw)`, () =>
              runChild<MemoryRun>('workloads/open-child.ts', { adapter, n, directory, mode: 'memory-raw' }),
            )
            if (townhall) row.townhall.push(townhall)
            if (raw) row.raw.push(raw)
            if (!townhall || !raw) break
            log(`  ${adapter} N=${n}: ${(townhall.heap / 1e6).toFixed(1)} MB vs raw ${(raw.heap / 1e6).toFixed(1)} MB`)
          }
        }
      }
    })
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }

  await step('sync', async () => {
    const n = config.sync.records >= 10_000 ? 10_000 : Math.max(config.sync.records, 1000)
    for (const adapter of ADAPTERS) {
      for (const mode of ['townhall', 'raw'] as const) {
        const records = adapter === 'orbitdb' && mode === 'raw' ? config.sync.plainRecords : config.sync.records
        const row = { adapter, mode, records, runs: [] as SyncRun[] }
        results.sync.push(row)
        for (let i = 0; i < config.sync.runs; i++) {
          try {
            const run = await syncOnce({ adapter, mode, n, records, chunk: config.syncChunk, timeoutMs: 180_000 })
            row.runs.push({ ...run, cleanExit: run.cleanExit })
            log(`  ${adapter} ${mode} ${records} records: ${fmtMs(run.ms)} (${Math.round(run.rate)}/s)`)
          } catch (error) {
            const text = error instanceof Error ? error.message : String(error)
            results.errors.push({ workload: `sync ${adapter} ${mode}`, error: text })
            log(`  ${adapter} ${mode} failed: ${text.split('\n')[0]}`)
          }
        }
      }
    }
  })

  // The sample apps in Chromium (workloads/browser.ts); BENCH_SCREENSHOT saves the page at the join's first results.
  await step('browser', async () => {
    const measured = await browserWorkloads({
      ...config.browser,
      screenshot: process.env.BENCH_SCREENSHOT,
      log,
    })
    results.browser!.push({ label: results.machine.commit ?? 'this run', ...measured })
  })
}

try {
  await main()
} finally {
  killChildren()
  killAll()
}

results.wallMs = now() - start
results.loadAtEnd = loadavg()
if (only) {
  log('--only given: docs/benchmarks.md and docs/benchmarks.svg left as they were')
} else if (quick) {
  // A smoke check must not replace the full run's figures in docs/.
  await writeFile(join(cacheDir(), 'benchmarks-quick.md'), markdown(results, NOTES))
  await writeFile(join(cacheDir(), 'benchmarks-quick.svg'), `${svg(results)}\n`)
  log(`quick run: report in ${join(cacheDir(), 'benchmarks-quick.md')} (docs/ left as they were)`)
} else {
  await writeFile(join(docs, 'benchmarks.md'), markdown(results, NOTES))
  await writeFile(join(docs, 'benchmarks.svg'), `${svg(results)}\n`)
  log('wrote docs/benchmarks.md and docs/benchmarks.svg')
}
await writeFile(join(cacheDir(), `results-${results.mode}.json`), JSON.stringify(results, null, 2))
log(`results as JSON in ${join(cacheDir(), `results-${results.mode}.json`)}`)
for (const target of targets(results))
  log(`${target.met ? 'met   ' : 'MISSED'} ${target.name}: ${target.figure} (limit ${target.limit}; ${target.note})`)
log(`done in ${fmtMs(results.wallMs)}`)
