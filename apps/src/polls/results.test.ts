/** Result components render the numbers of real tallies: real ballots from real peers, then render. */
import { render, screen, within } from '@testing-library/svelte'
import { afterEach, describe, expect, it } from 'vitest'
import type { CopelandResult, InstantRunoffResult, MethodName, PollView, SchulzeResult, Space } from '../../../core/index.js'
import PairwiseMatrix from './PairwiseMatrix.svelte'
import ResultBars from './ResultBars.svelte'
import ResultSummary from './ResultSummary.svelte'
import RoundsChart from './RoundsChart.svelte'
import { closeSpaces, community } from './test-helpers.js'

afterEach(closeSpaces)

/** Five members vote `choices` (one each); the founder closes; returns the founder's final view. */
async function closedPoll(method: MethodName, options: string[], choices: unknown[], params?: unknown): Promise<PollView> {
  const { founder, members, sync } = await community(choices.length)
  const record = await founder.createPoll({ question: 'Which?', options, method, ...(params ? { params } : {}) })
  await sync()
  await Promise.all(members.map((member: Space, i) => member.castBallot(record.id, choices[i])))
  await sync()
  await founder.closePoll(record.id)
  await sync()
  const poll = founder.getPoll(record.id)!
  expect(poll.status).toBe('final')
  return poll
}

/** Table rows as arrays of cell texts (header cell first). */
const rows = (table: HTMLElement) =>
  within(table)
    .getAllByRole('row')
    .map((row) => Array.from(row.querySelectorAll('th, td')).map((cell) => cell.textContent?.replace(/\s+/g, ' ').trim()))

// Five ranked ballots over A, B, C (0, 1, 2): B is the Condorcet winner and wins the runoff too.
const RANKINGS = [
  [0, 2, 1],
  [0, 1, 2],
  [1, 0, 2],
  [1, 2, 0],
  [2, 1, 0],
]

describe('ResultBars', () => {
  it('shows the counts of a real plurality tally and highlights the winner', async () => {
    const poll = await closedPoll('plurality', ['9:00', '10:00', '11:00'], [1, 0, 1, 1, 0])
    render(ResultBars, { props: { options: poll.options, result: poll.final! } })
    const table = screen.getByRole('table', { name: 'Votes per option' })
    expect(rows(table)).toEqual([
      ['Option', 'Votes'],
      ['9:00', '2'],
      ['10:00 Winner', '3'],
      ['11:00', '0'],
    ])
    expect(table.querySelector('tr.winner th')?.textContent).toMatch(/^10:00/)
  })

  it('shows totals and averages of a real score tally, and "Leading" for a live one', async () => {
    const poll = await closedPoll(
      'score',
      ['A', 'B'],
      [
        [5, 3],
        [4, 4],
        [0, 5],
        [3, 2],
        [2, 2],
      ],
    )
    render(ResultBars, { props: { options: poll.options, result: poll.final!, final: false } })
    expect(rows(screen.getByRole('table', { name: 'Total score per option' }))).toEqual([
      ['Option', 'Total score', 'Average'],
      ['A', '14', '2.8'],
      ['B Leading', '16', '3.2'],
    ])
  })

  it('shows quadratic votes', async () => {
    const poll = await closedPoll(
      'quadratic',
      ['X', 'Y', 'Z'],
      [
        [3, 1, 0],
        [0, 2, 2],
        [1, 0, 3],
        [0, 0, 0],
        [0, 1, 0],
      ],
      { credits: 10 },
    )
    render(ResultBars, { props: { options: poll.options, result: poll.final! } })
    expect(rows(screen.getByRole('table', { name: 'Votes per option' })).slice(1)).toEqual([
      ['X', '4'],
      ['Y', '4'],
      ['Z Winner', '5'],
    ])
  })
})

describe('RoundsChart', () => {
  it('shows the counts of each instant-runoff round, the elimination and the transfer', async () => {
    const poll = await closedPoll('instant-runoff', ['A', 'B', 'C'], RANKINGS)
    const result = poll.final as InstantRunoffResult
    expect(result.rounds.map((round) => round.counts)).toEqual([
      [2, 2, 1],
      [2, 3, 0],
    ])
    render(RoundsChart, { props: { options: poll.options, result } })
    expect(rows(screen.getByRole('table', { name: 'Votes per round' }))).toEqual([
      ['Option', 'Round 1', 'Round 2'],
      ['A', '2', '2'],
      ['B', '2', '3'],
      ['C', '1 eliminated', '—eliminated'],
      ['Exhausted ballots', '0', '0'],
    ])
    const story = within(screen.getByRole('list', { name: 'What happened in each round' }))
      .getAllByRole('listitem')
      .map((li) => li.textContent?.replace(/\s+/g, ' ').trim())
    expect(story).toEqual([
      'Round 1: No option has more than half of 5 continuing ballots. C is eliminated with 1 vote. Transfers: 1 vote to B.',
      'Round 2: B wins with 3 of 5 continuing ballots.',
    ])
  })
})

describe('PairwiseMatrix', () => {
  it('shows the pairwise matrix and the strongest paths of a real Schulze tally', async () => {
    const poll = await closedPoll('schulze', ['A', 'B', 'C'], RANKINGS)
    const result = poll.final as SchulzeResult
    render(PairwiseMatrix, { props: { options: poll.options, result } })
    expect(rows(screen.getByRole('table', { name: /^Pairwise preferences/ }))).toEqual([
      ['', 'A', 'B', 'C'],
      ['A', '—same option', '2', '3'],
      ['B', '3', '—same option', '3'],
      ['C', '2', '2', '—same option'],
    ])
    expect(rows(screen.getByRole('table', { name: /^Strongest paths/ }))).toEqual([
      ['', 'A', 'B', 'C', 'Options beaten'],
      ['A', '—same option', '0', '3', '1'],
      ['B', '3', '—same option', '3', '2'],
      ['C', '0', '0', '—same option', '0'],
    ])
  })

  it('shows wins, ties, losses and scores of a real Copeland tally', async () => {
    const poll = await closedPoll('copeland', ['A', 'B', 'C'], RANKINGS)
    render(PairwiseMatrix, { props: { options: poll.options, result: poll.final as CopelandResult } })
    expect(rows(screen.getByRole('table', { name: /^Copeland scores/ }))).toEqual([
      ['Option', 'Wins', 'Ties', 'Losses', 'Score'],
      ['A', '1', '0', '1', '1'],
      ['B', '2', '0', '0', '2'],
      ['C', '0', '0', '2', '0'],
    ])
  })
})

describe('ResultSummary', () => {
  const summary = () => screen.getByTestId('result-summary').textContent?.replace(/\s+/g, ' ').trim()

  it('explains each method in words', async () => {
    const plurality = await closedPoll('plurality', ['9:00', '10:00'], [1, 0, 1, 1, 0])
    const view = render(ResultSummary, { props: { options: plurality.options, result: plurality.final! } })
    expect(summary()).toBe('10:00 wins with 3 of 5 ballots.')
    view.unmount()

    const irv = await closedPoll('instant-runoff', ['A', 'B', 'C'], RANKINGS)
    const irvView = render(ResultSummary, { props: { options: irv.options, result: irv.final! } })
    expect(summary()).toBe('B wins with 3 of 5 continuing ballots after 2 rounds (5 ballots cast).')
    irvView.unmount()

    const motion = await closedPoll('plurality', ['For', 'Against', 'Abstain'], [0, 0, 1, 2, 2], { preset: 'for-against-abstain' })
    render(ResultSummary, { props: { options: motion.options, result: motion.final! } })
    expect(summary()).toBe('The motion passed: 2 for, 1 against, 2 abstaining (5 ballots).')
  })

  it('says when the documented tie rule chose the winner', async () => {
    const poll = await closedPoll('approval', ['A', 'B'], [[0], [1], [0, 1], [0], [1]])
    expect(poll.final?.tieBroken).toBe(true)
    render(ResultSummary, { props: { options: poll.options, result: poll.final! } })
    const [winner, other] = poll.final!.ranking.map((i) => poll.options[i])
    expect(summary()).toBe(
      `Tie: ${winner} and ${other} have the same approvals (3 each, 5 ballots). The tie is broken by the documented rule, not by votes: ${winner} comes first in this poll's tie order (derived from the poll id), so it is ranked first and taken as the result.`,
    )
  })

  it('shows a 1–1 plurality tie as a tie, with no Winner badge', async () => {
    const poll = await closedPoll('plurality', ['Wednesday', 'Thursday'], [0, 1])
    expect(poll.final?.tieBroken).toBe(true)
    const [first, second] = poll.final!.ranking.map((i) => poll.options[i]!)
    render(ResultSummary, { props: { options: poll.options, result: poll.final! } })
    expect(summary()).toMatch(new RegExp(`^Tie: ${first} and ${second} have the same votes \\(1 each, 2 ballots\\)\\.`))
    expect(summary()).not.toContain('wins')
    render(ResultBars, { props: { options: poll.options, result: poll.final! } })
    expect(screen.queryByText('Winner')).toBeNull()
    expect(screen.getByText('Tied, first by tie rule').closest('tr')?.textContent).toContain(first)
    expect(screen.getByText('Tied').closest('tr')?.textContent).toContain(second)
  })
})
