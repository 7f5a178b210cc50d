/**
 * One person using the sample apps in their own Chromium context (own IndexedDB, own identity),
 * driven only through what a user sees: accessible names, labels and the few test ids the apps
 * expose for status. Every wait is on something visible, never on a fixed delay.
 */
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { expect } from 'vitest'
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'

/** Long enough for WebRTC to connect and a sync round to finish on a loaded 2-core CI machine. */
export const SYNC_TIMEOUT = 30_000

export const SCREENSHOTS = resolve(import.meta.dirname, '../../test-results/e2e')

export class AppUser {
  readonly errors: string[] = []
  private constructor(
    readonly name: string,
    readonly context: BrowserContext,
    readonly page: Page,
    /** Query string added to every address this user opens (`?signal=…`, `?adapter=…`). */
    private query: string,
    /** Prefix of this user's screenshot names. */
    private readonly label: string,
  ) {
    page.on('pageerror', (error) => this.errors.push(`pageerror: ${error.message}`))
    page.on('console', (message) => {
      if (message.type() === 'error') this.errors.push(`console: ${message.text()}`)
    })
  }

  private pageErrorsSeen = 0

  /** Uncaught errors in this user's page since the last call, named by the user (a test step fails on them). */
  newPageErrors(): string[] {
    const errors = this.errors.filter((error) => error.startsWith('pageerror:'))
    const fresh = errors.slice(this.pageErrorsSeen).map((error) => `${this.name}: ${error}`)
    this.pageErrorsSeen = errors.length
    return fresh
  }

  static async open(browser: Browser, name: string, appUrl: string, query = '', label = 'apps'): Promise<AppUser> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } })
    const page = await context.newPage()
    page.setDefaultTimeout(SYNC_TIMEOUT)
    const user = new AppUser(name, context, page, query, label)
    await user.goto(appUrl)
    return user
  }

  private base = ''

  /** Opens the app at `url` (its origin and path), keeping the user's query, and waits for the shell. */
  async goto(url: string, hash = '#/'): Promise<void> {
    const address = new URL(url)
    this.base = `${address.origin}${address.pathname}`
    await this.page.goto(`${this.base}${this.query}${hash}`)
    await this.page.getByRole('link', { name: 'Townhall, your spaces' }).waitFor()
  }

  /** Reopens the page with another query (a dead signaling server to go offline, or back). */
  async reopen(query: string): Promise<void> {
    const hash = new URL(this.page.url()).hash
    this.query = query
    await this.goto(this.base, hash)
  }

  async reload(): Promise<void> {
    await this.page.reload()
    await this.page.getByRole('link', { name: 'Townhall, your spaces' }).waitFor()
  }

  button(name: string, scope: Page | Locator = this.page): Locator {
    return scope.getByRole('button', { name, exact: true })
  }

  async setDisplayName(name: string): Promise<void> {
    await this.button('Settings', this.page.getByRole('navigation', { name: 'App' })).click()
    await this.page.getByLabel('Display name', { exact: true }).fill(name)
    await this.button('Save profile').click()
    await this.page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor()
  }

  async createSpace(name: string, policy: 'Open' | 'Invite-only'): Promise<void> {
    await this.page.getByRole('link', { name: 'Townhall, your spaces' }).click()
    await this.button('New space').click()
    await this.page.getByLabel('Space name', { exact: true }).fill(name)
    await this.page.getByLabel(policy, { exact: true }).check()
    await this.button('Create space').click()
    await this.page.getByRole('heading', { name, exact: true }).waitFor()
  }

  /** Creates an invite link for the open space and returns it as the user would copy it. */
  async createInvite(): Promise<string> {
    await this.button('Invite').click()
    await this.button('Create invite').click()
    const link = this.page.getByTestId('invite-link')
    await expect.poll(() => link.inputValue().catch(() => link.textContent())).toContain('#/join/#space=')
    const text = (await link.inputValue().catch(() => link.textContent())) ?? ''
    await this.page.keyboard.press('Escape')
    return text.trim()
  }

  /**
   * Pastes a share link into the join screen, as someone who received it in a message would, and
   * (unless `confirm` is false) chooses "Join this space" on the preview once the space has arrived.
   */
  async joinWithLink(link: string, { confirm = true }: { confirm?: boolean } = {}): Promise<void> {
    await this.page.getByRole('link', { name: 'Townhall, your spaces' }).click()
    await this.button('Join space').click()
    await this.page.getByLabel('Share link', { exact: true }).fill(link)
    await this.button('Join').click()
    // Enabled once the space's first record is here (a click waits for that).
    if (confirm) await this.button('Join this space').click()
  }

  tab(name: 'Polls' | 'Feed'): Promise<void> {
    return this.page.getByRole('tab', { name, exact: true }).click()
  }

  syncStatus(): Locator {
    return this.page.getByTestId('sync-status')
  }

  async waitForPeers(atLeast = 1): Promise<void> {
    await expect
      .poll(async () => Number(await this.syncStatus().getAttribute('data-peers')), { timeout: SYNC_TIMEOUT })
      .toBeGreaterThanOrEqual(atLeast)
  }

  async createRankedPoll(question: string, options: readonly string[]): Promise<void> {
    await this.tab('Polls')
    await this.button('New poll').click()
    await this.page.getByLabel('Question', { exact: true }).fill(question)
    await this.page.getByLabel('Voting method', { exact: true }).selectOption('instant-runoff')
    for (let i = 0; i < options.length; i++) {
      const field = this.page.getByLabel(`Option ${i + 1}`, { exact: true })
      if ((await field.count()) === 0) await this.button('Add option').click()
      await this.page.getByLabel(`Option ${i + 1}`, { exact: true }).fill(options[i]!)
    }
    await this.button('Create poll').click()
    await this.page.getByRole('heading', { name: question, exact: true }).waitFor()
  }

  async openPoll(question: string): Promise<void> {
    await this.tab('Polls')
    await this.page.getByRole('navigation', { name: 'Poll list' }).getByRole('button', { name: question, exact: true }).click()
    await this.page.getByRole('heading', { name: question, exact: true }).waitFor()
  }

  /** The order the ranking list shows, best first. */
  async ranking(): Promise<string[]> {
    const items = this.page.getByRole('list', { name: 'Your ranking' }).getByRole('listitem')
    return (await items.locator('.text').allTextContents()).map((text) => text.trim())
  }

  /**
   * Ranks the options not ranked yet in the order given (a new ballot starts empty), reorders the
   * ranking with its Up buttons until it reads `order`, then casts or changes the vote.
   */
  async rankAndVote(order: readonly string[]): Promise<void> {
    for (const option of order) {
      if (!(await this.ranking()).includes(option)) await this.button(`Rank ${option}`).click()
    }
    for (let target = 0; target < order.length; target++) {
      let current = await this.ranking()
      let at = current.indexOf(order[target]!)
      expect(at, `${order[target]} is not in the ranking ${current.join(', ')}`).toBeGreaterThanOrEqual(0)
      while (at > target) {
        await this.button(`Move ${order[target]} up`).click()
        current = await this.ranking()
        at = current.indexOf(order[target]!)
      }
    }
    expect(await this.ranking()).toEqual([...order])
    const submit = this.page.getByRole('button', { name: /^(Vote|Change vote)$/ })
    await submit.click()
    await this.page
      .getByRole('status')
      .filter({ hasText: /^Vote (recorded|changed)/ })
      .waitFor()
  }

  /** Waits until `locator`'s text contains `text`; fails with the text it last saw. */
  async waitForText(locator: Locator, text: string, timeout = SYNC_TIMEOUT): Promise<void> {
    await expect
      .poll(
        async () =>
          (await locator
            .first()
            .textContent({ timeout: 1000 })
            .catch(() => '')) ?? '',
        { timeout, interval: 200 },
      )
      .toContain(text)
  }

  resultSummary(): Locator {
    return this.page.getByTestId('result-summary')
  }

  statusBadge(): Locator {
    return this.page.locator('.poll-detail .badge').first()
  }

  async closePoll(): Promise<void> {
    await this.button('Close poll').click()
    await this.button('Confirm close').click()
  }

  async post(text: string): Promise<void> {
    await this.tab('Feed')
    await this.page.getByLabel('Write a post', { exact: true }).fill(text)
    await this.button('Post').click()
    await this.postCard(text).waitFor()
  }

  /** The article that shows a top-level post or reply with this text. */
  postCard(text: string): Locator {
    return this.page.getByRole('article').filter({ hasText: text }).last()
  }

  async reply(toText: string, text: string): Promise<void> {
    const card = this.postCard(toText)
    await this.button('Reply', card).first().click()
    await this.page.getByLabel('Write a reply', { exact: true }).fill(text)
    await this.page
      .getByRole('form', { name: /^Reply to/ })
      .getByRole('button', { name: 'Reply', exact: true })
      .click()
  }

  async react(toText: string, emoji: string): Promise<void> {
    const card = this.postCard(toText)
    await this.button('React', card).first().click()
    await card
      .getByRole('group', { name: 'Pick a reaction' })
      .getByRole('button', { name: `React with ${emoji}`, exact: true })
      .click()
  }

  async screenshot(name: string): Promise<void> {
    mkdirSync(SCREENSHOTS, { recursive: true })
    // From the top, so every screenshot shows the header with the sync status.
    await this.page.evaluate(() => window.scrollTo(0, 0))
    await this.page.screenshot({ path: join(SCREENSHOTS, `${this.label}-${name}.png`) })
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => {})
  }
}
