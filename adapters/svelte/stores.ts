/**
 * A space's views as Svelte stores. Each store follows the Svelte store contract (a `subscribe`
 * that calls the subscriber at once and returns an unsubscribe function), so `$feed` works in
 * Svelte 5 and 4 alike. Every store is `view(read)` over core's `select`, so an app-defined read
 * gets a store the same way. A store listens to the space only while it has subscribers: the first
 * subscriber attaches it, the last one to leave detaches it, so a component tree that unmounts
 * leaves nothing behind.
 *
 * @example
 * ```svelte
 * <script>
 *   import { spaceStores } from 'townhall/svelte'
 *   let { space } = $props()
 *   const { feed, syncState } = spaceStores(() => space)
 * </script>
 * {#each $feed as item (item.id)}<p>{item.text}</p>{/each}
 * <small>{$syncState.peers} peers</small>
 * ```
 */
import { readable, type Readable } from 'svelte/store'
import {
  select,
  type FeedItem,
  type FeedOptions,
  type PollView,
  type PresencePeer,
  type RecordId,
  type RejectionSummary,
  type Space,
  type SpaceInfo,
  type SyncState,
  type ThreadNode,
} from '../../core/index.js'
import { comments, feedWith, poll, reads, resolve, thread, type Me, type Member, type SpaceSource } from './views.js'

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
  /** A store over any read of the space, built-in or app-defined. */
  view<T>(read: (space: Space) => T): Readable<T>
  /** Feed with other options (hidden posts for moderators, oldest first, mute lists). */
  feedWith(options: FeedOptions): Readable<readonly FeedItem[]>
  thread(id: RecordId): Readable<ThreadNode | undefined>
  /** The comments on a poll, each with its replies, oldest first. */
  comments(pollId: RecordId): Readable<readonly ThreadNode[]>
  /** One poll: live tally while open, then syncing / revealing / final. */
  poll(id: RecordId): Readable<PollView | undefined>
}

export function spaceStores(source: SpaceSource): SpaceStores {
  /** A store that recomputes `read` when what it read changed, and only while subscribed. The space is resolved at first subscription. */
  function view<T>(read: (space: Space) => T): Readable<T> {
    const stores = new WeakMap<Space, ReturnType<typeof select<T>>>()
    const current = () => {
      const space = resolve(source)
      let store = stores.get(space)
      if (!store) stores.set(space, (store = select(space, read)))
      return store
    }
    return readable<T>(undefined as T, (set) => {
      const store = current()
      set(store.get())
      return store.subscribe(() => set(store.get()))
    })
  }
  return {
    info: view(reads.info),
    feed: view(reads.feed),
    polls: view(reads.polls),
    members: view(reads.members),
    me: view(reads.me),
    presence: view(reads.presence),
    syncState: view(reads.syncState),
    rejections: view(reads.rejections),
    view,
    feedWith: (options) => view(feedWith(options)),
    thread: (id) => view(thread(id)),
    comments: (pollId) => view(comments(pollId)),
    poll: (id) => view(poll(id)),
  }
}
