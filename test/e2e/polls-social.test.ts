/**
 * The social side of polls, in Chromium, two people over WebRTC on 127.0.0.1 (the built apps and
 * a signaling server in this process): a preview of the space before joining, a poll with a
 * quorum that both see met or not, comments on the poll that reach the other window, unread
 * markers and a mention count kept on the device across a reload, and a comment's permalink.
 * Screenshots of a poll with comments and quorum, and of the feed in dark mode, go to
 * test-results/e2e/.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { launchChromium } from '../support/browser.js'
import { startAppServer, type AppServer } from './app-server.js'
import { AppUser, SCREENSHOTS } from './app-user.js'
import { scanBothSchemes } from './axe.js'

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

const QUESTION = 'Repaint the hall this spring?'

describe('previews, quorum, comments and unread markers, in Chromium over WebRTC', { sequential: true, timeout: 120_000 }, () => {
  let alice: AppUser
  let bob: AppUser

  beforeAll(async () => {
    alice = await AppUser.open(browser!, 'Alice', server!.url, '', 'social')
    bob = await AppUser.open(browser!, 'Bob', server!.url, '', 'social')
    const origin = new URL(server!.url).origin
    for (const user of [alice, bob]) await user.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin })
  }, 60_000)

  afterEach(() => {
    const fresh = [alice, bob].flatMap((user) => user?.newPageErrors() ?? [])
    expect(fresh, 'uncaught errors in the pages').toEqual([])
  })

  afterAll(async () => {
    await alice?.close()
    await bob?.close()
  })

  const quorum = (user: AppUser) => user.page.getByTestId('quorum')
  /** After a load, the device's unread marks are read from IndexedDB before any count is shown. */
  const marksRead = (user: AppUser) => user.page.locator('[role="tablist"][data-unread="ready"]').waitFor()
  const comments = (user: AppUser) => user.page.getByRole('region', { name: /^Comments/ })

  it('shows Bob what the space is before he joins, and publishes nothing until he chooses Join', async () => {
    await alice.setDisplayName('Alice')
    await bob.setDisplayName('Bob')
    await alice.createSpace('Hall committee', 'Open')
    await alice.button('Share').click()
    const link = ((await alice.page.getByTestId('share-link').textContent()) ?? '').trim()
    await alice.page.keyboard.press('Escape')

    await bob.joinWithLink(link, { confirm: false })
    const preview = bob.page.getByTestId('space-preview')
    await bob.waitForText(preview, 'Hall committee')
    await bob.waitForText(preview, 'Anyone with the link (open space)')
    await bob.waitForText(bob.page.getByTestId('preview-members'), '1 member so far')
    expect(await bob.page.getByRole('tab').count()).toBe(0)
    expect(await scanBothSchemes(bob.page, 'space preview')).toEqual([])
    // Nothing published: Alice's members list still holds only her.
    expect(await alice.page.getByTestId('members').locator('.person').count()).toBe(1)

    await bob.button('Join this space').click()
    await bob.page.getByRole('tab', { name: 'Polls', exact: true }).waitFor()
    await alice.waitForText(alice.page.getByTestId('members'), 'Bob')
  })

  it('creates a poll with a quorum of two ballots, which both see met only once both have voted', async () => {
    await alice.tab('Polls')
    await alice.button('New poll').click()
    await alice.page.getByLabel('Question', { exact: true }).fill(QUESTION)
    await alice.page.getByLabel('Option 1', { exact: true }).fill('Yes')
    await alice.page.getByLabel('Option 2', { exact: true }).fill('No')
    await alice.page.getByRole('radio', { name: 'At least a number of ballots' }).check()
    await alice.page.getByLabel('Ballots needed', { exact: true }).fill('2')
    await alice.button('Create poll').click()
    await alice.page.getByRole('heading', { name: QUESTION, exact: true }).waitFor()
    await alice.waitForText(quorum(alice), 'Quorum not met yet (0 of 2).')

    await bob.openPoll(QUESTION)
    await bob.waitForText(quorum(bob), 'Quorum not met yet (0 of 2).')
    await bob.page.getByRole('radio', { name: 'Yes', exact: true }).check()
    await bob.button('Vote').click()
    await alice.waitForText(quorum(alice), 'Quorum not met yet (1 of 2).')
    await alice.page.getByRole('radio', { name: 'No', exact: true }).check()
    await alice.button('Vote').click()
    for (const user of [alice, bob]) await user.waitForText(quorum(user), 'Quorum met so far (2 of 2).')
  })

  it("carries Bob's comment on the poll, mentioning Alice, to her window with an unread count that outlives a reload", async () => {
    await alice.tab('Feed') // Alice looks elsewhere while Bob comments
    const box = bob.page.getByLabel('Write a comment', { exact: true })
    await box.fill('@Ali')
    await bob.page.getByRole('option', { name: /Alice/ }).click()
    await box.press('End')
    await box.pressSequentially('which colour would you pick?')
    await bob.button('Comment').click()
    await comments(bob).getByRole('article').filter({ hasText: 'which colour' }).waitFor()

    const pollsUnread = alice.page.getByTestId('unread-polls')
    await alice.waitForText(pollsUnread, '1 new')
    await alice.waitForText(pollsUnread, '@1')
    await alice.page.getByRole('status').filter({ hasText: 'You were mentioned in Polls.' }).waitFor()
    await alice.reload()
    await marksRead(alice)
    await alice.waitForText(alice.page.getByTestId('unread-polls'), '1 new')

    await alice.openPoll(QUESTION)
    const comment = comments(alice).getByRole('article').filter({ hasText: 'which colour' })
    await comment.waitFor()
    expect(await comment.getByTestId('new-marker').textContent()).toBe('New')
    expect(await comment.getByTestId('mention-marker').textContent()).toBe('Mentions you')
    expect(await alice.page.getByTestId('unread-polls').textContent()).toBe('')
    // Seen now: back from the feed, and after a reload, it is no longer new.
    await alice.tab('Feed')
    await alice.reload()
    await marksRead(alice)
    expect(await alice.page.getByTestId('unread-polls').textContent()).toBe('')
    await alice.openPoll(QUESTION)
    await comment.waitFor()
    expect(await comment.getByTestId('new-marker').count()).toBe(0)
    expect(await comment.getByTestId('mention-marker').count()).toBe(1)

    await comment.getByRole('button', { name: 'Reply', exact: true }).click()
    await alice.page.getByLabel('Write a reply', { exact: true }).fill('Sage green.')
    await alice.page
      .getByRole('form', { name: /^Reply to/ })
      .getByRole('button', { name: 'Reply', exact: true })
      .click()
    const bobsComment = comments(bob).getByRole('article').filter({ hasText: 'which colour' }).first()
    await bobsComment.getByRole('button', { name: 'Show 1 reply', exact: true }).click()
    await comments(bob).getByRole('article').filter({ hasText: 'Sage green.' }).waitFor()
  })

  it('shows the final result with its quorum once closed, and opens a comment from its copied link', async () => {
    await alice.closePoll()
    for (const user of [alice, bob]) {
      await user.waitForText(user.statusBadge(), 'Final')
      await user.waitForText(quorum(user), 'Quorum met (2 of 2).')
    }
    // The whole page (question, quorum, result, comments), taller than the window.
    mkdirSync(SCREENSHOTS, { recursive: true })
    await alice.page.evaluate(() => window.scrollTo(0, 0))
    await alice.page.screenshot({ path: join(SCREENSHOTS, 'social-poll-comments-quorum.png'), fullPage: true })

    const comment = comments(bob).getByRole('article').filter({ hasText: 'which colour' }).first()
    await comment.getByRole('button', { name: 'Copy link', exact: true }).click()
    await bob.page.getByRole('status').filter({ hasText: 'Link copied.' }).first().waitFor()
    const link = await bob.page.evaluate(() => navigator.clipboard.readText())
    expect(link).toMatch(/#\/s\/[^/]+\/polls\/[a-z2-7]+$/)
    const second = await alice.context.newPage()
    try {
      await second.goto(link)
      await second.getByRole('heading', { level: 3, name: QUESTION, exact: true }).waitFor()
      const linked = second.getByRole('article').filter({ hasText: 'which colour' }).last()
      await expect.poll(() => linked.evaluate((node) => node === document.activeElement)).toBe(true)
    } finally {
      await second.close()
    }
  })

  it('keeps the feed readable in dark mode', async () => {
    await bob.post('Paint samples are in the cupboard by the stage, @Alice.')
    await alice.tab('Feed')
    await alice.postCard('Paint samples').waitFor()
    await alice.page.emulateMedia({ colorScheme: 'dark' })
    await alice.screenshot('feed-dark')
    expect(await scanBothSchemes(alice.page, 'feed with markers')).toEqual([])
  })
})
