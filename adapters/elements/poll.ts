/**
 * `<townhall-poll link="…" poll="…" signaling="wss://…">`: one poll of a space, live while open
 * and final once closed, with a button per option for members to vote (single-choice methods;
 * other methods show their result). Styled from outside with custom properties
 * (`--townhall-accent`, `--townhall-bar`, `--townhall-radius`, `--townhall-font`) and parts
 * (`question`, `options`, `option`, `vote`, `bar`, `count`, `status`).
 */
import type { PollView, Space } from '../../core/index.js'
import { TownhallElement, h } from './base.js'
import { ensureMember } from './connection.js'

const STYLE = `
:host { display: block; font: var(--townhall-font, inherit); }
[part~="options"] { list-style: none; margin: 0; padding: 0; display: grid; gap: .4em; }
[part~="option"] { display: grid; grid-template-columns: 1fr auto; gap: .2em .6em; align-items: center; }
[part~="bar"] { grid-column: 1 / -1; height: .4em; border-radius: var(--townhall-radius, .2em); background: var(--townhall-bar, #ddd); overflow: hidden; }
[part~="bar"] > span { display: block; height: 100%; background: var(--townhall-accent, #3b6fd8); }
[part~="vote"] { font: inherit; border-radius: var(--townhall-radius, .2em); border: 1px solid var(--townhall-accent, #3b6fd8); background: none; cursor: pointer; }
[part~="vote"][aria-pressed="true"] { background: var(--townhall-accent, #3b6fd8); color: white; }
`

const SINGLE_CHOICE = new Set(['plurality'])

export class TownhallPoll extends TownhallElement<PollView | undefined> {
  static override readonly observedAttributes = ['link', 'signaling', 'poll']
  private voting = false

  protected read(space: Space): PollView | undefined {
    const id = this.getAttribute('poll')
    return id ? space.getPoll(id) : undefined
  }

  protected render(poll: PollView | undefined): void {
    const status = h('p', { part: 'status', role: 'status' })
    if (!poll) {
      status.append(this.space ? 'Waiting for the poll to sync…' : 'Connecting…')
      return this.root.replaceChildren(h('style', {}, STYLE), status)
    }
    const result = poll.final ?? poll.live
    const counts = (result as { counts?: readonly number[] } | undefined)?.counts
    const total = counts?.reduce((a, b) => a + b, 0) ?? 0
    const mine = this.space?.getMyBallot(poll.id)?.body as { choice?: unknown } | undefined
    const canVote = (poll.status === 'open' || poll.status === 'syncing') && SINGLE_CHOICE.has(poll.method)
    const options = h(
      'ul',
      { part: 'options' },
      ...poll.options.map((label, index) => {
        const count = counts?.[index] ?? 0
        const bar = h('span')
        bar.style.width = `${total ? (100 * count) / total : 0}%`
        const item = h('li', { part: 'option' })
        if (canVote) {
          const button = h('button', { part: 'vote', type: 'button', 'aria-pressed': String(mine?.choice === index) }, label)
          button.addEventListener('click', () => void this.vote(poll.id, index))
          item.append(button)
        } else item.append(h('span', { part: 'label' }, label))
        item.append(h('span', { part: 'count' }, counts ? String(count) : '–'), h('div', { part: 'bar' }, bar))
        return item
      }),
    )
    status.append(describe(poll))
    this.root.replaceChildren(h('style', {}, STYLE), h('p', { part: 'question' }, poll.question), options, status)
  }

  private async vote(pollId: string, index: number): Promise<void> {
    const space = this.space
    if (!space || !this.link || this.voting) return
    this.voting = true
    this.setStatus('Voting…')
    try {
      await ensureMember(space, this.link)
      await space.castBallot(pollId, index)
    } catch (error) {
      this.setStatus((error as Error).message)
    } finally {
      this.voting = false
    }
  }
}

function describe(poll: PollView): string {
  const ballots = (poll.final ?? poll.live)?.ballots ?? poll.turnout
  const votes = `${ballots} ${ballots === 1 ? 'vote' : 'votes'}`
  switch (poll.status) {
    case 'open':
      return poll.live ? `Open · ${votes}` : `Open · secret ballot · ${poll.turnout} voted`
    case 'final':
      return `Final · ${votes}`
    default:
      return `${poll.status[0]!.toUpperCase()}${poll.status.slice(1)} · ${votes}`
  }
}
