/** PollDetail on real spaces: open with a live tally, closed with a confirm step, final with the winner explained. */
import { render, screen, within } from '@testing-library/svelte'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { eventually } from '../../../testing/index.js'
import PollDetail from './PollDetail.svelte'
import { closeSpaces, community, observer, soloSpace } from './test-helpers.js'

afterEach(closeSpaces)

const badge = () => document.querySelector('.badge')?.textContent
const summary = () => screen.getByTestId('result-summary').textContent?.replace(/\s+/g, ' ').trim()

describe('PollDetail', () => {
  it('shows Open with a live tally, lets the founder vote, and after Close poll → Confirm close shows Final with the winner', async () => {
    const { founder, members, sync } = await community(4)
    const record = await founder.createPoll({
      question: 'Start time?',
      description: 'For Saturday’s meeting.',
      options: ['9:00', '10:00'],
      method: 'plurality',
    })
    await sync()
    await Promise.all(members.map((member, i) => member.castBallot(record.id, [1, 0, 1, 0][i])))
    await sync()
    const user = userEvent.setup()
    render(PollDetail, { props: { space: founder, pollId: record.id } })

    expect(screen.getByRole('heading', { name: 'Start time?' })).toBeTruthy()
    expect(screen.getByText('For Saturday’s meeting.')).toBeTruthy()
    expect(badge()).toBe('Open')
    expect(screen.getByRole('heading', { name: 'Live results (not final)' })).toBeTruthy()
    // 2–2 is a tie, not a lead.
    expect(summary()).toMatch(/^Tied so far: (9:00 and 10:00|10:00 and 9:00) have the same votes \(2 each, 4 ballots\)\./)

    await user.click(screen.getByRole('radio', { name: '10:00' }))
    await user.click(screen.getByRole('button', { name: 'Vote' }))
    await eventually(() => expect(summary()).toBe('10:00 leads with 3 of 5 ballots.'))
    expect(screen.getByRole('button', { name: 'Change vote' })).toBe(document.activeElement)
    expect(screen.getByText('Vote recorded.')).toBeTruthy()

    await user.click(screen.getByRole('button', { name: 'Close poll' }))
    expect(screen.getByText(/The result counts the 5 ballots this device holds/)).toBeTruthy()
    expect(document.activeElement?.textContent).toBe('Cancel')
    await user.click(screen.getByRole('button', { name: 'Cancel' }))
    expect(screen.queryByRole('button', { name: 'Confirm close' })).toBeNull()
    await user.click(screen.getByRole('button', { name: 'Close poll' }))
    await user.click(screen.getByRole('button', { name: 'Confirm close' }))

    await eventually(() => expect(badge()).toBe('Final'))
    expect(summary()).toBe('10:00 wins with 3 of 5 ballots.')
    // The close buttons are gone; focus moves to the result, not to the top of the page.
    await eventually(() => expect(screen.getByRole('heading', { name: 'Final result' })).toBe(document.activeElement))
    expect(screen.queryByRole('button', { name: 'Close poll' })).toBeNull()
    expect(screen.queryByRole('button', { name: /vote/i })).toBeNull()
    expect(screen.getByText('Voting has ended. You cast a ballot in this poll.')).toBeTruthy()
    expect(founder.getPoll(record.id)?.final?.winner).toBe(1)
    await sync()
    expect(members[0]!.getPoll(record.id)?.final?.winner).toBe(1)
  })

  it('shows turnout only for a secret poll, then Revealing and Final once voters reveal', async () => {
    const { founder, members, sync } = await community(2)
    const record = await founder.createPoll({ question: 'Adopt?', options: ['Yes', 'No'], method: 'plurality', secret: true })
    await sync()
    await members[0]!.castBallot(record.id, 0)
    await members[1]!.castBallot(record.id, 0)
    await sync()
    const user = userEvent.setup()
    render(PollDetail, { props: { space: founder, pollId: record.id } })

    expect(badge()).toBe('Open')
    expect(screen.getByText('2 ballots cast; choices are hidden until the poll closes and voters reveal.')).toBeTruthy()
    expect(screen.queryByTestId('result-summary')).toBeNull()
    expect(screen.queryByRole('table')).toBeNull()
    expect(screen.getByText(/Secret \(commit-reveal\)/)).toBeTruthy()

    await user.click(screen.getByRole('button', { name: 'Close poll' }))
    await user.click(screen.getByRole('button', { name: 'Confirm close' }))
    await eventually(() => expect(badge()).toBe('Revealing'))
    expect(screen.getByText(/2 of 2 committed ballots not yet revealed/)).toBeTruthy()

    await sync() // the voters see the close, reveal automatically, and the reveals come back
    await eventually(() => expect(badge()).toBe('Final'))
    expect(summary()).toBe('Yes wins with 2 of 2 ballots.')
  })

  it('says a secret ballot is sealed and offers Change vote', async () => {
    const space = await soloSpace()
    const record = await space.createPoll({ question: 'Adopt?', options: ['Yes', 'No'], method: 'plurality', secret: true })
    await space.castBallot(record.id, 1)
    render(PollDetail, { props: { space, pollId: record.id } })
    expect(screen.getByText(/You have voted\. Your choice is sealed/)).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Change vote' })).toBeTruthy()
    expect(screen.getByText('1 ballot cast; choices are hidden until the poll closes and voters reveal.')).toBeTruthy()
  })

  it('shows Syncing while committed ballots are missing, then Final when they arrive', async () => {
    const { founder, members, sync } = await community(1, 'public')
    const record = await founder.createPoll({ question: 'Start time?', options: ['9:00', '10:00'], method: 'plurality' })
    await sync()
    await members[0]!.castBallot(record.id, 0)
    await sync()
    await founder.closePoll(record.id)
    const late = await observer(founder, (kind) => kind !== 'ballot')
    render(PollDetail, { props: { space: late, pollId: record.id } })

    expect(badge()).toBe('Syncing')
    expect(screen.getByText(/Voting is final; 1 ballot still syncing\./)).toBeTruthy()
    expect(screen.queryByTestId('result-summary')).toBeNull()

    await late.ingest(
      founder
        .getRecords()
        .filter((r) => r.kind === 'ballot')
        .map((r) => ({ bytes: r.bytes, source: 'test' })),
    )
    await eventually(() => expect(badge()).toBe('Final'))
    expect(summary()).toBe('9:00 wins with 1 of 1 ballot.')
  })

  it('counts late ballots without counting them', async () => {
    const { founder, members, sync } = await community(2)
    const record = await founder.createPoll({ question: 'When?', options: ['9:00', '10:00'], method: 'plurality' })
    await sync()
    await members[0]!.castBallot(record.id, 0)
    await sync()
    await members[1]!.castBallot(record.id, 1) // not yet seen by the founder when it closes
    await founder.closePoll(record.id)
    await sync()
    render(PollDetail, { props: { space: founder, pollId: record.id } })
    expect(badge()).toBe('Final')
    expect(screen.getByText(/1 late ballot arrived after the close .* and is not counted\./)).toBeTruthy()
    expect(summary()).toBe('9:00 wins with 1 of 1 ballot.')
  })

  it('says whether the quorum is met, live as ballots arrive and settled once final', async () => {
    const { founder, members, sync } = await community(3)
    const record = await founder.createPoll({
      question: 'Repaint?',
      options: ['Yes', 'No'],
      method: 'plurality',
      quorum: { minBallots: 3 },
    })
    await sync()
    await members[0]!.castBallot(record.id, 0)
    await sync()
    const user = userEvent.setup()
    render(PollDetail, { props: { space: founder, pollId: record.id } })
    expect(screen.getByText('at least 3 ballots')).toBeTruthy()
    expect(screen.getByTestId('quorum').textContent).toBe('Quorum not met yet (1 of 3).')
    await members[1]!.castBallot(record.id, 1)
    await members[2]!.castBallot(record.id, 0)
    await sync()
    await eventually(() => expect(screen.getByTestId('quorum').textContent).toBe('Quorum met so far (3 of 3).'))
    await user.click(screen.getByRole('button', { name: 'Close poll' }))
    await user.click(screen.getByRole('button', { name: 'Confirm close' }))
    await eventually(() => expect(badge()).toBe('Final'))
    expect(screen.getByTestId('quorum').textContent).toBe('Quorum met (3 of 3).')
  })

  it('shows a result closed short of its quorum as not met, with the result still shown', async () => {
    const { founder, members, sync } = await community(2)
    const record = await founder.createPoll({
      question: 'Adopt?',
      options: ['Yes', 'No'],
      method: 'plurality',
      eligibility: { type: 'list', voters: [founder.identity.did, ...members.map((m) => m.identity.did)] },
      quorum: { percent: 60 },
    })
    await sync()
    await members[0]!.castBallot(record.id, 0)
    await sync()
    await founder.closePoll(record.id)
    await sync()
    render(PollDetail, { props: { space: members[1]!, pollId: record.id } })
    expect(badge()).toBe('Final')
    expect(screen.getByText('60% of the listed voters (2 ballots)')).toBeTruthy()
    expect(screen.getByTestId('quorum').textContent).toBe('Quorum not met (1 of 2): too few ballots were counted for this result to stand.')
    expect(summary()).toBe('Yes wins with 1 of 1 ballot.')
  })

  it('shows comments on the poll with their replies, and adds one that another member receives', async () => {
    const { founder, members, sync } = await community(1)
    const record = await founder.createPoll({ question: 'Repaint?', options: ['Yes', 'No'], method: 'plurality' })
    await sync()
    const user = userEvent.setup()
    render(PollDetail, { props: { space: founder, pollId: record.id } })
    expect(screen.getByText('No comments yet.')).toBeTruthy()

    const theirs = await members[0]!.reply(record.id, 'Which colour?')
    await members[0]!.reply(theirs.id, 'Green, I hope.')
    await sync()
    await eventually(() => expect(screen.getByRole('heading', { name: 'Comments (1)' })).toBeTruthy())
    expect(screen.getByText('Which colour?')).toBeTruthy()
    await user.click(screen.getByRole('button', { name: 'Show 1 reply' }))
    expect(screen.getByText('Green, I hope.')).toBeTruthy()

    await user.click(screen.getByRole('button', { name: 'Comment' }))
    expect(screen.getByText('Write something before commenting.')).toBeTruthy()
    await user.type(screen.getByLabelText('Write a comment'), 'Blue.')
    await user.click(screen.getByRole('button', { name: 'Comment' }))
    await eventually(() => expect(screen.getByRole('heading', { name: 'Comments (2)' })).toBeTruthy())
    await sync()
    expect(members[0]!.getComments(record.id).map((node) => node.item.text)).toEqual(['Which colour?', 'Blue.'])
    expect(members[0]!.getFeed()).toEqual([])
  })

  it('explains why a member cannot vote or close, and warns about Sybil voting', async () => {
    const { founder, members, sync } = await community(1)
    const listed = await founder.createPoll({
      question: 'Board only?',
      options: ['Yes', 'No'],
      method: 'plurality',
      eligibility: { type: 'list', voters: [founder.identity.did] },
    })
    const open = await founder.createPoll({
      question: 'Pizza?',
      options: ['Yes', 'No'],
      method: 'approval',
      eligibility: { type: 'anyone' },
    })
    await sync()
    const member = members[0]!

    const view = render(PollDetail, { props: { space: member, pollId: listed.id } })
    expect(screen.getByText('Only the 1 listed voter can vote in this poll, and you are not on the list.')).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Vote' })).toBeNull()
    expect(screen.queryByRole('button', { name: 'Close poll' })).toBeNull()
    view.unmount()

    render(PollDetail, { props: { space: member, pollId: open.id } })
    expect(within(screen.getByRole('note')).getByText(/Sybil attack/)).toBeTruthy()
    expect(screen.getByText('Anyone with a key')).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Vote' })).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Close poll' })).toBeNull()
  })

  it('lets an admin close a poll someone else created', async () => {
    const { founder, members, sync } = await community(1)
    const record = await members[0]!.createPoll({ question: 'When?', options: ['9:00', '10:00'], method: 'plurality' })
    await sync()
    const user = userEvent.setup()
    render(PollDetail, { props: { space: founder, pollId: record.id } })
    await user.click(screen.getByRole('button', { name: 'Close poll' }))
    await user.click(screen.getByRole('button', { name: 'Confirm close' }))
    await eventually(() => expect(badge()).toBe('Final'))
    expect(summary()).toBe('No ballots were counted, so there is no winner.')
  })
})
