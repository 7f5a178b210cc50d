/**
 * Every screen of the sample apps, scanned with axe-core (WCAG 2.0/2.1 A and AA, colour contrast
 * included) in Chromium, in light and in dark mode: no serious or critical violation anywhere.
 * One person walks through the apps on their own (no peer is needed to reach a screen), and a
 * second context follows a link to a space nobody holds, to reach the stalled-join screen.
 *
 * Each step collects what it finds and fails with every violation listed, screen and scheme first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { createIdentity, createSpace, formatShareLink } from '../../core/index.js'
import { memoryNetwork } from '../../testing/index.js'
import { launchChromium } from '../support/browser.js'
import { startAppServer, type AppServer } from './app-server.js'
import { AppUser } from './app-user.js'
import { scanBothSchemes } from './axe.js'

let browser: Browser | undefined
let server: AppServer | undefined

beforeAll(async () => {
  browser = await launchChromium()
  // A short join timeout, so the stalled-join screen is reached without a long wait.
  server = await startAppServer({ joinTimeoutSeconds: 2 })
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.stop()
})

describe('the sample apps pass axe in light and dark mode on every screen', { sequential: true, timeout: 120_000 }, () => {
  let ada: AppUser

  beforeAll(async () => {
    ada = await AppUser.open(browser!, 'Ada', server!.url, '', 'axe')
  }, 60_000)
  afterAll(async () => {
    await ada?.close()
  })

  it('home, settings, new space and join, with their error messages showing', async () => {
    const found: string[] = []
    // The scheme really switches: dark mode's background, then light's.
    await ada.page.emulateMedia({ colorScheme: 'dark' })
    expect(await ada.page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(18, 20, 26)')
    await ada.page.emulateMedia({ colorScheme: 'light' })
    expect(await ada.page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(246, 247, 251)')
    found.push(...(await scanBothSchemes(ada.page, 'home, no spaces')))

    await ada.setDisplayName('Ada')
    found.push(...(await scanBothSchemes(ada.page, 'settings')))

    await ada.page.getByRole('link', { name: 'Townhall, your spaces' }).click()
    await ada.button('New space').click()
    await ada.button('Create space').click()
    await ada.page.getByRole('alert').waitFor()
    found.push(...(await scanBothSchemes(ada.page, 'new space, with an error')))

    await ada.page.getByRole('link', { name: 'Townhall, your spaces' }).click()
    await ada.button('Join space').click()
    await ada.page.getByLabel('Share link', { exact: true }).fill('https://example.org/#/join/#space=not-a-space')
    await ada.button('Join').click()
    await ada.page.getByRole('alert').waitFor()
    found.push(...(await scanBothSchemes(ada.page, 'join, with a refused link')))
    expect(found).toEqual([])
  })

  it('a space: polls list, invite dialog, new poll form with an error, a ranked ballot, live and final results', async () => {
    const found: string[] = []
    await ada.createSpace('Garden club', 'Invite-only')
    found.push(...(await scanBothSchemes(ada.page, 'space, polls tab, empty')))

    await ada.button('Invite').click()
    await ada.button('Create invite').click()
    await ada.page.getByTestId('invite-link').waitFor()
    found.push(...(await scanBothSchemes(ada.page, 'invite dialog')))
    await ada.page.keyboard.press('Escape')

    await ada.button('New poll').click()
    await ada.page.getByLabel('Question', { exact: true }).fill('Which day?')
    await ada.page.getByLabel('Option 1', { exact: true }).fill('Yes')
    await ada.page.getByLabel('Option 2', { exact: true }).fill('yes')
    await ada.button('Create poll').click()
    await ada.page.getByRole('alert').filter({ hasText: 'read the same' }).waitFor()
    found.push(...(await scanBothSchemes(ada.page, 'new poll form, with an error')))

    await ada.createRankedPoll('Which plant first?', ['Tomatoes', 'Beans', 'Kale'])
    found.push(...(await scanBothSchemes(ada.page, 'ranked poll, empty ballot')))
    await ada.button('Rank Beans').click()
    await ada.button('Rank Kale').click()
    found.push(...(await scanBothSchemes(ada.page, 'ranked poll, two options ranked')))

    await ada.button('New poll').click()
    await ada.page.getByLabel('Question', { exact: true }).fill('Which day?')
    await ada.page.getByLabel('Option 1', { exact: true }).fill('Wednesday')
    await ada.page.getByLabel('Option 2', { exact: true }).fill('Thursday')
    await ada.button('Create poll').click()
    await ada.page.getByRole('heading', { name: 'Which day?', exact: true }).waitFor()
    await ada.page.getByRole('radio', { name: 'Wednesday' }).check()
    await ada.button('Vote').click()
    await ada.page.getByRole('status').filter({ hasText: 'Vote recorded.' }).waitFor()
    found.push(...(await scanBothSchemes(ada.page, 'plurality poll, live result')))
    await ada.page.getByText('Who voted (1 voter)').click()
    await ada.page.getByRole('table', { name: 'Voters and their choices' }).waitFor()
    found.push(...(await scanBothSchemes(ada.page, 'plurality poll, voter list')))

    await ada.closePoll()
    await ada.waitForText(ada.statusBadge(), 'Final')
    found.push(...(await scanBothSchemes(ada.page, 'plurality poll, final result')))
    await ada.button('New poll').click()
    await ada.page.getByLabel('Question', { exact: true }).fill('Order compost?')
    await ada.page.getByLabel('Option 1', { exact: true }).fill('Now')
    await ada.page.getByLabel('Option 2', { exact: true }).fill('Later')
    await ada.page.getByLabel(/Suggested closing time/).fill('2020-01-01T10:00')
    await ada.button('Create poll').click()
    await ada.button('Close now: the deadline has passed').waitFor()
    found.push(...(await scanBothSchemes(ada.page, 'poll past its deadline, close offered')))
    expect(found).toEqual([])
  })

  it('the feed: posts, a reply thread, reactions, a hidden post and the moderator view', async () => {
    const found: string[] = []
    await ada.post('Seeds arrive on Monday.')
    await ada.post('Buy cheap seeds at example.org')
    await ada.reply('Seeds arrive on Monday.', 'I can pick them up.')
    await ada.react('Seeds arrive on Monday.', '👍')
    const spam = ada.postCard('Buy cheap seeds')
    await ada.button('Hide post', spam).click()
    await spam.getByRole('textbox', { name: 'Reason (optional)' }).fill('advertising')
    await ada.button('Hide post', spam).click()
    await ada.page.getByRole('checkbox', { name: 'Show hidden' }).check()
    await ada.page.getByText('Hidden by a moderator').waitFor()
    await ada.page.getByLabel('Write a post', { exact: true }).fill('x'.repeat(5001))
    found.push(...(await scanBothSchemes(ada.page, 'feed')))
    await ada.page.getByLabel('Write a post', { exact: true }).fill('')
    await ada.post('The seed list: https://example.org/seeds')
    await ada.page.getByRole('searchbox', { name: 'Search posts' }).fill('seeds')
    await ada.page.getByText(/posts match$/).waitFor()
    found.push(...(await scanBothSchemes(ada.page, 'feed, searched, with a link')))
    await ada.page.getByRole('searchbox', { name: 'Search posts' }).fill('')
    await ada.context.setOffline(true)
    await ada.page.getByTestId('online-offline').waitFor()
    found.push(...(await scanBothSchemes(ada.page, 'feed, offline')))
    await ada.context.setOffline(false)
    expect(found).toEqual([])
  })

  it('home with a space, and a join that cannot find its space', async () => {
    const found: string[] = []
    await ada.page.getByRole('link', { name: 'Townhall, your spaces' }).click()
    await ada.page.getByRole('list', { name: 'Spaces on this device' }).waitFor()
    found.push(...(await scanBothSchemes(ada.page, 'home, one space')))

    // A well-formed link to a space that exists nowhere this page can reach.
    const network = memoryNetwork()
    const elsewhere = await createSpace({ identity: await createIdentity(), name: 'Elsewhere', replica: (id) => network.replica(id) })
    const link = formatShareLink({ space: elsewhere.id, secret: elsewhere.secret! }, `${server!.url}#/join/`)
    await elsewhere.close()
    const bea = await AppUser.open(browser!, 'Bea', server!.url, '', 'axe')
    try {
      await bea.joinWithLink(link, { confirm: false })
      await bea.page.getByRole('heading', { name: 'Joining a space' }).waitFor()
      found.push(...(await scanBothSchemes(bea.page, 'joining, looking for the space')))
      await bea.page.getByText('This space has not been found yet.').waitFor()
      found.push(...(await scanBothSchemes(bea.page, 'joining, space not found')))
      await bea.page.getByRole('link', { name: 'Townhall, your spaces' }).click()
      await bea.page.getByText('Nobody who holds this space has been reached yet.').waitFor()
      found.push(...(await scanBothSchemes(bea.page, 'home, a space not found yet')))
    } finally {
      await bea.close()
    }
    expect(found).toEqual([])
  })
})
