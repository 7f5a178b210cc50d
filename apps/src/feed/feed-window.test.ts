/** The feed draws only the pages near the viewport; the others are spacers of their drawn height. */
import { render, screen, waitFor, within } from '@testing-library/svelte'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import FeedPanel from './FeedPanel.svelte'
import { PAGE_SIZE } from './FeedView.svelte'
import { nearEnd, pageBoxes, pagesToDraw } from './feed-window.js'
import { community, type Community } from './test-helpers.js'

let world: Community | undefined
afterEach(async () => {
  vi.restoreAllMocks()
  await world?.close()
  world = undefined
})

describe('pagesToDraw', () => {
  const boxes = [0, 1, 2, 3, 4].map((page) => ({ page, top: page * 1000 - 2500, bottom: (page + 1) * 1000 - 2500 }))
  it('draws the pages within a viewport height of the viewport, and the kept ones', () => {
    // Viewport 0..800: pages 1 (-1500..-500) to 4 (1500..2500) reach within 800 px of it; page 0 (-2500..-1500) does not.
    expect([...pagesToDraw({ boxes, viewportHeight: 800, keep: [] })].sort()).toEqual([1, 2, 3, 4])
    expect([...pagesToDraw({ boxes, viewportHeight: 800, keep: [0] })].sort()).toEqual([0, 1, 2, 3, 4])
  })
  it('joins the boxes of one page, and says when the end is near', () => {
    expect(
      pageBoxes([
        { page: 0, top: 10, bottom: 20 },
        { page: 0, top: 25, bottom: 90 },
        { page: 1, top: 95, bottom: 99 },
      ]),
    ).toEqual([
      { page: 0, top: 10, bottom: 90 },
      { page: 1, top: 95, bottom: 99 },
    ])
    expect(nearEnd(1500, 800)).toBe(true)
    expect(nearEnd(1700, 800)).toBe(false)
  })
})

describe('FeedView windowing', () => {
  it(
    'draws the cards of the pages in view, in feed order, and a spacer of the right height for the others',
    { timeout: 120_000 },
    async () => {
      world = await community({ founderName: 'Ada' })
      for (let i = 1; i <= 3 * PAGE_SIZE; i++) await world.founder.post(`Post ${i}`)
      const user = userEvent.setup()
      const { container } = render(FeedPanel, { space: world.founder })
      await user.click(screen.getByRole('button', { name: 'Show more' }))
      await user.click(screen.getByRole('button', { name: 'Show more' }))
      const posts = screen.getByRole('list', { name: 'Posts' })
      expect(within(posts).getAllByRole('article')).toHaveLength(3 * PAGE_SIZE)

      // A layout: each page 1000 px tall, the viewport 800 px, scrolled down by `scrolled`.
      let scrolled = 0
      vi.spyOn(window, 'innerHeight', 'get').mockReturnValue(800)
      vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockImplementation(function (this: HTMLElement) {
        const page = this.dataset.page === undefined ? undefined : Number(this.dataset.page)
        const [top, bottom] = page === undefined ? [0, 3000] : [page * 1000, page * 1000 + 1000]
        return {
          top: top - scrolled,
          bottom: bottom - scrolled,
          height: bottom - top,
          left: 0,
          right: 0,
          width: 0,
          x: 0,
          y: top,
        } as DOMRect
      })
      const texts = () =>
        within(posts)
          .queryAllByRole('article')
          .map((card) => /Post (\d+)/.exec(card.textContent ?? '')?.[1])
      const newestFirst = (from: number, count: number) => Array.from({ length: count }, (_, i) => String(from - i))

      window.dispatchEvent(new Event('scroll'))
      // At the top: pages 0 and 1 drawn (posts 150..51), page 2 a spacer.
      await waitFor(() => expect(texts()).toEqual(newestFirst(3 * PAGE_SIZE, 2 * PAGE_SIZE)))
      const spacer = container.querySelector<HTMLElement>('.spacer[data-page="2"]')
      expect(spacer?.style.height).toBe('1000px')
      expect(spacer?.getAttribute('aria-hidden')).toBe('true')

      scrolled = 2000
      window.dispatchEvent(new Event('scroll'))
      // Further down: pages 1 and 2 drawn (posts 100..1), page 0 a spacer.
      await waitFor(() => expect(texts()).toEqual(newestFirst(2 * PAGE_SIZE, 2 * PAGE_SIZE)))
      expect(container.querySelector<HTMLElement>('.spacer[data-page="0"]')?.style.height).toBe('1000px')
      expect(container.querySelector('.spacer[data-page="2"]')).toBeNull()
    },
  )
})
