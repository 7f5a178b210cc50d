/**
 * The app shell loads with no network: the built apps register a Workbox service worker
 * (vite-plugin-pwa) that precaches them, so once a person has opened the app, a reload while the
 * browser is offline still shows it, with their spaces and what IndexedDB holds of them.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { launchChromium } from '../support/browser.js'
import { startAppServer, type AppServer } from './app-server.js'
import { AppUser } from './app-user.js'

let browser: Browser | undefined
let server: AppServer | undefined
let ada: AppUser | undefined

beforeAll(async () => {
  browser = await launchChromium()
  server = await startAppServer()
}, 120_000)

afterEach(() => {
  expect(ada?.newPageErrors() ?? [], 'uncaught errors in the page').toEqual([])
})

afterAll(async () => {
  await ada?.close()
  await browser?.close()
  await server?.stop()
})

describe('the app shell offline', { timeout: 120_000 }, () => {
  it('opens from the service worker after the browser goes offline, with the space and its posts', async () => {
    ada = await AppUser.open(browser!, 'Ada', server!.url, '', 'offline')
    // The worker is active once it has precached the shell.
    expect(await ada.page.evaluate(async () => Boolean((await navigator.serviceWorker.ready).active))).toBe(true)
    await ada.createSpace('Allotments', 'Open')
    await ada.post('Water butts are full.')

    await ada.context.setOffline(true)
    try {
      // Without the worker this reload fails (net::ERR_INTERNET_DISCONNECTED) and shows no app at all.
      await ada.reload()
      expect(await ada.page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true)
      await ada.page.getByRole('heading', { name: 'Allotments', exact: true }).waitFor()
      await expect.poll(() => ada!.syncStatus().getAttribute('data-status')).toBe('offline')
      await ada.tab('Feed')
      await ada.postCard('Water butts are full.').waitFor()
    } finally {
      await ada.context.setOffline(false)
    }
  })
})
