/**
 * Which documents the sync server keeps in memory. automerge-repo keeps every document it was
 * asked for until restart, so 20 junk documents of 4 MiB from a client that left stayed in memory,
 * and 60 made-up ids used up `--max-documents 50` (issue 22). Here a document is held while some
 * connected peer has named it, and released once none does: saved, then dropped from the Repo's
 * cache (it stays on disk and loads again when asked for). Ids that named no document (nothing on
 * disk, no content from the peer) are dropped the same way and never count as loaded.
 */
import type { DocumentId, Repo } from '@automerge/automerge-repo'

export interface DocumentKeeper {
  /** A connection named this document. */
  hold(documentId: DocumentId): void
  /** A connection that named it has closed. */
  letGo(documentId: DocumentId): void
  /** Documents in memory with content: what `maxDocuments` bounds. */
  loaded(): number
  released(): number
  close(): void
}

export function documentKeeper(repo: Repo, options: { log: (line: string) => void; graceMs?: number }): DocumentKeeper {
  const holders = new Map<DocumentId, number>()
  const timers = new Map<DocumentId, ReturnType<typeof setTimeout>>()
  let released = 0
  let closed = false
  const synchronizer = (repo as unknown as { synchronizer?: { removeDocument?(id: DocumentId): void } }).synchronizer

  async function release(documentId: DocumentId): Promise<void> {
    timers.delete(documentId)
    const handle = repo.handles[documentId]
    if (closed || holders.has(documentId) || !handle) return
    if (handle.isReady()) {
      await repo.flush([documentId])
      // A peer may have asked for it again while it was being saved.
      if (closed || holders.has(documentId)) return
      await repo.removeFromCache(documentId)
    } else if (handle.isUnavailable() || handle.inState(['unloaded', 'deleted'])) {
      // removeFromCache waits for a ready document; an id that named nothing has no document to unload.
      delete repo.handles[documentId]
      synchronizer?.removeDocument?.(documentId)
    } else {
      // Still loading or being requested: look again shortly.
      timers.set(documentId, setTimeout(() => void release(documentId).catch(report), 1000).unref())
      return
    }
    released++
  }
  const report = (error: unknown) => options.log(`could not release a document: ${String((error as Error)?.message ?? error)}`)

  return {
    hold(documentId) {
      holders.set(documentId, (holders.get(documentId) ?? 0) + 1)
      clearTimeout(timers.get(documentId))
      timers.delete(documentId)
    },
    letGo(documentId) {
      const left = (holders.get(documentId) ?? 1) - 1
      if (left > 0) return void holders.set(documentId, left)
      holders.delete(documentId)
      // A short grace: a peer that reconnects at once finds the document still loaded.
      timers.set(documentId, setTimeout(() => void release(documentId).catch(report), options.graceMs ?? 2000).unref())
    },
    loaded: () => Object.values(repo.handles).filter((handle) => handle.isReady()).length,
    released: () => released,
    close() {
      closed = true
      timers.forEach(clearTimeout)
      timers.clear()
    },
  }
}
