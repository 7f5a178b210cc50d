/** Unread markers in the feed: "New" on posts by others since the tab's mark, "Mentions you" on mentions. */
import { render, screen, within } from '@testing-library/svelte'
import { afterEach, describe, expect, it } from 'vitest'
import { unreadOf } from '../lib/unread.js'
import FeedPanel from './FeedPanel.svelte'
import { community, type Community } from './test-helpers.js'

let world: Community | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

const card = (text: string) => screen.getByText(text).closest('article')!

describe('unread markers', () => {
  it('marks posts by others newer than the mark as New, and highlights those that mention me', async () => {
    world = await community({ founderName: 'Ada' })
    const { founder } = world
    const bob = await world.member('Bob')
    await bob.post('seen before')
    await world.settle()
    const mark = unreadOf(founder, {}, founder.identity.did).feed.newest
    await bob.post('new since', { mentions: [founder.identity.did] })
    await bob.post('new, no mention')
    await founder.post('mine, never new')
    await world.settle()
    render(FeedPanel, { space: founder, unread: { since: mark } })

    const markers = (text: string) => ({
      new: within(card(text)).queryByTestId('new-marker') !== null,
      mention: within(card(text)).queryByTestId('mention-marker') !== null,
    })
    expect(markers('seen before')).toEqual({ new: false, mention: false })
    expect(markers('new since')).toEqual({ new: true, mention: true })
    expect(markers('new, no mention')).toEqual({ new: true, mention: false })
    expect(markers('mine, never new')).toEqual({ new: false, mention: false })
  })

  it('calls nothing new where no mark is tracked, but still highlights mentions', async () => {
    world = await community()
    const bob = await world.member('Bob')
    await bob.post('hi', { mentions: [world.founder.identity.did] })
    await world.settle()
    render(FeedPanel, { space: world.founder })
    expect(screen.queryByTestId('new-marker')).toBeNull()
    expect(screen.getByTestId('mention-marker').textContent).toBe('Mentions you')
  })
})
