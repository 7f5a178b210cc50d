/**
 * The space's document as the Repo's storage kept it: read at open, put into the handle only when
 * first needed (when a peer appears, on the first local write, or when the handle is asked for).
 * Showing a space needs only the record store, and loading a large document (1.2 s for 100k
 * records, then ~0.5 s for automerge-repo's diff of it against the genesis) would delay that for
 * nothing on a device alone; the Yjs replica builds its document late for the same reason.
 *
 * Its state is explicit: `unloaded` (read, not in the handle), `loading` (going into the handle:
 * the handle's change event for it is ignored, the whole document is examined right after),
 * `loaded`. A damaged document in storage is only a cache: the record store and peers have the
 * records, so it is skipped.
 */
import * as A from '@automerge/automerge'
import type { DocHandle, DocumentId } from '@automerge/automerge-repo'
import type { SpaceDocument } from './document.js'
import { sameHeads } from './peer-sync.js'

/** The Repo's storage subsystem: not part of automerge-repo's documented API, used with care. */
export interface StorageSubsystem {
  loadDoc<T>(documentId: DocumentId): Promise<A.Doc<T> | null>
  loadDocData?(documentId: DocumentId): Promise<Uint8Array | null>
  saveDoc?(documentId: DocumentId, doc: A.Doc<unknown>): Promise<void>
}

export type StoredDocumentState = 'unloaded' | 'loading' | 'loaded'

export interface StoredDocument {
  readonly state: StoredDocumentState
  /** Puts the stored document into the handle, merged with what it has; does nothing once done. */
  loadInto(handle: DocHandle<SpaceDocument>): void
}

/**
 * Reads the stored document. automerge-repo's `loadDoc` applies the stored chunks with
 * `loadIncremental` into an empty document, which Automerge 3.5 does change by change: 7 s for a
 * space of 10k records, where `load` of the same bytes takes 61 ms. So the chunks are read through
 * the storage subsystem (which notes them, so its next save compacts them into one snapshot) and
 * loaded with `load`.
 */
export async function readStoredDocument(
  storage: StorageSubsystem | undefined,
  documentId: DocumentId,
  ownsRepo: boolean,
): Promise<StoredDocument> {
  let state: StoredDocumentState = 'unloaded'
  let stored: A.Doc<SpaceDocument> | Uint8Array | null = null
  /** The heads of the stored document, once loaded into the handle. */
  let loadedHeads: readonly string[] | undefined
  try {
    if (storage && !storage.loadDocData) stored = await storage.loadDoc<SpaceDocument>(documentId)
    else if (storage?.loadDocData) {
      stored = await storage.loadDocData(documentId)
      if (stored && ownsRepo) skipUnchangedSave(storage, documentId, () => loadedHeads)
    }
  } catch {
    // Damaged: only a cache.
  }
  return {
    get state() {
      return state
    },
    loadInto(handle) {
      if (state !== 'unloaded') return
      try {
        const doc = stored instanceof Uint8Array ? A.load<SpaceDocument>(stored) : stored
        stored = null
        if (doc) {
          loadedHeads = A.getHeads(doc)
          state = 'loading'
          // The stored document normally already holds the shared genesis: then it is taken as it is.
          handle.update((current) => (A.hasHeads(doc, A.getHeads(current)) ? doc : A.merge(current, doc)))
        }
      } catch {
        // Damaged: only a cache.
      } finally {
        state = 'loaded'
      }
      loadedHeads ??= []
    },
  }
}

/**
 * `loadDoc` records the heads it loaded, so the Repo does not save a document that has not
 * changed; `loadDocData` cannot (the record is private), and the Repo would write the whole
 * document back on every open: an `A.save` that grows Automerge's memory by ~2 KB per record,
 * never returned. Until the document changes, its save is skipped; the first save after a change
 * writes it whole, compacting what was loaded. Before the stored document is loaded the handle
 * holds only the genesis, which must not replace what is stored.
 */
function skipUnchangedSave(storage: StorageSubsystem, documentId: DocumentId, loadedHeads: () => readonly string[] | undefined): void {
  const save = storage.saveDoc?.bind(storage)
  if (!save) return
  let unchanged = true
  storage.saveDoc = async (id, doc) => {
    if (id === documentId && unchanged) {
      const heads = loadedHeads()
      if (!heads || sameHeads(A.getHeads(doc), heads)) return
      unchanged = false
    }
    return save(id, doc)
  }
}
