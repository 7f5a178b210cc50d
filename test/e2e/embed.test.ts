/**
 * <townhall-poll> and <townhall-feed> in Chromium: a founder's page creates a public space with a
 * poll; a second page embeds the poll from its share link and votes; a third page embeds the same
 * poll and feed and sees the vote arrive. Every page meets the others over y-webrtc through the
 * in-process signaling server on 127.0.0.1. The page is bundled with vite's build API.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSignalServer, type SignalServer } from '../../cli/signal-server.js'
import { launchChromium } from '../support/browser.js'

let dir: string
let server: Server | undefined
let signal: SignalServer | undefined
let browser: Browser | undefined
let url: string
const contexts: BrowserContext[] = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'townhall-embed-'))
  await build({
    configFile: false,
    logLevel: 'silent',
    root: dir,
    // React reads NODE_ENV, which library mode leaves for the consumer's bundler to define.
    define: { 'process.env.NODE_ENV': JSON.stringify('development') },
    build: {
      outDir: dir,
      emptyOutDir: false,
      minify: false,
      lib: { entry: resolve(import.meta.dirname, 'embed-page.ts'), formats: ['es'], fileName: () => 'page.js' },
    },
  })
  const html = '<!doctype html><meta charset="utf-8"><title>embed</title><body><script type="module" src="/page.js"></script>'
  server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname
    if (path === '/') response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html)
    else if (/^\/[\w.-]+\.m?js$/.test(path) && existsSync(join(dir, path)))
      // The entry and the chunks its dynamic imports split off.
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(join(dir, path)))
    else if (path === '/favicon.ico') response.writeHead(204).end()
    else response.writeHead(404).end()
  })
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done))
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('no port')
  url = `http://127.0.0.1:${address.port}/`
  signal = await startSignalServer({ host: '127.0.0.1', port: 0 })
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {})
  await browser?.close().catch(() => {})
  await signal?.close()
  if (server) {
    server.closeAllConnections()
    await new Promise((done) => server!.close(done))
  }
  rmSync(dir, { recursive: true, force: true })
})

/** A page in its own browser context: its own storage, so its own identity. */
async function newPage(): Promise<{ page: Page; errors: string[] }> {
  const context = await browser!.newContext()
  contexts.push(context)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`)
  })
  await page.goto(url)
  await page
    .waitForFunction(() => window.embedTest !== undefined, undefined, { timeout: 30_000 })
    .catch((error: Error) => {
      throw new Error(`${error.message}; page errors: ${errors.join(' | ')}`)
    })
  return { page, errors }
}

async function embed(page: Page, link: string, pollId: string): Promise<void> {
  await page.evaluate(
    ([link, pollId, signaling]) => {
      const poll = document.createElement('townhall-poll')
      poll.setAttribute('link', link!)
      poll.setAttribute('poll', pollId!)
      poll.setAttribute('signaling', signaling!)
      const feed = document.createElement('townhall-feed')
      feed.setAttribute('link', link!)
      feed.setAttribute('signaling', signaling!)
      document.body.append(poll, feed)
    },
    [link, pollId, signal!.url],
  )
}

describe('custom elements', () => {
  it('lets a member vote from an embedded poll and shows the result in another page', async () => {
    const founder = await newPage()
    const { link, pollId } = await founder.page.evaluate((signaling) => window.embedTest!.found([signaling]), signal!.url)
    const voter = await newPage()
    const watcher = await newPage()
    await embed(voter.page, link, pollId)
    await embed(watcher.page, link, pollId)
    const react = await newPage()
    await react.page.evaluate(
      ([link, pollId, signaling]) => window.embedTest!.mountReact(link!, pollId!, [signaling!]),
      [link, pollId, signal!.url],
    )
    const reactText = () => react.page.locator('#react-poll').textContent()
    await expect.poll(reactText, { timeout: 60_000 }).toBe('Soup 0 · Salad 0 | 1 posts')
    const rendersBefore = await react.page.evaluate(() => window.embedTest!.renders)

    const status = (page: Page) => page.locator('townhall-poll [part~="status"]')
    await expect.poll(() => status(watcher.page).textContent(), { timeout: 60_000 }).toBe('Open · 0 votes')
    await expect
      .poll(() => watcher.page.locator('townhall-feed [part~="text"]').allTextContents(), { timeout: 60_000 })
      .toEqual(['Welcome to the embedded poll'])

    const soup = voter.page.locator('townhall-poll [part~="vote"]', { hasText: 'Soup' })
    await soup.click({ timeout: 60_000 })
    await expect.poll(() => soup.getAttribute('aria-pressed'), { timeout: 60_000 }).toBe('true')
    await expect.poll(() => status(voter.page).textContent(), { timeout: 60_000 }).toBe('Open · 1 vote')

    // The other page: the vote arrives over WebRTC and the counts and bars follow.
    await expect.poll(() => status(watcher.page).textContent(), { timeout: 60_000 }).toBe('Open · 1 vote')
    expect(await watcher.page.locator('townhall-poll [part~="count"]').allTextContents()).toEqual(['1', '0'])
    expect(await watcher.page.locator('townhall-poll [part~="vote"]', { hasText: 'Soup' }).getAttribute('aria-pressed')).toBe('false')

    // The React page follows too, rendering again for the change only (a snapshot that is a new
    // object on every read would loop until React gives up with "Maximum update depth exceeded").
    await expect.poll(reactText, { timeout: 60_000 }).toBe('Soup 1 · Salad 0 | 1 posts')
    const renders = await react.page.evaluate(() => window.embedTest!.renders)
    expect(renders).toBeGreaterThan(rendersBefore)
    await react.page.evaluate(() => new Promise(requestAnimationFrame))
    expect(await react.page.evaluate(() => window.embedTest!.renders)).toBe(renders)

    // Removing the elements releases the space: its y-webrtc room is left, so the page can embed it again.
    await watcher.page.evaluate(() => document.querySelectorAll('townhall-poll, townhall-feed').forEach((element) => element.remove()))
    await embed(watcher.page, link, pollId)
    await expect.poll(() => status(watcher.page).textContent(), { timeout: 60_000 }).toBe('Open · 1 vote')

    await founder.page.evaluate(() => window.embedTest!.close())
    expect([...founder.errors, ...voter.errors, ...watcher.errors, ...react.errors]).toEqual([])
  }, 240_000)
})
