/** The vote controls: each renders its method's options and hands onvote the exact choice core expects. */
import { fireEvent, render, screen, within } from '@testing-library/svelte'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import ApprovalVote from './ApprovalVote.svelte'
import PluralityVote from './PluralityVote.svelte'
import QuadraticVote from './QuadraticVote.svelte'
import RankedVote from './RankedVote.svelte'
import ScoreVote from './ScoreVote.svelte'
import VoteControls from './VoteControls.svelte'
import WeightedVote from './WeightedVote.svelte'
import { closeSpaces, makePoll, soloSpace } from './test-helpers.js'

afterEach(closeSpaces)

const rankingItems = () =>
  within(screen.getByRole('list', { name: 'Your ranking' }))
    .queryAllByRole('listitem')
    .map((li) => li.querySelector('.text')?.textContent)

/** Adds options to an empty ranking, in this order. */
async function rankInOrder(user: ReturnType<typeof userEvent.setup>, names: readonly string[]): Promise<void> {
  for (const name of names) await user.click(screen.getByRole('button', { name: `Rank ${name}` }))
}

describe('PluralityVote', () => {
  it('renders a radio per option and votes with the option index', async () => {
    const space = await soloSpace()
    const poll = await makePoll(space, { question: 'Start time?', options: ['9:00', '10:00', '11:00'], method: 'plurality' })
    const onvote = vi.fn()
    const user = userEvent.setup()
    render(PluralityVote, { props: { poll, onvote } })

    expect(screen.getAllByRole('radio').map((r) => r.closest('label')?.textContent?.trim())).toEqual(['9:00', '10:00', '11:00'])
    await user.click(screen.getByRole('button', { name: 'Vote' }))
    expect(screen.getByText('Choose an option.')).toBeTruthy()
    expect(onvote).not.toHaveBeenCalled()

    await user.click(screen.getByRole('radio', { name: '10:00' }))
    await user.click(screen.getByRole('button', { name: 'Vote' }))
    expect(onvote).toHaveBeenCalledExactlyOnceWith(1)
    expect(screen.getByRole('button', { name: 'Change vote' })).toBeTruthy()
  })

  it('shows the current ballot as the initial value', async () => {
    const space = await soloSpace()
    const poll = await makePoll(space, { question: 'Start time?', options: ['9:00', '10:00'], method: 'plurality' })
    await space.castBallot(poll.id, 1)
    const value = (space.getMyBallot(poll.id)?.body as { choice: number }).choice
    render(PluralityVote, { props: { poll, value, onvote: vi.fn() } })
    expect((screen.getByRole('radio', { name: '10:00' }) as HTMLInputElement).checked).toBe(true)
    expect(screen.getByRole('button', { name: 'Change vote' })).toBeTruthy()
  })
})

describe('ApprovalVote', () => {
  it('votes with the approved indices in increasing order', async () => {
    const space = await soloSpace()
    const poll = await makePoll(space, {
      question: 'Days?',
      options: ['Sat', 'Sun', 'Wed'],
      method: 'approval',
      params: { min: 1, max: 2 },
    })
    const onvote = vi.fn()
    const user = userEvent.setup()
    render(ApprovalVote, { props: { poll, onvote } })

    expect(screen.getByText(/Approve 1 to 2 options/)).toBeTruthy()
    await user.click(screen.getByRole('checkbox', { name: 'Wed' }))
    await user.click(screen.getByRole('checkbox', { name: 'Sat' }))
    await user.click(screen.getByRole('button', { name: 'Vote' }))
    expect(onvote).toHaveBeenCalledExactlyOnceWith([0, 2])
  })

  it('refuses more approvals than max, with a visible message', async () => {
    const space = await soloSpace()
    const poll = await makePoll(space, {
      question: 'Days?',
      options: ['Sat', 'Sun', 'Wed'],
      method: 'approval',
      params: { min: 1, max: 2 },
    })
    const onvote = vi.fn()
    const user = userEvent.setup()
    render(ApprovalVote, { props: { poll, onvote } })

    for (const day of ['Sat', 'Sun', 'Wed']) await user.click(screen.getByRole('checkbox', { name: day }))
    expect(screen.getByText('Too many: you can approve at most 2 options.')).toBeTruthy()
    await user.click(screen.getByRole('button', { name: 'Vote' }))
    expect(onvote).not.toHaveBeenCalled()
    expect(screen.getByText('You can approve at most 2 options; 3 are selected.')).toBeTruthy()
  })

  it('starts from the current ballot', async () => {
    const space = await soloSpace()
    const poll = await makePoll(space, { question: 'Days?', options: ['Sat', 'Sun', 'Wed'], method: 'approval' })
    render(ApprovalVote, { props: { poll, value: [1, 2], onvote: vi.fn() } })
    expect(screen.getAllByRole('checkbox').map((box) => (box as HTMLInputElement).checked)).toEqual([false, true, true])
    expect(screen.getByRole('button', { name: 'Change vote' })).toBeTruthy()
  })
})

describe('RankedVote', () => {
  it('reorders with Alt+Arrow keys on a focused item, keeping focus on it', async () => {
    const space = await soloSpace()
    const poll = await makePoll(space, { question: 'Best?', options: ['A', 'B', 'C'], method: 'instant-runoff' })
    const onvote = vi.fn()
    const user = userEvent.setup()
    render(RankedVote, { props: { poll, onvote } })
    await rankInOrder(user, ['A', 'B', 'C'])
    expect(rankingItems()).toEqual(['A', 'B', 'C'])

    const c = screen.getAllByRole('listitem').find((li) => li.textContent?.includes('C'))!
    c.focus()
    await user.keyboard('{Alt>}{ArrowUp}{/Alt}')
    expect(rankingItems()).toEqual(['A', 'C', 'B'])
    expect(document.activeElement?.querySelector('.text')?.textContent).toBe('C')
    await user.keyboard('{Alt>}{ArrowUp}{/Alt}')
    expect(rankingItems()).toEqual(['C', 'A', 'B'])
    // Without Alt the arrows do nothing (they stay free for scrolling and screen readers).
    await user.keyboard('{ArrowDown}')
    expect(rankingItems()).toEqual(['C', 'A', 'B'])
    await user.keyboard('{Alt>}{ArrowDown}{/Alt}')
    expect(rankingItems()).toEqual(['A', 'C', 'B'])

    await user.click(screen.getByRole('button', { name: 'Vote' }))
    expect(onvote).toHaveBeenCalledExactlyOnceWith([0, 2, 1])
  })

  it('reorders with the Move buttons and allows a partial ranking', async () => {
    const space = await soloSpace()
    const poll = await makePoll(space, { question: 'When?', options: ['9:00', '10:00', '11:00'], method: 'schulze' })
    const onvote = vi.fn()
    const user = userEvent.setup()
    render(RankedVote, { props: { poll, onvote } })
    await rankInOrder(user, ['9:00', '10:00', '11:00'])

    expect(screen.getByRole('button', { name: 'Move 9:00 up' })).toHaveProperty('disabled', true)
    await user.click(screen.getByRole('button', { name: 'Move 10:00 up' }))
    expect(rankingItems()).toEqual(['10:00', '9:00', '11:00'])
    await user.click(screen.getByRole('button', { name: 'Move 9:00 down' }))
    expect(rankingItems()).toEqual(['10:00', '11:00', '9:00'])
    await user.click(screen.getByRole('button', { name: 'Remove 9:00' }))
    expect(rankingItems()).toEqual(['10:00', '11:00'])
    await user.click(screen.getByRole('button', { name: 'Vote' }))
    expect(onvote).toHaveBeenLastCalledWith([1, 2])

    await user.click(screen.getByRole('button', { name: 'Rank 9:00' }))
    await user.click(screen.getByRole('button', { name: 'Change vote' }))
    expect(onvote).toHaveBeenLastCalledWith([1, 2, 0])
  })

  it('starts with an empty ballot, refuses to cast it, and confirms the vote once cast', async () => {
    const space = await soloSpace()
    const poll = await makePoll(space, { question: 'Best?', options: ['A', 'B', 'C'], method: 'instant-runoff' })
    const onvote = vi.fn()
    const user = userEvent.setup()
    render(RankedVote, { props: { poll, onvote } })
    expect(rankingItems()).toEqual([])
    expect(screen.getByText(/Nothing ranked yet/)).toBeTruthy()
    await user.click(screen.getByRole('button', { name: 'Vote' }))
    expect(screen.getByText('Rank at least one option.')).toBeTruthy()
    expect(onvote).not.toHaveBeenCalled()

    await rankInOrder(user, ['C'])
    const submit = screen.getByRole('button', { name: 'Vote' })
    await user.click(submit)
    expect(onvote).toHaveBeenCalledExactlyOnceWith([2])
    expect(screen.getByRole('status').textContent).toBe('Vote recorded.')
    // The button stays where it was, focused, now offering to change the vote.
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Change vote' }))
    // The last ranked option can be removed again, back to an empty ballot.
    await user.click(screen.getByRole('button', { name: 'Remove C' }))
    expect(rankingItems()).toEqual([])
  })

  it('starts from the current (partial) ranking', async () => {
    const space = await soloSpace()
    const poll = await makePoll(space, { question: 'Best?', options: ['A', 'B', 'C'], method: 'copeland' })
    render(RankedVote, { props: { poll, value: [2, 0], onvote: vi.fn() } })
    expect(rankingItems()).toEqual(['C', 'A'])
    expect(screen.getByRole('button', { name: 'Rank B' })).toBeTruthy()
  })
})

describe('ScoreVote', () => {
  it('renders a labelled slider per option and votes with one score per option', async () => {
    const space = await soloSpace()
    const poll = await makePoll(space, { question: 'Rate', options: ['A', 'B', 'C'], method: 'score', params: { min: 0, max: 5 } })
    const onvote = vi.fn()
    const user = userEvent.setup()
    render(ScoreVote, { props: { poll, onvote } })

    const sliders = screen.getAllByRole('slider')
    expect(sliders.map((s) => s.getAttribute('max'))).toEqual(['5', '5', '5'])
    await fireEvent.input(screen.getByLabelText('Score for A'), { target: { value: '5' } })
    await fireEvent.input(screen.getByLabelText('Score for B'), { target: { value: '3' } })
    expect(screen.getAllByText('5').some((el) => el.tagName === 'OUTPUT')).toBe(true)
    await user.click(screen.getByRole('button', { name: 'Vote' }))
    expect(onvote).toHaveBeenCalledExactlyOnceWith([5, 3, 0])
  })

  it('starts from the current ballot', async () => {
    const space = await soloSpace()
    const poll = await makePoll(space, { question: 'Rate', options: ['A', 'B'], method: 'score', params: { min: -2, max: 2 } })
    render(ScoreVote, { props: { poll, value: [2, -1], onvote: vi.fn() } })
    expect((screen.getByLabelText('Score for A') as HTMLInputElement).value).toBe('2')
    expect((screen.getByLabelText('Score for B') as HTMLInputElement).value).toBe('-1')
  })
})

describe('QuadraticVote', () => {
  it('counts credits as n², stops the + at the budget and votes with votes per option', async () => {
    const space = await soloSpace()
    const poll = await makePoll(space, {
      question: 'Fund',
      options: ['Park', 'Library', 'Pool'],
      method: 'quadratic',
      params: { credits: 10 },
    })
    const onvote = vi.fn()
    const user = userEvent.setup()
    render(QuadraticVote, { props: { poll, onvote } })

    for (let i = 0; i < 3; i++) await user.click(screen.getByRole('button', { name: 'One vote more for Park' }))
    expect(screen.getByText('9 of 10 credits used')).toBeTruthy()
    await user.click(screen.getByRole('button', { name: 'One vote more for Library' }))
    expect(screen.getByText('10 of 10 credits used')).toBeTruthy()
    expect(screen.getByRole('button', { name: 'One vote more for Library' })).toHaveProperty('disabled', true)
    expect((screen.getByRole('meter', { name: 'Credits used' }) as HTMLMeterElement).getAttribute('value')).toBe('10')

    await user.click(screen.getByRole('button', { name: 'Vote' }))
    expect(onvote).toHaveBeenCalledExactlyOnceWith([3, 1, 0])
  })

  it('refuses a ballot over budget with a visible message', async () => {
    const space = await soloSpace()
    const poll = await makePoll(space, { question: 'Fund', options: ['Park', 'Library'], method: 'quadratic', params: { credits: 10 } })
    const onvote = vi.fn()
    const user = userEvent.setup()
    render(QuadraticVote, { props: { poll, onvote } })

    const park = screen.getByLabelText('Votes for Park')
    await user.clear(park)
    await user.type(park, '3')
    const library = screen.getByLabelText('Votes for Library')
    await user.clear(library)
    await user.type(library, '2')
    expect(screen.getByRole('alert').textContent).toBe('Over budget: these votes cost 13 credits; your budget is 10.')
    await user.click(screen.getByRole('button', { name: 'Vote' }))
    expect(onvote).not.toHaveBeenCalled()
  })
})

describe('WeightedVote', () => {
  it('votes with points per option adding up to the total', async () => {
    const space = await soloSpace()
    const poll = await makePoll(space, { question: 'Split', options: ['A', 'B', 'C'], method: 'weighted', params: { points: 10 } })
    const onvote = vi.fn()
    const user = userEvent.setup()
    render(WeightedVote, { props: { poll, onvote } })

    const a = screen.getByLabelText('Points for A')
    await user.clear(a)
    await user.type(a, '6')
    for (let i = 0; i < 4; i++) await user.click(screen.getByRole('button', { name: 'One point more for C' }))
    expect(screen.getByText('10 of 10 points used')).toBeTruthy()
    expect(screen.getByRole('button', { name: 'One point more for B' })).toHaveProperty('disabled', true)
    await user.click(screen.getByRole('button', { name: 'Vote' }))
    expect(onvote).toHaveBeenCalledExactlyOnceWith([6, 0, 4])
  })

  it('refuses too many points, and too few, with visible messages', async () => {
    const space = await soloSpace()
    const poll = await makePoll(space, { question: 'Split', options: ['A', 'B'], method: 'weighted', params: { points: 10 } })
    const onvote = vi.fn()
    const user = userEvent.setup()
    render(WeightedVote, { props: { poll, onvote } })

    const a = screen.getByLabelText('Points for A')
    await user.clear(a)
    await user.type(a, '8')
    await user.click(screen.getByRole('button', { name: 'Vote' }))
    expect(screen.getByRole('alert').textContent).toBe('Give out all 10 points: 2 points left.')

    const b = screen.getByLabelText('Points for B')
    await user.clear(b)
    await user.type(b, '5')
    expect(screen.getByRole('alert').textContent).toBe('Too many points: 13 used, but you have exactly 10 points to give.')
    await user.click(screen.getByRole('button', { name: 'Vote' }))
    expect(onvote).not.toHaveBeenCalled()
  })
})

describe('VoteControls', () => {
  it('picks the control that fits each method', async () => {
    const space = await soloSpace()
    const options = ['A', 'B', 'C']
    const cases = [
      { method: 'plurality', role: 'radio' },
      { method: 'approval', role: 'checkbox' },
      { method: 'instant-runoff', role: 'list' },
      { method: 'schulze', role: 'list' },
      { method: 'copeland', role: 'list' },
      { method: 'score', role: 'slider' },
      { method: 'quadratic', role: 'spinbutton', params: { credits: 9 } },
      { method: 'weighted', role: 'spinbutton', params: { points: 3 } },
    ] as const
    for (const c of cases) {
      const poll = await makePoll(space, { question: c.method, options, method: c.method, ...('params' in c ? { params: c.params } : {}) })
      const view = render(VoteControls, { props: { poll, onvote: vi.fn() } })
      expect(screen.getAllByRole(c.role).length, c.method).toBeGreaterThan(0)
      expect(screen.getByRole('button', { name: 'Vote' })).toBeTruthy()
      view.unmount()
    }
  })
})
