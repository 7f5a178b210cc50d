/**
 * Turns a run's results into docs/benchmarks.md (tables, targets, machine, versions, notes) and
 * docs/benchmarks.svg (each target's figure against its limit). No network, no dependencies.
 */
import type { AdapterName } from './lib/adapters.js'
import type { Machine } from './lib/machine.js'
import { fmt, fmtBytes, fmtMs, median, ratio, spread } from './lib/measure.js'
import type { SyncRun } from './workloads/sync.js'
import { browserSection, browserTargets, type BrowserRow } from './report-browser.js'

export interface IngestRun {
  readonly n: number
  readonly nodeRate: number
  readonly nodeImportRate: number
  readonly webCryptoRate: number
  readonly ingestRate: number
  readonly ingestMs: number
  readonly oneMoreMs: number
  readonly bytesPerBallot: number
  /** The same N ballots in a private space (sealed frames): in a process of its own since the fourteenth round, in the same process before; absent in runs before private spaces. */
  readonly privateIngestRate?: number
  readonly privateBytesPerBallot?: number
}
export interface TallyRun {
  readonly method: string
  readonly n: number
  readonly pureMs: number
  readonly finalMs: number
  readonly oneMoreMs: number
}
export interface StoreRun {
  readonly adapter: AdapterName
  readonly n: number
  readonly total: number
  readonly parts: Record<string, number>
  readonly rawBytes: number
  readonly writeMs: number
}
export interface OpenRun {
  readonly adapter: AdapterName
  readonly n: number
  readonly ms: number
  /** Until the space has read every ballot too (results are shown from its checkpoint before). */
  readonly readMs?: number
  /** The raw library's load; null when it failed (plain Automerge runs out of memory at 100k records). */
  readonly rawMs: number | null
  /** Automerge: a plain `load` of the document the replica persisted, and how many keys its records map has. */
  readonly ownLoadMs?: number
  readonly ownKeys?: number
}
export interface MemoryRun {
  readonly adapter: AdapterName
  readonly n: number
  readonly heap: number
  readonly rss: number
}

export interface Results {
  readonly mode: 'full' | 'quick'
  readonly command: string
  readonly startedAt: string
  wallMs: number
  readonly machine: Machine
  loadAtEnd: readonly number[]
  readonly config: Record<string, unknown>
  readonly ingest: Array<{ n: number; runs: IngestRun[] }>
  readonly tally: Array<{ method: string; n: number; runs: TallyRun[] }>
  readonly tallyPure: Array<{ method: string; n: number; runs: TallyRun[] }>
  readonly storage: Array<{ adapter: AdapterName; n: number; runs: StoreRun[] }>
  readonly open: Array<{ adapter: AdapterName; n: number; runs: OpenRun[] }>
  readonly memory: Array<{ adapter: AdapterName; n: number; townhall: MemoryRun[]; raw: MemoryRun[] }>
  readonly sync: Array<{ adapter: AdapterName; mode: 'townhall' | 'raw'; records: number; runs: SyncRun[] }>
  readonly errors: Array<{ workload: string; error: string }>
  /** The browser workloads (report-browser.ts); absent from runs before them or without them. */
  readonly browser?: BrowserRow[]
}

const med = <T>(runs: readonly T[], pick: (run: T) => number): number => median(runs.map(pick))
const range = <T>(runs: readonly T[], pick: (run: T) => number, show: (value: number) => string): string => {
  if (runs.length < 2) return ''
  const { min, max } = spread(runs.map(pick))
  return ` (${show(min)}–${show(max)})`
}
type Sized = { n: number; runs?: readonly unknown[]; townhall?: readonly unknown[]; raw?: readonly unknown[] }
/** A row with measurements (a size whose every run failed has none). */
const measured = (row: Sized) => (row.runs ?? row.townhall ?? []).length > 0 && (row.raw === undefined || row.raw.length > 0)
const largest = <T extends Sized>(rows: readonly T[]): T | undefined => rows.filter(measured).sort((a, b) => b.n - a.n)[0]
const atN = <T extends Sized>(rows: readonly T[], n: number): T | undefined => rows.find((row) => row.n === n && measured(row))
const ADAPTER_LABEL: Record<AdapterName, string> = { yjs: 'Yjs', automerge: 'Automerge', orbitdb: 'OrbitDB' }

export interface Target {
  readonly name: string
  readonly limit: string
  readonly figure: string
  /** figure / limit, oriented so that ≤ 1 means met; NaN when not measured. */
  readonly load: number
  readonly met: boolean | undefined
  readonly note: string
}

/** Where each target stands, from the largest size measured (the target size in a full run). */
export function targets(results: Results): Target[] {
  const out: Target[] = []
  const quickNote = (n: number, wanted: number) => (n !== wanted ? ` (measured at N=${fmt(n)}, not ${fmt(wanted)})` : '')
  const failedAt = (workload: string, adapter: string, n: number) =>
    results.errors.some((error) => error.workload.startsWith(`${workload} ${adapter} N=${n}`))
      ? `; N=${fmt(n)} failed, see the errors below`
      : ''

  const ingest = atN(results.ingest, 100_000) ?? largest(results.ingest)
  if (ingest) {
    const share = med(ingest.runs, (run) => run.ingestRate / run.nodeRate)
    out.push({
      name: 'Ingest rate vs raw node:crypto verify',
      limit: '≥ 70%',
      // The median of each run's own ratio (both rates measured in the same process), which is not the
      // ratio of the two medians when the machine's load changes between runs: both are shown.
      figure:
        `${fmt(share * 100)}%, median of per-run ratios ` +
        `(medians: ${fmt(med(ingest.runs, (run) => run.ingestRate))}/s vs ${fmt(med(ingest.runs, (run) => run.nodeRate))}/s)`,
      load: 0.7 / share,
      met: share >= 0.7,
      note: `N=${fmt(ingest.n)}${quickNote(ingest.n, 100_000)}`,
    })
  }
  const sealed = ingest?.runs.filter((run) => run.privateIngestRate !== undefined) ?? []
  if (ingest && sealed.length) {
    const share = med(sealed, (run) => run.privateIngestRate! / run.ingestRate)
    out.push({
      name: 'Ingest of a private space vs a public one',
      limit: '≥ 90%',
      figure:
        `${fmt(share * 100)}%, median of per-run ratios ` +
        `(medians: ${fmt(med(sealed, (run) => run.privateIngestRate!))}/s vs ${fmt(med(sealed, (run) => run.ingestRate))}/s)`,
      load: 0.9 / share,
      met: share >= 0.9,
      note: `N=${fmt(ingest.n)}, the same ballots sealed under epoch 0 and opened by Space.ingest${quickNote(ingest.n, 100_000)}`,
    })
    const extra = med(sealed, (run) => run.privateBytesPerBallot! - run.bytesPerBallot)
    out.push({
      name: 'Extra bytes per stored record in a private space',
      limit: '≤ 48 B',
      figure: `${fmt(extra)} B (${fmt(med(sealed, (run) => run.privateBytesPerBallot!))} B sealed vs ${fmt(med(sealed, (run) => run.bytesPerBallot))} B plain)`,
      load: extra / 48,
      met: extra <= 48,
      note: `N=${fmt(ingest.n)}, mean ballot record size, frame vs plain record`,
    })
  }
  const tallyN = results.tally.some((row) => row.n === 100_000) ? 100_000 : Math.max(0, ...results.tally.map((row) => row.n))
  const tallies = results.tally.filter((row) => row.n === tallyN)
  if (tallies.length) {
    const worst = tallies.map((row) => ({ method: row.method, ms: med(row.runs, (run) => run.finalMs) })).sort((a, b) => b.ms - a.ms)[0]!
    out.push({
      name: 'Final result of a closed poll, slowest method',
      limit: '< 1 s',
      figure: `${fmtMs(worst.ms)} (${worst.method})`,
      load: worst.ms / 1000,
      met: worst.ms < 1000,
      note: `N=${fmt(tallyN)}, poll view incl. close resolution${quickNote(tallyN, 100_000)}`,
    })
  }
  if (ingest) {
    const ms = med(ingest.runs, (run) => run.oneMoreMs)
    out.push({
      name: 'One more ballot on a live plurality tally',
      limit: '< 1 ms',
      figure: fmtMs(ms),
      load: ms,
      met: ms < 1,
      note: `N=${fmt(ingest.n)}, signed ballot through Space.ingest (verified) + live result${quickNote(ingest.n, 100_000)}`,
    })
  }
  for (const adapter of ['yjs', 'automerge', 'orbitdb'] as const) {
    const row =
      atN(
        results.storage.filter((r) => r.adapter === adapter),
        100_000,
      ) ?? largest(results.storage.filter((r) => r.adapter === adapter))
    if (!row) continue
    const factor = med(row.runs, (run) => run.total / run.rawBytes)
    const limit = adapter === 'orbitdb' ? 3 : 1.5
    out.push({
      name: `Stored bytes per ballot, ${ADAPTER_LABEL[adapter]}`,
      limit: `≤ ${limit}x raw`,
      figure: `${ratio(factor)} (${fmt(med(row.runs, (run) => run.total / run.n))} B vs ${fmt(row.runs[0]!.rawBytes / row.n)} B)`,
      load: factor / limit,
      met: factor <= limit,
      note: `N=${fmt(row.n)}${quickNote(row.n, 100_000)}`,
    })
  }
  for (const adapter of ['yjs', 'automerge', 'orbitdb'] as const) {
    // Runs compared with the raw library, which may have failed where townhall did not.
    const compared = results.open
      .filter((r) => r.adapter === adapter)
      .map((r) => ({ ...r, runs: r.runs.filter((run): run is OpenRun & { rawMs: number } => run.rawMs !== null) }))
    const row = atN(compared, 100_000) ?? largest(compared)
    if (!row) continue
    const ms = med(row.runs, (run) => run.ms)
    const factor = med(row.runs, (run) => run.ms / run.rawMs)
    const alone = row.n === 100_000 ? undefined : results.open.find((r) => r.adapter === adapter && r.n === 100_000 && r.runs.length > 0)
    const aloneNote = alone
      ? `; at N=${fmt(alone.n)} townhall opens in ${fmtMs(med(alone.runs, (run) => run.ms))} and the raw library failed`
      : ''
    if (adapter === 'yjs') {
      out.push({
        name: 'Cold open and show results, Yjs',
        limit: '< 1 s',
        figure: `${fmtMs(ms)} (raw Y.applyUpdate ${fmtMs(med(row.runs, (run) => run.rawMs))})`,
        load: ms / 1000,
        met: ms < 1000,
        note: `N=${fmt(row.n)}${quickNote(row.n, 100_000)}${failedAt('open', adapter, 100_000)}`,
      })
    } else {
      out.push({
        name: `Cold open vs raw load, ${ADAPTER_LABEL[adapter]}`,
        limit: '≤ 2x raw',
        figure: `${ratio(factor)} (${fmtMs(ms)} vs ${fmtMs(med(row.runs, (run) => run.rawMs))})`,
        load: factor / 2,
        met: factor <= 2,
        note: `N=${fmt(row.n)}${quickNote(row.n, 100_000)}${alone ? aloneNote : failedAt('open', adapter, 100_000)}`,
      })
    }
  }
  for (const adapter of ['yjs', 'automerge'] as const) {
    const row = results.sync.find((r) => r.adapter === adapter && r.mode === 'townhall')
    if (!row || row.runs.length === 0) continue
    const ms = med(row.runs, (run) => run.ms)
    out.push({
      name: `Sync between two peers, ${ADAPTER_LABEL[adapter]}`,
      limit: '< 3 s',
      figure: fmtMs(ms),
      load: ms / 3000,
      met: ms < 3000,
      note: `${fmt(row.records)} records${quickNote(row.records, 10_000)}`,
    })
  }
  const orbit = results.sync.find((r) => r.adapter === 'orbitdb' && r.mode === 'townhall')
  const plain = results.sync.find((r) => r.adapter === 'orbitdb' && r.mode === 'raw')
  if (orbit?.runs.length && plain?.runs.length) {
    const factor = med(orbit.runs, (run) => run.rate) / med(plain.runs, (run) => run.rate)
    out.push({
      name: 'Sync rate vs plain OrbitDB single puts',
      limit: '≥ 10x',
      figure: `${ratio(factor)} (${fmt(med(orbit.runs, (run) => run.rate))}/s vs ${fmt(med(plain.runs, (run) => run.rate))}/s)`,
      load: 10 / factor,
      met: factor >= 10,
      note: `${fmt(orbit.records)} records vs ${fmt(plain.records)} plain puts`,
    })
  }
  for (const adapter of ['yjs', 'automerge', 'orbitdb'] as const) {
    const row =
      atN(
        results.memory.filter((r) => r.adapter === adapter),
        100_000,
      ) ?? largest(results.memory.filter((r) => r.adapter === adapter))
    if (!row || !row.townhall.length || !row.raw.length) continue
    const factor = med(row.townhall, (run) => run.heap) / med(row.raw, (run) => run.heap)
    out.push({
      name: `Memory vs raw library, ${ADAPTER_LABEL[adapter]}`,
      limit: '≤ 2x raw',
      figure: `${ratio(factor)} (${fmtBytes(med(row.townhall, (run) => run.heap))} vs ${fmtBytes(med(row.raw, (run) => run.heap))})`,
      load: factor / 2,
      met: factor <= 2,
      note: `N=${fmt(row.n)}, heap + external after GC${quickNote(row.n, 100_000)}${failedAt('memory', adapter, 100_000)}`,
    })
  }
  out.push(...browserTargets(results.browser ?? []))
  return out
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

export function markdown(results: Results, notes: string): string {
  const m = results.machine
  const out: string[] = []
  out.push('# Benchmarks')
  out.push('')
  out.push(
    `Generated by \`${results.command}\` (${results.mode} run) on ${results.startedAt}; the run took ${fmtMs(results.wallMs)}. ` +
      'Do not edit by hand: run `npm run bench` again. Every figure is the median of the runs listed (after a warm-up), ' +
      'with the range in parentheses; every comparison is a ratio of figures measured in the same run.',
  )
  out.push('')
  out.push('## Machine')
  out.push('')
  out.push(
    table(
      ['', 'value'],
      [
        ['CPU', `${m.cpu}, ${m.cores} cores`],
        ['RAM', `${fmtBytes(m.ramBytes)} (${fmtBytes(m.freeBytes)} free at start)`],
        ['OS', m.os],
        ['Node', `${m.node} (OpenSSL ${m.openssl})`],
        ['Code', m.commit ?? 'not recorded'],
        [
          'Load average (1, 5, 15 min)',
          `start ${m.loadAverage.map((x) => x.toFixed(2)).join(', ')}; end ${results.loadAtEnd.map((x) => x.toFixed(2)).join(', ')}`,
        ],
        [
          'Libraries',
          Object.entries(m.versions)
            .map(([name, version]) => `${name} ${version}`)
            .join(', '),
        ],
      ],
    ),
  )
  out.push('')
  out.push('## Targets')
  out.push('')
  out.push('![Each target: the figure as a share of its limit](benchmarks.svg)')
  out.push('')
  out.push(
    table(
      ['Target', 'Limit', 'Figure', 'Status', 'Measured'],
      targets(results).map((t) => [t.name, t.limit, t.figure, t.met === undefined ? 'n/a' : t.met ? 'met' : '**missed**', t.note]),
    ),
  )
  out.push('')
  if (results.errors.length) {
    out.push('## Errors in this run')
    out.push('')
    for (const error of results.errors) {
      // The first line, and the first error a child printed (its own first line is often generic).
      const lines = error.error.split('\n').map((line) => line.trim())
      const cause = lines.slice(1).find((line) => /^\w*Error\b/.test(line) && !line.startsWith('Error: workloads/'))
      const text = [lines[0], cause].filter(Boolean).join(' … ').replace(/`/g, "'")
      out.push(`- ${error.workload}: \`${text.slice(0, 300)}\``)
    }
    out.push('')
  }

  out.push('## 1. Ingest')
  out.push('')
  out.push(
    'N ballots (one per voter, distinct keys, plurality over 10 options) handed to `Space.ingest` in one call: decoded, ' +
      'checked canonical, hashed, signature verified (node:crypto, in batches on worker threads), validated and folded ' +
      'into the poll view, until the live ' +
      'tally counts all N. Baselines in the same process, on the same N signatures: node:crypto `verify` one after the ' +
      'other with `KeyObject`s made beforehand (the reference for the target), the same importing each key first, and ' +
      'WebCrypto with `CryptoKey`s imported beforehand and every verification in flight. Each run is a fresh process.',
  )
  out.push('')
  out.push(
    table(
      [
        'N',
        'runs',
        'ingest',
        'node:crypto verify',
        'ingest / node:crypto',
        'node:crypto with key import',
        'WebCrypto in flight',
        'ingest / WebCrypto',
      ],
      results.ingest.map(({ n, runs }) => [
        fmt(n),
        String(runs.length),
        `${fmt(med(runs, (r) => r.ingestRate))}/s${range(runs, (r) => r.ingestRate, fmt)}`,
        `${fmt(med(runs, (r) => r.nodeRate))}/s${range(runs, (r) => r.nodeRate, fmt)}`,
        `${fmt(med(runs, (r) => (100 * r.ingestRate) / r.nodeRate))}%${range(runs, (r) => (100 * r.ingestRate) / r.nodeRate, fmt)}`,
        `${fmt(med(runs, (r) => r.nodeImportRate))}/s`,
        `${fmt(med(runs, (r) => r.webCryptoRate))}/s${range(runs, (r) => r.webCryptoRate, fmt)}`,
        `${fmt(med(runs, (r) => (100 * r.ingestRate) / r.webCryptoRate))}%`,
      ]),
    ),
  )
  out.push('')
  const bytes = results.ingest[0]?.runs[0]?.bytesPerBallot
  if (bytes) out.push(`A signed ballot record is ${fmt(bytes)} bytes.`)
  out.push('')

  out.push('## 2. Tally')
  out.push('')
  out.push(
    '10 options; choices spread deterministically over the options (rankings of 3 to 10 options for instant runoff and ' +
      'Schulze). **pure**: `tally(method, params, choices)` over N validated choices. **final**: the poll view of a closed ' +
      'poll computing its final result from scratch, as a peer does when the close arrives: the close and its parts ' +
      'resolved into the committed ballot set (freshly decoded ids, digest checked), every committed ballot looked up, ' +
      'then counted. **one more**: one ballot folded into an open poll of N plus the live result read back (the view ' +
      'only; through `Space.ingest` with its signature, see the ingest table and the targets).',
  )
  out.push('')
  const sizes = [...new Set(results.tally.map((row) => row.n))].sort((a, b) => a - b)
  const methods = [...new Set(results.tally.map((row) => row.method))]
  out.push(
    table(
      ['method', ...sizes.flatMap((n) => [`pure N=${fmt(n)}`, `final N=${fmt(n)}`, `one more N=${fmt(n)}`])],
      methods.map((method) => [
        method,
        ...sizes.flatMap((n) => {
          const row = results.tally.find((r) => r.method === method && r.n === n)
          if (!row) return ['', '', '']
          return [fmtMs(med(row.runs, (r) => r.pureMs)), fmtMs(med(row.runs, (r) => r.finalMs)), fmtMs(med(row.runs, (r) => r.oneMoreMs))]
        }),
      ]),
    ),
  )
  out.push('')
  if (results.tallyPure.length) {
    out.push(
      table(
        ['method', ...[...new Set(results.tallyPure.map((row) => row.n))].map((n) => `pure N=${fmt(n)}`)],
        [...new Set(results.tallyPure.map((row) => row.method))].map((method) => [
          method,
          ...[...new Set(results.tallyPure.map((row) => row.n))].map((n) => {
            const row = results.tallyPure.find((r) => r.method === method && r.n === n)
            return row ? fmtMs(med(row.runs, (r) => r.pureMs)) : ''
          }),
        ]),
      ),
    )
    out.push('')
  }
  const spaceOneMore = results.ingest.map(({ n, runs }) => `${fmtMs(med(runs, (r) => r.oneMoreMs))} at N=${fmt(n)}`)
  if (spaceOneMore.length)
    out.push(
      `One more signed plurality ballot through \`Space.ingest\` (verified) and the live result read back: ${spaceOneMore.join(', ')}.`,
    )
  out.push('')

  out.push('## 3. Storage')
  out.push('')
  out.push(
    "Each adapter's Node replica with a data directory is given the genesis, the poll and N ballots (`add` in chunks of " +
      '1000); a space then opens on it and shows the result, as on a device that received the records (so it lists the ids ' +
      'it verified: "verified ids" below), and everything is closed; then every file under the directory is counted. ' +
      'Write time: the adds only. Raw: the bytes of the N signed ballot records.',
  )
  out.push('')
  out.push(
    table(
      ['adapter', 'N', 'runs', 'on disk', 'per ballot', 'x raw', 'of which', 'write time'],
      results.storage.map(({ adapter, n, runs }) => [
        ADAPTER_LABEL[adapter],
        fmt(n),
        String(runs.length),
        fmtBytes(med(runs, (r) => r.total)),
        fmtBytes(med(runs, (r) => r.total / n)),
        `${ratio(med(runs, (r) => r.total / r.rawBytes))}${range(runs, (r) => r.total / r.rawBytes, ratio)}`,
        Object.entries(runs[runs.length - 1]!.parts)
          .filter(([, size]) => size > 1024)
          .map(
            ([name, size]) =>
              `${name.endsWith('.records') || name === 'records' ? 'record store' : name.endsWith('.verified') ? 'verified ids' : name} ${fmtBytes(size)}`,
          )
          .join(', '),
        fmtMs(med(runs, (r) => r.writeMs)),
      ]),
    ),
  )
  out.push('')

  out.push('## 4. Cold open')
  out.push('')
  out.push(
    'A fresh process opens the persisted space (the directory written by the storage workload) with no network and waits ' +
      "until the poll's result counts every ballot. The space that stored the records closed cleanly, so its view " +
      'checkpoint describes them: the result is shown from it, checked against the ids of the stored records, and the ' +
      'ballots are read afterwards in slices (column "every ballot read": until then). Records this device verified ' +
      'before are not verified again (their ids are listed next to the records) but are decoded, checked against their ' +
      'schema and folded. The space is shown from ' +
      'the record store: the Yjs replica builds its document and the Automerge one loads its own when a peer appears or the ' +
      'app first writes (the load of the Automerge document is timed in its own column). Raw, in another fresh ' +
      'process with the same modules loaded (so neither side runs code the other warmed up): Yjs `Y.applyUpdate` of a Y.Map ' +
      'holding the same records; Automerge `load` of a document holding the same records one key each, as plain Automerge ' +
      "would (townhall's own document keeps records that arrived together as one value per key, and its plain `load`, " +
      'also in a fresh process, is in a column of its own); OrbitDB opening the same log on a ' +
      'peer over the same directory and reading every entry. Files are read once before timing, so both sides find them in ' +
      'the page cache.',
  )
  out.push('')
  out.push(
    table(
      [
        'adapter',
        'N',
        'runs',
        'townhall open + results',
        'every ballot read',
        'raw library load',
        'x raw',
        "load of townhall's document (keys)",
      ],
      results.open.map(({ adapter, n, runs }) => {
        const raw = runs.filter((r): r is OpenRun & { rawMs: number } => r.rawMs !== null)
        const own = runs.filter((r): r is OpenRun & { ownLoadMs: number } => r.ownLoadMs !== undefined)
        return [
          ADAPTER_LABEL[adapter],
          fmt(n),
          String(runs.length),
          runs.length ? `${fmtMs(med(runs, (r) => r.ms))}${range(runs, (r) => r.ms, fmtMs)}` : 'failed',
          runs.some((r) => r.readMs !== undefined) ? fmtMs(med(runs, (r) => r.readMs ?? r.ms)) : '',
          raw.length ? `${fmtMs(med(raw, (r) => r.rawMs))}${range(raw, (r) => r.rawMs, fmtMs)}` : 'failed',
          raw.length ? ratio(med(raw, (r) => r.ms / r.rawMs)) : '',
          own.length ? `${fmtMs(med(own, (r) => r.ownLoadMs))}${range(own, (r) => r.ownLoadMs, fmtMs)} (${fmt(own[0]!.ownKeys ?? 0)})` : '',
        ]
      }),
    ),
  )
  out.push('')

  out.push('## 5. Sync')
  out.push('')
  out.push(
    'Two peers in separate processes on 127.0.0.1, connected and synced on the genesis and the poll first; then the writer ' +
      'writes the records and the time runs until the reader shows all of them (townhall: in the poll view, every ballot ' +
      'verified; raw: in the Y.Map, the Automerge document, the OrbitDB log). Yjs over WebRTC (@roamhq/wrtc) through a ' +
      '`townhall signal` process; Automerge over WebSocket through a `townhall sync-server` process; OrbitDB over libp2p ' +
      'TCP, the reader dialing the writer. Writes are in chunks of ' +
      `${String(results.config.syncChunk ?? 100)} records (one \`replica.add\`, Yjs transaction or Automerge change each); ` +
      'plain OrbitDB writes one entry per record, fewer records, and is compared by rate.',
  )
  out.push('')
  out.push(
    table(
      ['adapter', 'side', 'records', 'runs', 'until shown', 'rate', 'writer busy', 'x raw (time)', 'processes ended by themselves'],
      results.sync.map(({ adapter, mode, records, runs }) => {
        const raw = results.sync.find((r) => r.adapter === adapter && r.mode === 'raw')
        const vsRaw =
          mode === 'townhall' && raw?.runs.length && raw.records === records
            ? ratio(med(runs, (r) => r.ms) / med(raw.runs, (r) => r.ms))
            : ''
        return [
          ADAPTER_LABEL[adapter],
          mode === 'townhall' ? 'townhall' : adapter === 'orbitdb' ? 'plain OrbitDB (1 entry per record)' : 'raw library',
          fmt(records),
          String(runs.length),
          runs.length ? `${fmtMs(med(runs, (r) => r.ms))}${range(runs, (r) => r.ms, fmtMs)}` : 'failed',
          runs.length ? `${fmt(med(runs, (r) => r.rate))}/s` : '',
          runs.length ? fmtMs(med(runs, (r) => r.writeMs)) : '',
          vsRaw,
          runs.length ? `${runs.filter((r) => r.cleanExit).length}/${runs.length}` : '',
        ]
      }),
    ),
  )
  out.push('')

  out.push('## 6. Memory')
  out.push('')
  out.push(
    'A fresh process (with `--expose-gc`) loads every module, takes a baseline, then opens the persisted space of N ' +
      "ballots until its results show (townhall: the Space and the adapter's replica, the Yjs one with its document built as when a peer is connected), or has the raw library hold the same " +
      'records (a Y.Doc with the Y.Map; an Automerge document with the records one key each, as in the cold-open workload; an OrbitDB peer with the ' +
      'log open and every entry read). Figure: `heapUsed + external` after a full GC, over the baseline; RSS growth for reference.',
  )
  out.push('')
  out.push(
    table(
      ['adapter', 'N', 'runs', 'townhall', 'per ballot', 'raw library', 'per ballot', 'x raw', 'RSS growth townhall / raw'],
      results.memory.map(({ adapter, n, townhall, raw }) => {
        const th = med(townhall, (r) => r.heap)
        const rw = med(raw, (r) => r.heap)
        return [
          ADAPTER_LABEL[adapter],
          fmt(n),
          `${townhall.length}/${raw.length}`,
          fmtBytes(th),
          fmtBytes(th / n),
          fmtBytes(rw),
          fmtBytes(rw / n),
          ratio(th / rw),
          `${fmtBytes(med(townhall, (r) => r.rss))} / ${fmtBytes(med(raw, (r) => r.rss))}`,
        ]
      }),
    ),
  )
  out.push('')
  if (results.browser?.length) out.push(...browserSection(results.browser, table))
  out.push(notes.trim())
  out.push('')
  return out.join('\n')
}

/** A horizontal bar per target: the figure as a share of its limit, on a log scale; ≤ 1 is met. */
export function svg(results: Results): string {
  const rows = targets(results).filter((t) => Number.isFinite(t.load) && t.load > 0)
  const width = 1100
  const left = 330
  const right = 40
  const rowHeight = 30
  const top = 60
  const height = top + rows.length * rowHeight + 50
  const min = 0.05
  const max = 100
  const x = (value: number) =>
    left +
    ((Math.log10(Math.min(max, Math.max(min, value))) - Math.log10(min)) / (Math.log10(max) - Math.log10(min))) * (width - left - right)
  const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  const parts: string[] = []
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
  )
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`)
  parts.push(
    `<text x="16" y="24" font-size="15" font-weight="bold">townhall benchmarks: each figure as a share of its target limit (${esc(results.mode)} run, ${esc(results.startedAt.slice(0, 10))})</text>`,
  )
  parts.push(
    `<text x="16" y="42" fill="#555">Bars left of the dashed line meet the target; log scale. ${esc(results.machine.cpu)}, ${results.machine.cores} cores, Node ${esc(results.machine.node)}.</text>`,
  )
  for (const tick of [0.1, 1, 10, 100]) {
    const tx = x(tick)
    parts.push(
      `<line x1="${tx}" y1="${top - 6}" x2="${tx}" y2="${top + rows.length * rowHeight}" stroke="${tick === 1 ? '#333' : '#ddd'}" ${tick === 1 ? 'stroke-dasharray="5,3"' : ''}/>`,
    )
    parts.push(
      `<text x="${tx}" y="${top + rows.length * rowHeight + 16}" text-anchor="middle" fill="#555">${tick === 1 ? 'limit' : `${tick}x`}</text>`,
    )
  }
  rows.forEach((row, i) => {
    const y = top + i * rowHeight
    const barEnd = x(row.load)
    const color = row.met ? '#2e7d32' : '#c62828'
    parts.push(`<text x="${left - 8}" y="${y + 19}" text-anchor="end">${esc(row.name)}</text>`)
    parts.push(`<rect x="${x(min)}" y="${y + 7}" width="${Math.max(1, barEnd - x(min))}" height="16" fill="${color}" opacity="0.85"/>`)
    const label = `${row.figure} (limit ${row.limit})`
    const inside = barEnd - x(min) > 420
    parts.push(
      `<text x="${inside ? barEnd - 6 : barEnd + 6}" y="${y + 19}" text-anchor="${inside ? 'end' : 'start'}" fill="${inside ? '#fff' : '#222'}" font-size="11">${esc(label.length > 90 ? `${label.slice(0, 87)}…` : label)}</text>`,
    )
  })
  parts.push('</svg>')
  return parts.join('\n')
}
