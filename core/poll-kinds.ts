/**
 * Schemas of the voting records: poll, ballot, close (+ close-part for large polls) and reveal.
 * Method-specific checks (params, choices) happen in the poll view, which knows the poll.
 */
import * as s from './schema.js'
import { visibleText } from './kinds.js'
import { firstDuplicate } from './text.js'
import { quorum, quorumProblem } from './quorum.js'
import { MAX_OPTIONS, MIN_OPTIONS, type MethodName } from './tally/types.js'

export const MAX_LISTED_VOTERS = 1000
/** Ballot ids per close or close-part record: keeps each under the default 64 KiB record limit. */
export const BALLOTS_PER_CLOSE_RECORD = 1500
export const MAX_CLOSE_PARTS = 1024

const methodNames: readonly MethodName[] = [
  'plurality',
  'approval',
  'instant-runoff',
  'schulze',
  'copeland',
  'score',
  'quadratic',
  'weighted',
]

/** Any decoded value up to the envelope's depth bound: the method validates it. */
const anything: s.Validator<unknown> = (value) => ({ ok: true, value })

export type Eligibility =
  | { readonly type: 'members' }
  | { readonly type: 'list'; readonly voters: readonly string[] }
  /** Anyone with a key: open to Sybil voting (one person, many keys). */
  | { readonly type: 'anyone' }

const eligibility: s.Validator<Eligibility> = (value, path) => {
  const type = (value as { type?: unknown } | null)?.type
  if (type === 'members' || type === 'anyone') return s.object({ type: s.literal(type) })(value, path) as s.Check<Eligibility>
  if (type === 'list')
    return s.object({ type: s.literal('list'), voters: s.array(s.did, { min: 1, max: MAX_LISTED_VOTERS, unique: true }) })(value, path)
  return { ok: false, error: `${path}: expected eligibility of type "members", "list" or "anyone"` }
}

export const pollBodies = {
  poll: s.refine(
    s.object({
      question: s.string({ min: 1, max: 300 }),
      description: s.string({ max: 2000 }),
      options: s.refine(s.array(visibleText(200), { min: MIN_OPTIONS, max: MAX_OPTIONS }), (options) => {
        // Options a reader cannot tell apart ("Café" in two encodings, "Yes" and "yes", "Red  apple"
        // and "Red apple") would split one choice's votes in two.
        const duplicate = firstDuplicate(options)
        return duplicate
          ? `option ${duplicate.index + 1} is the same as option ${duplicate.sameAs + 1} once case, spacing and accent encoding are ignored`
          : undefined
      }),
      method: s.literal(...methodNames),
      params: s.optional(anything),
      eligibility,
      /** Advisory: shown to voters; only a close record ends voting. Milliseconds since the epoch. */
      closesAt: s.optional(s.integer(0, Number.MAX_SAFE_INTEGER)),
      /** Ballots the result needs to stand (see quorum.ts); the result is shown either way. */
      quorum: s.optional(quorum),
      secret: s.boolean,
    }),
    (body) => (body.quorum ? quorumProblem(body.quorum, body.eligibility) : undefined),
  ),
  ballot: s.refine(
    s.object({ poll: s.cid, choice: s.optional(anything), commitment: s.optional(s.bytes({ min: 32, max: 32 })) }),
    (body) =>
      (body.choice === undefined) !== (body.commitment === undefined) ? undefined : 'a ballot has either a choice or a commitment',
  ),
  close: s.object({
    poll: s.cid,
    /** How many ballots the close commits to, across inline ids and parts. */
    count: s.integer(0, BALLOTS_PER_CLOSE_RECORD * (MAX_CLOSE_PARTS + 1)),
    /** sha2-256 over the sorted committed ballot ids' bytes, concatenated. */
    digest: s.bytes({ min: 32, max: 32 }),
    ballots: s.array(s.cid, { max: BALLOTS_PER_CLOSE_RECORD, unique: true }),
    parts: s.array(s.cid, { max: MAX_CLOSE_PARTS, unique: true }),
  }),
  'close-part': s.object({ poll: s.cid, ballots: s.array(s.cid, { min: 1, max: BALLOTS_PER_CLOSE_RECORD, unique: true }) }),
  /** `close`: the close this reveal answers (a reveal is made only once a close commits the ballot). */
  reveal: s.object({ poll: s.cid, ballot: s.cid, close: s.cid, choice: anything, salt: s.bytes({ min: 32, max: 32 }) }),
} satisfies Record<string, s.Validator<unknown>>

export type PollBodyOf<K extends keyof typeof pollBodies> = s.Infer<(typeof pollBodies)[K]>
export const POLL_KINDS: ReadonlySet<string> = new Set(Object.keys(pollBodies))
