/**
 * What the sample apps do with input that would mislead people, in Chromium, two people over
 * WebRTC on 127.0.0.1 (the built apps and a signaling server in this process): bad and tampered
 * links, names that pass for other names, options that look the same, ties, empty ranked
 * ballots, where focus goes after voting and closing, and a hidden post seen by its author.
 *
 * The steps run in order and share the two people. An uncaught error in either page fails the
 * step in which it happened (a tampered link used to throw OperationErrors on Yjs).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { launchChromium } from '../support/browser.js'
import { startAppServer, type AppServer } from './app-server.js'
import { AppUser } from './app-user.js'

let browser: Browser | undefined
let server: AppServer | undefined

beforeAll(async () => {
  browser = await launchChromium()
  // A short join timeout, so a link that finds nothing says so quickly.
  server = await startAppServer({ joinTimeoutSeconds: 3 })
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.stop()
})

/** Replaces one base64url parameter of a share link by another value of the same length. */
function tamper(link: string, name: string): string {
  return link.replace(
    new RegExp(`([#&]${name}=)([A-Za-z0-9_-])`),
    (_, lead: string, first: string) => `${lead}${first === 'A' ? 'B' : 'A'}`,
  )
}

describe('the sample apps refuse what would mislead, in Chromium over WebRTC', { sequential: true, timeout: 120_000 }, () => {
  let alice: AppUser
  let bob: AppUser
  let shareLink: string

  beforeAll(async () => {
    alice = await AppUser.open(browser!, 'Alice', server!.url, '', 'safety')
    bob = await AppUser.open(browser!, 'Bob', server!.url, '', 'safety')
  }, 60_000)

  afterEach(() => {
    const fresh = [alice, bob].flatMap((user) => user?.newPageErrors() ?? [])
    expect(fresh, 'uncaught errors in the pages').toEqual([])
  })

  afterAll(async () => {
    await alice?.close()
    await bob?.close()
  })

  it('refuses a display name with a right-to-left override, and tells two people called Alice apart by key', async () => {
    await alice.setDisplayName('Alice')
    await bob.button('Settings', bob.page.getByRole('navigation', { name: 'App' })).click()
    await bob.page.getByLabel('Display name', { exact: true }).fill('Bob\u202Egnp.exe')
    await bob.button('Save profile').click()
    await bob.page.getByRole('alert').filter({ hasText: 'text-direction character' }).waitFor()
    expect(await bob.page.getByRole('status').filter({ hasText: 'Saved.' }).count()).toBe(0)
    // Bob then picks the same name as Alice: members will tell them apart by key fingerprint.
    await bob.setDisplayName('Alice')
  })

  it('refuses a malformed link at once, with a clear message, and keeps nothing of it', async () => {
    await alice.createSpace('Book club', 'Open')
    await alice.button('Share').click()
    shareLink = ((await alice.page.getByTestId('share-link').textContent()) ?? '').trim()
    await alice.page.keyboard.press('Escape')
    expect(shareLink).toContain('#/join/#space=')

    await bob.joinWithLink(shareLink.slice(0, -5), { confirm: false })
    await bob.page.getByRole('alert').filter({ hasText: 'That link does not work' }).waitFor()
    await bob.page.getByRole('link', { name: 'Townhall, your spaces' }).click()
    await bob.page.getByRole('heading', { name: 'No spaces yet' }).waitFor()
  })

  it('says a tampered link cannot find its space, offers to keep waiting or cancel, and never offers what needs the space', async () => {
    await bob.joinWithLink(tamper(shareLink, 'secret'), { confirm: false })
    await bob.page.getByRole('heading', { name: 'Joining a space', exact: true }).waitFor()
    await bob.page.getByRole('status').filter({ hasText: 'Looking for this space' }).waitFor()
    const nothingOffered = async () => {
      for (const name of ['New poll', 'Post', 'Invite', 'Share']) expect(await bob.button(name).count(), name).toBe(0)
      expect(await bob.page.getByRole('tab').count()).toBe(0)
      expect(await bob.page.getByLabel('Write a post', { exact: true }).count()).toBe(0)
    }
    await nothingOffered()

    const stalled = bob.page.getByRole('alert').filter({ hasText: 'This space has not been found yet.' })
    await stalled.waitFor()
    await nothingOffered()
    await bob.button('Keep waiting').click()
    await stalled.waitFor({ state: 'detached' })
    await stalled.waitFor()

    await bob.button('Cancel joining').click()
    await bob.page.getByRole('heading', { name: 'Your spaces', exact: true }).waitFor()
    await bob.page.getByText('Joining cancelled.').waitFor()
    await bob.page.getByRole('heading', { name: 'No spaces yet' }).waitFor()
  })

  it('joins with the real link, and shows the two Alices with different key fingerprints', async () => {
    await bob.joinWithLink(shareLink)
    await bob.page.getByRole('heading', { name: 'Book club', exact: true }).waitFor()
    await bob.waitForPeers(1)
    const members = bob.page.getByTestId('members')
    await expect.poll(() => members.locator('.person').count(), { timeout: 30_000 }).toBe(2)
    const names = (await members.locator('.person').allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim())
    expect(names.every((name) => name.startsWith('Alice key '))).toBe(true)
    expect(new Set(names).size).toBe(2)
  })

  it('refuses options that only differ by accent encoding or capitals, in the form and before publishing', async () => {
    await alice.tab('Polls')
    await alice.button('New poll').click()
    await alice.page.getByLabel('Question', { exact: true }).fill('Where do we meet?')
    await alice.page.getByLabel('Option 1', { exact: true }).fill('Caf\u00e9')
    await alice.page.getByLabel('Option 2', { exact: true }).fill('Cafe\u0301')
    await alice.button('Create poll').click()
    await alice.page.getByRole('alert').filter({ hasText: 'Options 1 and 2 read the same' }).waitFor()
    await alice.page.getByLabel('Option 2', { exact: true }).fill('CAFÉ')
    await alice.button('Create poll').click()
    await alice.page.getByRole('alert').filter({ hasText: 'Options 1 and 2 read the same' }).waitFor()
    expect(await alice.page.getByRole('navigation', { name: 'Poll list' }).getByRole('button').count()).toBe(0)
  })

  it('shows a 1–1 tie as a tie, live and final, keeping focus on the vote button and then on the result', async () => {
    await alice.page.getByLabel('Question', { exact: true }).fill('Which evening?')
    await alice.page.getByLabel('Option 1', { exact: true }).fill('Wednesday')
    await alice.page.getByLabel('Option 2', { exact: true }).fill('Thursday')
    await alice.button('Create poll').click()
    await alice.page.getByRole('heading', { name: 'Which evening?', exact: true }).waitFor()
    await bob.openPoll('Which evening?')

    await alice.page.getByRole('radio', { name: 'Wednesday' }).check()
    await alice.button('Vote').click()
    await alice.page.getByRole('status').filter({ hasText: 'Vote recorded.' }).waitFor()
    // Focus stays on the button that was pressed, which now offers to change the vote.
    expect(await alice.page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Change vote')

    await bob.page.getByRole('radio', { name: 'Thursday' }).check()
    await bob.button('Vote').click()
    for (const user of [alice, bob]) await user.waitForText(user.resultSummary(), 'Tied so far:')
    expect(await alice.resultSummary().textContent()).not.toMatch(/leads|wins/)

    await alice.closePoll()
    for (const user of [alice, bob]) {
      await user.waitForText(user.statusBadge(), 'Final')
      await user.waitForText(user.resultSummary(), 'Tie: ')
      expect(await user.resultSummary().textContent()).toContain('The tie is broken by the documented rule')
      expect(await user.page.getByText('Winner', { exact: true }).count()).toBe(0)
      await user.page.getByText('Tied, first by tie rule', { exact: true }).waitFor()
    }
    // The close buttons are gone: focus is on the final result, not at the top of the page.
    await expect.poll(() => alice.page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Final result')
  })

  it('starts a ranked ballot empty, refuses to cast it so, and confirms the vote once cast', async () => {
    await alice.createRankedPoll('Which book next?', ['Dune', 'Emma', 'Ulysses'])
    await bob.openPoll('Which book next?')
    expect(await bob.ranking()).toEqual([])
    await bob.button('Vote').click()
    await bob.page.getByRole('alert').filter({ hasText: 'Rank at least one option.' }).waitFor()
    await bob.rankAndVote(['Emma', 'Dune'])
    expect(await bob.page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Change vote')
    await bob.waitForText(bob.resultSummary(), 'Emma leads')
  })

  it("shows the author their hidden post with the moderator's reason", async () => {
    await bob.post('Cheap books at example.org')
    await alice.tab('Feed')
    const card = alice.postCard('Cheap books')
    await card.waitFor()
    await alice.button('Hide post', card).click()
    await card.getByRole('textbox', { name: 'Reason (optional)' }).fill('advertising')
    await alice.button('Hide post', card).click()
    await bob.page.getByRole('note').filter({ hasText: 'Hidden by a moderator: others in this space no longer see this post.' }).waitFor()
    expect(await bob.postCard('Cheap books').getByRole('note').textContent()).toContain('Reason given: “advertising”.')
  })
})
