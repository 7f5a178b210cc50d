/**
 * The feed: posts, threads, edits, retractions, reactions, moderation and profiles. State is kept in
 * latest-wins maps keyed by what each record changes, so adding a record touches only its own
 * entries and the result does not depend on arrival order.
 */
import type { Did } from './did.js'
import type { Hlc } from './hlc.js'
import type { BodyOf } from './kinds.js'
import { compareCausal } from './causal.js'
import { compareRecords, type RecordId, type SignedRecord } from './record.js'

type Rec<K extends 'post' | 'edit' | 'retract' | 'react' | 'moderate' | 'profile'> = SignedRecord<BodyOf<K>>

export interface Reaction {
  readonly emoji: string
  readonly count: number
  readonly by: readonly Did[]
}

export interface FeedItem {
  readonly id: RecordId
  readonly author: Did
  readonly authorName: string | undefined
  readonly text: string
  readonly createdAt: Hlc
  /** Timestamp of the edit shown, when the text was edited. */
  readonly editedAt: Hlc | undefined
  readonly retracted: boolean
  /** Hidden by a moderator (the post or its author). Hidden items appear only with `includeHidden`. */
  readonly hidden: boolean
  readonly replyTo: RecordId | undefined
  readonly replyCount: number
  readonly mentions: readonly Did[]
  readonly reactions: readonly Reaction[]
}

export interface ThreadNode {
  readonly item: FeedItem
  readonly replies: readonly ThreadNode[]
}

export interface Profile {
  readonly did: Did
  readonly name: string
  readonly avatar: string | undefined
  readonly updatedAt: Hlc
}

export interface FeedOptions {
  /** Include posts hidden by moderators (flagged `hidden`), e.g. for a moderation screen. */
  includeHidden?: boolean
  /** Local mutes: never replicated, applied only to this viewer. */
  mutedAuthors?: ReadonlySet<string>
  mutedPosts?: ReadonlySet<string>
  order?: 'newest' | 'oldest'
}

/** Latest in record order (causal.ts): a change that had the other in its past always wins, whatever clock either claims. */
const latest = <T extends SignedRecord>(current: T | undefined, next: T): T =>
  !current || compareCausal(next, current) > 0 ? next : current

export class FeedState {
  private readonly posts = new Map<RecordId, Rec<'post'>>()
  /** top-level posts in (hlc, id) order */
  private readonly timeline: Rec<'post'>[] = []
  private readonly replies = new Map<RecordId, Rec<'post'>[]>()
  private readonly edits = new Map<RecordId, Rec<'edit'>[]>()
  private readonly retractions = new Map<RecordId, Rec<'retract'>[]>()
  private readonly reactions = new Map<RecordId, Map<string, Rec<'react'>>>()
  private readonly hiddenPosts = new Map<RecordId, Rec<'moderate'>>()
  private readonly hiddenAuthors = new Map<string, Rec<'moderate'>>()
  private readonly profiles = new Map<string, Rec<'profile'>>()

  add(record: SignedRecord): void {
    switch (record.kind) {
      case 'post': {
        const post = record as Rec<'post'>
        this.posts.set(post.id, post)
        const parent = post.body.replyTo?.toString()
        if (parent)
          insertSorted(
            getOrCreate(this.replies, parent, () => []),
            post,
          )
        else insertSorted(this.timeline, post)
        break
      }
      case 'edit':
        getOrCreate(this.edits, (record as Rec<'edit'>).body.post.toString(), () => []).push(record as Rec<'edit'>)
        break
      case 'retract':
        getOrCreate(this.retractions, (record as Rec<'retract'>).body.post.toString(), () => []).push(record as Rec<'retract'>)
        break
      case 'react': {
        const react = record as Rec<'react'>
        const byKey = getOrCreate(this.reactions, react.body.post.toString(), () => new Map())
        const key = `${react.author} ${react.body.emoji}`
        byKey.set(key, latest(byKey.get(key), react))
        break
      }
      case 'moderate': {
        const moderation = record as Rec<'moderate'>
        const { post, author } = moderation.body
        if (post) this.hiddenPosts.set(post.toString(), latest(this.hiddenPosts.get(post.toString()), moderation))
        else if (author) this.hiddenAuthors.set(author, latest(this.hiddenAuthors.get(author), moderation))
        break
      }
      case 'profile': {
        const profile = record as Rec<'profile'>
        this.profiles.set(profile.author, latest(this.profiles.get(profile.author), profile))
        break
      }
      default:
        break
    }
  }

  /** Edits and retractions that target a post (by anyone; only the author's count). */
  changesOf(id: RecordId): SignedRecord[] {
    return [...(this.edits.get(id) ?? []), ...(this.retractions.get(id) ?? [])]
  }

  hasPost(id: RecordId): boolean {
    return this.posts.has(id)
  }

  postAuthor(id: RecordId): Did | undefined {
    return this.posts.get(id)?.author
  }

  getProfile(did: string): Profile | undefined {
    const record = this.profiles.get(did)
    return record && { did: record.author, name: record.body.name, avatar: record.body.avatar, updatedAt: record.hlc }
  }

  getProfiles(): Profile[] {
    return [...this.profiles.keys()].sort().map((did) => this.getProfile(did)!)
  }

  getFeed(options: FeedOptions = {}): FeedItem[] {
    const items: FeedItem[] = []
    for (const post of this.timeline) {
      const item = this.visibleItem(post, options)
      if (item && !item.retracted) items.push(item)
    }
    return options.order === 'oldest' ? items : items.reverse()
  }

  getPost(id: RecordId, options: FeedOptions = {}): FeedItem | undefined {
    const post = this.posts.get(id)
    return post && this.visibleItem(post, options)
  }

  /** A post with its replies, recursively, oldest reply first. Retracted posts stay as placeholders so threads keep their shape. */
  getThread(id: RecordId, options: FeedOptions = {}): ThreadNode | undefined {
    const post = this.posts.get(id)
    return post && this.node(post, 0, options)
  }

  /**
   * The threads that answer a record, oldest first: replies to a post, or the comments on a poll
   * (posts whose `replyTo` names the poll). Same shape and rules as `getThread`'s replies.
   */
  getReplies(id: RecordId, options: FeedOptions = {}): ThreadNode[] {
    return (this.replies.get(id) ?? []).map((reply) => this.node(reply, 1, options)).filter((n): n is ThreadNode => n !== undefined)
  }

  private node(record: Rec<'post'>, depth: number, options: FeedOptions): ThreadNode | undefined {
    const item = this.visibleItem(record, options)
    if (!item) return undefined
    const children = depth > 64 ? [] : (this.replies.get(record.id) ?? [])
    return { item, replies: children.map((child) => this.node(child, depth + 1, options)).filter((n): n is ThreadNode => n !== undefined) }
  }

  isAuthorHidden(did: string): boolean {
    return this.hiddenAuthors.get(did)?.body.hidden === true
  }

  private visibleItem(post: Rec<'post'>, options: FeedOptions): FeedItem | undefined {
    if (!this.isShown(post, options)) return undefined
    const hidden = this.hiddenPosts.get(post.id)?.body.hidden === true || this.isAuthorHidden(post.author)
    return this.item(post, hidden, options)
  }

  private isShown(post: Rec<'post'>, options: FeedOptions): boolean {
    if (options.mutedAuthors?.has(post.author) || options.mutedPosts?.has(post.id)) return false
    return options.includeHidden === true || !(this.hiddenPosts.get(post.id)?.body.hidden === true || this.isAuthorHidden(post.author))
  }

  private item(post: Rec<'post'>, hidden: boolean, options: FeedOptions): FeedItem {
    // Only the author's own edits and retractions count; others' are ignored wherever they arrive.
    let edit: Rec<'edit'> | undefined
    for (const candidate of this.edits.get(post.id) ?? []) if (candidate.author === post.author) edit = latest(edit, candidate)
    const retracted = (this.retractions.get(post.id) ?? []).some((r) => r.author === post.author)
    const reactions = new Map<string, Did[]>()
    for (const react of this.reactions.get(post.id)?.values() ?? []) {
      if (react.body.on) getOrCreate(reactions, react.body.emoji, () => []).push(react.author)
    }
    return {
      id: post.id,
      author: post.author,
      authorName: this.profiles.get(post.author)?.body.name,
      text: retracted ? '' : (edit?.body.text ?? post.body.text),
      createdAt: post.hlc,
      editedAt: edit?.hlc,
      retracted,
      hidden,
      replyTo: post.body.replyTo?.toString(),
      // The replies a thread built with the same options shows, so "3 replies" never opens onto two.
      replyCount: (this.replies.get(post.id) ?? []).filter((reply) => this.isShown(reply, options)).length,
      mentions: post.body.mentions ?? [],
      reactions: [...reactions]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([emoji, by]) => ({ emoji, count: by.length, by: by.sort() })),
    }
  }
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key)
  if (value === undefined) map.set(key, (value = create()))
  return value
}

/** Binary insertion keeps timelines ordered without re-sorting on every record. */
export function insertSorted<T extends Pick<SignedRecord, 'hlc' | 'id'>>(list: T[], record: T): void {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (compareRecords(list[mid]!, record) < 0) lo = mid + 1
    else hi = mid
  }
  list.splice(lo, 0, record)
}
