/**
 * A space's views as Svelte stores. Each store follows the Svelte store contract (a `subscribe`
 * that calls the subscriber at once and returns an unsubscribe function), so `$feed` works in
 * Svelte 5 and 4 alike. A store listens to the space only while it has subscribers: the first
 * subscriber attaches it, the last one to leave detaches it, so a component tree that unmounts
 * leaves nothing behind.
 *
 * @example
 * ```svelte
 * <script>
 *   import { spaceStores } from 'townhall/svelte'
 *   let { space } = $props()
 *   const { feed, syncState } = spaceStores(space)
 * </script>
 * {#each $feed as item (item.id)}<p>{item.text}</p>{/each}
 * <small>{$syncState.peers} peers</small>
 * ```
 */
import { readable, type Readable } from 'svelte/store'
import type {
  FeedItem,
  FeedOptions,
  PollView,
  PresencePeer,
  RecordId,
  RejectionSummary,
  Space,
  SpaceInfo,
  SyncState,
  ThreadNode,
} from '../../core/index.js'
import { spaceViews, type Member, type Me } from './views.js'

export interface SpaceStores {
  readonly info: Readable<SpaceInfo | undefined>
  readonly feed: Readable<readonly FeedItem[]>
  readonly polls: Readable<readonly PollView[]>
  readonly members: Readable<readonly Member[]>
  /** This device's identity in the space: did, role, profile. */
  readonly me: Readable<Me>
  readonly presence: Readable<readonly PresencePeer[]>
  readonly syncState: Readable<SyncState>
  readonly rejections: Readable<RejectionSummary>
  /** Feed with other options (hidden posts for moderators, oldest first). */
  feedWith(options: FeedOptions): Readable<readonly FeedItem[]>
  thread(id: RecordId): Readable<ThreadNode | undefined>
  /** The comments on a poll, each with its replies, oldest first. */
  comments(pollId: RecordId): Readable<readonly ThreadNode[]>
  /** One poll: live tally while open, then syncing / revealing / final. */
  poll(id: RecordId): Readable<PollView | undefined>
}

/** A store that recomputes `read()` whenever the space changes, and only while subscribed. */
function spaceReadable<T>(space: Space, read: () => T): Readable<T> {
  return readable(read(), (set) => {
    set(read())
    return space.subscribe(() => set(read()))
  })
}

export function spaceStores(space: Space): SpaceStores {
  const views = spaceViews(space)
  const syncState = readable(space.getSyncState(), (set) => {
    set(space.getSyncState())
    return space.replica.subscribeSyncState(set)
  })
  const presence = readable<readonly PresencePeer[]>(space.replica.presence?.get() ?? [], (set) => {
    const source = space.replica.presence
    if (!source) return undefined
    set(source.get())
    return source.subscribe(set)
  })
  return {
    info: spaceReadable(space, () => space.getInfo()),
    feed: spaceReadable(space, () => space.getFeed()),
    polls: spaceReadable(space, () => space.getPolls()),
    members: spaceReadable(space, views.members),
    me: spaceReadable(space, views.me),
    presence,
    syncState,
    rejections: spaceReadable(space, () => space.getRejections()),
    feedWith: (options) => spaceReadable(space, () => space.getFeed(options)),
    thread: (id) => spaceReadable(space, () => space.getThread(id)),
    comments: (pollId) => spaceReadable(space, () => space.getComments(pollId)),
    poll: (id) => spaceReadable(space, () => space.getPoll(id)),
  }
}
