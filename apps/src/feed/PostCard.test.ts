/** PostCard and ThreadView: replies, threads, edits, retractions and reactions against real spaces. */
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { MAX_POST_LENGTH } from '../../../core/index.js'
import FeedPanel from './FeedPanel.svelte'
import PostCard from './PostCard.svelte'
import { community, type Community } from './test-helpers.js'

let world: Community | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

const textOf = (article: HTMLElement) => article.querySelector('.text')?.textContent?.trim()

describe('PostCard', () => {
  it('replies inline and shows the reply in the thread with its count', async () => {
    world = await community({ founderName: 'Ada' })
    const post = await world.founder.post('Meeting on Saturday?')
    const user = userEvent.setup()
    render(FeedPanel, { space: world.founder })
    const card = screen.getByRole('article', { name: 'Post by Ada' })
    await user.click(within(card).getByRole('button', { name: 'Reply' }))
    const box = within(card).getByRole('textbox', { name: 'Write a reply' })
    expect(document.activeElement).toBe(box)
    await user.type(box, 'Works for me')
    await user.click(within(card).getByRole('button', { name: 'Reply' }))

    await waitFor(() => expect(world!.founder.getThread(post.id)?.replies.map((n) => n.item.text)).toEqual(['Works for me']))
    // The composer closes, the thread opens, and focus goes back to the Reply button.
    const toggle = await within(card).findByRole('button', { name: 'Hide replies' })
    expect(toggle.getAttribute('aria-expanded')).toBe('true')
    expect(within(card).queryByRole('textbox', { name: 'Write a reply' })).toBeNull()
    expect(document.activeElement).toBe(within(card).getByRole('button', { name: 'Reply' }))
    const thread = screen.getByRole('region', { name: 'Replies to Ada' })
    expect(within(thread).getAllByRole('article').map(textOf)).toEqual(['Works for me'])
    // Replies are not top-level posts.
    expect(screen.getAllByRole('article', { name: 'Post by Ada' })).toHaveLength(2)
    expect(world.founder.getFeed()).toHaveLength(1)

    await user.click(toggle)
    expect(screen.queryByRole('region', { name: 'Replies to Ada' })).toBeNull()
    const show = within(card).getByRole('button', { name: 'Show 1 reply' })
    expect(show.getAttribute('aria-expanded')).toBe('false')

    await world.founder.reply(post.id, 'Or Sunday')
    await within(card).findByRole('button', { name: 'Show 2 replies' })
  })

  it('cancels a reply with the Cancel button or Escape', async () => {
    world = await community({ founderName: 'Ada' })
    await world.founder.post('hello')
    const user = userEvent.setup()
    render(FeedPanel, { space: world.founder })
    const card = screen.getByRole('article', { name: 'Post by Ada' })
    await user.click(within(card).getByRole('button', { name: 'Reply' }))
    await user.click(within(card).getByRole('button', { name: 'Cancel' }))
    expect(within(card).queryByRole('textbox', { name: 'Write a reply' })).toBeNull()
    await user.click(within(card).getByRole('button', { name: 'Reply' }))
    await user.keyboard('{Escape}')
    expect(within(card).queryByRole('textbox', { name: 'Write a reply' })).toBeNull()
    expect(document.activeElement).toBe(within(card).getByRole('button', { name: 'Reply' }))
  })

  it('nests replies up to the max depth, then lists deeper ones flat with whom they answer', async () => {
    world = await community({ founderName: 'Ada' })
    const bob = await world.member('Bob')
    const root = await world.founder.post('root')
    let parent = root.id
    // Each reply is written once its parent has synced: a record can only name what its peer holds.
    for (let depth = 1; depth <= 5; depth++) {
      await world.settle()
      parent = (await (depth % 2 ? bob : world.founder).reply(parent, `level ${depth}`)).id
    }
    await world.settle()
    const user = userEvent.setup()
    render(FeedPanel, { space: world.founder })
    await user.click(screen.getByRole('button', { name: 'Show 1 reply' }))
    const thread = screen.getByRole('region', { name: 'Replies to Ada' })
    expect(within(thread).getAllByRole('article').map(textOf)).toEqual(['level 1', 'level 2', 'level 3', 'level 4', 'level 5'])
    const depthOf = (text: string) => {
      let depth = 0
      for (
        let node = within(thread).getByText(text).closest('li');
        node && thread.contains(node);
        node = node.parentElement?.closest('li') ?? null
      )
        depth++
      return depth
    }
    expect(['level 1', 'level 2', 'level 3', 'level 4', 'level 5'].map(depthOf)).toEqual([1, 2, 3, 4, 4])
    // Odd levels are Bob's, even ones Ada's.
    expect(within(thread).getByText('level 3').closest('article')!.textContent).not.toContain('replying to')
    expect(within(thread).getByText('level 4').closest('article')!.textContent).toContain('replying to Bob')
    expect(within(thread).getByText('level 5').closest('article')!.textContent).toContain('replying to Ada')
    // Cards in a thread have no expander of their own.
    expect(within(thread).queryByRole('button', { name: /Show \d+ repl/ })).toBeNull()
  })

  it('edits inline and marks the post edited', async () => {
    world = await community({ founderName: 'Ada' })
    const post = await world.founder.post('Meeting on Saturday?')
    const user = userEvent.setup()
    render(FeedPanel, { space: world.founder })
    const card = screen.getByRole('article', { name: 'Post by Ada' })
    expect(card.textContent).not.toContain('(edited)')
    await user.click(within(card).getByRole('button', { name: 'Edit' }))
    const box = within(card).getByRole('textbox', { name: 'Edit post' })
    expect((box as HTMLTextAreaElement).value).toBe('Meeting on Saturday?')
    expect(document.activeElement).toBe(box)
    await user.clear(box)
    await user.type(box, 'Meeting on Sunday?')
    await user.click(within(card).getByRole('button', { name: 'Save' }))
    await waitFor(() => expect(textOf(card)).toBe('Meeting on Sunday?'))
    expect(within(card).getByText('(edited)')).toBeTruthy()
    expect(world.founder.getPost(post.id)?.editedAt).toBeDefined()
    expect(document.activeElement).toBe(within(card).getByRole('button', { name: 'Edit' }))

    // Cancel leaves the text alone.
    await user.click(within(card).getByRole('button', { name: 'Edit' }))
    await user.type(within(card).getByRole('textbox', { name: 'Edit post' }), ' never mind')
    await user.click(within(card).getByRole('button', { name: 'Cancel' }))
    expect(textOf(card)).toBe('Meeting on Sunday?')
  })

  it("disables Save over the length limit and refuses an empty edit, in the form's words", async () => {
    world = await community({ founderName: 'Ada' })
    await world.founder.post('Meeting on Saturday?')
    const user = userEvent.setup()
    render(FeedPanel, { space: world.founder })
    const card = screen.getByRole('article', { name: 'Post by Ada' })
    await user.click(within(card).getByRole('button', { name: 'Edit' }))
    const box = within(card).getByRole('textbox', { name: 'Edit post' })
    await fireEvent.input(box, { target: { value: 'x'.repeat(MAX_POST_LENGTH + 2) } })
    expect(within(card).getByRole('button', { name: 'Save' })).toHaveProperty('disabled', true)
    expect(within(card).getByText(/2 over the limit/)).toBeTruthy()
    await fireEvent.input(box, { target: { value: '   ' } })
    await user.click(within(card).getByRole('button', { name: 'Save' }))
    expect(within(card).getByRole('alert').textContent).toBe('An edited post cannot be empty. Retract it instead, or cancel the edit.')
    expect(world.founder.getFeed()[0]?.text).toBe('Meeting on Saturday?')
  })

  it('shows only the author the Edit and Retract buttons', async () => {
    world = await community({ founderName: 'Ada' })
    const bob = await world.member('Bob')
    await bob.post('from Bob')
    await world.settle()
    render(FeedPanel, { space: world.founder })
    const card = screen.getByRole('article', { name: 'Post by Bob' })
    expect(within(card).queryByRole('button', { name: 'Edit' })).toBeNull()
    expect(within(card).queryByRole('button', { name: 'Retract' })).toBeNull()
    expect(within(card).getByRole('button', { name: 'Reply' })).toBeTruthy()
  })

  it('retracts after confirmation: a reply stays as a placeholder, a top-level post leaves the feed', async () => {
    world = await community({ founderName: 'Ada' })
    const post = await world.founder.post('root post')
    await world.founder.reply(post.id, 'regrettable reply')
    const user = userEvent.setup()
    render(FeedPanel, { space: world.founder })
    await user.click(screen.getByRole('button', { name: 'Show 1 reply' }))
    const thread = screen.getByRole('region', { name: 'Replies to Ada' })
    const reply = within(thread).getByRole('article', { name: 'Post by Ada' })
    await user.click(within(reply).getByRole('button', { name: 'Retract' }))
    expect(within(reply).getByText('Retract this post for everyone? This cannot be undone.')).toBeTruthy()
    // Cancel first, then confirm.
    await user.click(within(reply).getByRole('button', { name: 'Cancel' }))
    expect(textOf(reply)).toBe('regrettable reply')
    await user.click(within(reply).getByRole('button', { name: 'Retract' }))
    await user.click(within(reply).getByRole('button', { name: 'Retract' }))
    await waitFor(() => expect(within(thread).getByRole('article').textContent).toContain('This post was retracted'))
    const placeholder = within(thread).getByRole('article')
    expect(placeholder.textContent).not.toContain('regrettable reply')
    expect(within(placeholder).queryByRole('button', { name: 'Edit' })).toBeNull()
    expect(within(placeholder).queryByRole('button', { name: 'React' })).toBeNull()

    const card = screen.getAllByRole('article', { name: 'Post by Ada' })[0]!
    await user.click(within(card).getByRole('button', { name: 'Retract' }))
    await user.click(within(card).getByRole('button', { name: 'Retract' }))
    await waitFor(() => expect(screen.queryAllByRole('article')).toHaveLength(0))
    expect(world.founder.getFeed()).toEqual([])
  })

  it('shows a retracted post given directly as "This post was retracted"', async () => {
    world = await community({ founderName: 'Ada' })
    const post = await world.founder.post('gone soon')
    await world.founder.retractPost(post.id)
    render(PostCard, { space: world.founder, item: world.founder.getPost(post.id)! })
    const card = screen.getByRole('article', { name: 'Post by Ada' })
    expect(card.textContent).toContain('This post was retracted')
    expect(card.textContent).not.toContain('gone soon')
  })

  it('toggles reactions with aria-pressed and counts from both peers', async () => {
    world = await community({ founderName: 'Ada' })
    const bob = await world.member('Bob')
    const post = await world.founder.post('Cake on Friday')
    await world.settle()
    const user = userEvent.setup()
    render(FeedPanel, { space: world.founder })
    const card = screen.getByRole('article', { name: 'Post by Ada' })
    const react = within(card).getByRole('button', { name: 'React' })
    expect(react.getAttribute('aria-expanded')).toBe('false')
    await user.click(react)
    const picker = within(card).getByRole('group', { name: 'Pick a reaction' })
    expect(
      within(picker)
        .getAllByRole('button')
        .map((b) => b.getAttribute('aria-label')),
    ).toEqual(['React with 👍', 'React with ❤️', 'React with 🎉', 'React with 😂', 'React with 🤔', 'React with 👎'])
    await user.click(within(picker).getByRole('button', { name: 'React with 👍' }))
    const thumbs = await within(card).findByRole('button', { name: '👍 1, react' })
    expect(thumbs.getAttribute('aria-pressed')).toBe('true')
    expect(within(card).queryByRole('group', { name: 'Pick a reaction' })).toBeNull()
    expect(document.activeElement).toBe(within(card).getByRole('button', { name: 'React' }))

    await bob.react(post.id, '👍')
    await bob.react(post.id, '🎉')
    await world.settle()
    await within(card).findByRole('button', { name: '👍 2, react' })
    const party = within(card).getByRole('button', { name: '🎉 1, react' })
    expect(party.getAttribute('aria-pressed')).toBe('false')

    await user.click(within(card).getByRole('button', { name: '👍 2, react' }))
    await waitFor(() => expect(within(card).getByRole('button', { name: '👍 1, react' }).getAttribute('aria-pressed')).toBe('false'))
    await user.click(party)
    await waitFor(() => expect(within(card).getByRole('button', { name: '🎉 2, react' }).getAttribute('aria-pressed')).toBe('true'))
    await world.settle()
    expect(new Map(bob.getPost(post.id)?.reactions.map((r) => [r.emoji, r.count]))).toEqual(
      new Map([
        ['👍', 1],
        ['🎉', 2],
      ]),
    )

    // Escape closes the picker and returns focus to React.
    await user.click(within(card).getByRole('button', { name: 'React' }))
    await user.click(within(card).getByRole('button', { name: 'React with 😂' }))
    await within(card).findByRole('button', { name: '😂 1, react' })
    await user.click(within(card).getByRole('button', { name: 'React' }))
    within(card).getByRole('button', { name: 'React with 😂' }).focus()
    await user.keyboard('{Escape}')
    expect(within(card).queryByRole('group', { name: 'Pick a reaction' })).toBeNull()
    expect(document.activeElement).toBe(within(card).getByRole('button', { name: 'React' }))
  })

  it('highlights mentions of listed dids only, and shows a shortened did for authors without a name', async () => {
    world = await community()
    const grace = await world.member('Grace')
    await world.founder.post('hi @Grace and @Nobody', { mentions: [grace.identity.did] })
    render(FeedPanel, { space: world.founder })
    const [card] = screen.getAllByRole('article')
    expect(card!.getAttribute('aria-label')).toBe(`Post by did:…${world.founder.identity.did.slice(-6)}`)
    const marks = card!.querySelectorAll('.mention')
    expect(Array.from(marks).map((m) => m.textContent)).toEqual(['@Grace'])
    expect(marks[0]!.getAttribute('title')).toBe(grace.identity.did)
    expect(textOf(card!)).toBe('hi @Grace and @Nobody')
  })
})
