/**
 * A space's views as a rune-friendly object for Svelte 5: read `live.feed` in a template or a
 * `$derived` and it updates when the space changes. Every property is `view(read)` over core's
 * `select`, so an app-defined read (`live.view(myTally)`) works exactly like the built-in ones. The
 * space is listened to only while some effect reads a property, and released when none does.
 *
 * @example
 * ```svelte
 * <script>
 *   import { reactiveSpace } from 'townhall/svelte'
 *   let { space } = $props()
 *   const live = reactiveSpace(() => space)
 * </script>
 * <h1>{live.info?.name}</h1>
 * {#each live.feed as item (item.id)}<p>{item.text}</p>{/each}
 * ```
 */
import { createSubscriber } from 'svelte/reactivity'
import {
  feedOptionsKey,
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

export interface ReactiveSpace {
  readonly space: Space
  readonly info: SpaceInfo | undefined
  readonly feed: readonly FeedItem[]
  readonly polls: readonly PollView[]
  readonly members: readonly Member[]
  readonly me: Me
  readonly presence: readonly PresencePeer[]
  readonly syncState: SyncState
  readonly rejections: RejectionSummary
  /**
   * Any read of the space, kept current: `live.view(countOpenPolls)`. Define `read` once (outside
   * the template), so the same function comes back and its subscription is reused.
   */
  view<T>(read: (space: Space) => T): T
  feedWith(options: FeedOptions): readonly FeedItem[]
  thread(id: RecordId): ThreadNode | undefined
  /** The comments on a poll, each with its replies, oldest first. */
  comments(pollId: RecordId): readonly ThreadNode[]
  poll(id: RecordId): PollView | undefined
}

interface Tracked {
  readonly get: () => unknown
  readonly track: () => void
}

export function reactiveSpace(source: SpaceSource): ReactiveSpace {
  // Per space (the source may return another one later), one tracked store per read function or argument key.
  const bySpace = new WeakMap<Space, { byRead: WeakMap<object, Tracked>; byKey: Map<string, Tracked> }>()
  function tracked(space: Space, read: (space: Space) => unknown, key?: string): Tracked {
    let entry = bySpace.get(space)
    if (!entry) bySpace.set(space, (entry = { byRead: new WeakMap(), byKey: new Map() }))
    const hit = key === undefined ? entry.byRead.get(read) : entry.byKey.get(key)
    if (hit) return hit
    const store = select(space, read)
    const made: Tracked = { get: store.get, track: createSubscriber((update) => store.subscribe(update)) }
    if (key === undefined) entry.byRead.set(read, made)
    else entry.byKey.set(key, made)
    return made
  }
  function view<T>(read: (space: Space) => T, key?: string): T {
    const { get, track } = tracked(resolve(source), read, key)
    track()
    return get() as T
  }
  return {
    get space() {
      return resolve(source)
    },
    get info() {
      return view(reads.info)
    },
    get feed() {
      return view(reads.feed)
    },
    get polls() {
      return view(reads.polls)
    },
    get members() {
      return view(reads.members)
    },
    get me() {
      return view(reads.me)
    },
    get presence() {
      return view(reads.presence)
    },
    get syncState() {
      return view(reads.syncState)
    },
    get rejections() {
      return view(reads.rejections)
    },
    view: (read) => view(read),
    // Keyed by what distinguishes the results (mute lists by their contents), not by the read closure made per call.
    feedWith: (options) => view(feedWith(options), `feed:${feedOptionsKey(options)}`),
    thread: (id) => view(thread(id), `thread:${id}`),
    comments: (pollId) => view(comments(pollId), `comments:${pollId}`),
    poll: (id) => view(poll(id), `poll:${id}`),
  }
}
