/**
 * The replica contract: what an adapter must offer to carry a space's records between peers.
 * Interface only. A replica replicates an opaque set of byte strings; it does not know what a post
 * or a poll is, and it is not trusted: everything it hands over is validated by the space.
 * `runReplicaConformance` in `townhall/testing` checks an implementation against this contract.
 */

export interface ReplicaEntry {
  /** Untrusted: whatever a peer put into the shared document. The space validates it. */
  readonly bytes: unknown
  /** The id the entry was stored under, when the adapter keys records by id; checked against the content. */
  readonly claimedId?: string
  /**
   * True only when the adapter itself computed `claimedId` from these exact bytes (core's
   * `recordCid`), never for an id a peer or a shared document supplied: the space then takes the id
   * as given instead of hashing the record a second time. Replicas hash what they load to key their
   * own records, so opening a space hashed every record twice (~2 µs each in Node, a WebCrypto
   * round trip each in browsers).
   */
  readonly hashed?: boolean
  /**
   * True only when the adapter itself found these exact bytes to be a well-formed record (core's
   * `parseRecord`: canonical dag-cbor, envelope schema), as replicas check what they adopt from
   * peers: the space then reads the envelope in place instead of decoding the record and encoding it
   * again to check its form, which was the costliest step of parsing and was done twice per record
   * received. Signatures, size bounds, the space and the body are still checked by the space.
   */
  readonly wellFormed?: boolean
  /** Which peer the entry came from, as far as the adapter knows ("local" for this peer's own store). */
  readonly source: string
  /**
   * Set only by the space's own sealing layer (core/private/sealed-replica.ts): these bytes were
   * opened from a frame sealed under one of the space's epoch keys. Adapters never set it.
   */
  readonly sealed?: boolean
}

export interface SyncState {
  /** Peers currently connected for this space. */
  readonly peers: number
  /** True once an initial exchange with at least one peer (or the local store, when offline) completed. */
  readonly synced: boolean
  /** Bytes sent or received but not yet acknowledged or applied, where the transport can tell. */
  readonly bytesInFlight: number
  /** Entries received from peers since the replica opened. */
  readonly received: number
}

export interface PresencePeer {
  readonly did: string
  readonly lastSeen: number
  readonly state: Readonly<Record<string, unknown>>
}

/** Optional: who is online. Entries must be signed by the identity they name (the adapter verifies). */
export interface Presence {
  set(state: Record<string, unknown>): Promise<void>
  get(): readonly PresencePeer[]
  subscribe(listener: (peers: readonly PresencePeer[]) => void): () => void
}

/**
 * Optional: the ids of records this device has itself verified (signature, body schema, invite
 * proof), kept with the replica's local records so that opening a space again does not verify
 * them again. Only the space writes here, and only after verifying; nothing a peer sends reaches
 * it. It is safe because a record's id is the hash of its bytes: bytes whose hash is a listed id
 * are the very bytes that were checked. Whoever can write this device's storage could forge the
 * list, but could as well change the records, the identity or the code this device runs.
 */
export interface VerifiedIds {
  /** Every id written so far (a torn last write may lose some: they are then verified again). */
  load(): Promise<readonly string[]>
  /** Need not be durable when it resolves: a lost id costs one verification, nothing else. */
  add(ids: readonly string[]): Promise<void>
}

/**
 * Optional: where the space keeps its view checkpoint (core/checkpoint.ts), next to the replica's
 * local records, so that opening again shows the polls without reading every ballot. Only the
 * space writes it, with the trust of `VerifiedIds`.
 */
export interface CheckpointStore {
  /** The last checkpoint saved, or undefined when there is none or it cannot be read back whole. */
  load(): Promise<Uint8Array | undefined>
  /** Replaces the checkpoint. Need not be durable when it resolves: a lost one costs a slower open. */
  save(checkpoint: Uint8Array): Promise<void>
}

/**
 * Bytes of a replica's local storage that could not be read back when it opened: a damaged disk,
 * or an append cut short by a crash (`torn`; it had not been acknowledged). They are moved to
 * `quarantine`, never deleted; the records they held are lost to this device unless a peer has them.
 */
export interface StorageDamage {
  /** The file the bytes were in. */
  readonly file: string
  /** Where they were moved. */
  readonly quarantine: string
  readonly offset: number
  readonly length: number
  readonly reason: 'checksum' | 'torn' | 'unreadable'
}

export interface Replica {
  /** The space this replica carries. */
  readonly spaceId: string
  /**
   * Adds records. Resolves once they are durable in local storage (where the adapter has any) and queued
   * for peers. Adding bytes already present is a no-op.
   */
  add(records: readonly Uint8Array[]): Promise<void>
  /**
   * Every entry held locally, including ones peers injected that may later be rejected. What the
   * replica's storage holds comes in the order it was stored, the same after a reopen, so that a
   * view checkpoint can describe it by position (see `CheckpointStore`); a replica that cannot keep
   * that order still works, but its spaces read every record at open.
   */
  getAll(): Promise<readonly ReplicaEntry[]>
  /** Entries that arrive from peers after this call. Returns an unsubscribe function. */
  subscribe(listener: (entries: readonly ReplicaEntry[]) => void): () => void
  getSyncState(): SyncState
  subscribeSyncState(listener: (state: SyncState) => void): () => void
  readonly presence?: Presence
  /** Where the space remembers what it verified (see `VerifiedIds`); absent for replicas with no storage. */
  readonly verified?: VerifiedIds
  /** Where the space keeps its view checkpoint (see `CheckpointStore`); absent for replicas with no storage. */
  readonly checkpoint?: CheckpointStore
  /** Damage found in local storage when the replica opened (see `StorageDamage`); the space logs each as a `damaged-storage` rejection. */
  getStorageDamage?(): readonly StorageDamage[]
  /** Stops networking and releases every socket, timer and file handle. Idempotent. */
  close(): Promise<void>
}

/** Creates the replica for a space once its id is known (the id derives from the genesis record). */
export interface ReplicaContext {
  /** The space secret (from the share link or created with the space), to key transport encryption. */
  readonly secret?: Uint8Array
}

export type ReplicaFactory = (spaceId: string, context: ReplicaContext) => Replica | Promise<Replica>
