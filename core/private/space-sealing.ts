/**
 * The part of a space that keeps it private: its keyring, the sealed replica in front of the
 * adapter's, which records arrived sealed, and the epochs. The space owns the rules on who may
 * rotate (authorize.ts); this part owns the keys.
 *
 * Which records are sealed under which key:
 * - epoch records, under epoch 0, so a member who lacks the current key can still open the record
 *   that hands it to them (what a removed member can read of them is the recipients and the author);
 * - everything else under the current epoch (epochs.ts).
 */
import type { Did } from '../did.js'
import type { Identity } from '../identity.js'
import type { BodyOf } from '../kinds.js'
import type { RecordId, SignedRecord } from '../record.js'
import type { Rejection } from '../rejection.js'
import type { Replica } from '../replica.js'
import { randomBytes } from '../bytes.js'
import { MissingKeyError } from '../errors.js'
import { EPOCH_KEY_BYTES } from './frame.js'
import { EpochState, type CurrentEpoch, type EpochRecord } from './epochs.js'
import { openKeyBox, sealKeyTo } from './key-box.js'
import { epochZeroKey, Keyring } from './keyring.js'
import { SealedReplica, type SealingKey } from './sealed-replica.js'

/** Members who join later read what came before ('all'); the only policy so far (docs/concepts.md says why). */
export type History = 'all'

/** Records that arrived before the genesis said whether the space is private: at most this many wait. */
const MAX_BEFORE_GENESIS = 50_000

export interface PrivacyStatus {
  readonly private: boolean
  /** Undefined until the genesis is here. */
  readonly history?: History
  /** The epoch new records are sealed under (0 for public spaces). */
  readonly epoch: number
  /** Epochs this member holds a key of. */
  readonly epochs: readonly number[]
  /** Frames this member cannot open yet (waiting for an epoch key). */
  readonly waiting: number
}

export class SpaceSealing {
  readonly keyring = new Keyring()
  readonly replica: SealedReplica
  private privacy: { private: boolean; history: History } | undefined
  private epochs = new EpochState()
  private readonly tried = new Set<RecordId>()
  /** Keys opened from epoch records, kept across re-folds so a membership change does not open every box again. */
  private readonly opened = new Map<RecordId, Uint8Array>()
  private readonly beforeGenesis = new Map<RecordId, { record: SignedRecord; sealed: boolean }>()

  constructor(
    inner: Replica,
    secret: Uint8Array | undefined,
    private readonly spaceId: string,
    /** The records come from a member's plain copy (an export): whether they arrived sealed says nothing. */
    private readonly plainCopy: boolean,
    rejected: (rejection: Rejection) => void,
  ) {
    if (secret) this.keyring.add(0, epochZeroKey(secret))
    this.replica = new SealedReplica(inner, this.keyring, rejected)
  }

  get isPrivate(): boolean {
    return this.privacy?.private === true
  }

  /** Whether what this space publishes is sealed: a private space read from a replica, not from a plain copy. */
  get seals(): boolean {
    return this.isPrivate && !this.plainCopy
  }

  /**
   * Sorts validated arrivals: those that came the way the space's genesis says its records travel
   * (sealed in a private space, plain in a public one) go on; the others are refused. Before the
   * genesis is here, arrivals wait (the genesis decides).
   */
  admit(arrivals: readonly { record: SignedRecord; sealed: boolean }[], rejected: Rejection[]): SignedRecord[] {
    if (!this.privacy) {
      const genesis = arrivals.find((arrival) => arrival.record.id === this.spaceId)
      if (genesis) this.decide(genesis.record as SignedRecord<BodyOf<'space'>>, genesis.sealed, rejected)
    }
    const admitted: SignedRecord[] = []
    const sort = ({ record, sealed }: { record: SignedRecord; sealed: boolean }) => {
      if (!this.privacy) {
        if (this.beforeGenesis.size >= MAX_BEFORE_GENESIS) {
          rejected.push({
            reason: 'missing-dependency',
            detail: `arrived before the space's genesis, with ${MAX_BEFORE_GENESIS} others already waiting; dropped (a peer will send it again)`,
            id: record.id,
            author: record.author,
          })
        } else this.beforeGenesis.set(record.id, { record, sealed })
        return
      }
      if (sealed === this.privacy.private || this.plainCopy) return void admitted.push(record)
      rejected.push({
        reason: 'wrong-privacy',
        detail: this.privacy.private ? 'a plain record in a private space: its records travel sealed' : 'a sealed record in a public space',
        id: record.id,
        author: record.author,
      })
    }
    if (this.privacy && this.beforeGenesis.size > 0) {
      const waiting = [...this.beforeGenesis.values()]
      this.beforeGenesis.clear()
      waiting.forEach(sort)
    }
    arrivals.forEach(sort)
    return admitted
  }

  /** The genesis, as it arrived: its body says whether the space is private, and it must have travelled so. */
  private decide(genesis: SignedRecord<BodyOf<'space'>>, sealed: boolean, rejected: Rejection[]): void {
    const wantsPrivate = genesis.body.private !== undefined
    if (wantsPrivate !== sealed && !this.plainCopy) {
      rejected.push({
        reason: 'wrong-privacy',
        detail: wantsPrivate ? 'the genesis of a private space arrived unsealed' : 'the genesis of a public space arrived sealed',
        id: genesis.id,
        author: genesis.author,
      })
      return
    }
    this.privacy = { private: wantsPrivate, history: genesis.body.private?.history ?? 'all' }
    if (!wantsPrivate || this.plainCopy) this.replica.plain()
  }

  /** Starts sealing once the space's rules are known (`current` picks the epoch). */
  sealWith(current: () => CurrentEpoch): void {
    if (!this.privacy?.private || this.plainCopy) return
    this.replica.sealWith((kind): SealingKey => {
      if (kind === 'epoch') return { epoch: 0, key: this.zeroKey() }
      const { epoch, key } = current()
      return { epoch, key }
    })
  }

  /** Membership changed: the valid epoch records are folded again. */
  reset(): void {
    this.epochs = new EpochState()
  }

  /** A valid epoch record (authorized in its causal past): it may decide what new records are sealed under. */
  fold(record: EpochRecord): void {
    this.epochs.add(record)
    const key = this.opened.get(record.id)
    if (key) this.epochs.opened(record, key)
  }

  /**
   * Opens the key an epoch record seals to `identity`, as soon as its signature verified and before
   * its causal past is here: that past may be sealed under the very key it carries (a member who
   * joined after a rotation holds none of it yet). Reading with a key taken from a record that later
   * proves unauthorized exposes nothing; only valid epoch records choose the key new records are
   * sealed under (`fold`). Resolves to a rejection when the box for this member does not open.
   */
  async learn(record: EpochRecord, identity: Identity): Promise<Rejection | undefined> {
    const box = record.body.keys.find((entry) => entry.m === identity.did)
    if (!box || this.tried.has(record.id)) return undefined
    this.tried.add(record.id)
    const key = await openKeyBox(identity, box.b, { space: this.spaceId, epoch: record.body.n })
    if (!key) {
      return {
        reason: 'bad-key-box',
        detail: `the key of epoch ${record.body.n} sealed to this member does not open; ask an admin to rotate again`,
        id: record.id,
        author: record.author,
      }
    }
    this.opened.set(record.id, key)
    if (this.epochs.has(record.id)) this.epochs.opened(record, key)
    if (record.body.back) this.keyring.addChain(record.body.back, key, record.body.n)
    this.keyring.add(record.body.n, key)
    return undefined
  }

  current(isMember: (did: string) => boolean): CurrentEpoch {
    return this.epochs.current(this.keyring, isMember)
  }

  rotationNeeded(members: ReadonlySet<string>, anyoneRemoved: boolean): boolean {
    if (!this.privacy?.private) return false
    const current = this.current((did) => members.has(did))
    return this.epochs.rotationNeeded(current, members, anyoneRemoved)
  }

  /** The body of a new epoch record sealing a fresh key to `members`, and that key (kept in the keyring). */
  async nextEpoch(members: readonly Did[]): Promise<{ body: BodyOf<'epoch'>; key: Uint8Array }> {
    if (!this.privacy?.private) throw new MissingKeyError('Only private spaces have epoch keys.')
    const n = Math.max(this.epochs.highest(), ...this.keyring.epochs()) + 1
    const key = randomBytes(EPOCH_KEY_BYTES)
    const keys: { m: Did; b: Uint8Array }[] = []
    for (const did of [...new Set(members)].sort()) {
      const b = await sealKeyTo(did, key, { space: this.spaceId, epoch: n })
      if (b) keys.push({ m: did, b })
    }
    const back = this.keyring.chainBelow(n, key)
    this.keyring.add(n, key)
    return { body: { n, keys, back }, key }
  }

  /** This member's own new epoch record: its key is known without opening the box, and sealing uses it from now on. */
  adopt(record: EpochRecord, key: Uint8Array): void {
    this.opened.set(record.id, key)
    this.tried.add(record.id)
    this.epochs.opened(record, key)
  }

  status(isMember: (did: string) => boolean): PrivacyStatus {
    const isPrivate = this.privacy?.private === true
    return {
      private: isPrivate,
      ...(this.privacy ? { history: this.privacy.history } : {}),
      epoch: isPrivate && this.keyring.of(0).length > 0 ? this.current(isMember).epoch : 0,
      epochs: this.keyring.epochs(),
      waiting: this.replica.waitingCount(),
    }
  }

  private zeroKey(): Uint8Array {
    const key = this.keyring.of(0)[0]
    if (!key) throw new MissingKeyError('This private space was opened without its secret; open it with the full share link.')
    return key
  }
}
