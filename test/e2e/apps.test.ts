/**
 * The sample apps end to end, as two people use them: the built apps served by the real
 * `townhall demo` command (its signaling server and static server on 127.0.0.1), two Chromium
 * contexts with their own identities and storage, syncing over real WebRTC.
 *
 * The steps run in order and share the two people; each step names what it proves. Screenshots
 * of the key screens go to test-results/e2e/ (git-ignored).
 */
import { createServer, type AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { launchChromium } from '../support/browser.js'
import { buildApps, startDemo, type DemoProcess } from '../support/demo-process.js'
import { AppUser } from './app-user.js'

const QUESTION = 'Where should the summer picnic be?'
const OPTIONS = ['Riverside park', 'Community garden', 'Old harbour'] as const
/** A loopback port nothing listens on: a page pointed at it as its signaling server meets no peer. */
async function deadPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  await new Promise((done) => server.close(done))
  return port
}

let apps: Awaited<ReturnType<typeof buildApps>> | undefined
let demo: DemoProcess | undefined
let browser: Browser | undefined
let dead: number

beforeAll(async () => {
  // Launch first: without Chromium the suite fails here with how to install it, before building.
  browser = await launchChromium()
  dead = await deadPort()
  apps = await buildApps()
  demo = await startDemo(apps.dir)
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await demo?.stop()
  apps?.remove()
})

/**
 * The same scenario on each adapter the apps offer. `online` is the query that picks the adapter;
 * `offline` picks it too but points it at a server nobody listens on, so the page meets no peer.
 */
const adapters = [
  { adapter: 'yjs', transport: 'WebRTC', online: () => '', offline: () => `?signal=ws://127.0.0.1:${dead}` },
  {
    adapter: 'automerge',
    transport: 'the sync server',
    online: () => '?adapter=automerge',
    offline: () => `?adapter=automerge&sync=ws://127.0.0.1:${dead}`,
  },
  {
    adapter: 'orbitdb',
    transport: 'the libp2p relay',
    online: () => '?adapter=orbitdb',
    // A well-formed relay address (a valid peer id) on the dead port: malformed ones fall back to config.json.
    offline: () => `?adapter=orbitdb&relay=/ip4/127.0.0.1/tcp/${dead}/ws/p2p/12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo`,
  },
] as const

for (const { adapter, transport, online, offline: offlineQuery } of adapters) {
  describe(`the sample apps in Chromium on ${adapter}, two people over ${transport}`, { sequential: true, timeout: 120_000 }, () => {
    let alice: AppUser
    let bob: AppUser
    let offline: string

    beforeAll(async () => {
      offline = offlineQuery()
      alice = await AppUser.open(browser!, 'Alice', demo!.url, online(), adapter)
      bob = await AppUser.open(browser!, 'Bob', demo!.url, online(), adapter)
    }, 60_000)

    // An uncaught error in a page fails the step in which it happened; console errors are only
    // reported (refused connections to the dead server are the point of the offline step).
    afterEach(() => {
      const fresh = [alice, bob].flatMap((user) => user?.newPageErrors() ?? [])
      expect(fresh, `uncaught errors in the pages (${adapter})`).toEqual([])
    })

    afterAll(async () => {
      for (const user of [alice, bob]) {
        const errors = user?.errors.filter((error) => !error.startsWith('pageerror:') && !error.includes('ERR_CONNECTION_REFUSED')) ?? []
        if (errors.length) console.warn(`${user.name}'s page (${adapter}) reported:\n  ${errors.slice(0, 20).join('\n  ')}`)
      }
      await alice?.close()
      await bob?.close()
    })

    it('gives each person an identity they can name', async () => {
      await alice.setDisplayName('Alice')
      await bob.setDisplayName('Bob')
    })

    it('lets Alice create an invite-only space and a ranked poll, and Bob join by invite link', async () => {
      await alice.createSpace('Picnic committee', 'Invite-only')
      const invite = await alice.createInvite()
      await alice.createRankedPoll(QUESTION, OPTIONS)
      await alice.screenshot('01-alice-created-poll')

      await bob.joinWithLink(invite)
      await bob.page.getByRole('heading', { name: 'Picnic committee', exact: true }).waitFor()
      await bob.waitForPeers(1)
      await alice.waitForPeers(1)
      // The space really runs on the adapter this block is about, not on the default.
      for (const user of [alice, bob]) expect(await user.syncStatus().getAttribute('data-adapter')).toBe(adapter)
      // Bob becomes a member once Alice's records, the invite among them, have synced to him.
      await bob.waitForText(bob.page.getByTestId('members'), 'Alice')
      await alice.waitForText(alice.page.getByTestId('members'), 'Bob')
      await bob.openPoll(QUESTION)
      await bob.screenshot('02-bob-joined')
    })

    it('shows both the same live result while Bob votes and changes his vote', async () => {
      await bob.rankAndVote(['Old harbour', 'Community garden', 'Riverside park'])
      await alice.openPoll(QUESTION)
      for (const user of [alice, bob]) {
        await user.waitForText(user.resultSummary(), 'Old harbour leads')
        await user.waitForText(user.resultSummary(), '(1 ballot cast)')
      }

      await alice.rankAndVote(['Community garden', 'Riverside park', 'Old harbour'])
      await bob.rankAndVote(['Community garden', 'Old harbour', 'Riverside park'])
      for (const user of [alice, bob]) {
        await user.waitForText(user.resultSummary(), 'Community garden leads with 2 of 2')
        await user.waitForText(user.resultSummary(), '(2 ballots cast)')
      }
      await bob.screenshot('03-live-result')
    })

    it('shows both the same final result once Alice closes the poll', async () => {
      await alice.closePoll()
      for (const user of [alice, bob]) {
        await user.waitForText(user.statusBadge(), 'Final')
        await user.waitForText(user.resultSummary(), 'Community garden wins with 2 of 2')
        expect(await user.page.getByRole('button', { name: /^(Vote|Change vote)$/ }).count()).toBe(0)
      }
      await alice.screenshot('04-final-result')
      await bob.screenshot('04-final-result-bob')
    })

    it('carries a post, a reply and a reaction between them', async () => {
      await alice.post('Bring a blanket and something to share.')
      await bob.tab('Feed')
      await bob.postCard('Bring a blanket').waitFor()
      await bob.reply('Bring a blanket', 'I will bring lemonade.')
      await bob.react('Bring a blanket', '👍')

      await alice.tab('Feed')
      const post = alice.page.getByRole('article', { name: 'Post by Alice' }).filter({ hasText: 'Bring a blanket' })
      await post.getByRole('button', { name: '👍 1, react' }).waitFor()
      await post.getByRole('button', { name: 'Show 1 reply', exact: true }).click()
      await alice.page.getByRole('article', { name: 'Post by Bob' }).filter({ hasText: 'I will bring lemonade.' }).waitFor()
      await alice.screenshot('05-thread')
    })

    it('acts on a past deadline, counts a quorum, and carries a comment on the poll that opens from its link', async () => {
      const question = 'Move the picnic to the afternoon?'
      await alice.tab('Polls')
      await alice.button('New poll').click()
      await alice.page.getByLabel('Question', { exact: true }).fill(question)
      await alice.page.getByLabel('Option 1', { exact: true }).fill('Yes')
      await alice.page.getByLabel('Option 2', { exact: true }).fill('No')
      await alice.page.getByRole('radio', { name: 'At least a number of ballots' }).check()
      await alice.page.getByLabel('Ballots needed', { exact: true }).fill('2')
      await alice.page.getByLabel(/Suggested closing time/).fill('2020-06-01T18:00')
      await alice.button('Create poll').click()
      await alice.page.getByRole('heading', { name: question, exact: true }).waitFor()
      await alice.button('Close now: the deadline has passed').waitFor()

      await bob.openPoll(question)
      await bob.page.getByRole('radio', { name: 'Yes', exact: true }).check()
      await bob.button('Vote').click()
      await alice.waitForText(alice.page.getByTestId('quorum'), 'Quorum not met yet (1 of 2).')
      await alice.page.getByRole('radio', { name: 'Yes', exact: true }).check()
      await alice.button('Vote').click()
      await bob.waitForText(bob.page.getByTestId('quorum'), 'Quorum met so far (2 of 2).')
      await alice.button('Close now: the deadline has passed').click()
      await alice.button('Confirm close').click()
      for (const user of [alice, bob]) {
        await user.waitForText(user.statusBadge(), 'Final')
        await user.waitForText(user.page.getByTestId('quorum'), 'Quorum met (2 of 2).')
      }

      await bob.page.getByLabel('Write a comment', { exact: true }).fill('Afternoon it is: shade by then.')
      await bob.button('Comment').click()
      const comment = alice.page.getByRole('article').filter({ hasText: 'Afternoon it is' }).last()
      await comment.waitFor()
      await alice.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(demo!.url).origin })
      await comment.getByRole('button', { name: 'Copy link', exact: true }).click()
      const link = await alice.page.evaluate(() => navigator.clipboard.readText())
      expect(link).toMatch(/#\/s\/[^/]+\/polls\/[a-z2-7]+$/)
      // Followed in Alice's own window (a second window of one person would open the space twice on one store).
      await alice.page.goto(link)
      const linked = alice.page.getByRole('article').filter({ hasText: 'Afternoon it is' }).last()
      await expect.poll(() => linked.evaluate((node) => node === document.activeElement), { timeout: 30_000 }).toBe(true)
      await alice.screenshot('06-poll-quorum-comment')
    })

    it('keeps everything across a reload, before any peer reconnects', async () => {
      await bob.reopen(offline)
      await expect.poll(() => bob.syncStatus().getAttribute('data-peers')).toBe('0')
      await bob.tab('Feed')
      await bob.postCard('Bring a blanket').waitFor()
      await bob.tab('Polls')
      await bob.openPoll(QUESTION)
      await bob.waitForText(bob.statusBadge(), 'Final')
      await bob.waitForText(bob.resultSummary(), 'Community garden wins with 2 of 2')
    })

    it('converges after Bob writes while cut off from Alice, and Alice writes meanwhile', async () => {
      // Bob is still on the dead signaling server: a poll and a post that only he has.
      await bob.tab('Polls')
      await bob.createRankedPoll('Which Saturday?', ['June 6', 'June 13', 'June 20'])
      await bob.rankAndVote(['June 13', 'June 6', 'June 20'])
      await bob.post('Offline note: I can bring two folding tables.')
      await alice.post('Reminder: the park opens at nine.')
      await expect.poll(() => bob.syncStatus().getAttribute('data-peers')).toBe('0')
      expect(await bob.postCard('Reminder: the park opens').count()).toBe(0)
      await bob.screenshot('06-bob-offline')

      await bob.reopen(online())
      await bob.waitForPeers(1)
      for (const user of [alice, bob]) {
        await user.tab('Feed')
        await user.postCard('Offline note').waitFor()
        await user.postCard('Reminder: the park opens').waitFor()
        await user.openPoll('Which Saturday?')
        await user.waitForText(user.resultSummary(), 'June 13 leads')
        await user.waitForText(user.resultSummary(), '(1 ballot cast)')
      }
      // Same records, same view: both feeds list the same posts by the same authors, in the same order.
      const feedOf = async (user: AppUser) => {
        await user.tab('Feed')
        const posts = user.page.getByRole('list', { name: 'Posts' }).locator(':scope > li > article')
        return posts.evaluateAll((articles) =>
          articles.map(
            (article) =>
              `${article.querySelector('.author')?.getAttribute('title')}: ${article.querySelector('.text')?.textContent?.trim()}`,
          ),
        )
      }
      const aliceFeed = await feedOf(alice)
      expect(aliceFeed).toHaveLength(3)
      expect(await feedOf(bob)).toEqual(aliceFeed)
      await alice.screenshot('07-converged')
    })
  })
}
