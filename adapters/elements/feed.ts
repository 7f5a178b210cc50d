/**
 * `<townhall-feed link="…" signaling="wss://…" limit="20">`: a space's posts, newest first, kept
 * live. Read-only. Styled with `--townhall-font` and `--townhall-muted` and the parts `posts`,
 * `post`, `author`, `text` and `status`.
 */
import type { FeedItem, Space } from '../../core/index.js'
import { TownhallElement, h } from './base.js'

const STYLE = `
:host { display: block; font: var(--townhall-font, inherit); }
[part~="posts"] { list-style: none; margin: 0; padding: 0; display: grid; gap: .6em; }
[part~="author"] { color: var(--townhall-muted, #666); font-size: .85em; }
`

export class TownhallFeed extends TownhallElement<readonly FeedItem[]> {
  static override readonly observedAttributes = ['link', 'signaling', 'limit']

  protected read(space: Space): readonly FeedItem[] {
    return space.getFeed()
  }

  protected render(feed: readonly FeedItem[] | undefined): void {
    const limit = Number(this.getAttribute('limit') ?? 20) || 20
    const status = h('p', { part: 'status', role: 'status' })
    if (!feed) status.append('Connecting…')
    else if (feed.length === 0) status.append('No posts yet.')
    const posts = h(
      'ul',
      { part: 'posts' },
      ...(feed ?? [])
        .slice(0, limit)
        .map((item) =>
          h(
            'li',
            { part: 'post' },
            h('span', { part: 'author' }, this.space?.getProfile(item.author)?.name ?? `…${item.author.slice(-6)}`),
            h('p', { part: 'text' }, item.text),
          ),
        ),
    )
    this.root.replaceChildren(h('style', {}, STYLE), posts, status)
  }
}
