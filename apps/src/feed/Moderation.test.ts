/** Moderation across peers (hide, show hidden, unhide), role-gated buttons, and local mutes. */
import { render, screen, waitFor, within } from '@testing-library/svelte'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { createIdentity, openSpace } from '../../../core/index.js'
import FeedPanel from './FeedPanel.svelte'
import { community, type Community } from './test-helpers.js'

let world: Community | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

const texts = (root: HTMLElement) =>
  within(root)
    .queryAllByRole('article')
    .map((a) => a.querySelector('.text')?.textContent?.trim())

describe('moderation', () => {
  it('a founder hides a post: it disappears for another member after sync, and stays visible to moderators with "Show hidden"', async () => {
    world = await community({ founderName: 'Ada' })
    const bob = await world.member('Bob')
    const cy = await world.member('Cy')
    const spam = await bob.post('buy now')
    await bob.post('real question')
    await world.settle()
    const user = userEvent.setup()
    const founderView = render(FeedPanel, { space: world.founder }).container
    const cyView = render(FeedPanel, { space: cy }).container
    expect(texts(cyView)).toEqual(['real question', 'buy now'])

    const card = within(founderView).getAllByRole('article', { name: 'Post by Bob' })[1]!
    await user.click(within(card).getByRole('button', { name: 'Hide post' }))
    await user.type(within(card).getByRole('textbox', { name: 'Reason (optional)' }), 'spam')
    // The trigger gives way to the form's own "Hide post" button.
    await user.click(within(card).getByRole('button', { name: 'Hide post' }))
    await waitFor(() => expect(texts(founderView)).toEqual(['real question']))
    await world.synced(() => expect(texts(cyView)).toEqual(['real question']))
    expect(bob.getFeed({ includeHidden: true }).find((i) => i.id === spam.id)?.hidden).toBe(true)

    // Cy is not a moderator: no switch, no hide buttons.
    expect(within(cyView).queryByRole('checkbox', { name: 'Show hidden' })).toBeNull()

    const show = within(founderView).getByRole('checkbox', { name: 'Show hidden' })
    await user.click(show)
    await waitFor(() => expect(texts(founderView)).toEqual(['real question', 'buy now']))
    const hidden = within(founderView).getAllByRole('article', { name: 'Post by Bob' })[1]!
    expect(within(hidden).getByText('Hidden by a moderator')).toBeTruthy()
    expect(within(founderView).getAllByRole('article', { name: 'Post by Bob' })[0]!.textContent).not.toContain('Hidden by a moderator')

    await user.click(within(hidden).getByRole('button', { name: 'Unhide post' }))
    await world.synced(() => expect(texts(cyView)).toEqual(['real question', 'buy now']))
    await user.click(show)
    expect(texts(founderView)).toEqual(['real question', 'buy now'])
  })

  it("shows the author their hidden post with a notice and the moderator's reason, while others no longer see it", async () => {
    world = await community({ founderName: 'Ada' })
    const bob = await world.member('Bob')
    const cy = await world.member('Cy')
    const post = await bob.post('buy now')
    const reply = await bob.reply(post.id, 'really, buy now')
    await world.settle()
    await world.founder.hidePost(post.id, { reason: 'advertising' })
    await world.founder.hidePost(reply.id)
    await world.settle()
    const bobView = render(FeedPanel, { space: bob }).container
    const cyView = render(FeedPanel, { space: cy }).container
    expect(texts(cyView)).toEqual([])
    expect(texts(bobView)).toEqual(['buy now'])
    const card = within(bobView).getByRole('article', { name: 'Post by Bob' })
    expect(within(card).getByRole('note').textContent?.trim()).toBe(
      'Hidden by a moderator: others in this space no longer see this post. Reason given: “advertising”.',
    )
    // The hidden reply is still in Bob's thread, with its own notice.
    await userEvent.setup().click(within(card).getByRole('button', { name: 'Show 1 reply' }))
    const replies = within(bobView).getAllByRole('article', { name: 'Post by Bob' })
    expect(replies).toHaveLength(2)
    expect(within(replies[1]!).getByRole('note').textContent).toContain('No reason was given.')
  })

  it('hides every post of an author, replies in threads included', async () => {
    world = await community({ founderName: 'Ada' })
    const bob = await world.member('Bob')
    const carol = await world.member('Carol')
    const question = await carol.post('question')
    await world.settle()
    await bob.reply(question.id, 'troll reply')
    await bob.post('troll post')
    await world.settle()
    const user = userEvent.setup()
    const founderView = render(FeedPanel, { space: world.founder }).container
    const carolView = render(FeedPanel, { space: carol }).container

    const card = within(founderView).getByRole('article', { name: 'Post by Bob' })
    await user.click(within(card).getByRole('button', { name: 'Hide author' }))
    expect(within(card).getByText(/Hide every post by Bob/)).toBeTruthy()
    await user.click(within(card).getByRole('button', { name: 'Hide author' }))
    await world.synced(() => expect(texts(carolView)).toEqual(['question']))
    // The hidden reply is not counted either: no "Show 1 reply" that opens onto nothing.
    expect(within(carolView).queryByRole('button', { name: /^Show \d+ repl/ })).toBeNull()

    // The moderator sees both, flagged, with "Show hidden" (threads included).
    await user.click(within(founderView).getByRole('checkbox', { name: 'Show hidden' }))
    await waitFor(() => expect(texts(founderView)).toEqual(['troll post', 'question']))
    await user.click(within(founderView).getByRole('button', { name: 'Show 1 reply' }))
    const thread = within(founderView).getByRole('region', { name: 'Replies to Carol' })
    expect(within(thread).getByRole('article', { name: 'Post by Bob' }).textContent).toContain('Hidden by a moderator')
  })

  it('shows hide buttons and the switch only to moderators, admins and the founder', async () => {
    world = await community({ founderName: 'Ada' })
    const bob = await world.member('Bob')
    const mia = await world.member('Mia')
    await world.founder.post('from Ada')
    await world.founder.grantRole(mia.identity.did, 'moderator')
    await world.settle()
    const bobView = render(FeedPanel, { space: bob }).container
    const miaView = render(FeedPanel, { space: mia }).container
    const bobCard = within(bobView).getByRole('article', { name: 'Post by Ada' })
    expect(within(bobCard).queryByRole('button', { name: 'Hide post' })).toBeNull()
    expect(within(bobCard).queryByRole('button', { name: 'Hide author' })).toBeNull()
    expect(within(bobView).queryByRole('checkbox', { name: 'Show hidden' })).toBeNull()
    // Everyone may mute locally.
    expect(within(bobCard).getByRole('button', { name: 'Mute author' })).toBeTruthy()

    const miaCard = within(miaView).getByRole('article', { name: 'Post by Ada' })
    expect(within(miaCard).getByRole('button', { name: 'Hide post' })).toBeTruthy()
    expect(within(miaCard).getByRole('button', { name: 'Hide author' })).toBeTruthy()
    expect(within(miaView).getByRole('checkbox', { name: 'Show hidden' })).toBeTruthy()

    // Demoted: the buttons go away live.
    await world.founder.revokeRole(mia.identity.did)
    await world.settle()
    await waitFor(() => expect(within(miaCard).queryByRole('button', { name: 'Hide post' })).toBeNull())
    expect(within(miaView).queryByRole('checkbox', { name: 'Show hidden' })).toBeNull()
  })

  it('mutes an author only locally, and lists mutes to undo them', async () => {
    world = await community({ founderName: 'Ada' })
    const bob = await world.member('Bob')
    await bob.post('noise')
    await world.founder.post('signal')
    await world.settle()
    const records = world.founder.getRecords().length
    const user = userEvent.setup()
    const founderView = render(FeedPanel, { space: world.founder }).container
    const bobView = render(FeedPanel, { space: bob }).container

    const mute = within(founderView).getByRole('button', { name: 'Mute author' })
    expect(mute.getAttribute('title')).toMatch(/this device only.*not replicated/i)
    await user.click(mute)
    await waitFor(() => expect(texts(founderView)).toEqual(['signal']))
    await world.settle()
    expect(world.founder.getRecords()).toHaveLength(records)
    // Posted within the same millisecond or so: compare without order.
    expect(texts(bobView).sort()).toEqual(['noise', 'signal'])
    expect(
      bob
        .getFeed()
        .map((i) => i.text)
        .sort(),
    ).toEqual(['noise', 'signal'])

    const list = within(founderView).getByText('Muted on this device (1)')
    await user.click(list)
    await user.click(within(founderView).getByRole('button', { name: 'Unmute Bob' }))
    await waitFor(() => expect(texts(founderView).sort()).toEqual(['noise', 'signal']))
    expect(within(founderView).queryByText(/Muted on this device/)).toBeNull()
  })

  it('mutes a single post locally', async () => {
    world = await community({ founderName: 'Ada' })
    const bob = await world.member('Bob')
    await bob.post('first')
    await bob.post('second')
    await world.settle()
    const user = userEvent.setup()
    const founderView = render(FeedPanel, { space: world.founder }).container
    const card = within(founderView).getAllByRole('article', { name: 'Post by Bob' })[0]!
    const mute = within(card).getByRole('button', { name: 'Mute post' })
    expect(mute.getAttribute('title')).toMatch(/not replicated/)
    await user.click(mute)
    await waitFor(() => expect(texts(founderView)).toEqual(['first']))
    expect(bob.getFeed()).toHaveLength(2)
    await user.click(within(founderView).getByText('Muted on this device (1)'))
    await user.click(within(founderView).getByRole('button', { name: 'Unmute post Bob: second' }))
    await waitFor(() => expect(texts(founderView)).toEqual(['second', 'first']))
  })

  it('offers no composer to a stranger in an invite-only space', async () => {
    world = await community({ policy: 'invite-only' })
    const stranger = await openSpace({
      id: world.founder.id,
      secret: world.founder.secret,
      identity: await createIdentity(),
      replica: world.network.replica(world.founder.id),
    })
    world.spaces.push(stranger)
    await world.settle()
    render(FeedPanel, { space: stranger })
    expect(screen.queryByRole('textbox', { name: 'Write a post' })).toBeNull()
    expect(screen.getByText(/invite-only/)).toBeTruthy()
  })
})
