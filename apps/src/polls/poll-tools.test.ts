/** The poll view's tools: permalinks, the voter list and its CSV export, and the deadline. */
import { render, screen, within } from '@testing-library/svelte'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { eventually } from '../../../testing/index.js'
import PollDetail from './PollDetail.svelte'
import PollsPanel from './PollsPanel.svelte'
import { deadlineText } from './deadline.js'
import { closeSpaces, community, soloSpace } from './test-helpers.js'
import { csvCell, describeChoice, voterRows, votersCsv } from './voters.js'

afterEach(closeSpaces)

describe('poll tools', () => {
  it('opens the poll a permalink names, straight after load', async () => {
    const space = await soloSpace()
    const wanted = await space.createPoll({ question: 'Which park?', options: ['North', 'South'], method: 'plurality' })
    await space.createPoll({ question: 'Which day?', options: ['Sat', 'Sun'], method: 'plurality' })
    render(PollsPanel, { props: { space, item: wanted.id } })
    await eventually(() => expect(screen.getByRole('heading', { level: 3, name: 'Which park?' })).toBeTruthy())
    expect(screen.getByRole('button', { name: 'Copy link' })).toBeTruthy()
  })

  it('lists who voted what in a public poll, and exports it as CSV with quoting and a formula guard', async () => {
    const { founder, members, sync } = await community(2)
    await members[0]!.setProfile({ name: '=HYPERLINK("http://evil")' })
    const poll = await founder.createPoll({ question: 'Lunch, "quick"?', options: ['Soup', '+Salad'], method: 'plurality' })
    await sync()
    await members[0]!.castBallot(poll.id, 1)
    await members[1]!.castBallot(poll.id, 0)
    await sync()
    const user = userEvent.setup()
    render(PollDetail, { props: { space: founder, pollId: poll.id } })
    await user.click(screen.getByText('Who voted (2 voters)'))
    const table = screen.getByRole('table', { name: 'Voters and their choices' })
    const rows = within(table).getAllByRole('row').slice(1)
    expect(rows.map((row) => within(row).getAllByRole('cell')[1]!.textContent).sort()).toEqual(['+Salad', 'Soup'])
    expect(rows.map((row) => within(row).getAllByRole('cell')[2]!.textContent)).toEqual(['Counted live', 'Counted live'])
    expect(screen.getByRole('button', { name: 'Download CSV' })).toBeTruthy()

    const view = founder.getPoll(poll.id)!
    const names = new Map(founder.getMembers().map((m) => [m.did, m.profile?.name]))
    const csv = votersCsv(view, voterRows(founder, view, names))
    const lines = csv.trimEnd().split('\r\n')
    expect(lines[0]).toBe('poll,voter,name,choice,standing,cast at,ballot')
    expect(lines).toHaveLength(3)
    const evil = lines.find((line) => line.includes('HYPERLINK'))!
    expect(evil.startsWith('"Lunch, ""quick""?",did:key:')).toBe(true)
    expect(evil).toContain(`,"'=HYPERLINK(""http://evil"")",'+Salad,live,`)
  })

  it("quotes and guards CSV cells, and words each method's choice", () => {
    expect(csvCell('plain')).toBe('plain')
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(csvCell('say "hi"')).toBe('"say ""hi"""')
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"')
    for (const risky of ['=1+1', '+1', '-1', '@SUM(A1)']) expect(csvCell(risky)).toBe(`'${risky}`)
    expect(csvCell('=a,b')).toBe(`"'=a,b"`)
    const options = ['A', 'B', 'C']
    expect(describeChoice({ method: 'plurality', options }, 1)).toBe('B')
    expect(describeChoice({ method: 'instant-runoff', options }, [2, 0])).toBe('1. C, 2. A')
    expect(describeChoice({ method: 'approval', options }, [0, 2])).toBe('A, C')
    expect(describeChoice({ method: 'score', options }, [3, 0, 5])).toBe('A: 3, B: 0, C: 5')
  })

  it('has no voter list for a secret poll', async () => {
    const { founder, members, sync } = await community(1)
    const poll = await founder.createPoll({ question: 'Secret?', options: ['Yes', 'No'], method: 'plurality', secret: true })
    await sync()
    await members[0]!.castBallot(poll.id, 0)
    await sync()
    render(PollDetail, { props: { space: founder, pollId: poll.id } })
    expect(screen.queryByText(/Who voted/)).toBeNull()
    expect(voterRows(founder, founder.getPoll(poll.id)!, new Map())).toEqual([])
  })

  it('shows the deadline with the time left', async () => {
    const space = await soloSpace()
    const poll = await space.createPoll({
      question: 'Soon?',
      options: ['Yes', 'No'],
      method: 'plurality',
      closesAt: Date.now() + 3 * 3600_000 + 60_000,
    })
    render(PollDetail, { props: { space, pollId: poll.id } })
    expect(screen.getByTestId('deadline').textContent).toMatch(/\(3 hours left\)/)
    expect(screen.queryByRole('button', { name: 'Close now: the deadline has passed' })).toBeNull()
    expect(deadlineText(10_000, 0)).toBe('less than a minute left')
    expect(deadlineText(0, 2 * 86_400_000)).toBe('passed 2 days ago')
  })

  it('offers the closer "Close now" once the deadline has passed, and nobody else', async () => {
    const { founder, members, sync } = await community(1)
    const poll = await founder.createPoll({ question: 'Late?', options: ['Yes', 'No'], method: 'plurality', closesAt: Date.now() - 60_000 })
    await sync()
    const user = userEvent.setup()
    const other = render(PollDetail, { props: { space: members[0]!, pollId: poll.id } })
    expect(screen.getByTestId('deadline').textContent).toMatch(/passed 1 minute ago/)
    expect(screen.queryByRole('button', { name: 'Close now: the deadline has passed' })).toBeNull()
    other.unmount()

    render(PollDetail, { props: { space: founder, pollId: poll.id } })
    await user.click(screen.getByRole('button', { name: 'Close now: the deadline has passed' }))
    await user.click(screen.getByRole('button', { name: 'Confirm close' }))
    await eventually(() => expect(document.querySelector('.badge')?.textContent).toBe('Final'))
    expect(screen.queryByRole('button', { name: 'Close now: the deadline has passed' })).toBeNull()
  })
})
