/**
 * What the sync indicator and the online list say when a person's browser goes offline and comes
 * back, in Chromium on each adapter the apps offer (the real `townhall demo`: signaling server,
 * sync server and relay on 127.0.0.1). Going offline is Playwright's `context.setOffline`, which
 * is what the browser reports (`navigator.onLine`, the `offline` event) and cuts its network.
 *
 * Every wait polls what the page shows, with a bound; nothing is asserted on elapsed time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { launchChromium } from '../support/browser.js'
import { buildApps, startDemo, type DemoProcess } from '../support/demo-process.js'
import { AppUser, SYNC_TIMEOUT } from './app-user.js'

let apps: Awaited<ReturnType<typeof buildApps>> | undefined
let demo: DemoProcess | undefined
let browser: Browser | undefined

beforeAll(async () => {
  browser = await launchChromium()
  apps = await buildApps()
  demo = await startDemo(apps.dir)
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await demo?.stop()
  apps?.remove()
})

const adapters = [
  { adapter: 'yjs', query: '' },
  { adapter: 'automerge', query: '?adapter=automerge' },
  { adapter: 'orbitdb', query: '?adapter=orbitdb' },
] as const

for (const { adapter, query } of adapters) {
  describe(`the sync status and the online list follow the network on ${adapter}`, { sequential: true, timeout: 120_000 }, () => {
    let alice: AppUser
    let bob: AppUser

    beforeAll(async () => {
      alice = await AppUser.open(browser!, 'Alice', demo!.url, query, `online-${adapter}`)
      bob = await AppUser.open(browser!, 'Bob', demo!.url, query, `online-${adapter}`)
    }, 60_000)

    afterAll(async () => {
      await alice?.close()
      await bob?.close()
    })

    const online = (user: AppUser) => user.page.getByTestId('online')
    const status = (user: AppUser) => user.syncStatus().getAttribute('data-status')

    it('lists each person as online once both have the space open', async () => {
      await alice.setDisplayName('Alice')
      await bob.setDisplayName('Bob')
      await alice.createSpace(`Online on ${adapter}`, 'Open')
      await alice.button('Share').click()
      const link = ((await alice.page.getByTestId('share-link').textContent()) ?? '').trim()
      await alice.page.keyboard.press('Escape')
      await bob.joinWithLink(link)
      await bob.page.getByRole('heading', { name: `Online on ${adapter}`, exact: true }).waitFor()
      await alice.waitForText(online(alice), 'Bob')
      await bob.waitForText(online(bob), 'Alice')
      await expect.poll(() => status(bob), { timeout: SYNC_TIMEOUT }).toBe('synced')
    })

    it('says Offline, and lists nobody else, once the browser goes offline; the others stop listing them', async () => {
      await bob.context.setOffline(true)
      // The browser's own signal: no waiting for a connection to time out.
      await expect.poll(() => status(bob), { timeout: 10_000 }).toBe('offline')
      await bob.waitForText(bob.syncStatus(), 'Offline', 10_000)
      expect(await bob.syncStatus().textContent()).not.toContain('peer')
      await expect.poll(() => online(bob).textContent(), { timeout: 10_000 }).not.toContain('Alice')
      await bob.waitForText(online(bob), 'You are offline', 10_000)
      await bob.screenshot('08-offline')
      // Alice hears nothing more from Bob: his entry expires (or his connection drops) and he leaves her list.
      await expect.poll(() => online(alice).textContent(), { timeout: SYNC_TIMEOUT + 15_000, interval: 500 }).not.toContain('Bob')
    })

    it('comes back: Up to date, and each lists the other again, once the browser is online', async () => {
      await bob.context.setOffline(false)
      await expect.poll(() => status(bob), { timeout: SYNC_TIMEOUT }).toBe('synced')
      await bob.waitForText(online(bob), 'Alice')
      await alice.waitForText(online(alice), 'Bob')
      expect(await online(bob).textContent()).not.toContain('You are offline')
    })
  })
}
