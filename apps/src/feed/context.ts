/**
 * State shared by one FeedPanel and every card and thread inside it: one `reactiveSpace` (so the
 * whole tree reads views through a single memo), the moderator's "Show hidden" switch, and the
 * local mutes. A card rendered outside a FeedPanel gets a standalone context of its own.
 */
import { getContext, hasContext, setContext } from 'svelte'
import { SvelteMap, createSubscriber } from 'svelte/reactivity'
import { reactiveSpace, type ReactiveSpace } from '../../../adapters/svelte/index.js'
import type { Did, FeedItem, Hlc, RecordId, Space, ThreadNode } from '../../../core/index.js'
import { displayName } from './format.js'

export interface FeedContext {
  readonly space: Space
  readonly live: ReactiveSpace
  /** True when the viewer is a moderator and asked to see hidden posts. */
  readonly showHidden: boolean
  /** Items newer than this (by others) show a "New" marker; undefined when nothing is marked. */
  readonly since: Hlc | undefined
  /** Whether nothing is tracked (a card outside a tab): no item is called new. */
  readonly tracking: boolean
  readonly mutes: Mutes
  /** The thread under a post, with hidden replies when `showHidden`, and always the viewer's own. */
  thread(id: RecordId): ThreadNode | undefined
  /** The reason a moderator gave for hiding this post or its author, if any. */
  hiddenReason(item: FeedItem): string | undefined
  /** Display label of a did: profile name or shortened did. */
  label(did: Did): string
}

const KEY = Symbol('townhall/feed')

export function provideFeedContext(
  space: Space,
  options: { showHidden: () => boolean; since?: () => { readonly since: Hlc | undefined } | undefined },
): FeedContext {
  const context = createFeedContext(space, options.showHidden, options.since)
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

function createFeedContext(
  space: Space,
  showHidden: () => boolean,
  since: () => { readonly since: Hlc | undefined } | undefined = () => undefined,
): FeedContext {
  const live = reactiveSpace(space)
  return {
    space,
    live,
    get showHidden() {
      return showHidden()
    },
    get since() {
      return since()?.since
    },
    get tracking() {
      return since() !== undefined
    },
    mutes: mutesOf(space),
    thread(id) {
      // `live.thread` takes no options; read a cached view first so this re-runs on every change.
      void live.feed
      const all = space.getThread(id, { includeHidden: true })
      if (showHidden() || !all) return all
      // Others' hidden replies stay out; the viewer's own stay in, marked, so a hide never looks
      // to its author like a post that vanished.
      return visibleTo(all, space.identity.did)
    },
    hiddenReason(item) {
      void live.feed
      return hiddenReason(space, item)
    },
    label(did) {
      return displayName(did, live.members.find((m) => m.did === did)?.name ?? space.getProfile(did)?.name)
    },
  }
}

/** A thread without the hidden replies of anyone but `viewer` (a hidden root stays only if it is theirs). */
export function visibleTo(node: ThreadNode, viewer: Did): ThreadNode | undefined {
  if (node.item.hidden && node.item.author !== viewer) return undefined
  return { item: node.item, replies: node.replies.flatMap((reply) => visibleTo(reply, viewer) ?? []) }
}

/** The latest moderation record that hides this post or its author, read for its reason. */
function hiddenReason(space: Space, item: FeedItem): string | undefined {
  if (!item.hidden) return undefined
  let latest: { hlc: readonly [number, number]; reason: string | undefined } | undefined
  for (const record of space.getRecords()) {
    if (record.kind !== 'moderate') continue
    const body = record.body as { post?: { toString(): string }; author?: string; hidden: boolean; reason?: string }
    if (!body.hidden || (body.post?.toString() !== item.id && body.author !== item.author)) continue
    const hlc = record.hlc as readonly [number, number]
    if (!latest || hlc[0] > latest.hlc[0] || (hlc[0] === latest.hlc[0] && hlc[1] > latest.hlc[1])) latest = { hlc, reason: body.reason }
  }
  return latest?.reason
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
