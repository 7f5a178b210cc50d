/**
 * A record kind: its name, the schema of its body, who may make one (judged in the record's causal
 * past), and the views it folds into. Apps define their own with `defineKind`; core's kinds are
 * defined the same way (core-kinds.ts), and a space finds both in its `KindRegistry`.
 *
 * @example
 * ```ts
 * import { defineKind, rules, schema as s } from 'townhall'
 *
 * const rsvp = defineKind({
 *   name: 'org.example/rsvp',
 *   body: s.object({ event: s.string({ min: 1, max: 100 }), answer: s.literal('going', 'maybe', 'no') }),
 *   authorize: rules.participant,
 * })
 * rsvp.name // -> 'org.example/rsvp'
 * ```
 */
import { InvalidArgumentError, KindClashError } from './errors.js'
import type { Role } from './kinds.js'
import { rankOf } from './membership.js'
import type { RecordId, SignedRecord } from './record.js'
import type { RejectionReason } from './rejection.js'
import type { Validator } from './schema.js'
import { fromStandardSchema, isStandardSchema, type StandardSchemaV1 } from './standard-schema.js'
import type { ViewDefinition } from './view.js'

/** A body schema: one of core's validators (core/schema.ts) or any Standard Schema v1 (Zod, Valibot, ArkType...). */
export type BodySchema<B> = Validator<B> | StandardSchemaV1<unknown, B>

/** What an authorization rule may consult, all of it judged in the record's causal past, so every peer agrees. */
export interface AuthorizeContext<B = unknown> {
  readonly record: SignedRecord<B>
  /**
   * The author's role in the record's causal past, capped by role changes concurrent with it
   * (core/membership.ts). null: not a member there. A claimed clock never changes it.
   */
  readonly role: Role | null
  readonly policy: 'open' | 'invite-only'
  /** Another identity's role in the record's past, as that past judged itself. */
  roleOf(did: string): Role | null
  /**
   * A record this one names, in its refs or as a CID at the top level of its body: those are in
   * its causal past, so held wherever it is judged. undefined for any other id, which one peer may
   * hold and another not yet.
   */
  get(id: RecordId): SignedRecord | undefined
}

/** Why a rule refuses: a detail (the reason is then `not-authorized`), or a reason of its own. */
export type Refusal =
  string | { readonly reason: Extract<RejectionReason, 'not-authorized' | 'invalid-reference' | 'schema'>; readonly detail: string }

/** Who may make a record of a kind: undefined allows, a refusal holds the record out of the views with its reason. */
export type AuthorizeRule<B = unknown> = (context: AuthorizeContext<B>) => Refusal | undefined

/** Where a core kind is folded; app kinds fold into the views they declare. */
export type CorePart = 'membership' | 'feed' | 'polls' | 'epoch'

export interface KindDefinition<B = unknown> {
  readonly name: string
  /** Checks a body from a peer and builds the typed body from it. */
  readonly validate: Validator<B>
  /**
   * Who may make one (a method, so that a kind of a specific body is a `KindDefinition` too).
   * Absent only for core kinds whose part judges them against the whole record set (membership, polls).
   */
  authorize?(context: AuthorizeContext<B>): Refusal | undefined
  readonly views: readonly ViewDefinition<unknown, unknown, unknown>[]
  /** Set for core's own kinds only. */
  readonly part?: CorePart
}

export interface KindOptions<B> {
  /** Namespaced, `reverse.domain/name` (e.g. `org.example/rsvp`); names without a slash are core's. */
  readonly name: string
  readonly body: BodySchema<B>
  readonly authorize: AuthorizeRule<B>
  /** Views that records of this kind fold into once authorized. */
  readonly views?: readonly ViewDefinition<unknown, B, unknown>[]
}

/** `reverse.domain/name`: at least one dot before the slash, lowercase; at most 64 characters, what the envelope allows. */
const APP_KIND = /^[a-z0-9-]+(\.[a-z0-9-]+)+\/[a-z0-9][a-z0-9._/-]*$/
const MAX_KIND_NAME = 64

/**
 * Defines an app's record kind. Names without a namespace are townhall's own (`post`, `ballot`,
 * and any it adds later): `KindClashError`. A name that is not `reverse.domain/name`: `InvalidArgumentError`.
 */
export function defineKind<B>(options: KindOptions<B>): KindDefinition<B> {
  if (typeof options.name === 'string' && !options.name.includes('/')) {
    throw new KindClashError(
      options.name,
      `Kind names without a namespace ("${options.name.slice(0, 64)}") are reserved for townhall's own kinds; name app kinds like org.example/${options.name.slice(0, 64)}.`,
    )
  }
  if (typeof options.name !== 'string' || options.name.length > MAX_KIND_NAME || !APP_KIND.test(options.name)) {
    throw new InvalidArgumentError(
      `Kind name "${String(options.name).slice(0, 80)}" is not namespaced: use reverse.domain/name (e.g. org.example/rsvp), lowercase, at most ${MAX_KIND_NAME} characters.`,
    )
  }
  if (typeof options.authorize !== 'function') throw new InvalidArgumentError(`Kind ${options.name} needs an authorize rule.`)
  return Object.freeze({
    name: options.name,
    validate: bodyValidator(options.body, options.name),
    authorize: options.authorize,
    views: Object.freeze([...(options.views ?? [])]) as readonly ViewDefinition<unknown, unknown, unknown>[],
  }) as KindDefinition<B>
}

/** Core's own kinds: no namespace, a part of the space that folds them, and a reserved name. */
export function defineCoreKind<B>(name: string, body: Validator<B>, part: CorePart, authorize?: AuthorizeRule<B>): KindDefinition<B> {
  return Object.freeze({ name, validate: body, authorize, views: [], part }) as KindDefinition<B>
}

function bodyValidator<B>(body: BodySchema<B>, name: string): Validator<B> {
  // Standard Schema first: some (ArkType's types) are functions as well.
  if (isStandardSchema(body)) return fromStandardSchema(body as StandardSchemaV1<unknown, B>)
  if (typeof body === 'function') return body
  throw new InvalidArgumentError(
    `The body of kind ${name} needs a schema: a townhall validator or a Standard Schema (Zod, Valibot, ArkType...).`,
  )
}

/** Ready-made rules, the ones core's own content kinds use. */
export const rules = {
  /** Anyone in an open space; a member in the record's past in an invite-only one (as posts). */
  participant: ({ record, role, policy }: AuthorizeContext): Refusal | undefined =>
    policy === 'invite-only' && role === null
      ? `${record.kind} in an invite-only space needs membership; ${record.author} was not a member in this record's past`
      : undefined,
  /** At least `min` in the record's past: 'member', 'moderator', 'admin' or 'founder'. */
  role:
    (min: Role) =>
    ({ record, role }: AuthorizeContext): Refusal | undefined =>
      rankOf(role) < rankOf(min)
        ? `${record.kind} needs ${min} or above; ${record.author} was ${role ?? 'not a member'} in this record's past`
        : undefined,
} as const
