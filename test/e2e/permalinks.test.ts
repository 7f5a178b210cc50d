/**
 * Permalinks and links in posts, in Chromium, two people over WebRTC on 127.0.0.1 (the built apps
 * and a signaling server in this process): "Copy link" on a poll and on a post gives an address
 * that opens another window straight to that item, and an address in a post's text is a link that
 * opens in a new tab with no way back to the app (no opener, no referrer). The address it points
 * to is answered by a route in the test: nothing leaves 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { launchChromium } from '../support/browser.js'
import { startAppServer, type AppServer } from './app-server.js'
import { AppUser } from './app-user.js'

let browser: Browser | undefined
let server: AppServer | undefined

beforeAll(async () => {
  browser = await launchChromium()
  server = await startAppServer()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.stop()
})

const QUESTION = 'Which evening suits the choir?'
const LINKED = 'https://example.org/choir/rehearsals?week=2'

describe('permalinks and links in posts, in Chromium over WebRTC', { sequential: true, timeout: 120_000 }, () => {
  let alice: AppUser
  let bob: AppUser

  beforeAll(async () => {
    alice = await AppUser.open(browser!, 'Alice', server!.url, '', 'permalinks')
    bob = await AppUser.open(browser!, 'Bob', server!.url, '', 'permalinks')
    const origin = new URL(server!.url).origin
    for (const user of [alice, bob]) await user.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin })
  }, 60_000)

  afterAll(async () => {
    await alice?.close()
    await bob?.close()
  })

  /** What "Copy link" put on the clipboard. */
  const clipboard = (user: AppUser) => user.page.evaluate(() => navigator.clipboard.readText())

  it("lets Bob join Alice's space, with a poll and a post holding a link", async () => {
    await alice.setDisplayName('Alice')
    await bob.setDisplayName('Bob')
    await alice.createSpace('Choir', 'Open')
    await alice.createRankedPoll(QUESTION, ['Monday', 'Wednesday', 'Friday'])
    await alice.post(`Rehearsal plan: ${LINKED}. Not a link: javascript:alert(1) <b>bold</b>`)
    await alice.button('Share').click()
    const link = ((await alice.page.getByTestId('share-link').textContent()) ?? '').trim()
    await alice.page.keyboard.press('Escape')
    await bob.joinWithLink(link)
    await bob.page.getByRole('heading', { name: 'Choir', exact: true }).waitFor()
    await bob.tab('Feed')
    await bob.postCard('Rehearsal plan').waitFor()
  })

  it("opens a poll's copied link in a second window straight to that poll", async () => {
    await alice.openPoll(QUESTION)
    await alice.button('Copy link', alice.page.getByRole('article').filter({ hasText: QUESTION })).click()
    await alice.page.getByRole('status').filter({ hasText: 'Link copied.' }).waitFor()
    const pollLink = await clipboard(alice)
    expect(pollLink).toMatch(/#\/s\/[^/]+\/polls\/[a-z2-7]+$/)

    const second = await bob.context.newPage()
    try {
      await second.goto(pollLink)
      const heading = second.getByRole('heading', { level: 3, name: QUESTION, exact: true })
      await heading.waitFor()
      await expect.poll(() => heading.evaluate((node) => node === document.activeElement)).toBe(true)
      expect(await second.getByRole('tab', { name: 'Polls', exact: true }).getAttribute('aria-selected')).toBe('true')
    } finally {
      await second.close()
    }
  })

  it("opens a post's copied link in a second window straight to that post", async () => {
    const card = bob.postCard('Rehearsal plan')
    await bob.button('Copy link', card).click()
    await card.getByRole('status').filter({ hasText: 'Link copied.' }).waitFor()
    const postLink = await clipboard(bob)
    expect(postLink).toMatch(/#\/s\/[^/]+\/feed\/[a-z2-7]+$/)

    const second = await alice.context.newPage()
    try {
      await second.goto(postLink)
      const opened = second.getByRole('article').filter({ hasText: 'Rehearsal plan' })
      await opened.waitFor()
      await expect.poll(() => opened.evaluate((node) => node === document.activeElement)).toBe(true)
      expect(await second.getByRole('tab', { name: 'Feed', exact: true }).getAttribute('aria-selected')).toBe('true')
    } finally {
      await second.close()
    }
  })

  it('makes the address in a post a safe link: a new tab with no opener and no referrer, markup shown as text', async () => {
    await bob.context.route('https://example.org/**', (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: '<title>Rehearsals</title><p>Rehearsals</p>' }),
    )
    const card = bob.postCard('Rehearsal plan')
    const links = card.getByRole('link')
    expect(await links.count()).toBe(1)
    const link = links.first()
    expect(await link.getAttribute('href')).toBe(LINKED)
    expect(await link.getAttribute('target')).toBe('_blank')
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer nofollow')
    expect(await card.locator('b').count()).toBe(0)
    expect(await card.textContent()).toContain('<b>bold</b>')

    const [popup] = await Promise.all([bob.context.waitForEvent('page'), link.click()])
    try {
      await popup.waitForLoadState('domcontentloaded')
      expect(popup.url()).toBe(LINKED)
      expect(await popup.evaluate(() => [window.opener === null, document.referrer])).toEqual([true, ''])
    } finally {
      await popup.close()
    }
    // The app stays where it was.
    await bob.postCard('Rehearsal plan').waitFor()
  })
})
