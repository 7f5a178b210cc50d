/**
 * The schema of every record kind a space understands. A record whose kind is not listed here is
 * rejected as `unknown-kind`; one whose body does not match is rejected as `schema`.
 */
import { HARD_MAX_RECORD_BYTES } from './record.js'
import * as s from './schema.js'
import { KEY_BOX_BYTES, MAX_EPOCH } from './private/frame.js'
import { collapseSpaces, unsafeCharacter } from './text.js'

/** Maximum post and reply length, in UTF-16 code units (what `String.length` counts). */
export const MAX_POST_LENGTH = 5000
export const MAX_MENTIONS = 32
export const MAX_INVITE_USES = 10_000
/** Recipients of one epoch record: at 136 bytes each, about what a 64 KiB record holds. */
export const MAX_EPOCH_RECIPIENTS = 400

export const ROLES = ['founder', 'admin', 'moderator', 'member'] as const
export type Role = (typeof ROLES)[number]
export type GrantableRole = Exclude<Role, 'founder'>
const grantable = s.literal<GrantableRole>('admin', 'moderator', 'member')

const url = s.refine(s.string({ min: 1, max: 2048 }), (value) => (/^https:\/\/[^\s]+$/.test(value) ? undefined : 'must be an https:// URL'))
const emoji = s.refine(s.string({ min: 1, max: 16 }), (value) =>
  /[\s<>]/u.test(value) ? 'must be a single emoji or short token without spaces' : undefined,
)
const text = s.string({ min: 1, max: MAX_POST_LENGTH })

/**
 * A name or a poll option: 1 to `max` characters with something visible, and none that would let
 * it pass for other text (bidi controls, invisible characters; see text.ts).
 */
export const visibleText = (max: number): s.Validator<string> =>
  s.refine(s.string({ min: 1, max }), (value) => {
    const unsafe = unsafeCharacter(value)
    if (unsafe) return `contains ${unsafe}, which would make it read as other text`
    return collapseSpaces(value) === '' ? 'has no visible characters' : undefined
  })

export const bodies = {
  space: s.object({
    name: visibleText(100),
    description: s.string({ max: 1000 }),
    policy: s.literal('open', 'invite-only'),
    nonce: s.bytes({ min: 16, max: 16 }),
    maxRecordBytes: s.optional(s.integer(1024, HARD_MAX_RECORD_BYTES)),
    /**
     * Present in a private space, whose records travel sealed (core/private/). `history: 'all'`: a
     * member who joins later reads what came before (the only policy so far; see docs/concepts.md).
     */
    private: s.optional(s.object({ history: s.literal('all') })),
  }),
  role: s.object({ member: s.did, role: s.nullable(grantable) }),
  invite: s.object({
    key: s.did,
    maxUses: s.nullable(s.integer(1, MAX_INVITE_USES)),
    role: grantable,
  }),
  join: s.refine(
    s.object({ invite: s.optional(s.cid), key: s.optional(s.did), proof: s.optional(s.bytes({ min: 64, max: 64 })) }),
    (body) =>
      (body.invite === undefined) === (body.key === undefined) && (body.key === undefined) === (body.proof === undefined)
        ? undefined
        : 'invite, key and proof come together or not at all',
  ),
  profile: s.object({ name: visibleText(64), avatar: s.optional(url) }),
  post: s.object({
    text,
    replyTo: s.optional(s.cid),
    mentions: s.optional(s.array(s.did, { max: MAX_MENTIONS, unique: true })),
  }),
  edit: s.object({ post: s.cid, text }),
  retract: s.object({ post: s.cid }),
  react: s.object({ post: s.cid, emoji, on: s.boolean }),
  /**
   * A new epoch key of a private space (core/private/): the key sealed to each member (`m`: did,
   * `b`: HPKE box), and, when the space keeps history readable, the earlier keys sealed under it.
   */
  epoch: s.object({
    n: s.integer(1, MAX_EPOCH),
    keys: s.array(s.object({ m: s.did, b: s.bytes({ min: KEY_BOX_BYTES, max: KEY_BOX_BYTES }) }), { max: MAX_EPOCH_RECIPIENTS }),
    back: s.optional(s.bytes({ min: 40, max: 64 * 1024 })),
  }),
  moderate: s.refine(
    s.object({ post: s.optional(s.cid), author: s.optional(s.did), hidden: s.boolean, reason: s.optional(s.string({ max: 500 })) }),
    (body) => ((body.post === undefined) !== (body.author === undefined) ? undefined : 'exactly one of post or author'),
  ),
} satisfies Record<string, s.Validator<unknown>>

export type BodyOf<K extends keyof typeof bodies> = s.Infer<(typeof bodies)[K]>
export type CoreKind = keyof typeof bodies

/** Kinds that change who may do what; adding one re-evaluates authorization of everything else. */
export const MEMBERSHIP_KINDS: ReadonlySet<string> = new Set(['space', 'role', 'invite', 'join'])
