/** View shapes shared by the store and rune bindings, and the reads behind them. */
import type { Did, FeedItem, FeedOptions, Profile, Role, Space } from '../../core/index.js'

export interface Member {
  readonly did: Did
  readonly role: Role
  readonly name: string | undefined
  readonly avatar: string | undefined
}

export interface Me {
  readonly did: Did
  readonly role: Role | null
  readonly profile: Profile | undefined
}

/** A space, or a function returning it: pass `() => space` for a prop, so Svelte 5 tracks the prop instead of warning that only its first value was captured. */
export type SpaceSource = Space | (() => Space)

export const resolve = (source: SpaceSource): Space => (typeof source === 'function' ? source() : source)

/** The named views both bindings offer; anything else goes through `view(read)`. One function each, so their caches are shared. */
export const reads = {
  info: (space: Space) => space.getInfo(),
  feed: (space: Space) => space.getFeed(),
  polls: (space: Space) => space.getPolls(),
  members: (space: Space): Member[] =>
    space.getMembers().map((m) => ({ did: m.did, role: m.role, name: m.profile?.name, avatar: m.profile?.avatar })),
  me: (space: Space): Me => ({ did: space.identity.did, role: space.getRole(), profile: space.getProfile() }),
  presence: (space: Space) => space.replica.presence?.get() ?? [],
  syncState: (space: Space) => space.getSyncState(),
  rejections: (space: Space) => space.getRejections(),
}

// Reads with arguments, created per argument; the core getters cache by argument too, so these stay cheap.
export function feedWith(options: FeedOptions): (space: Space) => FeedItem[] {
  // A copy: the caller may change its mute sets later, and this read is cached under their contents now.
  const copy: FeedOptions = {
    ...options,
    ...(options.mutedAuthors ? { mutedAuthors: new Set(options.mutedAuthors) } : {}),
    ...(options.mutedPosts ? { mutedPosts: new Set(options.mutedPosts) } : {}),
  }
  return (space) => space.getFeed(copy)
}
export const thread = (id: string) => (space: Space) => space.getThread(id)
export const comments = (pollId: string) => (space: Space) => space.getComments(pollId)
export const poll = (id: string) => (space: Space) => space.getPoll(id)
