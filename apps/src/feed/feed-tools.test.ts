/** The feed's tools: safe links in post text, search with a count, pages of posts, and permalinks. */
import { render, screen, waitFor, within } from '@testing-library/svelte'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import FeedPanel from './FeedPanel.svelte'
import { PAGE_SIZE } from './FeedView.svelte'
import { linkParts, matchesSearch } from './format.js'
import { community, type Community } from './test-helpers.js'

let world: Community | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

describe('linkParts', () => {
  it('links only http and https addresses, leaving trailing punctuation and everything else as text', () => {
    expect(linkParts('See https://example.org/a?b=1. Or http://x.test/(y)!')).toEqual([
      { text: 'See ' },
      { text: 'https://example.org/a?b=1', href: 'https://example.org/a?b=1' },
      { text: '. Or ' },
      { text: 'http://x.test/(y', href: 'http://x.test/(y' },
      { text: ')!' },
    ])
    for (const text of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'ftp://example.org', '<a href="https://x">']) {
      expect(
        linkParts(text).filter((part) => part.href && !part.href.startsWith('https://x')),
        text,
      ).toEqual([])
    }
    expect(linkParts('plain')).toEqual([{ text: 'plain' }])
  })

  it('searches text and author, ignoring case', () => {
    expect(matchesSearch('PICNIC', 'The picnic is on', 'Ada')).toBe(true)
    expect(matchesSearch('ada', 'hello', 'Ada')).toBe(true)
    expect(matchesSearch('  ', 'anything', 'x')).toBe(true)
    expect(matchesSearch('zebra', 'hello', 'Ada')).toBe(false)
  })
})

describe('FeedView tools', () => {
  it('renders a link in a post as a safe link to a new tab, and markup as text', async () => {
    world = await community({ founderName: 'Ada' })
    await world.founder.post('Agenda: https://example.org/agenda <img src=x onerror=alert(1)> javascript:alert(1)')
    render(FeedPanel, { space: world.founder })
    const card = screen.getByRole('article', { name: 'Post by Ada' })
    const links = within(card).getAllByRole('link')
    expect(links).toHaveLength(1)
    const link = links[0]!
    expect(link.getAttribute('href')).toBe('https://example.org/agenda')
    expect(link.getAttribute('target')).toBe('_blank')
    expect(link.getAttribute('rel')).toBe('noopener noreferrer nofollow')
    expect(link.textContent).toBe('https://example.org/agenda')
    expect(card.querySelector('img')).toBeNull()
    expect(card.querySelector('.text')?.textContent).toContain('<img src=x onerror=alert(1)>')
  })

  it('filters the feed by text, case-insensitively, and says how many match', async () => {
    world = await community({ founderName: 'Ada' })
    await world.founder.post('Picnic on Saturday')
    await world.founder.post('Bring chairs')
    await world.founder.post('The PICNIC starts at noon')
    const user = userEvent.setup()
    render(FeedPanel, { space: world.founder })
    await user.type(screen.getByRole('searchbox', { name: 'Search posts' }), 'picnic')
    const posts = screen.getByRole('list', { name: 'Posts' })
    await waitFor(() => expect(within(posts).getAllByRole('article')).toHaveLength(2))
    expect(screen.getByText('2 of 3 posts match')).toBeTruthy()
    await user.clear(screen.getByRole('searchbox', { name: 'Search posts' }))
    await user.type(screen.getByRole('searchbox', { name: 'Search posts' }), 'zebra')
    expect(await screen.findByText('No posts match “zebra”.')).toBeTruthy()
  })

  it('renders at most one page of a feed of 2,000 posts, and more on "Show more"', { timeout: 120_000 }, async () => {
    world = await community({ founderName: 'Ada' })
    for (let i = 0; i < 2000; i++) await world.founder.post(`Post number ${i}`)
    const user = userEvent.setup()
    const { container } = render(FeedPanel, { space: world.founder })
    const posts = screen.getByRole('list', { name: 'Posts' })
    expect(within(posts).getAllByRole('article')).toHaveLength(PAGE_SIZE)
    expect(container.querySelectorAll('article').length).toBeLessThanOrEqual(PAGE_SIZE)
    expect(screen.getByText(`Showing ${PAGE_SIZE} of 2000 posts.`)).toBeTruthy()
    await user.click(screen.getByRole('button', { name: 'Show more' }))
    expect(within(posts).getAllByRole('article')).toHaveLength(2 * PAGE_SIZE)
  })

  it("opens a permalink to a post beyond the first page, and offers each post's link", async () => {
    world = await community({ founderName: 'Ada' })
    const first = await world.founder.post('The oldest post')
    for (let i = 0; i < PAGE_SIZE + 5; i++) await world.founder.post(`Filler ${i}`)
    render(FeedPanel, { space: world.founder, item: first.id })
    const card = await waitFor(() => {
      const found = document.getElementById(`post-${first.id}`)
      if (!found) throw new Error('not rendered')
      return found
    })
    expect(card.textContent).toContain('The oldest post')
    await waitFor(() => expect(document.activeElement).toBe(card))
    expect(within(card).getByRole('button', { name: 'Copy link' })).toBeTruthy()
  })
})
