/**
 * Signed records of kinds this peer has not registered (yet). They stay in the replica, so they
 * travel on to other peers as every record does; here they are held as `unknown-kind`, with the
 * entry they came in (opened, for a private space), and handed back when their kind is registered,
 * to be validated in full and folded. Nothing is lost and nothing unvalidated reaches a view.
 */
import type { RecordId } from './record.js'
import type { ReplicaEntry } from './replica.js'

export class UnknownKinds {
  private readonly entries = new Map<RecordId, { readonly kind: string; readonly entry: ReplicaEntry }>()

  hold(id: RecordId, kind: string, entry: ReplicaEntry): void {
    this.entries.set(id, { kind, entry })
  }

  has(id: RecordId): boolean {
    return this.entries.has(id)
  }

  get size(): number {
    return this.entries.size
  }

  /** Takes out the entries of `kind`, with their ids, to be validated again now that it is registered. */
  take(kind: string): { ids: RecordId[]; entries: ReplicaEntry[] } {
    const ids: RecordId[] = []
    const entries: ReplicaEntry[] = []
    for (const [id, held] of this.entries) {
      if (held.kind !== kind) continue
      this.entries.delete(id)
      ids.push(id)
      entries.push(held.entry)
    }
    return { ids, entries }
  }
}
