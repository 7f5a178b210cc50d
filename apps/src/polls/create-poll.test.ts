/** CreatePoll publishes real polls of every method on a real space, and shows core's errors. */
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { MethodName, Space } from '../../../core/index.js'
import CreatePoll from './CreatePoll.svelte'
import { closeSpaces, soloSpace } from './test-helpers.js'

afterEach(closeSpaces)

type User = ReturnType<typeof userEvent.setup>

async function fill(user: User, label: string, text: string) {
  const input = screen.getByLabelText(label)
  await user.clear(input)
  if (text) await user.type(input, text)
}

async function basics(user: User, question: string, options: string[]) {
  await fill(user, 'Question', question)
  for (let i = 2; i < options.length; i++) await user.click(screen.getByRole('button', { name: 'Add option' }))
  for (const [i, text] of options.entries()) await fill(user, `Option ${i + 1}`, text)
}

describe('CreatePoll', () => {
  const cases: Array<{ method: MethodName; setup?: (user: User) => Promise<void>; params: unknown }> = [
    { method: 'plurality', params: {} },
    {
      method: 'approval',
      setup: async (user) => {
        await fill(user, 'Minimum', '1')
        await fill(user, 'Maximum', '2')
      },
      params: { min: 1, max: 2 },
    },
    { method: 'instant-runoff', params: {} },
    { method: 'schulze', params: {} },
    { method: 'copeland', params: {} },
    {
      method: 'score',
      setup: async (user) => {
        await fill(user, 'Lowest score', '1')
        await fill(user, 'Highest score', '10')
      },
      params: { min: 1, max: 10 },
    },
    { method: 'quadratic', setup: (user) => fill(user, 'Credit budget per voter', '25'), params: { credits: 25 } },
    { method: 'weighted', setup: (user) => fill(user, 'Points per voter', '12'), params: { points: 12 } },
  ]

  for (const c of cases) {
    it(`creates a ${c.method} poll on a real space`, async () => {
      const space = await soloSpace()
      const oncreated = vi.fn()
      const user = userEvent.setup()
      render(CreatePoll, { props: { space, oncreated } })

      await basics(user, `Which one (${c.method})?`, ['Red', 'Green', 'Blue'])
      await user.selectOptions(screen.getByLabelText('Voting method'), c.method)
      await c.setup?.(user)
      await user.click(screen.getByRole('button', { name: 'Create poll' }))

      await waitFor(() => expect(oncreated).toHaveBeenCalled())
      expect(screen.getByRole('alert').textContent).toBe('')
      const polls = space.getPolls()
      expect(polls).toHaveLength(1)
      const poll = polls[0]!
      expect(poll).toMatchObject({
        question: `Which one (${c.method})?`,
        options: ['Red', 'Green', 'Blue'],
        method: c.method,
        params: c.params,
        eligibility: { type: 'members' },
        secret: false,
        closesAt: undefined,
      })
      expect(oncreated).toHaveBeenCalledExactlyOnceWith(poll.id)
      // The form is cleared for the next poll.
      expect((screen.getByLabelText('Question') as HTMLInputElement).value).toBe('')
    })
  }

  it('creates a for/against/abstain motion, secret, with a closing time and a voter list', async () => {
    const space = await soloSpace()
    const user = userEvent.setup()
    const oncreated = vi.fn()
    render(CreatePoll, { props: { space, oncreated } })

    await fill(user, 'Question', 'Adopt the budget?')
    await user.type(screen.getByLabelText(/^Description/), 'The 2026 budget as circulated.')
    await user.click(screen.getByRole('checkbox', { name: /Motion: for \/ against \/ abstain/ }))
    expect(screen.queryByRole('button', { name: 'Add option' })).toBeNull()
    expect((screen.getByLabelText('Option 3') as HTMLInputElement).value).toBe('Abstain')
    await user.click(screen.getByRole('radio', { name: 'Only the voters I list' }))
    await user.click(screen.getByRole('button', { name: 'Fill with current members' }))
    await fireEvent.input(screen.getByLabelText(/Suggested closing time/), { target: { value: '2030-05-01T18:30' } })
    await user.click(screen.getByRole('checkbox', { name: 'Secret ballot' }))
    await user.click(screen.getByRole('button', { name: 'Create poll' }))

    await waitFor(() => expect(oncreated).toHaveBeenCalled())
    expect(screen.getByRole('alert').textContent).toBe('')
    expect(space.getPolls()[0]).toMatchObject({
      question: 'Adopt the budget?',
      description: 'The 2026 budget as circulated.',
      options: ['For', 'Against', 'Abstain'],
      method: 'plurality',
      params: { preset: 'for-against-abstain' },
      eligibility: { type: 'list', voters: [space.identity.did] },
      secret: true,
      closesAt: new Date('2030-05-01T18:30').getTime(),
    })
  })

  it('sets a quorum of ballots, or a share once voters are listed, and refuses one a list cannot meet', async () => {
    const space = await soloSpace()
    const user = userEvent.setup()
    const oncreated = vi.fn()
    render(CreatePoll, { props: { space, oncreated } })
    await basics(user, 'Repaint?', ['Yes', 'No'])
    expect(screen.queryByRole('radio', { name: 'A share of the listed voters' })).toBeNull()
    await user.click(screen.getByRole('radio', { name: 'Only the voters I list' }))
    await user.click(screen.getByRole('button', { name: 'Fill with current members' }))
    await user.click(screen.getByRole('radio', { name: 'At least a number of ballots' }))
    await fill(user, 'Ballots needed', '2')
    await user.click(screen.getByRole('button', { name: 'Create poll' }))
    expect(screen.getByRole('alert').textContent).toBe('A quorum of 2 ballots can never be met by 1 listed voter.')
    await user.click(screen.getByRole('radio', { name: 'A share of the listed voters' }))
    await fill(user, 'Percent of the listed voters', '50')
    await user.click(screen.getByRole('button', { name: 'Create poll' }))
    await waitFor(() => expect(oncreated).toHaveBeenCalled())
    expect(space.getPolls()[0]).toMatchObject({ quorum: { percent: 50 }, quorumStatus: { required: 1, ballots: 0, met: false } })
  })

  it('shows the Sybil warning for "anyone" and creates an open poll', async () => {
    const space = await soloSpace()
    const user = userEvent.setup()
    const oncreated = vi.fn()
    render(CreatePoll, { props: { space, oncreated } })
    await basics(user, 'Pizza?', ['Yes', 'No'])
    expect(screen.queryByText(/Sybil attack/)).toBeNull()
    await user.click(screen.getByRole('radio', { name: 'Anyone with a key' }))
    expect(screen.getByRole('note').textContent).toMatch(/one person can vote many times \(a Sybil attack\)/)
    await user.click(screen.getByRole('button', { name: 'Create poll' }))
    await waitFor(() => expect(oncreated).toHaveBeenCalled())
    expect(space.getPolls()[0]?.eligibility).toEqual({ type: 'anyone' })
  })

  it('explains refused parameters in the words of the form, before asking core', async () => {
    const space = await soloSpace()
    const oncreated = vi.fn()
    const user = userEvent.setup()
    render(CreatePoll, { props: { space, oncreated } })
    await basics(user, 'Days?', ['Sat', 'Sun', 'Wed'])
    await user.selectOptions(screen.getByLabelText('Voting method'), 'approval')
    await fill(user, 'Minimum', '3')
    await fill(user, 'Maximum', '2')
    await user.click(screen.getByRole('button', { name: 'Create poll' }))
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toBe('The minimum number of approvals (3) cannot be more than the maximum (2).'),
    )
    expect(space.getPolls()).toHaveLength(0)
    expect(oncreated).not.toHaveBeenCalled()

    await user.selectOptions(screen.getByLabelText('Voting method'), 'quadratic')
    await fill(user, 'Credit budget per voter', '')
    await user.click(screen.getByRole('button', { name: 'Create poll' }))
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('Give each voter a credit budget.'))
    await fill(user, 'Credit budget per voter', '0')
    await user.click(screen.getByRole('button', { name: 'Create poll' }))
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/^“Credit budget per voter” must be between/))
    expect(space.getPolls()).toHaveLength(0)
  })

  it('checks empty and duplicate options before asking core, and limits the option count', async () => {
    const space: Space = await soloSpace()
    const user = userEvent.setup()
    render(CreatePoll, { props: { space } })
    await user.click(screen.getByRole('button', { name: 'Create poll' }))
    expect(screen.getByRole('alert').textContent).toBe('Write a question.')
    await basics(user, 'Color?', ['Red', 'Red'])
    await user.click(screen.getByRole('button', { name: 'Create poll' }))
    expect(screen.getByRole('alert').textContent).toBe(
      'Options 1 and 2 read the same (“Red” and “Red”): options must differ by more than capital letters, spaces or how an accent is typed.',
    )
    expect(screen.getByRole('button', { name: 'Remove option 1' })).toHaveProperty('disabled', true)

    await user.click(screen.getByRole('button', { name: 'Add option' }))
    expect(screen.getByLabelText('Option 3')).toBe(document.activeElement)
    await user.click(screen.getByRole('button', { name: 'Remove option 2' }))
    expect(screen.queryByLabelText('Option 3')).toBeNull()
    expect(space.getPolls()).toHaveLength(0)
  })

  it('refuses options that only look different: accents typed two ways, capitals, doubled spaces, and a bidi override', async () => {
    const space: Space = await soloSpace()
    const user = userEvent.setup()
    render(CreatePoll, { props: { space } })
    const cases: Array<[string[], RegExp]> = [
      [['Caf\u00e9', 'Cafe\u0301'], /^Options 1 and 2 read the same/],
      [['Yes', 'yes'], /^Options 1 and 2 read the same \(“Yes” and “yes”\)/],
      [['Red  apple', 'Red apple'], /^Options 1 and 2 read the same/],
      [['Tea', 'Cof\u202Efee'], /^Option 2 contains a bidi control that would make it look like other text/],
    ]
    await basics(user, 'Which?', ['a', 'b'])
    for (const [texts, message] of cases) {
      for (const [index, text] of texts.entries()) {
        const field = screen.getByLabelText(`Option ${index + 1}`)
        await user.clear(field)
        // Typed as one paste: userEvent would type a combining accent as its own keystroke anyway.
        await fireEvent.input(field, { target: { value: text } })
      }
      await user.click(screen.getByRole('button', { name: 'Create poll' }))
      expect(screen.getByRole('alert').textContent).toMatch(message)
    }
    expect(space.getPolls()).toHaveLength(0)
  })
})
