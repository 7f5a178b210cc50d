/**
 * Junk in the shared Y.Doc: what a peer wrote that no honest peer will ever adopt. The replica
 * hands it to the space once (which counts it as a rejection), then deletes it, so that Yjs's
 * garbage collection releases its content: 200,000 one-byte entries cost an honest peer about
 * 450 MB while they stayed, and 5 MB under another root type did not even show in the rejections.
 *
 * Yjs cannot forget everything. A deleted entry of a map stays as a tombstone (its key, id and a
 * length, about 300 bytes of heap and 56 encoded): Yjs needs it to order later writes to the key,
 * and no peer can drop it without splitting the document. Deleted runs of a sequence (Y.Array,
 * Y.Text) from one writer merge into one tombstone. A root type's name stays in `doc.share`.
 */
import * as Y from 'yjs'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Yjs types its types by their event class
type Root = Y.AbstractType<any>

/** The name of the only root type the replica uses. */
export const RECORDS_ROOT = 'records'

/** A foreign root type's entries as handed to the space: never bytes, so each is rejected (`not-bytes`). */
export interface ForeignEntry {
  readonly foreignRoot: string
  /** The map key, or the position in the sequence, of one entry. */
  readonly entry: string | number
}

/**
 * The live entries of every root type but `records`: one per map key and one per sequence item
 * (a run of characters or values inserted at once is one item, as Yjs stores it).
 */
export function foreignEntries(doc: Y.Doc, touched?: ReadonlySet<Root>): ForeignEntry[] {
  const out: ForeignEntry[] = []
  for (const [name, type] of doc.share) {
    if (name === RECORDS_ROOT || (touched && !touched.has(type))) continue
    for (const [key, item] of type._map) if (!item.deleted) out.push({ foreignRoot: name, entry: key })
    let index = 0
    for (let item = type._start; item; item = item.right) if (!item.deleted) out.push({ foreignRoot: name, entry: index++ })
  }
  return out
}

/**
 * Deletes every live entry of every root type but `records`, inside the caller's transaction.
 * Deleting an entry that holds a nested type deletes what is inside it too, and the GC then
 * replaces those with bare ranges.
 */
export function clearForeignRoots(doc: Y.Doc, transaction: Y.Transaction): void {
  for (const [name, type] of doc.share) {
    if (name === RECORDS_ROOT) continue
    for (const item of type._map.values()) if (!item.deleted) item.delete(transaction)
    for (let item = type._start; item; item = item.right) if (!item.deleted) item.delete(transaction)
  }
}

/** The root types a transaction wrote into (`changed` also lists nested types: their root is what counts). */
export function touchedRoots(transaction: Y.Transaction): Set<Root> {
  const roots = new Set<Root>()
  for (const type of transaction.changed.keys()) {
    let root: Root = type
    while (root._item && root._item.parent instanceof Y.AbstractType) root = root._item.parent
    roots.add(root)
  }
  return roots
}
