/**
 * Townhall's own record kinds, defined through the same `KindDefinition` that apps use: a body
 * schema (kinds.ts, poll-kinds.ts), the part of the space that folds them, and the rule that says
 * who may make them. Membership and voting kinds have no rule here: whether a role change, a join,
 * a ballot or a close stands depends on the other records of its kind (an invite's uses, a voter's
 * latest ballot, the close in force), so membership.ts and poll.ts judge them against the whole set.
 */
import { defineCoreKind, rules, type AuthorizeContext, type AuthorizeRule, type KindDefinition } from './kind.js'
import { bodies, type BodyOf } from './kinds.js'
import { rankOf } from './membership.js'
import { pollBodies } from './poll-kinds.js'

/** What core's own rules consult besides the public context. */
export interface CoreAuthorizeContext<B = unknown> extends AuthorizeContext<B> {
  /** Author of a post in the feed, when this peer holds it. */
  postAuthor(id: string): string | undefined
  /** Kind of a record this peer holds. */
  kindOf(id: string): string | undefined
}

/** A rule of core's, which may consult the feed through the core context. */
const core = <B>(rule: (context: CoreAuthorizeContext<B>) => ReturnType<AuthorizeRule>): AuthorizeRule<B> => rule as AuthorizeRule<B>

/** What a post may answer: another post (a reply), or a poll (a comment on the poll). */
const ANSWERABLE: ReadonlySet<string | undefined> = new Set(['post', 'poll'])

const post = core<BodyOf<'post'>>((context) => {
  const replyTo = context.record.body.replyTo?.toString()
  if (replyTo !== undefined && !ANSWERABLE.has(context.kindOf(replyTo)))
    return {
      reason: 'invalid-reference',
      detail: `a reply names a post or a poll; ${replyTo} is a ${context.kindOf(replyTo) ?? 'record not held here'}`,
    }
  return rules.participant(context)
})

/** Edits and retractions: only by the post's author. */
const change = core<BodyOf<'edit' | 'retract'>>((context) => {
  const target = context.record.body.post.toString()
  const owner = context.postAuthor(target)
  if (owner !== undefined && owner !== context.record.author)
    return { reason: 'invalid-reference', detail: `only the author of ${target} may ${context.record.kind} it` }
  return rules.participant(context)
})

const moderate: AuthorizeRule<BodyOf<'moderate'>> = ({ record, role }) =>
  rankOf(role) < rankOf('moderator')
    ? `moderation needs moderator, admin or founder; ${record.author} was ${role ?? 'not a member'}`
    : undefined

const epoch: AuthorizeRule<BodyOf<'epoch'>> = ({ record, role, roleOf }) => {
  // Only who may change roles may decide who reads: an admin or the founder, in the record's past.
  if (rankOf(role) < rankOf('admin')) return `a key rotation needs admin or founder; ${record.author} was ${role ?? 'not a member'}`
  const seen = new Set<string>()
  for (const { m } of record.body.keys) {
    if (seen.has(m)) return { reason: 'schema', detail: `the key is sealed to ${m} twice` }
    seen.add(m)
    // Judged in the record's own past: a removal concurrent with the rotation calls for another one, not a refusal.
    if (roleOf(m) === null) return `the key is sealed to ${m}, who was not a member in this record's past`
  }
  return undefined
}

/** Core's kinds, in the order a reader meets them. */
export const CORE_KINDS: readonly KindDefinition[] = [
  defineCoreKind('space', bodies.space, 'membership'),
  defineCoreKind('role', bodies.role, 'membership'),
  defineCoreKind('invite', bodies.invite, 'membership'),
  defineCoreKind('join', bodies.join, 'membership'),
  defineCoreKind('profile', bodies.profile, 'feed', rules.participant),
  defineCoreKind('post', bodies.post, 'feed', post),
  defineCoreKind('edit', bodies.edit, 'feed', change),
  defineCoreKind('retract', bodies.retract, 'feed', change),
  defineCoreKind('react', bodies.react, 'feed', rules.participant),
  defineCoreKind('moderate', bodies.moderate, 'feed', moderate),
  defineCoreKind('epoch', bodies.epoch, 'epoch', epoch),
  defineCoreKind('poll', pollBodies.poll, 'polls'),
  defineCoreKind('ballot', pollBodies.ballot, 'polls'),
  defineCoreKind('close', pollBodies.close, 'polls'),
  defineCoreKind('close-part', pollBodies['close-part'], 'polls'),
  defineCoreKind('reveal', pollBodies.reveal, 'polls'),
]

export const CORE_KIND_MAP: ReadonlyMap<string, KindDefinition> = new Map(CORE_KINDS.map((kind) => [kind.name, kind]))

/** Kinds that change who may do what: a record's authority is judged against these in its past. */
export const AUTHORITY_KINDS: ReadonlySet<string> = new Set(['role', 'invite', 'join'])
/** Heads a new record names first: what others' rights and results depend on. */
export const AUTHORITY_HEADS: ReadonlySet<string> = new Set(['role', 'invite', 'join', 'close', 'moderate', 'poll'])
/** Records there are many of and that nobody else's rights depend on: never heads, and they name only what they must. */
export const LIGHT_KINDS: ReadonlySet<string> = new Set(['ballot', 'close-part'])
