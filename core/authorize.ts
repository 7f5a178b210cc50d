/**
 * Who may make which content record, by the rule its kind defines (core-kinds.ts for core's, the
 * app's `defineKind` for others). Judged against the author's role in the record's causal past,
 * capped by role changes concurrent with it (membership.ts), so the answer is the same on every
 * peer whatever order records arrived in, and no claimed clock changes it.
 */
import { dependenciesOf } from './causal.js'
import { cidString } from './cid-string.js'
import { CORE_KIND_MAP, type CoreAuthorizeContext } from './core-kinds.js'
import type { KindDefinition } from './kind.js'
import type { Membership } from './membership.js'
import type { SignedRecord } from './record.js'
import { reject, type Rejection } from './rejection.js'

export interface AuthorizationContext {
  readonly membership: Membership
  /** Author of a post, when this peer holds it. */
  postAuthor(id: string): string | undefined
  /** Kind of a record this peer holds (a post's `replyTo` is among its dependencies, so it is held when the post is judged). */
  kindOf(id: string): string | undefined
  /** A record this peer holds, for app rules (`AuthorizeContext.get`). */
  get?(id: string): SignedRecord | undefined
}

/** The record's refusal under its kind's rule, or undefined when it may stand. `kind`: default, core's kind of that name. */
export function authorizeContent(
  record: SignedRecord,
  context: AuthorizationContext,
  kind: KindDefinition | undefined = CORE_KIND_MAP.get(record.kind),
): Rejection | undefined {
  const about = { id: record.id, author: record.author }
  if (!kind?.authorize) return reject('unknown-kind', `no authorization rule for kind ${record.kind}`, about).rejection
  const { membership } = context
  let named: Set<string> | undefined
  const judged: CoreAuthorizeContext = {
    record,
    role: membership.roleAt(record.author, record),
    policy: membership.policy,
    roleOf: (did) => membership.settledRoleAt(did, record),
    // Only what the record names, which is held whenever it is judged: anything else could be here on one peer and not yet on another.
    get: (id) => ((named ??= new Set(dependenciesOf(record).map(cidString))).has(id) ? context.get?.(id) : undefined),
    postAuthor: (id) => context.postAuthor(id),
    kindOf: (id) => context.kindOf(id),
  }
  let refusal
  try {
    refusal = kind.authorize(judged)
  } catch (error) {
    // An app rule that throws refuses the record, alike on every peer if the rule is deterministic.
    refusal = `the authorization rule of ${record.kind} failed: ${String(error).slice(0, 200)}`
  }
  if (refusal === undefined) return undefined
  return typeof refusal === 'string'
    ? reject('not-authorized', refusal, about).rejection
    : reject(refusal.reason, refusal.detail, about).rejection
}
