/** Composer: posting, the length counter and core's refusal, mention autocomplete, keyboard submit. */
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { MAX_POST_LENGTH } from '../../../core/index.js'
import Composer from './Composer.svelte'
import FeedPanel from './FeedPanel.svelte'
import { community, type Community } from './test-helpers.js'

let world: Community | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

describe('Composer', () => {
  it('posts what was typed and shows it at the top of the feed', async () => {
    world = await community({ founderName: 'Ada' })
    const user = userEvent.setup()
    render(FeedPanel, { space: world.founder })
    const box = screen.getByRole('textbox', { name: 'Write a post' })
    await user.type(box, 'First meeting on Saturday')
    await user.click(screen.getByRole('button', { name: 'Post' }))
    await waitFor(() => expect(world!.founder.getFeed().map((i) => i.text)).toEqual(['First meeting on Saturday']))
    const article = await screen.findByRole('article', { name: 'Post by Ada' })
    expect(article.textContent).toContain('First meeting on Saturday')
    expect((box as HTMLTextAreaElement).value).toBe('')

    await user.type(box, 'Second')
    await user.click(screen.getByRole('button', { name: 'Post' }))
    await waitFor(() =>
      expect(screen.getAllByRole('article').map((a) => a.querySelector('.text')?.textContent?.trim())).toEqual([
        'Second',
        'First meeting on Saturday',
      ]),
    )
  })

  it('submits with Ctrl+Enter and Cmd+Enter', async () => {
    world = await community()
    const user = userEvent.setup()
    render(Composer, { space: world.founder })
    const box = screen.getByRole('textbox', { name: 'Write a post' })
    await user.type(box, 'by keyboard')
    await user.keyboard('{Control>}{Enter}{/Control}')
    await waitFor(() => expect(world!.founder.getFeed().map((i) => i.text)).toEqual(['by keyboard']))
    await user.type(box, 'on a Mac')
    await user.keyboard('{Meta>}{Enter}{/Meta}')
    await waitFor(() => expect(world!.founder.getFeed().map((i) => i.text)).toEqual(['on a Mac', 'by keyboard']))
  })

  it('counts characters against the limit and disables Post over it, without asking core', async () => {
    world = await community()
    const user = userEvent.setup()
    render(Composer, { space: world.founder })
    const box = screen.getByRole('textbox', { name: 'Write a post' })
    await user.type(box, 'hello')
    expect(screen.getByText(`5 / ${MAX_POST_LENGTH}`, { exact: false })).toBeTruthy()

    await fireEvent.input(box, { target: { value: 'x'.repeat(MAX_POST_LENGTH + 1) } })
    expect(box.getAttribute('aria-invalid')).toBe('true')
    expect(screen.getByText(`${MAX_POST_LENGTH + 1} / ${MAX_POST_LENGTH}`, { exact: false }).textContent).toContain('1 over the limit')
    expect(screen.getByRole('button', { name: 'Post' })).toHaveProperty('disabled', true)
    // Ctrl+Enter does not get past the limit either, and says so in the form's words.
    box.focus()
    await user.keyboard('{Control>}{Enter}{/Control}')
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toBe(`This post is 1 character over the limit of ${MAX_POST_LENGTH}. Shorten it to send it.`)
    expect(world.founder.getFeed()).toEqual([])
    // The draft is kept so it can be shortened.
    expect((box as HTMLTextAreaElement).value).toHaveLength(MAX_POST_LENGTH + 1)

    await fireEvent.input(box, { target: { value: 'x'.repeat(MAX_POST_LENGTH) } })
    expect(screen.queryByRole('alert')).toBeNull()
    await user.click(screen.getByRole('button', { name: 'Post' }))
    await waitFor(() => expect(world!.founder.getFeed()[0]?.text).toHaveLength(MAX_POST_LENGTH))
  })

  it('refuses an empty post without publishing anything', async () => {
    world = await community()
    const user = userEvent.setup()
    render(Composer, { space: world.founder })
    await user.type(screen.getByRole('textbox', { name: 'Write a post' }), '   ')
    await user.click(screen.getByRole('button', { name: 'Post' }))
    expect((await screen.findByRole('alert')).textContent).toMatch(/Write something/)
    expect(world.founder.getFeed()).toEqual([])
  })

  it('completes @-mentions from members by name and records their dids', async () => {
    world = await community({ founderName: 'Ada' })
    const grace = await world.member('Grace Hopper')
    await world.member('Gregory')
    await world.member('Linus')
    const user = userEvent.setup()
    render(Composer, { space: world.founder })
    const box = screen.getByRole('textbox', { name: 'Write a post' })
    await user.type(box, 'Thanks @gr')
    const list = await screen.findByRole('listbox', { name: 'Mention a member' })
    expect(
      within(list)
        .getAllByRole('option')
        .map((o) => o.textContent?.trim()),
    ).toEqual(['@Grace Hopper', '@Gregory'])
    expect(box.getAttribute('aria-activedescendant')).toBe(within(list).getAllByRole('option')[0]!.id)
    // Arrow keys move the highlight; Enter picks.
    await user.keyboard('{ArrowDown}{ArrowUp}{Enter}')
    expect((box as HTMLTextAreaElement).value).toBe('Thanks @Grace Hopper ')
    expect(screen.queryByRole('listbox')).toBeNull()
    await user.type(box, 'for the compiler')
    await user.click(screen.getByRole('button', { name: 'Post' }))
    await waitFor(() => expect(world!.founder.getFeed()).toHaveLength(1))
    const [item] = world.founder.getFeed()
    expect(item!.text).toBe('Thanks @Grace Hopper for the compiler')
    expect(item!.mentions).toEqual([grace.identity.did])
  })

  it('picks a mention with the mouse, closes on Escape, and drops mentions deleted from the text', async () => {
    world = await community()
    const linus = await world.member('Linus')
    const user = userEvent.setup()
    render(Composer, { space: world.founder })
    const box = screen.getByRole('textbox', { name: 'Write a post' })
    await user.type(box, '@Li')
    await user.keyboard('{Escape}')
    expect(screen.queryByRole('listbox')).toBeNull()
    await user.type(box, 'n')
    await user.click(await screen.findByRole('option', { name: '@Linus' }))
    expect((box as HTMLTextAreaElement).value).toBe('@Linus ')
    await user.type(box, 'hi')
    await user.click(screen.getByRole('button', { name: 'Post' }))
    await waitFor(() => expect(world!.founder.getFeed()[0]?.mentions).toEqual([linus.identity.did]))

    await user.type(box, '@Lin')
    await user.keyboard('{Tab}')
    expect((box as HTMLTextAreaElement).value).toBe('@Linus ')
    await user.clear(box)
    await user.type(box, 'never mind')
    await user.click(screen.getByRole('button', { name: 'Post' }))
    await waitFor(() => expect(world!.founder.getFeed()[0]?.text).toBe('never mind'))
    expect(world.founder.getFeed()[0]?.mentions).toEqual([])
  })
})
