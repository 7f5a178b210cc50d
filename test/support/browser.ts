/**
 * Real-browser harness for test/yjs/browser.test.ts: bundles test/support/browser/entry.ts with
 * esbuild into a temp directory, serves it with a one-line HTML page from 127.0.0.1, and drives
 * Debian's Chromium (/usr/bin/chromium) through playwright-core. Each peer gets its own browser
 * context, so peers share no storage and no BroadcastChannel: they can only meet over WebRTC.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { readFile } from 'node:fs/promises'
import { build } from 'esbuild'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import type { BrowserPeer } from './browser/entry.js'

export const CHROMIUM = '/usr/bin/chromium'

export const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Host candidates with real addresses instead of mDNS names, which cannot resolve here.
  '--disable-features=WebRtcHideLocalIpsWithMdns',
]

const HTML =
  '<!doctype html><html><head><meta charset="utf-8"><title>townhall test</title></head><body><script type="module" src="/entry.js"></script></body></html>'

export interface BrowserHarness {
  readonly url: string
  readonly browser: Browser
  /** A page in a fresh browser context (its own storage), with the entry loaded. */
  newPeer(): Promise<PagePeer>
  /** Closes every context opened with newPeer. */
  closePeers(): Promise<void>
  close(): Promise<void>
}

/** `window.townhall` of one page, called through page.evaluate. */
export interface PagePeer {
  readonly page: Page
  readonly context: BrowserContext
  /** Uncaught errors and console errors of the page, for failure messages. */
  readonly errors: string[]
  call<K extends keyof BrowserPeer>(method: K, ...args: Parameters<BrowserPeer[K]>): Promise<Awaited<ReturnType<BrowserPeer[K]>>>
  /** Reloads the page and waits until the entry is loaded again. */
  reload(): Promise<void>
}

/** Debian's Chromium, headless, with the flags that keep it off the network and WebRTC on loopback. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}. The browser tests need Debian's chromium package: apt-get install -y chromium`)
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS })
}

export async function startBrowserHarness(): Promise<BrowserHarness> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}. The browser tests need Debian's chromium package: apt-get install -y chromium`)
  }
  const dir = mkdtempSync(join(tmpdir(), 'townhall-browser-'))
  let server: Server | undefined
  let browser: Browser | undefined
  try {
    await build({
      entryPoints: [resolve(import.meta.dirname, 'browser/entry.ts')],
      outfile: join(dir, 'entry.js'),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      sourcemap: 'inline',
      logLevel: 'silent',
    })
    const bundle = await readFile(join(dir, 'entry.js'))
    server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname
      if (path === '/') response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(HTML)
      else if (path === '/entry.js') response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(bundle)
      else response.writeHead(404).end()
    })
    const listening = server
    await new Promise<void>((done, fail) => {
      listening.once('error', fail)
      listening.listen(0, '127.0.0.1', () => done())
    })
    const address = server.address()
    if (!address || typeof address === 'string') throw new Error('the test HTTP server has no port')
    const url = `http://127.0.0.1:${address.port}/`
    browser = await launchChromium()
    const launched = browser
    const contexts = new Set<BrowserContext>()

    const newPeer = async (): Promise<PagePeer> => {
      const context = await launched.newContext()
      contexts.add(context)
      const page = await context.newPage()
      const errors: string[] = []
      page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`))
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`console: ${message.text()}`)
      })
      const load = async () => {
        await page.goto(url)
        await page.waitForFunction(() => window.townhall !== undefined, undefined, { timeout: 15_000 })
      }
      await load()
      return {
        page,
        context,
        errors,
        call: (method, ...args) =>
          page.evaluate(
            ([name, params]) => {
              const peer = window.townhall as unknown as Record<string, (...a: unknown[]) => unknown>
              return peer[name]!(...params)
            },
            [method, args] as [string, unknown[]],
          ) as never,
        async reload() {
          await page.reload()
          await page.waitForFunction(() => window.townhall !== undefined, undefined, { timeout: 15_000 })
        },
      }
    }

    return {
      url,
      browser,
      newPeer,
      async closePeers() {
        await Promise.all([...contexts].map((context) => context.close().catch(() => {})))
        contexts.clear()
      },
      async close() {
        await Promise.all([...contexts].map((context) => context.close().catch(() => {})))
        contexts.clear()
        await launched.close().catch(() => {})
        await closeServer(listening)
        rmSync(dir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await browser?.close().catch(() => {})
    if (server) await closeServer(server)
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((done) => {
    if (!server.listening) return done()
    server.close(() => done())
    // Chromium keeps connections alive; without this, close waits for them to time out.
    server.closeAllConnections()
  })
}
