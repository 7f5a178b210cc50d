/**
 * The causal graph of a space's records: what each record's author had seen when signing.
 *
 * A record's dependencies are its refs plus the records its body acts on (the poll of a ballot, the
 * post of an edit, the parts of a close, ...), and implicitly the space's genesis. A record is
 * *ready* once all of them are ready, so its whole causal past is held; until then it waits and is
 * judged only when the past arrives (causal delivery, as in Secure Scuttlebutt feeds and Matrix
 * auth chains). Ready records get:
 * - a `depth`: one more than their deepest dependency. Ordering by (depth, hlc, id) — the *record
 *   order* — extends the causal order: a record always comes after everything it had seen, whatever
 *   clock it claims, so a backdated record can only become concurrent with what it omits, never
 *   earlier than what it names.
 * - a `frontier`: the authority records (membership changes: roles, invites, joins) in its past,
 *   as indices whose ancestor sets are bitsets. "Was this role change in that record's past?" is a
 *   few bit tests, so every record's authority can be judged against its own past.
 *
 * Kleppmann and Howard's Byzantine eventual consistency (2020/2022) has the same shape: a hash
 * graph of signed updates, each applied only after its predecessors.
 */
import { CID } from 'multiformats/cid'
import { cidString } from './cid-string.js'
import type { RecordId, SignedRecord } from './record.js'

/** Indices of authority records whose union of pasts (with themselves) is a record's authority past. */
export type Frontier = readonly number[]

/** What the graph keeps on each record (kept-record.ts gives every kept record these two slots). */
export interface CausalSlots {
  /** -1 until the record is ready. */
  depth: number
  frontier: Frontier | undefined
}

const slots = (record: SignedRecord): CausalSlots => record as unknown as CausalSlots
const EMPTY: Frontier = Object.freeze([]) as Frontier

export const depthOf = (record: SignedRecord): number => slots(record).depth ?? -1

/**
 * The record order: (depth, hlc, id). Deterministic, and consistent with causality: a record that
 * had another in its past always comes after it. Records never made ready (tests folding records
 * directly) count as depth 0, which gives the claimed-clock order among them.
 */
export function compareCausal(a: Pick<SignedRecord, 'hlc' | 'id'>, b: Pick<SignedRecord, 'hlc' | 'id'>): number {
  const da = (a as Partial<CausalSlots>).depth ?? 0
  const db = (b as Partial<CausalSlots>).depth ?? 0
  return (da < 0 ? 0 : da) - (db < 0 ? 0 : db) || a.hlc[0] - b.hlc[0] || a.hlc[1] - b.hlc[1] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

/**
 * The records a record cannot be judged without: its refs, and the CIDs its body names at top level
 * or in `parts`. Ballot ids a close commits to are not among them: a close whose ballots are still
 * on their way is shown as syncing, which says more than waiting silently.
 */
export function dependenciesOf(record: SignedRecord): CID[] {
  const out: CID[] = [...record.refs]
  const body = record.body
  if (body !== null && typeof body === 'object' && !Array.isArray(body) && !(body instanceof Uint8Array)) {
    for (const key in body) {
      const value = (body as Record<string, unknown>)[key]
      const cid = CID.asCID(value)
      if (cid) out.push(cid)
      else if (key === 'parts' && Array.isArray(value)) for (const part of value) if (CID.asCID(part)) out.push(part as CID)
    }
  }
  return out
}

export interface CausalGraphOptions {
  /** The held record with this id, ready or not. */
  readonly lookup: (id: RecordId) => SignedRecord | undefined
  /** Records whose past other records' authority is judged against (membership changes). */
  readonly isAuthority: (record: SignedRecord) => boolean
  /** The space's genesis, in every record's past. Omitted only where records are folded without one (benchmarks of the fold). */
  readonly genesisId?: RecordId
}

export class CausalGraph {
  /** Missing dependency id -> records waiting for it. */
  private readonly waiters = new Map<RecordId, SignedRecord[]>()
  /** Waiting record id -> the dependency ids it still misses. */
  private readonly missing = new Map<RecordId, Set<RecordId>>()
  private readonly authorityIndex = new Map<RecordId, number>()
  /** Per authority index: bitset of the authority indices in its strict past. */
  private readonly ancestors: Uint32Array[] = []
  /** Full pasts of authority records, computed when a concurrency question needs one. */
  private readonly fullPasts = new Map<RecordId, Set<RecordId>>()

  constructor(private readonly options: CausalGraphOptions) {}

  /**
   * Takes a held record. Returns the records that became ready because of it (itself first, when
   * its past is complete, then any that waited for it), each after its dependencies.
   */
  add(record: SignedRecord): SignedRecord[] {
    if (this.isReady(record) || this.missing.has(record.id)) return []
    const missing = this.missingOf(record)
    if (missing.size > 0) {
      this.missing.set(record.id, missing)
      for (const id of missing) {
        const list = this.waiters.get(id)
        if (list) list.push(record)
        else this.waiters.set(id, [record])
      }
      return []
    }
    const ready: SignedRecord[] = []
    const queue: SignedRecord[] = [record]
    for (let at = 0; at < queue.length; at++) {
      const next = queue[at]!
      this.makeReady(next)
      ready.push(next)
      const waiting = this.waiters.get(next.id)
      if (!waiting) continue
      this.waiters.delete(next.id)
      for (const waiter of waiting) {
        const left = this.missing.get(waiter.id)
        if (!left) continue
        left.delete(next.id)
        if (left.size === 0) {
          this.missing.delete(waiter.id)
          queue.push(waiter)
        }
      }
    }
    return ready
  }

  /**
   * Gives a record that is not held (one about to be signed here) the depth and past it will have,
   * so it can be judged as peers will judge it. Returns the ids it names that are not ready here.
   */
  preview(record: SignedRecord): ReadonlySet<RecordId> {
    const missing = this.missingOf(record)
    if (missing.size === 0) {
      const { depth, past } = this.pastOf(record)
      const target = slots(record)
      target.depth = depth
      target.frontier = past
    }
    return missing
  }

  isReady(record: SignedRecord): boolean {
    return depthOf(record) >= 0
  }

  /** Held records whose past is incomplete, with the ids they wait for. */
  waiting(): ReadonlyMap<RecordId, ReadonlySet<RecordId>> {
    return this.missing
  }

  /** The ids a waiting record still misses (empty when it is ready or unknown). */
  missingFor(id: RecordId): ReadonlySet<RecordId> {
    return this.missing.get(id) ?? new Set()
  }

  /** Forgets a record that was dropped (over the space's size limit): nothing may wait on it for ever. */
  drop(id: RecordId): void {
    const left = this.missing.get(id)
    if (!left) return
    this.missing.delete(id)
    for (const dep of left) {
      const list = this.waiters.get(dep)
      if (!list) continue
      const kept = list.filter((record) => record.id !== id)
      if (kept.length > 0) this.waiters.set(dep, kept)
      else this.waiters.delete(dep)
    }
  }

  /** Whether authority record `authority` is in the strict causal past of `record` (both ready). */
  pastHas(record: SignedRecord, authority: SignedRecord): boolean {
    if (authority.id === this.options.genesisId) return record.id !== authority.id
    const index = this.authorityIndex.get(authority.id)
    if (index === undefined) return false
    const own = this.authorityIndex.get(record.id)
    if (own !== undefined) return hasBit(this.ancestors[own]!, index)
    const frontier = slots(record).frontier
    if (!frontier) return false
    for (const f of frontier) if (f === index || hasBit(this.ancestors[f]!, index)) return true
    return false
  }

  /** Whether `a` is in the strict causal past of `b` (any kinds, both ready). */
  precedes(a: SignedRecord, b: SignedRecord): boolean {
    if (a.id === b.id || depthOf(a) >= depthOf(b) || depthOf(a) < 0) return false
    if (this.authorityIndex.has(a.id)) return this.pastHas(b, a)
    if (this.authorityIndex.has(b.id)) return this.fullPast(b).has(a.id)
    // Content after content: a walk bounded below by a's depth (rarely asked).
    const floor = depthOf(a)
    let found = false
    this.walk(b, (record) => {
      if (record.id === a.id) found = true
      return !found && depthOf(record) > floor
    })
    return found
  }

  /**
   * Visits the strict pasts of `starts` once per record, following dependencies (never the ballots
   * a close commits to: those need not be here for a past to be complete, and a past must be the
   * same on every peer that judges it). `visit` returns false to stop descending below a record.
   */
  walk(starts: SignedRecord | readonly SignedRecord[], visit: (record: SignedRecord) => boolean): void {
    const stack: SignedRecord[] = Array.isArray(starts) ? [...(starts as readonly SignedRecord[])] : [starts as SignedRecord]
    const seen = new Set<RecordId>(stack.map((record) => record.id))
    const { lookup } = this.options
    while (stack.length > 0) {
      const record = stack.pop()!
      for (const cid of dependenciesOf(record)) {
        const id = cidString(cid)
        if (seen.has(id)) continue
        seen.add(id)
        const dep = lookup(id)
        if (dep && visit(dep)) stack.push(dep)
      }
    }
  }

  private fullPast(record: SignedRecord): Set<RecordId> {
    let past = this.fullPasts.get(record.id)
    if (!past) {
      const ids = new Set<RecordId>()
      this.walk(record, (dep) => {
        ids.add(dep.id)
        return true
      })
      this.fullPasts.set(record.id, (past = ids))
    }
    return past
  }

  private missingOf(record: SignedRecord): Set<RecordId> {
    const missing = new Set<RecordId>()
    const { lookup, genesisId } = this.options
    if (genesisId !== undefined && record.id !== genesisId) {
      const genesis = lookup(genesisId)
      if (!genesis || !this.isReady(genesis)) missing.add(genesisId)
    }
    for (const cid of dependenciesOf(record)) {
      const id = cidString(cid)
      if (id === record.id) continue
      const dep = lookup(id)
      if (!dep || !this.isReady(dep)) missing.add(id)
    }
    return missing
  }

  private makeReady(record: SignedRecord): void {
    const { genesisId } = this.options
    const { depth, past } = this.pastOf(record)
    const target = slots(record)
    target.depth = depth
    if (this.options.isAuthority(record) && record.id !== genesisId) {
      const index = this.ancestors.length
      const bits = new Uint32Array((index >>> 5) + 1)
      for (const f of past) {
        bits[f >>> 5]! |= 1 << (f & 31)
        const theirs = this.ancestors[f]!
        for (let i = 0; i < theirs.length; i++) bits[i]! |= theirs[i]!
      }
      this.ancestors.push(bits)
      this.authorityIndex.set(record.id, index)
      target.frontier = Object.freeze([index]) as Frontier
    } else {
      target.frontier = past
    }
  }

  /** Depth and authority past from the record's dependencies, all ready. */
  private pastOf(record: SignedRecord): { depth: number; past: Frontier } {
    const { lookup, genesisId } = this.options
    let depth = record.id === genesisId ? 0 : 1
    let shared: Frontier | undefined
    let merged: number[] | undefined
    for (const cid of dependenciesOf(record)) {
      const dep = lookup(cidString(cid))
      if (!dep || dep === record) continue
      const dd = depthOf(dep)
      if (dd + 1 > depth) depth = dd + 1
      const frontier = slots(dep).frontier ?? EMPTY
      if (frontier.length === 0) continue
      if (shared === undefined && merged === undefined) shared = frontier
      else if (frontier !== shared) {
        merged ??= [...(shared ?? [])]
        merged.push(...frontier)
      }
    }
    return { depth, past: merged ? this.reduce(merged) : (shared ?? EMPTY) }
  }

  /** Distinct indices, without those already in another's past; sorted, so equal pasts compare alike. */
  private reduce(indices: number[]): Frontier {
    const unique = [...new Set(indices)].sort((a, b) => a - b)
    return Object.freeze(unique.filter((f) => !unique.some((g) => g !== f && hasBit(this.ancestors[g]!, f)))) as Frontier
  }
}

function hasBit(bits: Uint32Array, index: number): boolean {
  const word = index >>> 5
  return word < bits.length && (bits[word]! & (1 << (index & 31))) !== 0
}
