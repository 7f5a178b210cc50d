/**
 * The layer between a space and its replica that keeps a private space's records sealed: what the
 * space adds is sealed under an epoch key before the replica sees it, and what the replica hands
 * over is opened before the space validates it. Adapters, servers and peers without the keys only
 * ever hold frames (frame.ts).
 *
 * A frame under an epoch whose key this member does not hold yet waits here (the epoch record that
 * carries the key may still be on its way) and is handed over once the key arrives; one that does
 * not open under the keys of its epoch is refused as `bad-ciphertext` and still kept, in case a key
 * of a concurrent rotation of that epoch arrives later. Both waits are bounded.
 */
import { recordCid, recordCidNow } from '../record.js'
import { cidString } from '../cid-string.js'
import type { Rejection } from '../rejection.js'
import type { Replica, ReplicaEntry, SyncState } from '../replica.js'
import { openFrame, readFrameHeader, sealFrame, type FrameHeader } from './frame.js'
import type { Keyring } from './keyring.js'

/** Frames kept waiting for a key, by total size; the oldest go first beyond it. */
export const MAX_WAITING_BYTES = 32 * 1024 * 1024

export interface SealingKey {
  readonly epoch: number
  readonly key: Uint8Array
}

interface Waiting {
  readonly entry: ReplicaEntry & { bytes: Uint8Array }
  readonly frame: FrameHeader
}

export class SealedReplica implements Replica {
  readonly spaceId: string
  /** How this space's records are written: sealed (private), plain (public), or not yet known (no genesis). */
  private sealing: ((kind: string) => SealingKey) | 'plain' | undefined
  private readonly waiting = new Map<Uint8Array, Waiting>()
  private waitingBytes = 0
  private readonly listeners = new Set<(entries: readonly ReplicaEntry[]) => void>()
  private readonly stopKeys: () => void
  private readonly opening = new Set<Promise<unknown>>()
  /** The record id inside each frame opened so far, by the frame's bytes object: a checkpoint lists ids without opening every frame again. */
  private readonly ids = new WeakMap<Uint8Array, string>()

  constructor(
    readonly inner: Replica,
    private readonly keyring: Keyring,
    private readonly rejected: (rejection: Rejection) => void,
  ) {
    this.spaceId = inner.spaceId
    this.stopKeys = keyring.onKey((epoch) => this.track(this.retry(epoch)))
  }

  /** A private space: `keyFor` says which epoch key seals a record of each kind. */
  sealWith(keyFor: (kind: string) => SealingKey): void {
    this.sealing = keyFor
  }

  /** A public space: records go to the replica as they are, and frames are handed over unopened (the space refuses them). */
  plain(): void {
    this.sealing = 'plain'
    for (const [bytes, waiting] of this.waiting) this.forget(bytes, waiting)
  }

  add(records: readonly Uint8Array[]): Promise<void> {
    return this.addRecords(records.map((bytes) => ({ bytes, kind: '' })))
  }

  /** Adds signed records, sealed under the key their kind calls for when the space is private. */
  addRecords(records: readonly { readonly bytes: Uint8Array; readonly kind: string }[]): Promise<void> {
    const sealing = this.sealing
    if (sealing === undefined || sealing === 'plain') return this.inner.add(records.map((record) => record.bytes))
    return this.inner.add(
      records.map((record) => {
        const { epoch, key } = sealing(record.kind)
        return sealFrame(key, epoch, record.bytes)
      }),
    )
  }

  async getAll(): Promise<readonly ReplicaEntry[]> {
    return this.openAll(await this.inner.getAll())
  }

  /**
   * Arrivals as the adapter hands them over, frames unopened: the space opens each one in its
   * validation pipeline (`openOne`). Frames that waited for a key and open later come through
   * `onOpened`, already opened.
   */
  subscribe(listener: (entries: readonly ReplicaEntry[]) => void): () => void {
    return this.inner.subscribe(listener)
  }

  /** Frames that waited for a key and opened once it arrived. */
  onOpened(listener: (entries: readonly ReplicaEntry[]) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  getSyncState(): SyncState {
    return this.inner.getSyncState()
  }

  subscribeSyncState(listener: (state: SyncState) => void): () => void {
    return this.inner.subscribeSyncState(listener)
  }

  get presence() {
    return this.inner.presence
  }

  get verified() {
    return this.inner.verified
  }

  get checkpoint() {
    return this.inner.checkpoint
  }

  getStorageDamage() {
    return this.inner.getStorageDamage?.() ?? []
  }

  /**
   * Every entry the space can read, by id, without the bytes it does not need: what a view
   * checkpoint describes (core/checkpoint.ts). Frames opened before are not opened again.
   */
  async entryIds(): Promise<readonly ReplicaEntry[]> {
    const entries = await this.inner.getAll()
    if (this.sealing === 'plain') return entries
    const out: ReplicaEntry[] = []
    for (const entry of entries) {
      const bytes = entry.bytes
      const frame = bytes instanceof Uint8Array ? readFrameHeader(bytes) : undefined
      if (!frame) out.push(entry)
      else {
        const id = this.ids.get(bytes as Uint8Array)
        const opened = id
          ? { bytes, claimedId: id, hashed: true, source: entry.source, sealed: true }
          : await this.open({ ...entry, bytes: bytes as Uint8Array }, frame, false)
        if (opened) out.push(opened)
      }
    }
    return out
  }

  /** Resolves once every frame whose key arrived has been opened and handed to the space (for `Space.idle`). */
  async idle(): Promise<void> {
    while (this.opening.size > 0) await Promise.allSettled([...this.opening])
  }

  private track(work: Promise<unknown>): void {
    this.opening.add(work)
    void work.finally(() => this.opening.delete(work))
  }

  /** Frames still waiting for a key (for the space's status and tests). */
  waitingCount(): number {
    return this.waiting.size
  }

  close(): Promise<void> {
    this.stopKeys()
    this.listeners.clear()
    this.waiting.clear()
    this.waitingBytes = 0
    return this.inner.close()
  }

  private async openAll(entries: readonly ReplicaEntry[]): Promise<ReplicaEntry[]> {
    const out: ReplicaEntry[] = []
    for (const entry of entries) {
      const opened = this.openOne(entry)
      const settled = opened instanceof Promise ? await opened : opened
      if (settled) out.push(settled)
    }
    return out
  }

  /**
   * One entry as the space reads it: a frame opened (undefined while it waits for its key, or when
   * refused), a plain entry as the space's privacy allows. Synchronous where hashing is (Node), so
   * a space opens each arrival just before validating it, and the opening of one overlaps the
   * signature checks of the others (they run off the main thread).
   */
  openOne(entry: ReplicaEntry): ReplicaEntry | undefined | Promise<ReplicaEntry | undefined> {
    // A plain genesis under its own id (as the adapter hashed it) makes the space public: its
    // entries then pass untouched, and a checkpoint's unread ballots stay unread.
    if (this.sealing === undefined && entry.hashed === true && entry.claimedId === this.spaceId) this.plain()
    if (this.sealing === 'plain') return entry
    const bytes = entry.bytes
    const frame = bytes instanceof Uint8Array ? readFrameHeader(bytes) : undefined
    if (!frame) {
      if (typeof this.sealing === 'function') {
        // A private space's records travel sealed: a plain one is a peer's doing, refused here.
        this.rejected({
          reason: 'wrong-privacy',
          detail: 'a plain entry in a private space: its records travel sealed',
          source: entry.source,
        })
        return undefined
      }
      // Only this layer may say an entry was sealed; whatever a replica claimed is dropped.
      return entry.sealed === undefined ? entry : { ...entry, sealed: undefined }
    }
    return this.open({ ...entry, bytes: bytes as Uint8Array }, frame, true)
  }

  private open(
    entry: ReplicaEntry & { bytes: Uint8Array },
    frame: FrameHeader,
    first: boolean,
  ): ReplicaEntry | undefined | Promise<ReplicaEntry | undefined> {
    const keys = this.keyring.of(frame.epoch)
    for (const key of keys) {
      const record = openFrame(key, entry.bytes, frame)
      if (!record) continue
      const cid = recordCidNow(record)
      if (cid) return this.opened(entry, record, cidString(cid))
      return recordCid(record).then((later) => this.opened(entry, record, cidString(later)))
    }
    if (first) {
      this.rejected(
        keys.length === 0
          ? {
              reason: 'unknown-epoch',
              detail: `sealed under epoch ${frame.epoch}, whose key this member does not hold (yet); kept until it arrives`,
              source: entry.source,
            }
          : {
              reason: 'bad-ciphertext',
              detail: `does not open under the key${keys.length > 1 ? 's' : ''} of epoch ${frame.epoch}: changed in transit, or sealed under a key this member does not hold`,
              source: entry.source,
            },
      )
      this.wait(entry, frame)
    }
    return undefined
  }

  private opened(entry: ReplicaEntry & { bytes: Uint8Array }, record: Uint8Array, id: string): ReplicaEntry {
    this.ids.set(entry.bytes, id)
    return { bytes: record, claimedId: id, hashed: true, source: entry.source, sealed: true }
  }

  private wait(entry: ReplicaEntry & { bytes: Uint8Array }, frame: FrameHeader): void {
    if (this.waiting.has(entry.bytes) || entry.bytes.length > MAX_WAITING_BYTES) return
    this.waiting.set(entry.bytes, { entry, frame })
    this.waitingBytes += entry.bytes.length
    for (const [bytes, oldest] of this.waiting) {
      if (this.waitingBytes <= MAX_WAITING_BYTES) break
      this.forget(bytes, oldest)
    }
  }

  private forget(bytes: Uint8Array, waiting: Waiting): void {
    this.waiting.delete(bytes)
    this.waitingBytes -= waiting.entry.bytes.length
  }

  /** A key of `epoch` arrived: hands over the frames it opens. */
  private async retry(epoch: number): Promise<void> {
    const opened: ReplicaEntry[] = []
    for (const [bytes, waiting] of [...this.waiting]) {
      if (waiting.frame.epoch !== epoch) continue
      const entry = await this.open(waiting.entry, waiting.frame, false)
      if (!entry || !this.waiting.has(bytes)) continue
      this.forget(bytes, waiting)
      opened.push(entry)
    }
    if (opened.length === 0) return
    for (const listener of this.listeners) listener(opened)
  }
}
