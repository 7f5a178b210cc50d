/**
 * Browser workloads: the built sample apps in Chromium (playwright-core, /usr/bin/chromium,
 * headless, a fresh profile per browser), served from 127.0.0.1, on the Automerge adapter through a
 * real `townhall sync-server` on 127.0.0.1 (the in-browser adapter quickest to seed: a Node peer
 * writes the space to the server in one pass, bench/peers/large-space-peer.ts).
 *
 * - join: a person pastes the share link of a space of N ballots and P posts and chooses "Join this
 *   space"; time until the poll list shows its ballot count, time until it shows all N, and the
 *   longest main-thread task (PerformanceObserver 'longtask') from the click until all N are shown.
 * - reopen: the same page reloaded once the space is in IndexedDB; time from navigation start until
 *   the poll list shows all N ballots, and the longest task meanwhile.
 * - scroll: the feed of P posts, scrolled from top to bottom in steps (taking "Show more" as a
 *   person would), each frame's time from requestAnimationFrame.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { startStaticServer } from '../../cli/static-server.js'
import { formatShareLink } from '../../core/index.js'
import { buildApps } from '../../test/support/demo-process.js'
import { CHROMIUM, LAUNCH_ARGS } from '../../test/support/browser.js'
import { startPeer, startServer } from '../lib/peer.js'

export interface BrowserJoinRun {
  readonly adapter?: 'automerge' | 'yjs'
  readonly ballots: number
  readonly posts: number
  /** From the click on "Join" (the pasted link) until the poll list shows a ballot count ("Join this space" is chosen as soon as it is enabled). */
  readonly firstResultsMs: number
  /** Until it shows all N ballots. */
  readonly allResultsMs: number
  /** Longest main-thread task from the click until all N are shown (0 when none was over 50 ms). */
  readonly longestTaskMs: number
  /** Tasks over 200 ms in that time. */
  readonly tasksOver200: number
}
export interface BrowserReopenRun {
  readonly ballots: number
  /** From navigation start of the reload until the poll list shows all N ballots. */
  readonly resultsMs: number
  readonly longestTaskMs: number
}
export interface BrowserScrollRun {
  readonly posts: number
  /** How far down the feed the scroll got (posts passed) before it ended or ran out of time. */
  readonly postsScrolled: number
  readonly frames: number
  readonly p50FrameMs: number
  readonly p95FrameMs: number
  readonly maxFrameMs: number
  /** Frames drawn per second of scrolling. */
  readonly fps: number
}

export interface BrowserOptions {
  readonly join: { ballots: number; posts: number } | undefined
  readonly reopen: { ballots: number } | undefined
  readonly scroll: { posts: number } | undefined
  /** Where to save a screenshot of the page just after the join's first results (optional). */
  readonly screenshot?: string | undefined
  /** Apps already built (vite) into this directory, to save the build; built afresh when absent. */
  readonly appsDir?: string | undefined
  /** The join's adapter: automerge (default; every workload) or yjs (the join only, seeded by a Node peer over WebRTC). */
  readonly joinAdapter?: 'automerge' | 'yjs'
  readonly log: (line: string) => void
}

export interface BrowserResults {
  join?: BrowserJoinRun
  reopen?: BrowserReopenRun
  scroll?: BrowserScrollRun
}

/** Installed in every page before its scripts: records each long task. */
const OBSERVE_LONG_TASKS = `
  window.__longTasks = []
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__longTasks.push({ start: entry.startTime, duration: entry.duration })
  }).observe({ type: 'longtask', buffered: true })
`

const ballotsShown = (page: Page, atLeast: number, pollingMs = 25) =>
  page
    .waitForFunction(
      (min) => {
        const list = document.querySelector('nav[aria-label="Poll list"]')
        const match = list && /([\d,\u202f\u00a0 ]+) ballots?/.exec(list.textContent ?? '')
        const count = match ? Number(match[1]!.replace(/\D/g, '')) : 0
        return count >= min ? performance.now() : false
      },
      atLeast,
      { polling: pollingMs, timeout: 600_000 },
    )
    .then((handle) => handle.jsonValue() as Promise<number>)

const longTasks = (page: Page, from: number, to: number) =>
  page.evaluate(
    ([a, b]) =>
      ((window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks ?? []).filter(
        (task) => task.start + task.duration >= a! && task.start <= b!,
      ),
    [from, to],
  )

export async function browserWorkloads(options: BrowserOptions): Promise<BrowserResults> {
  const out: BrowserResults = {}
  const scratch = await mkdtemp(join(tmpdir(), 'townhall-bench-browser-'))
  const apps = options.appsDir ? { dir: options.appsDir, remove: () => {} } : await buildApps()
  const sync = await startServer('sync-server', ['--dir', join(scratch, 'sync')])
  const signal = await startServer('signal')
  const server = await startStaticServer({
    directory: apps.dir,
    host: '127.0.0.1',
    port: 0,
    config: { sync: [sync.url], signaling: [signal.url] },
  })
  let browser: Browser | undefined
  const peers: Array<{ stop(): Promise<unknown> }> = []
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS })
    let base = new URL(`?adapter=automerge&sync=${encodeURIComponent(sync.url)}`, server.url).href
    const seed = async (ballots: number, posts: number, adapter: 'automerge' | 'yjs' = 'automerge') => {
      const url = adapter === 'yjs' ? signal.url : sync.url
      base = new URL(
        adapter === 'yjs' ? `?signal=${encodeURIComponent(signal.url)}` : `?adapter=automerge&sync=${encodeURIComponent(sync.url)}`,
        server.url,
      ).href
      const peer = await startPeer('peers/large-space-peer.ts', { adapter, url, ballots, posts })
      peers.push(peer)
      const seeded = await peer.command<{ spaceId: string; secret: string }>('seed', {}, 600_000)
      return formatShareLink({ space: seeded.spaceId, secret: new Uint8Array(Buffer.from(seeded.secret, 'base64url')) })
    }
    const open = async () => {
      const context = await browser!.newContext({ viewport: { width: 1100, height: 900 } })
      await context.addInitScript(OBSERVE_LONG_TASKS)
      const page = await context.newPage()
      page.on('crash', () => options.log('  the page crashed'))
      page.on('pageerror', (error) => options.log(`  page error: ${error.message}`))
      if (process.env.BENCH_VERBOSE) page.on('console', (message) => options.log(`  console: ${message.text()}`))
      page.setDefaultTimeout(600_000)
      await page.goto(`${base}#/`)
      await page.getByRole('link', { name: 'Townhall, your spaces' }).waitFor()
      return { context, page }
    }
    const join = async (page: Page, link: string) => {
      await page.getByRole('button', { name: 'Join space', exact: true }).click()
      await page.getByLabel('Share link', { exact: true }).fill(link)
      // From here the space syncs (its preview first): the join's clock starts at this click.
      const clicked = await page.evaluate(() => performance.now())
      await page.getByRole('button', { name: 'Join', exact: true }).click()
      // Enabled once the space's first record is here; the click waits for that.
      await page.getByRole('button', { name: 'Join this space', exact: true }).click()
      await page.getByRole('tab', { name: 'Polls', exact: true }).click()
      return clicked
    }

    if (options.join) {
      const { ballots, posts } = options.join
      const adapter = options.joinAdapter ?? 'automerge'
      options.log(`  seeding ${ballots} ballots and ${posts} posts (${adapter})`)
      const link = await seed(ballots, posts, adapter)
      const { context, page } = await open()
      const cdp = process.env.BENCH_CPU_PROFILE ? await context.newCDPSession(page) : undefined
      if (cdp) {
        await cdp.send('Profiler.enable')
        await cdp.send('Profiler.setSamplingInterval', { interval: 1000 })
        await cdp.send('Profiler.start')
      }
      const clicked = await join(page, link)
      const first = await ballotsShown(page, 1)
      if (options.screenshot) await page.screenshot({ path: options.screenshot })
      const all = await ballotsShown(page, ballots)
      if (cdp) {
        const { profile } = await cdp.send('Profiler.stop')
        const { writeFile } = await import('node:fs/promises')
        await writeFile(process.env.BENCH_CPU_PROFILE!, JSON.stringify(profile))
      }
      const tasks = await longTasks(page, clicked, all)
      out.join = {
        adapter,
        ballots,
        posts,
        firstResultsMs: first - clicked,
        allResultsMs: all - clicked,
        longestTaskMs: Math.max(0, ...tasks.map((task) => task.duration)),
        tasksOver200: tasks.filter((task) => task.duration > 200).length,
      }
      options.log(`  join: ${JSON.stringify(out.join)}`)
      await context.close()
    }
    if (options.scroll) {
      const { posts } = options.scroll
      options.log(`  seeding ${posts} posts through the sync server`)
      const link = await seed(10, posts)
      const { context, page } = await open()
      await join(page, link)
      await ballotsShown(page, 10)
      await page.getByRole('tab', { name: 'Feed', exact: true }).click()
      // Every post in (the feed says how many it holds), so that no ingest runs during the scroll.
      await page.waitForFunction((count) => document.body.textContent?.includes(` of ${count} posts.`), posts, { polling: 250 })
      out.scroll = await scroll(page, posts)
      options.log(`  scroll: ${JSON.stringify(out.scroll)}`)
      await context.close()
    }
    if (options.reopen) {
      const { ballots } = options.reopen
      options.log(`  seeding ${ballots} ballots through the sync server`)
      const link = await seed(ballots, 10)
      const { context, page } = await open()
      await join(page, link)
      await ballotsShown(page, ballots, 250)
      // Let the app save what it keeps (its checkpoint and the replica's IndexedDB writes).
      await page.waitForTimeout(5000)
      await page.reload()
      const nav = 0 // performance.now() is measured from navigation start
      await page.getByRole('tab', { name: 'Polls', exact: true }).click()
      const shown = await ballotsShown(page, ballots)
      const tasks = await longTasks(page, nav, shown)
      out.reopen = { ballots, resultsMs: shown - nav, longestTaskMs: Math.max(0, ...tasks.map((task) => task.duration)) }
      options.log(`  reopen: ${JSON.stringify(out.reopen)}`)
      await context.close()
    }
    return out
  } finally {
    await browser?.close()
    for (const peer of peers) await peer.stop().catch(() => undefined)
    await server.close()
    await sync.stop()
    await signal.stop()
    apps.remove()
    await rm(scratch, { recursive: true, force: true })
  }
}

const SCROLL = `(async () => {
  const times = []
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve))
  let last = await frame()
  const started = last
  while (last - started < 60000) {
    window.scrollBy(0, 240)
    const atEnd = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2
    const more = [...document.querySelectorAll('button')].find((button) => button.textContent.trim() === 'Show more')
    if (atEnd && !more) break
    if (atEnd) more.click()
    const at = await frame()
    times.push(at - last)
    last = at
  }
  // The last post drawn: its number is in its text ("Post 1234 of 10000", newest first).
  const cards = document.querySelectorAll('[aria-label="Posts"] > li')
  const text = cards.length ? cards[cards.length - 1].textContent : ''
  const number = /Post (\\d+) of/.exec(text)
  return { times, reached: number ? Number(number[1]) : 0 }
})()`

/**
 * Scrolls the feed towards its end, 240 px per frame as a quick wheel or a fling would, taking
 * "Show more" when it is reached, for at most 60 s; each frame's time from requestAnimationFrame.
 */
async function scroll(page: Page, posts: number): Promise<BrowserScrollRun> {
  await page.getByRole('list', { name: 'Posts' }).waitFor()
  // A string, not a function: tsx would wrap a function's inner helpers in a `__name` the page lacks.
  const { times, reached } = (await page.evaluate(SCROLL)) as { times: number[]; reached: number }
  const sorted = [...times].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
  const total = times.reduce((sum, ms) => sum + ms, 0)
  return {
    posts,
    postsScrolled: reached ? posts - reached + 1 : 0,
    frames: times.length,
    p50FrameMs: at(0.5),
    p95FrameMs: at(0.95),
    maxFrameMs: sorted[sorted.length - 1]!,
    fps: (times.length / total) * 1000,
  }
}
