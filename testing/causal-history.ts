/**
 * Hand-signed record histories with explicit causal pasts, for tests of authority rules: who had
 * seen what when they signed. A record names, by default, the last record signed in the history
 * (so it has seen everything before it, as a connected honest peer would); `sees` names another
 * past, to make records concurrent or to omit what a Byzantine signer pretends not to have seen.
 *
 * @example
 * ```ts
 * import { createIdentity } from 'townhall'
 * import { causalHistory, foldCausally } from 'townhall/testing'
 *
 * const founder = await createIdentity()
 * const alice = await createIdentity()
 * const history = await causalHistory(founder, 'invite-only')
 * const grant = await history.sign(founder, 'role', { member: alice.did, role: 'admin' })
 * // A revocation that names only the genesis: concurrent with the grant, not before it.
 * await history.sign(founder, 'role', { member: alice.did, role: null }, { sees: [] })
 * foldCausally(history.genesis, history.records).membership.roleAt(alice.did) // -> null
 * grant.kind // -> 'role'
 * ```
 */
import type { CID } from 'multiformats/cid'
import { CausalGraph } from '../core/causal.js'
import type { Identity } from '../core/identity.js'
import type { BodyOf } from '../core/kinds.js'
import { foldMembership, type Membership } from '../core/membership.js'
import { signRecord, type SignedRecord } from '../core/record.js'

export interface CausalHistory {
  readonly genesis: SignedRecord<BodyOf<'space'>>
  /** Every record signed so far, in signing order (the genesis aside). */
  readonly records: SignedRecord[]
  /**
   * Signs a record. `sees`: the records it names as its past (default: the last one signed here);
   * `wall`: the claimed clock (default: one more than the last), which decides nothing but ties.
   */
  sign<B>(author: Identity, kind: string, body: B, options?: { sees?: readonly SignedRecord[]; wall?: number }): Promise<SignedRecord<B>>
}

export async function causalHistory(founder: Identity, policy: 'open' | 'invite-only' = 'invite-only'): Promise<CausalHistory> {
  const genesis = await signRecord(founder, {
    kind: 'space',
    space: null,
    hlc: [1, 0],
    refs: [],
    body: { name: `history (${policy})`, description: '', policy, nonce: crypto.getRandomValues(new Uint8Array(16)) },
  })
  const records: SignedRecord[] = []
  let wall = 1
  return {
    genesis,
    records,
    async sign(author, kind, body, options = {}) {
      const sees = options.sees ?? records.slice(-1)
      wall = Math.max(wall + 1, options.wall ?? wall + 1)
      const record = await signRecord(author, {
        kind,
        space: genesis.cid,
        hlc: [options.wall ?? wall, 0],
        refs: sees.map((seen) => seen.cid as CID),
        body,
      })
      records.push(record)
      return record
    },
  }
}

/**
 * Membership over a history, as a space folds it: the records go through a fresh causal graph
 * (in the order given, which must not matter), and the ready membership records are folded.
 * Records are copied first, so one history can be folded in many orders.
 */
export function foldCausally(
  genesis: SignedRecord<BodyOf<'space'>>,
  records: readonly SignedRecord[],
): { membership: Membership; graph: CausalGraph; ready: SignedRecord[]; copyOf(record: SignedRecord): SignedRecord } {
  const copies = new Map<string, SignedRecord>()
  for (const record of [genesis, ...records]) copies.set(record.id, { ...record, depth: -1, frontier: undefined } as SignedRecord)
  const graph = new CausalGraph({
    lookup: (id) => copies.get(id),
    isAuthority: (record) => record.kind === 'role' || record.kind === 'invite' || record.kind === 'join',
    genesisId: genesis.id,
  })
  const ready: SignedRecord[] = []
  for (const record of [genesis, ...records]) ready.push(...graph.add(copies.get(record.id)!))
  const folded = foldMembership(
    copies.get(genesis.id) as SignedRecord<BodyOf<'space'>>,
    ready.filter((record) => record.kind === 'role' || record.kind === 'invite' || record.kind === 'join'),
    graph,
  )
  const copyOf = (record: SignedRecord) => copies.get(record.id) ?? record
  // Questions about a record are asked of its copy, the one the graph placed.
  const membership: Membership = {
    founder: folded.founder,
    policy: folded.policy,
    rejected: folded.rejected,
    roleAt: (did, at) => folded.roleAt(did, at && copyOf(at)),
    settledRoleAt: (did, at) => folded.settledRoleAt(did, copyOf(at)),
    concurrentChanges: (did, at) => folded.concurrentChanges(did, copyOf(at)),
    members: () => folded.members(),
    invites: () => folded.invites(),
  }
  return { membership, graph, ready, copyOf }
}
