/**
 * A space's views as a rune-friendly object for Svelte 5: read `live.feed` in a template or a
 * `$derived` and it updates when the space changes. Built on `createSubscriber`, so the space is
 * listened to only while some effect reads a property, and released when none does.
 *
 * @example
 * ```svelte
 * <script>
 *   import { reactiveSpace } from 'townhall/svelte'
 *   let { space } = $props()
 *   const live = reactiveSpace(space)
 * </script>
 * <h1>{live.info?.name}</h1>
 * {#each live.feed as item (item.id)}<p>{item.text}</p>{/each}
 * ```
 */
import { createSubscriber } from 'svelte/reactivity'
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
import { spaceViews, type Me, type Member } from './views.js'

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
  feedWith(options: FeedOptions): readonly FeedItem[]
  thread(id: RecordId): ThreadNode | undefined
  /** The comments on a poll, each with its replies, oldest first. */
  comments(pollId: RecordId): readonly ThreadNode[]
  poll(id: RecordId): PollView | undefined
}

export function reactiveSpace(space: Space): ReactiveSpace {
  const views = spaceViews(space)
  const changes = createSubscriber((update) => space.subscribe(() => update()))
  const sync = createSubscriber((update) => space.replica.subscribeSyncState(() => update()))
  const online = createSubscriber((update) => space.replica.presence?.subscribe(() => update()))
  // Views are recomputed only when the space's version moved, however many templates read them.
  const memo = new Map<string, { version: number; value: unknown }>()
  function cached<T>(key: string, read: () => T): T {
    changes()
    const hit = memo.get(key)
    if (hit && hit.version === space.version) return hit.value as T
    const value = read()
    memo.set(key, { version: space.version, value })
    return value
  }
  return {
    space,
    get info() {
      return cached('info', () => space.getInfo())
    },
    get feed() {
      return cached('feed', () => space.getFeed())
    },
    get polls() {
      return cached('polls', () => space.getPolls())
    },
    get members() {
      return cached('members', views.members)
    },
    get me() {
      return cached('me', views.me)
    },
    get presence() {
      online()
      return space.replica.presence?.get() ?? []
    },
    get syncState() {
      sync()
      return space.getSyncState()
    },
    get rejections() {
      return cached('rejections', () => space.getRejections())
    },
    feedWith: (options) => cached(`feed:${JSON.stringify(options)}`, () => space.getFeed(options)),
    thread: (id) => cached(`thread:${id}`, () => space.getThread(id)),
    comments: (pollId) => cached(`comments:${pollId}`, () => space.getComments(pollId)),
    poll: (id) => cached(`poll:${id}`, () => space.getPoll(id)),
  }
}
