/**
 * Who may make which content record. Judged against the author's role in the record's causal
 * past, capped by role changes concurrent with it (membership.ts), so the answer is the same on
 * every peer whatever order records arrived in, and no claimed clock changes it.
 */
import type { BodyOf } from './kinds.js'
import { rankOf, type Membership } from './membership.js'

const RANK_ADMIN = rankOf('admin')
import type { SignedRecord } from './record.js'
import { reject, type Rejection } from './rejection.js'

export interface AuthorizationContext {
  readonly membership: Membership
  /** Author of a post, when this peer holds it. */
  postAuthor(id: string): string | undefined
  /** Kind of a record this peer holds (a post's `replyTo` is among its dependencies, so it is held when the post is judged). */
  kindOf(id: string): string | undefined
}

/** What a post may answer: another post (a reply), or a poll (a comment on the poll). */
const ANSWERABLE: ReadonlySet<string | undefined> = new Set(['post', 'poll'])

export function authorizeContent(record: SignedRecord, context: AuthorizationContext): Rejection | undefined {
  const { membership } = context
  const role = membership.roleAt(record.author, record)
  const about = { id: record.id, author: record.author }
  const needMember = () =>
    membership.policy === 'invite-only' && rankOf(role) < 1
      ? reject(
          'not-authorized',
          `${record.kind} in an invite-only space needs membership; ${record.author} was not a member in this record's past`,
          about,
        ).rejection
      : undefined
  switch (record.kind) {
    case 'post': {
      const replyTo = (record.body as BodyOf<'post'>).replyTo?.toString()
      if (replyTo !== undefined && !ANSWERABLE.has(context.kindOf(replyTo)))
        return reject(
          'invalid-reference',
          `a reply names a post or a poll; ${replyTo} is a ${context.kindOf(replyTo) ?? 'record not held here'}`,
          about,
        ).rejection
      return needMember()
    }
    case 'react':
    case 'profile':
      return needMember()
    case 'edit':
    case 'retract': {
      const target = (record.body as BodyOf<'edit' | 'retract'>).post.toString()
      const owner = context.postAuthor(target)
      if (owner !== undefined && owner !== record.author) {
        return reject('invalid-reference', `only the author of ${target} may ${record.kind} it`, about).rejection
      }
      return needMember()
    }
    case 'moderate':
      return rankOf(role) < 2
        ? reject('not-authorized', `moderation needs moderator, admin or founder; ${record.author} was ${role ?? 'not a member'}`, about)
            .rejection
        : undefined
    case 'epoch': {
      // Only who may change roles may decide who reads: an admin or the founder, in the record's past.
      if (rankOf(role) < RANK_ADMIN) {
        return reject('not-authorized', `a key rotation needs admin or founder; ${record.author} was ${role ?? 'not a member'}`, about).rejection
      }
      const seen = new Set<string>()
      for (const { m } of (record.body as BodyOf<'epoch'>).keys) {
        if (seen.has(m)) return reject('schema', `the key is sealed to ${m} twice`, about).rejection
        seen.add(m)
        // Judged in the record's own past: a removal concurrent with the rotation calls for another one, not a refusal.
        if (membership.settledRoleAt(m, record) === null) {
          return reject('not-authorized', `the key is sealed to ${m}, who was not a member in this record's past`, about).rejection
        }
      }
      return undefined
    }
    default:
      return reject('unknown-kind', `no authorization rule for kind ${record.kind}`, about).rejection
  }
}
