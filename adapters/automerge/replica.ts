/**
 * The Automerge replica: a space's records live in one Automerge document managed by an
 * automerge-repo `Repo`, in the `records` map (document-records.ts). The document's id derives
 * from the space id (document.ts), so peers find it without exchanging URLs.
 *
 * Built on the replica skeleton of townhall/adapter, which owns the held records, `add`, `getAll`,
 * `subscribe`, `close` and the lifecycle states; this file wires the Repo to it. The parts:
 * document-records.ts (what is kept in the document, what peers put there, healing and junk),
 * stored-document.ts (the document as the Repo's storage kept it, loaded when first needed),
 * peer-sync.ts (what peers have, `synced`, the flush at close), presence.ts. Inbound network
 * messages are checked before the Repo sees them (guard.ts), and errors the Repo hits while
 * applying a message are caught and counted instead of logged.
 */
import {
  Repo,
  type DocHandle,
  type DocumentId,
  type NetworkAdapterInterface,
  type StorageAdapterInterface,
} from '@automerge/automerge-repo'
import { InvalidArgumentError, type Identity } from '../../core/index.js'
import { openReplicaBase, presenceSeal, type RecordStore, type ReplicaBase, type SkeletonReplica } from '../../core/adapter/index.js'
import { genesisBytes, spaceDocumentId, type SpaceDocument } from './document.js'
import { documentRecords } from './document-records.js'
import { DEFAULT_MAX_MESSAGE_BYTES, GuardedNetworkAdapter } from './guard.js'
import { peerSync, type NetworkEvents, type Synchronizer } from './peer-sync.js'
import { ephemeralPresence, type EphemeralPresence } from './presence.js'
import { readStoredDocument, type StorageSubsystem } from './stored-document.js'

export interface AutomergeReplicaOptions {
  readonly spaceId: string
  /**
   * Network adapters for a Repo this replica creates and owns (closed with it): a
   * `WebSocketClientAdapter` to a sync server, `MessageChannelNetworkAdapter`,
   * `BroadcastChannelNetworkAdapter`, ... Each is wrapped in a `GuardedNetworkAdapter`.
   */
  readonly network?: readonly NetworkAdapterInterface[]
  /** Storage for the Automerge document of the Repo this replica creates (IndexedDB, Node filesystem). */
  readonly storage?: StorageAdapterInterface
  /**
   * An existing Repo to use instead (its adapters are not guarded by this replica, and closing the
   * replica leaves the Repo running). Mutually exclusive with `network` and `storage`.
   */
  readonly repo?: Repo
  /** The space secret from the share link: mixed into the document id, so only its holders can name the document. */
  readonly secret?: Uint8Array | undefined
  /** Durable local copy of the records (default: memory only). */
  readonly store?: RecordStore
  /** Signs this device's presence entries. */
  readonly identity?: Identity
  /** Largest inbound network message passed to the Repo (default 32 MiB). */
  readonly maxMessageBytes?: number
  /** How long `close` waits for connected peers to acknowledge local changes (default 2 s). */
  readonly closeTimeoutMs?: number
}

export interface AutomergeReplica extends SkeletonReplica {
  readonly repo: Repo
  /** The space's document. Reading this loads the stored document into it, if nothing did yet. */
  readonly handle: DocHandle<SpaceDocument>
  readonly documentId: DocumentId
  readonly presence: EphemeralPresence
  /** Network messages dropped before the Repo saw them, or that failed while applied. */
  readonly rejectedMessages: number
  /** Records and batches restored after a peer deleted or overwrote them. */
  readonly healed: number
  /**
   * Junk this replica deleted from the document after handing it to the space: values under
   * `records` that are neither a record of this space under its id nor a batch of them, and keys
   * at the document's root other than `records`. Automerge keeps every change, so their bytes stay
   * in the document's history (memory and storage); the deletion frees the copy in the current
   * state, which is what every read of the document and every view of it pays for.
   */
  readonly junkDeleted: number
}

interface RepoInternals {
  synchronizer?: Synchronizer
  storageSubsystem?: StorageSubsystem
  networkSubsystem?: NetworkEvents
}

export async function automergeReplica(options: AutomergeReplicaOptions): Promise<AutomergeReplica> {
  if (options.repo && (options.network || options.storage))
    throw new InvalidArgumentError('automergeReplica: pass either `repo` or `network`/`storage`, not both.')
  const { spaceId } = options
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
  let rejectedMessages = 0
  const reject = () => {
    rejectedMessages++
  }

  const ownsRepo = !options.repo
  /** Makes the document ready before the Repo hears of a peer (set once the replica is built). */
  let whenPeer = () => {}
  const repo =
    options.repo ??
    new Repo({
      network: (options.network ?? []).map(
        (adapter) => new GuardedNetworkAdapter(adapter, { maxMessageBytes, onReject: reject, beforePeer: () => whenPeer() }),
      ),
      ...(options.storage ? { storage: options.storage } : {}),
      // Peers of a space announce its document to the peers they connect to (a sync server, tabs).
      sharePolicy: async () => true,
    })
  const internals = repo as unknown as RepoInternals

  // automerge-repo `console.log`s a message that failed while applied; count it instead (Automerge
  // leaves the document unchanged when it refuses a sync message).
  const synchronizer = internals.synchronizer
  if (ownsRepo && synchronizer) {
    const receive = synchronizer.receiveMessage.bind(synchronizer)
    synchronizer.receiveMessage = (message) => receive(message).catch(reject)
  }

  // The shared genesis first, before anything is awaited, so that a peer's early message finds the
  // document ready (rather than starting a load from storage that would replace it); then whatever
  // the Repo's storage kept of the document, merged in.
  const documentId = spaceDocumentId(spaceId, options.secret)
  const handle = repo.import<SpaceDocument>(genesisBytes(spaceId, options.secret), { docId: documentId })

  /**
   * Filled in as opening goes on, for the peer handlers set up before it: the skeleton once the
   * record store is read, presence once it exists (a new peer then gets this device's entry
   * without waiting for a refresh).
   */
  const later: { base?: ReplicaBase; presence?: EphemeralPresence } = {}
  const peers = peerSync({
    repo,
    handle,
    documentId,
    synchronizer,
    network: internals.networkSubsystem,
    // Peers are followed from the start, and until close() has drained.
    live: () => later.base === undefined || !later.base.stopped,
    onChange: () => later.base?.notifySync(),
    onPeer: () => later.presence?.announce(),
  })

  /** Opening failed (the record store could not be read or written): leave nothing running. */
  const fail = async (error: unknown): Promise<never> => {
    peers.stop()
    if (ownsRepo) await repo.shutdown().catch(() => {})
    return later.base ? later.base.fail(error) : Promise.reject(error)
  }

  const base = (later.base = await openReplicaBase({ spaceId, store: options.store }).catch(fail))
  const stored = await readStoredDocument(internals.storageSubsystem, documentId, ownsRepo)
  const records = documentRecords({ base, handle, stored })
  // Loaded at once when the document may be all there is: a Repo passed in (a peer or storage may
  // have filled it before this replica existed), or an empty record store (memory only, or lost).
  if (!ownsRepo || base.held.size === 0) await records.ensureLoaded().catch(fail)

  const seal = presenceSeal(spaceId, options.secret)
  const presence = (later.presence = ephemeralPresence({
    handle: handle as DocHandle<unknown>,
    peerId: repo.peerId,
    spaceId,
    ...(options.identity ? { identity: options.identity } : {}),
    ...(seal ? { seal } : {}),
  }))

  const replica = base.open(
    {
      async publish(fresh) {
        await records.ensureLoaded()
        // Records that arrive together become one change, and batches of them one key each.
        await records.house(fresh.keys())
      },
      unheld: () => records.unheld(),
      sync: () => ({ peers: repo.peers.length, synced: peers.synced }),
      async drain() {
        // So closing right after a write still delivers it.
        if (records.wroteLocally) await peers.flush(options.closeTimeoutMs ?? 2000).catch(() => {})
        await presence.leave().catch(() => {})
      },
      async stop() {
        peers.stop()
        presence.close()
        await records.stop()
        if (ownsRepo) await repo.shutdown().catch(() => {})
      },
    },
    {
      repo,
      get handle() {
        // Whoever reads the document gets it whole.
        void records.ensureLoaded().catch(() => {})
        return handle
      },
      documentId,
      presence: presence,
      get rejectedMessages() {
        // Plus what adapters dropped before decoding (WebSocketClientAdapter counts its own).
        let total = rejectedMessages
        for (const adapter of options.network ?? []) {
          const own = (adapter as { rejectedMessages?: unknown }).rejectedMessages
          if (typeof own === 'number') total += own
        }
        return total
      },
      get healed() {
        return records.healed
      },
      get junkDeleted() {
        return records.junkDeleted
      },
    },
  )
  whenPeer = () => void records.ensureLoaded().catch(() => {})
  // A peer the Repo heard of while this replica was opening.
  if (repo.peers.length > 0) whenPeer()
  return replica
}
