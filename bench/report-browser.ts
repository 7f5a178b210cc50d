/**
 * The browser workloads' part of docs/benchmarks.md (bench/workloads/browser.ts): a section with
 * one row per run of the apps (a run of another build, such as the code before a change, can be
 * kept beside this one with its label), and the four targets, from the last row.
 */
import { fmt, fmtMs } from './lib/measure.js'
import type { Target } from './report.js'
import type { BrowserResults } from './workloads/browser.js'

export interface BrowserRow extends BrowserResults {
  /** Which build of the apps: "this run", or the commit a kept row was measured at. */
  readonly label: string
}

const fps = (value: number) => `${value.toFixed(1)} fps`

export function browserTargets(rows: readonly BrowserRow[]): Target[] {
  const out: Target[] = []
  // From this run's row only (the last): a kept row of other code is shown in the section, never taken as a figure.
  const row: BrowserResults = rows[rows.length - 1] ?? {}
  const join = row.join
  if (join) {
    const over = join.adapter === 'yjs' ? 'Yjs over WebRTC from a Node peer' : 'Automerge through a sync server'
    const note = `${fmt(join.ballots)} ballots and ${fmt(join.posts)} posts, ${over} on 127.0.0.1, Chromium`
    out.push({
      name: 'Join a large space: first results',
      limit: '< 1.5 s',
      figure: `${fmtMs(join.firstResultsMs)} (all ${fmt(join.ballots)} ballots at ${fmtMs(join.allResultsMs)})`,
      load: join.firstResultsMs / 1500,
      met: join.firstResultsMs < 1500,
      note,
    })
    out.push({
      name: 'Join a large space: longest main-thread task',
      limit: '≤ 200 ms',
      figure: `${fmtMs(join.longestTaskMs)} (${join.tasksOver200} tasks over 200 ms)`,
      load: join.longestTaskMs / 200,
      met: join.longestTaskMs <= 200,
      note: `${note}, PerformanceObserver 'longtask' from the Join click until all ballots show`,
    })
  }
  const reopen = row.reopen
  if (reopen) {
    out.push({
      name: 'Reopen a large space from IndexedDB: results',
      limit: '< 1.5 s',
      figure: `${fmtMs(reopen.resultsMs)} (longest task ${fmtMs(reopen.longestTaskMs)})`,
      load: reopen.resultsMs / 1500,
      met: reopen.resultsMs < 1500,
      note: `${fmt(reopen.ballots)} ballots, Automerge, Chromium; from navigation start of the reload`,
    })
  }
  const scroll = row.scroll
  if (scroll) {
    // requestAnimationFrame ticks at 60 Hz in headless Chromium: 60 is the ceiling, a frame or two dropped in a minute is noise.
    out.push({
      name: 'Scroll a feed of 10,000 posts',
      limit: '60 fps',
      figure: `${fps(scroll.fps)} (p95 frame ${fmtMs(scroll.p95FrameMs)}, longest ${fmtMs(scroll.maxFrameMs)})`,
      load: 59 / Math.max(scroll.fps, 0.1),
      met: scroll.fps >= 59,
      note: `${fmt(scroll.posts)} posts, ${fmt(scroll.postsScrolled)} scrolled past in ${fmt(scroll.frames)} frames, Chromium`,
    })
  }
  return out
}

export function browserSection(
  rows: readonly BrowserRow[],
  table: (header: readonly string[], rows: readonly string[][]) => string,
): string[] {
  const out: string[] = []
  out.push('## 7. Browser')
  out.push('')
  out.push(
    'The built sample apps in Chromium (playwright-core, `/usr/bin/chromium`, headless, a fresh profile), served from 127.0.0.1, ' +
      'on the Automerge adapter through a real `townhall sync-server` on 127.0.0.1: of the in-browser adapters it is the quickest to seed, ' +
      'a Node peer writing the space to the server in one pass (`bench/peers/large-space-peer.ts`). ' +
      '**Join**: a person pastes the share link of a private space of N ballots and P posts, chooses "Join this space" as soon as it is enabled, ' +
      'and opens Polls; first results when the poll list shows a ballot count, longest task by PerformanceObserver `longtask` from the Join click ' +
      'until every ballot shows. **Reopen**: that page reloaded once the space is in IndexedDB, until the poll list shows every ballot. ' +
      '**Scroll**: a feed of P posts scrolled 240 px per frame for up to 60 s (taking "Show more" where a page has one), frame times from requestAnimationFrame. ' +
      'One run each: these are wall-clock figures on a shared 2-core machine.',
  )
  out.push('')
  out.push(
    table(
      ['apps', 'adapter', 'join: ballots / posts', 'first results', 'all results', 'longest task', 'tasks > 200 ms'],
      rows
        .filter((row) => row.join)
        .map(({ label, join }) => [
          label,
          join!.adapter === 'yjs' ? 'Yjs' : 'Automerge',
          `${fmt(join!.ballots)} / ${fmt(join!.posts)}`,
          fmtMs(join!.firstResultsMs),
          fmtMs(join!.allResultsMs),
          fmtMs(join!.longestTaskMs),
          String(join!.tasksOver200),
        ]),
    ),
  )
  out.push('')
  out.push(
    table(
      ['apps', 'reopen: ballots', 'results', 'longest task'],
      rows
        .filter((row) => row.reopen)
        .map(({ label, reopen }) => [label, fmt(reopen!.ballots), fmtMs(reopen!.resultsMs), fmtMs(reopen!.longestTaskMs)]),
    ),
  )
  out.push('')
  out.push(
    table(
      ['apps', 'scroll: posts', 'scrolled past', 'frames', 'fps', 'p50 frame', 'p95 frame', 'longest frame'],
      rows
        .filter((row) => row.scroll)
        .map(({ label, scroll }) => [
          label,
          fmt(scroll!.posts),
          fmt(scroll!.postsScrolled),
          fmt(scroll!.frames),
          fps(scroll!.fps),
          fmtMs(scroll!.p50FrameMs),
          fmtMs(scroll!.p95FrameMs),
          fmtMs(scroll!.maxFrameMs),
        ]),
    ),
  )
  out.push('')
  return out
}
