/**
 * State shared by one FeedPanel and every card and thread inside it: one `reactiveSpace` (so the
 * whole tree reads views through a single memo), the moderator's "Show hidden" switch, and the
 * local mutes. A card rendered outside a FeedPanel gets a standalone context of its own.
 */
import { getContext, hasContext, setContext } from 'svelte'
import { SvelteMap, createSubscriber } from 'svelte/reactivity'
import { reactiveSpace, type ReactiveSpace } from '../../../adapters/svelte/index.js'
import type { Did, FeedItem, RecordId, Space, ThreadNode } from '../../../core/index.js'
import { displayName } from './format.js'

export interface FeedContext {
  readonly space: Space
  readonly live: ReactiveSpace
  /** True when the viewer is a moderator and asked to see hidden posts. */
  readonly showHidden: boolean
  readonly mutes: Mutes
  /** The thread under a post, with hidden replies when `showHidden`. */
  thread(id: RecordId): ThreadNode | undefined
  /** Display label of a did: profile name or shortened did. */
  label(did: Did): string
}

const KEY = Symbol('townhall/feed')

export function provideFeedContext(space: Space, options: { showHidden: () => boolean }): FeedContext {
  const context = createFeedContext(space, options.showHidden)
  setContext(KEY, context)
  return context
}

export function useFeedContext(space: Space): FeedContext {
  if (hasContext(KEY)) {
    const context = getContext<FeedContext>(KEY)
    if (context.space === space) return context
  }
  return createFeedContext(space, () => false)
}

function createFeedContext(space: Space, showHidden: () => boolean): FeedContext {
  const live = reactiveSpace(space)
  return {
    space,
    live,
    get showHidden() {
      return showHidden()
    },
    mutes: mutesOf(space),
    thread(id) {
      if (!showHidden()) return live.thread(id)
      // `live.thread` takes no options; read a cached view first so this re-runs on every change.
      void live.feed
      return space.getThread(id, { includeHidden: true })
    },
    label(did) {
      return displayName(did, live.members.find((m) => m.did === did)?.name ?? space.getProfile(did)?.name)
    },
  }
}

/**
 * Local mutes, kept per Space object like core keeps them. Core offers `muteAuthor` / `mutePost`
 * but no way to list what is muted, so this mirrors the sets (with a label to show) to let the
 * panel offer "Unmute".
 */
export interface Mutes {
  readonly authors: ReadonlyMap<Did, string>
  readonly posts: ReadonlyMap<RecordId, string>
  muteAuthor(did: Did, label: string): void
  unmuteAuthor(did: Did): void
  mutePost(item: FeedItem, label: string): void
  unmutePost(id: RecordId): void
}

const mutesBySpace = new WeakMap<Space, Mutes>()

function mutesOf(space: Space): Mutes {
  let mutes = mutesBySpace.get(space)
  if (!mutes) {
    const authors = new SvelteMap<Did, string>()
    const posts = new SvelteMap<RecordId, string>()
    mutes = {
      authors,
      posts,
      muteAuthor(did, label) {
        space.muteAuthor(did, true)
        authors.set(did, label)
      },
      unmuteAuthor(did) {
        space.muteAuthor(did, false)
        authors.delete(did)
      },
      mutePost(item, label) {
        space.mutePost(item.id, true)
        posts.set(item.id, label)
      },
      unmutePost(id) {
        space.mutePost(id, false)
        posts.delete(id)
      },
    }
    mutesBySpace.set(space, mutes)
  }
  return mutes
}

/** The current time, re-read every 30 s by whatever template shows it (relative times). */
const tick = createSubscriber((update) => {
  const timer = setInterval(update, 30_000)
  return () => clearInterval(timer)
})

export function now(): number {
  tick()
  return Date.now()
}
