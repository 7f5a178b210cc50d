/**
 * Membership as a pure function of the space's membership records (genesis, role, invite, join),
 * with authority judged against each record's causal past (causal.ts), never its claimed clock.
 *
 * Two judgments, both deterministic functions of the record set:
 * - **Settled**: a record is valid if its author had the right in its own causal past, judged as
 *   that past judged itself. Nothing that arrives later changes it, because a record's past is
 *   fixed by its hash links. Polls, closes and the ballots a close commits to are judged this way:
 *   that is what makes a final result final.
 * - **Current** (the conservative rule for concurrency): as settled, and in addition a change to the
 *   author's role that is concurrent with the record (neither in the other's past) caps the
 *   author's role at the lower of the two. A revocation thus wins over what the revoked member did
 *   without having seen it, but never over what is in its own past: a revoker who omits a record
 *   from their refs can make it concurrent, not earlier. Invites redeemed by more joins than they
 *   allow keep the first ones in record order (depth, then hlc, then id). Records whose validity
 *   depends on each other through concurrent revocations are resolved in record order, to a fixed
 *   point; a conflict that does not settle keeps only what the last two readings both accept.
 *
 * When several changes of one member's role are in a record's past and none is in the past of the
 * others, the lowest role counts (conservative again). Compare Matrix state resolution v2, where
 * auth events are checked against their auth chain, and Keyhive's causal revocation.
 */
import { compareCausal, type CausalGraph } from './causal.js'
import type { Did } from './did.js'
import type { BodyOf, GrantableRole, Role } from './kinds.js'
import type { RecordId, SignedRecord } from './record.js'
import type { Rejection } from './rejection.js'

const RANK: Record<Role, number> = { founder: 4, admin: 3, moderator: 2, member: 1 }
export const rankOf = (role: Role | null | undefined): number => (role ? RANK[role] : 0)
const lower = (a: Role | null, b: Role | null): Role | null => (rankOf(a) <= rankOf(b) ? a : b)

export interface InviteState {
  readonly id: RecordId
  readonly record: SignedRecord<BodyOf<'invite'>>
  readonly uses: number
  readonly redeemedBy: readonly Did[]
}

export interface Membership {
  readonly founder: Did
  readonly policy: 'open' | 'invite-only'
  /**
   * Role of `did` for a record it made (`at`): from the valid changes of its role in that record's
   * causal past, capped by valid changes concurrent with it (the current judgment). Without `at`:
   * the role now, from every valid change.
   */
  roleAt(did: string, at?: SignedRecord): Role | null
  /** Role of `did` in the causal past of `at` alone, as that past judged itself (settled: never changes). */
  settledRoleAt(did: string, at: SignedRecord): Role | null
  /** Valid changes of `did`'s role that are concurrent with `at` and lower it: why roleAt and settledRoleAt differ. */
  concurrentChanges(did: string, at: SignedRecord): SignedRecord[]
  /** Everyone with a role now, founder first, then by did. */
  members(): ReadonlyArray<{ did: Did; role: Role; since: RecordId }>
  invites(): ReadonlyMap<RecordId, InviteState>
  /** Membership records that are not in force now, with the reason. */
  readonly rejected: ReadonlyMap<RecordId, Rejection>
}

/** The outcome of judging one membership record in one reading. */
interface Judged {
  readonly ok: boolean
  /** The role it gives its target, for a change in force (undefined: not a change, such as an invite or a no-op join). */
  readonly result?: Role | null
  readonly target?: string
  readonly reason?: Rejection['reason']
  readonly detail?: string
}

type Reading = Map<RecordId, Judged>

/** How many readings the current judgment takes at most before it keeps only what the last two agree on. */
const MAX_READINGS = 4

export function foldMembership(genesis: SignedRecord<BodyOf<'space'>>, records: Iterable<SignedRecord>, graph: CausalGraph): Membership {
  const founder = genesis.author
  const policy = genesis.body.policy
  const ordered = [...records].filter((record) => record.kind !== 'space').sort(compareCausal)
  /** Records that may change a member's role, by the member they change (joins: by their author). */
  const timelines = new Map<string, SignedRecord[]>()
  const joinsOf = new Map<RecordId, SignedRecord[]>()
  for (const record of ordered) {
    const target = targetOf(record)
    if (target !== undefined) push(timelines, target, record)
    if (record.kind === 'join') {
      const invite = (record.body as BodyOf<'join'>).invite
      if (invite) push(joinsOf, invite.toString(), record)
    }
  }

  const roleIn = (reading: (id: RecordId) => Judged | undefined, did: string, at: SignedRecord | undefined, cap: boolean): Role | null => {
    if (did === founder) return 'founder'
    const changes = (timelines.get(did) ?? []).filter((change) => {
      if (change === at || !inForce(reading(change.id))) return false
      return at === undefined || graph.pastHas(at, change)
    })
    const maximal = changes.filter((change) => !changes.some((other) => other !== change && graph.pastHas(other, change)))
    let role: Role | null = null
    maximal.forEach((change, index) => {
      const result = reading(change.id)!.result!
      role = index === 0 ? result : lower(role, result)
    })
    if (cap && at !== undefined) {
      for (const change of timelines.get(did) ?? []) {
        if (change === at || !inForce(reading(change.id)) || graph.pastHas(at, change) || graph.precedes(at, change)) continue
        role = lower(role, reading(change.id)!.result!)
      }
    }
    return role
  }

  const judge = (
    record: SignedRecord,
    reading: (id: RecordId) => Judged | undefined,
    cap: boolean,
    usesSoFar: Map<RecordId, number>,
  ): Judged => {
    const role = (did: string) => roleIn(reading, did, record, cap)
    switch (record.kind) {
      case 'role': {
        const { member, role: granted } = record.body as BodyOf<'role'>
        if (member === founder) return refused('not-authorized', 'the founder role cannot be changed')
        if (granted === null && member === record.author) return { ok: true, result: null, target: member }
        const actor = role(record.author)
        if (rankOf(actor) < RANK.admin)
          return refused(
            'not-authorized',
            `changing roles needs admin or founder; ${record.author} was ${actor ?? 'not a member'} in this record's past`,
          )
        const target = role(member)
        if (rankOf(target) >= rankOf(actor)) return refused('not-authorized', `a ${actor} cannot change the role of a ${target}`)
        if (granted !== null && RANK[granted] > rankOf(actor)) return refused('not-authorized', `a ${actor} cannot grant ${granted}`)
        return { ok: true, result: granted, target: member }
      }
      case 'invite': {
        const body = record.body as BodyOf<'invite'>
        const actor = role(record.author)
        if (rankOf(actor) < RANK.admin)
          return refused(
            'not-authorized',
            `creating invites needs admin or founder; ${record.author} was ${actor ?? 'not a member'} in this record's past`,
          )
        if (RANK[body.role] > rankOf(actor)) return refused('not-authorized', `a ${actor} cannot invite a ${body.role}`)
        return { ok: true }
      }
      case 'join':
        return judgeJoin(record as SignedRecord<BodyOf<'join'>>, reading, cap, usesSoFar, role(record.author))
      default:
        return refused('unknown-kind', `${record.kind} is not a membership record`)
    }
  }

  const judgeJoin = (
    record: SignedRecord<BodyOf<'join'>>,
    reading: (id: RecordId) => Judged | undefined,
    cap: boolean,
    usesSoFar: Map<RecordId, number>,
    actor: Role | null,
  ): Judged => {
    const { invite: inviteCid, key } = record.body
    if (!inviteCid) {
      if (policy !== 'open') return refused('not-authorized', 'this space is invite-only; joining needs an invite')
      return actor ? { ok: true } : { ok: true, result: 'member', target: record.author }
    }
    const inviteId = inviteCid.toString()
    const invite = ordered.find((candidate) => candidate.id === inviteId && candidate.kind === 'invite') as
      SignedRecord<BodyOf<'invite'>> | undefined
    if (!invite || !reading(inviteId)?.ok)
      return refused('invalid-reference', `invite ${inviteId} is not a valid invite in this join's past`)
    if (invite.body.key !== key) return refused('invalid-reference', "the join was signed with a key that is not this invite's key")
    const role = invite.body.role as GrantableRole
    // Already has this role or better: a no-op that spends no use.
    if (rankOf(actor) >= RANK[role]) return { ok: true }
    const maxUses = invite.body.maxUses
    if (maxUses !== null) {
      // Settled: the uses this join's author could see. Current: the first uses in record order.
      const used = cap
        ? (usesSoFar.get(inviteId) ?? 0)
        : (joinsOf.get(inviteId) ?? []).filter((other) => other !== record && inForce(reading(other.id)) && graph.pastHas(record, other))
            .length
      if (used >= maxUses) return refused('not-authorized', `invite ${inviteId} was already used ${maxUses} time(s)`)
      if (cap) usesSoFar.set(inviteId, used + 1)
    }
    return { ok: true, result: role, target: record.author }
  }

  // Settled reading: each record against its own past only (its past comes first in record order).
  const settled: Reading = new Map()
  for (const record of ordered)
    settled.set(
      record.id,
      judge(record, (id) => settled.get(id), false, new Map()),
    )

  // Current reading: concurrent changes count too; records later in order are read from the previous reading.
  let previous: Reading = settled
  let current: Reading = settled
  let converged = false
  for (let pass = 0; pass < MAX_READINGS && !converged; pass++) {
    const next: Reading = new Map()
    const uses = new Map<RecordId, number>()
    const read = (id: RecordId) => next.get(id) ?? current.get(id)
    for (const record of ordered) next.set(record.id, judge(record, read, true, uses))
    converged = pass > 0 && sameReading(next, current)
    previous = current
    current = next
  }
  if (!converged) current = agreed(previous, current)

  const rejected = new Map<RecordId, Rejection>()
  for (const record of ordered) {
    const judged = current.get(record.id)!
    if (!judged.ok) rejected.set(record.id, { reason: judged.reason!, detail: judged.detail!, id: record.id, author: record.author })
  }
  const invites = new Map<RecordId, { id: RecordId; record: SignedRecord<BodyOf<'invite'>>; uses: number; redeemedBy: Did[] }>()
  for (const record of ordered) {
    if (record.kind === 'invite' && current.get(record.id)!.ok)
      invites.set(record.id, { id: record.id, record: record as SignedRecord<BodyOf<'invite'>>, uses: 0, redeemedBy: [] })
  }
  for (const record of ordered) {
    const invite = record.kind === 'join' && (record.body as BodyOf<'join'>).invite?.toString()
    const state = invite ? invites.get(invite) : undefined
    if (state && inForce(current.get(record.id))) {
      state.uses++
      state.redeemedBy.push(record.author)
    }
  }

  const fromCurrent = (id: RecordId) => current.get(id)
  const fromSettled = (id: RecordId) => settled.get(id)
  return {
    founder,
    policy,
    rejected,
    roleAt: (did, at) => roleIn(fromCurrent, did, at, true),
    settledRoleAt: (did, at) => roleIn(fromSettled, did, at, false),
    concurrentChanges(did, at) {
      const past = roleIn(fromCurrent, did, at, false)
      return (timelines.get(did) ?? []).filter(
        (change) =>
          change !== at &&
          inForce(current.get(change.id)) &&
          !graph.pastHas(at, change) &&
          !graph.precedes(at, change) &&
          rankOf(current.get(change.id)!.result!) < rankOf(past),
      )
    },
    members() {
      const out: Array<{ did: Did; role: Role; since: RecordId }> = [{ did: founder, role: 'founder', since: genesis.id }]
      for (const did of [...timelines.keys()].sort()) {
        if (did === founder) continue
        const role = roleIn(fromCurrent, did, undefined, false)
        if (!role) continue
        const since = [...timelines.get(did)!].reverse().find((change) => current.get(change.id)?.result === role)
        out.push({ did: did as Did, role, since: since?.id ?? genesis.id })
      }
      return out
    },
    invites: () => invites,
  }
}

/** The member whose role a record may change: a role record's member, a join's author. */
function targetOf(record: SignedRecord): string | undefined {
  if (record.kind === 'role') return (record.body as BodyOf<'role'>).member
  if (record.kind === 'join') return record.author
  return undefined
}

const inForce = (judged: Judged | undefined): boolean => judged?.ok === true && judged.result !== undefined

const refused = (reason: Rejection['reason'], detail: string): Judged => ({ ok: false, reason, detail })

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}

function sameReading(a: Reading, b: Reading): boolean {
  for (const [id, judged] of a) {
    const other = b.get(id)
    if (!other || other.ok !== judged.ok || other.result !== judged.result) return false
  }
  return true
}

/** What two readings that did not settle agree is in force; anything either refuses is refused. */
function agreed(a: Reading, b: Reading): Reading {
  const out: Reading = new Map()
  for (const [id, judged] of b) {
    const other = a.get(id)
    out.set(
      id,
      judged.ok && other?.ok && other.result === judged.result
        ? judged
        : judged.ok
          ? refused('not-authorized', 'concurrent revocations of each other do not settle; neither is in force')
          : judged,
    )
  }
  return out
}
