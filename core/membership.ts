/**
 * Membership as a pure fold over the space's membership records (genesis, role, invite, join),
 * taken in (hlc, id) order. Each record is judged against the state just before it, so the result
 * depends only on the set of records, never on the order they arrived in.
 */
import type { Did } from './did.js'
import type { BodyOf, GrantableRole, Role } from './kinds.js'
import { compareRecords, type RecordId, type SignedRecord } from './record.js'
import type { Rejection } from './rejection.js'

const RANK: Record<Role, number> = { founder: 4, admin: 3, moderator: 2, member: 1 }
export const rankOf = (role: Role | null | undefined): number => (role ? RANK[role] : 0)

interface Change {
  readonly at: SignedRecord
  readonly role: Role | null
}

export interface InviteState {
  readonly id: RecordId
  readonly record: SignedRecord<BodyOf<'invite'>>
  readonly uses: number
  readonly redeemedBy: readonly Did[]
}

export interface Membership {
  readonly founder: Did
  readonly policy: 'open' | 'invite-only'
  /** Role of `did` just before `at` in record order (the current role when `at` is omitted). */
  roleAt(did: string, at?: Pick<SignedRecord, 'hlc' | 'id'>): Role | null
  /** Everyone with a role now, founder first, then by did. */
  members(): ReadonlyArray<{ did: Did; role: Role; since: RecordId }>
  invites(): ReadonlyMap<RecordId, InviteState>
  /** Membership records that did not take effect, with the reason. */
  readonly rejected: ReadonlyMap<RecordId, Rejection>
}

export function foldMembership(genesis: SignedRecord<BodyOf<'space'>>, records: Iterable<SignedRecord>): Membership {
  const timelines = new Map<string, Change[]>()
  const invites = new Map<RecordId, { id: RecordId; record: SignedRecord<BodyOf<'invite'>>; uses: number; redeemedBy: Did[] }>()
  const rejected = new Map<RecordId, Rejection>()
  const founder = genesis.author
  const policy = genesis.body.policy

  const current = (did: string): Role | null => {
    if (did === founder) return 'founder'
    const timeline = timelines.get(did)
    return timeline?.[timeline.length - 1]?.role ?? null
  }
  const set = (did: string, role: Role | null, at: SignedRecord) => {
    let timeline = timelines.get(did)
    if (!timeline) timelines.set(did, (timeline = []))
    timeline.push({ at, role })
  }
  const refuse = (record: SignedRecord, reason: Rejection['reason'], detail: string) =>
    rejected.set(record.id, { reason, detail, id: record.id, author: record.author })

  const sorted = [...records].sort(compareRecords)
  for (const record of sorted) {
    const actor = current(record.author)
    switch (record.kind) {
      case 'role': {
        const { member, role } = record.body as BodyOf<'role'>
        const target = current(member)
        if (member === founder) refuse(record, 'not-authorized', 'the founder role cannot be changed')
        else if (role === null && member === record.author) set(member, null, record)
        else if (rankOf(actor) < RANK.admin)
          refuse(record, 'not-authorized', `changing roles needs admin or founder; ${record.author} is ${actor ?? 'not a member'}`)
        else if (rankOf(target) >= rankOf(actor)) refuse(record, 'not-authorized', `a ${actor} cannot change the role of a ${target}`)
        else if (role !== null && RANK[role] > rankOf(actor)) refuse(record, 'not-authorized', `a ${actor} cannot grant ${role}`)
        else set(member, role, record)
        break
      }
      case 'invite': {
        const body = record.body as BodyOf<'invite'>
        if (rankOf(actor) < RANK.admin)
          refuse(record, 'not-authorized', `creating invites needs admin or founder; ${record.author} is ${actor ?? 'not a member'}`)
        else if (RANK[body.role] > rankOf(actor)) refuse(record, 'not-authorized', `a ${actor} cannot invite a ${body.role}`)
        else invites.set(record.id, { id: record.id, record: record as SignedRecord<BodyOf<'invite'>>, uses: 0, redeemedBy: [] })
        break
      }
      case 'join':
        judgeJoin(record as SignedRecord<BodyOf<'join'>>)
        break
      default:
        // genesis and records of other kinds do not change membership
        break
    }
  }

  function judgeJoin(record: SignedRecord<BodyOf<'join'>>): void {
    const { invite: inviteCid, key } = record.body
    const actor = current(record.author)
    if (!inviteCid) {
      if (policy !== 'open') refuse(record, 'not-authorized', 'this space is invite-only; joining needs an invite')
      else if (!actor) set(record.author, 'member', record)
      return
    }
    const invite = invites.get(inviteCid.toString())
    if (!invite) {
      refuse(record, 'invalid-reference', `invite ${inviteCid.toString()} is unknown or was not valid before this join`)
      return
    }
    if (invite.record.body.key !== key) {
      refuse(record, 'invalid-reference', "the join was signed with a key that is not this invite's key")
      return
    }
    const role = invite.record.body.role as GrantableRole
    if (rankOf(actor) >= RANK[role]) return // already has this role or better: a no-op that spends no use
    const maxUses = invite.record.body.maxUses
    if (maxUses !== null && invite.uses >= maxUses) {
      refuse(record, 'not-authorized', `invite ${invite.id} was already used ${maxUses} time(s)`)
      return
    }
    invite.uses++
    invite.redeemedBy.push(record.author)
    set(record.author, role, record)
  }

  return {
    founder,
    policy,
    rejected,
    roleAt(did, at) {
      if (did === founder) return 'founder'
      const timeline = timelines.get(did)
      if (!timeline || timeline.length === 0) return null
      if (!at) return timeline[timeline.length - 1]!.role
      // Last change strictly before `at`: binary search over the (already ordered) timeline.
      let lo = 0
      let hi = timeline.length
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (compareRecords(timeline[mid]!.at, at) < 0) lo = mid + 1
        else hi = mid
      }
      return lo === 0 ? null : timeline[lo - 1]!.role
    },
    members() {
      const out: Array<{ did: Did; role: Role; since: RecordId }> = [{ did: founder, role: 'founder', since: genesis.id }]
      for (const [did, timeline] of [...timelines].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        const last = timeline[timeline.length - 1]
        if (did !== founder && last?.role) out.push({ did: did as Did, role: last.role, since: last.at.id })
      }
      return out
    },
    invites: () => invites,
  }
}
