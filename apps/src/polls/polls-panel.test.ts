/** PollsPanel: the list, New poll → CreatePoll → the new poll selected, and live status badges. */
import { render, screen, waitFor, within } from '@testing-library/svelte'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { eventually } from '../../../testing/index.js'
import PollsPanel from './PollsPanel.svelte'
import { closeSpaces, soloSpace } from './test-helpers.js'

afterEach(closeSpaces)

describe('PollsPanel', () => {
  it('lists polls newest first with method, status and turnout, and follows the space', async () => {
    const space = await soloSpace()
    const first = await space.createPoll({ question: 'Start time?', options: ['9:00', '10:00'], method: 'plurality' })
    await space.createPoll({ question: 'Which days?', options: ['Sat', 'Sun'], method: 'approval' })
    await space.castBallot(first.id, 1)
    render(PollsPanel, { props: { space } })

    const list = within(screen.getByRole('navigation', { name: 'Poll list' }))
    expect(list.getAllByRole('button').map((b) => b.textContent)).toEqual(['Which days?', 'Start time?'])
    const item = screen.getByRole('button', { name: 'Start time?' }).closest('li')!
    expect(item.textContent?.replace(/\s+/g, ' ')).toMatch(/Open Plurality 1 ballot/)

    await space.closePoll(first.id)
    await eventually(() => expect(within(item).getByText('Final')).toBeTruthy())
  })

  it('creates a poll with New poll → Create poll and shows it', async () => {
    const space = await soloSpace()
    const user = userEvent.setup()
    render(PollsPanel, { props: { space } })
    expect(screen.getByText(/No polls yet/)).toBeTruthy()

    await user.click(screen.getByRole('button', { name: 'New poll' }))
    expect(screen.getByLabelText('Question')).toBe(document.activeElement)
    await user.type(screen.getByLabelText('Question'), 'Lunch?')
    await user.type(screen.getByLabelText('Option 1'), 'Soup')
    await user.type(screen.getByLabelText('Option 2'), 'Salad')
    await user.click(screen.getByRole('button', { name: 'Create poll' }))

    await waitFor(() => expect(screen.getByRole('heading', { name: 'Lunch?' })).toBeTruthy())
    expect(screen.getByRole('button', { name: 'Lunch?' }).getAttribute('aria-current')).toBe('true')
    expect(space.getPolls().map((p) => p.question)).toEqual(['Lunch?'])

    await user.click(screen.getByRole('radio', { name: 'Salad' }))
    await user.click(screen.getByRole('button', { name: 'Vote' }))
    await eventually(() => expect(screen.getByTestId('result-summary').textContent).toMatch('Salad leads with 1 of 1 ballot.'))
  })

  it('selects a poll from the list and cancels the form', async () => {
    const space = await soloSpace()
    await space.createPoll({ question: 'Start time?', options: ['9:00', '10:00'], method: 'score' })
    const user = userEvent.setup()
    render(PollsPanel, { props: { space } })
    await user.click(screen.getByRole('button', { name: 'Start time?' }))
    expect(screen.getByRole('heading', { name: 'Start time?' })).toBeTruthy()
    expect(screen.getAllByRole('slider')).toHaveLength(2)

    await user.click(screen.getByRole('button', { name: 'New poll' }))
    expect(screen.queryByRole('heading', { name: 'Start time?' })).toBeNull()
    await user.click(screen.getByRole('button', { name: 'Cancel' }))
    expect(screen.getByRole('button', { name: 'New poll' })).toBe(document.activeElement)
  })

  it('opens a permalink to a comment (or a reply under one) on its poll, with that comment focused', async () => {
    const space = await soloSpace()
    const poll = await space.createPoll({ question: 'Repaint?', options: ['Yes', 'No'], method: 'plurality' })
    await space.createPoll({ question: 'Other?', options: ['A', 'B'], method: 'plurality' })
    const comment = await space.reply(poll.id, 'Green, please.')
    const answer = await space.reply(comment.id, 'Seconded.')
    render(PollsPanel, { props: { space, item: answer.id } })
    await eventually(() => expect(screen.getByRole('heading', { name: 'Repaint?' })).toBeTruthy())
    await eventually(() => expect(document.activeElement?.textContent).toMatch(/Green, please\./))
    expect(screen.getByRole('heading', { name: 'Comments (1)' })).toBeTruthy()
  })
})
