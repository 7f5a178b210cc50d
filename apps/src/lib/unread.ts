/**
 * Unread markers and mentions, kept per device: for each space and tab, the newest item (by the
 * clock its record claims) the person has had in view. Items newer than that, by others, are new;
 * those among them that mention the viewer are unread mentions.
 *
 * The mark is a timestamp, not a list of ids, so it stays one small entry per space whatever its
 * size. The cost: a post that arrives late with an older claimed clock (written offline, say) is
 * not marked new. Records' clocks are signed claims; nothing here affects any view or any peer.
 */
import { compareHlc, type Did, type FeedItem, type Hlc, type Space, type ThreadNode } from '../../../core/index.js'
import type { KeyValueStore } from './storage.js'
import type { Tab } from './routes.js'

/** The newest item seen per tab; a tab never looked at has none, so all of it is new. */
export type Seen = Partial<Record<Tab, Hlc>>

export interface TabUnread {
  /** New items: posts in the feed (replies included); polls and their comments in Polls. */
  readonly items: number
  /** New items that mention the viewer. */
  readonly mentions: number
  /** The newest item of the tab, read or not (what viewing the tab marks as seen). */
  readonly newest: Hlc | undefined
}

export const seenKey = (spaceId: string): string => `seen:${spaceId}`

const isHlc = (value: unknown): value is Hlc =>
  Array.isArray(value) && value.length === 2 && value.every((n) => typeof n === 'number' && Number.isFinite(n))

/** A stored mark as read back from IndexedDB: anything malformed is dropped, never trusted. */
export function parseSeen(value: unknown): Seen {
  const out: Record<string, Hlc> = {}
  if (value && typeof value === 'object')
    for (const tab of ['polls', 'feed'] as const) {
      const mark = (value as Record<string, unknown>)[tab]
      if (isHlc(mark)) out[tab] = [mark[0], mark[1]]
    }
  return out
}

export const isNewer = (at: Hlc, mark: Hlc | undefined): boolean => mark === undefined || compareHlc(at, mark) > 0

/** Whether an item shows a "New" marker against the mark taken when its tab was opened. */
export const isUnread = (item: Pick<FeedItem, 'author' | 'createdAt' | 'retracted'>, since: Hlc | undefined, me: Did): boolean =>
  item.author !== me && !item.retracted && isNewer(item.createdAt, since)

export const mentionsMe = (item: Pick<FeedItem, 'mentions'>, me: Did): boolean => item.mentions.includes(me)

/**
 * What is new in each tab since `seen`, read from the space's views (the feed, threads, polls and
 * their comments): posts as the viewer sees them, so hidden, muted and retracted posts never count.
 */
export function unreadOf(
  space: Space,
  seen: Seen,
  me: Did,
  /** The space's feed, when the caller has it already (the bindings cache it per version). */
  feedItems: readonly FeedItem[] = space.getFeed(),
): Record<Tab, TabUnread> {
  const tally = (tab: Tab) => {
    let items = 0
    let mentions = 0
    let newest: Hlc | undefined
    const add = (item: Pick<FeedItem, 'author' | 'createdAt' | 'retracted' | 'mentions'>) => {
      if (!newest || compareHlc(item.createdAt, newest) > 0) newest = item.createdAt
      if (!isUnread(item, seen[tab], me)) return
      items++
      if (mentionsMe(item, me)) mentions++
    }
    const walk = (nodes: readonly ThreadNode[]) => {
      for (const node of nodes) {
        add(node.item)
        walk(node.replies)
      }
    }
    return { add, walk, result: (): TabUnread => ({ items, mentions, newest }) }
  }
  const feed = tally('feed')
  for (const post of feedItems) {
    feed.add(post)
    if (post.replyCount > 0) feed.walk(space.getThread(post.id)?.replies ?? [])
  }
  const polls = tally('polls')
  for (const poll of space.getPolls()) {
    polls.add({ author: poll.author, createdAt: poll.createdAt, retracted: false, mentions: [] })
    polls.walk(space.getComments(poll.id))
  }
  return { feed: feed.result(), polls: polls.result() }
}

/** The device's marks for every space it has opened, read once per space and written when they move. */
export interface SeenStore {
  load(spaceId: string): Promise<Seen>
  save(spaceId: string, seen: Seen): Promise<void>
}

export const keyValueSeenStore = (store: KeyValueStore): SeenStore => ({
  load: async (spaceId) => parseSeen(await store.get(seenKey(spaceId))),
  save: (spaceId, seen) => store.set(seenKey(spaceId), seen),
})
