/**
 * Which epoch of a private space new records are sealed under, from the valid epoch records.
 *
 * Two admins may rotate at once and both make epoch n. Every member keeps both keys (frames of
 * either open), and writes under one chosen the same way on every peer that holds the same
 * records: the highest epoch whose key this member holds, preferring one sealed to no one who is no
 * longer a member, then the lowest record id. When even that one reaches a former member, or misses
 * a current one, the space needs a new rotation (`rotationNeeded`), which an admin's peer makes.
 */
import { MissingKeyError } from '../errors.js'
import type { BodyOf } from '../kinds.js'
import type { SignedRecord } from '../record.js'
import type { Keyring } from './keyring.js'

export type EpochRecord = SignedRecord<BodyOf<'epoch'>>

export interface CurrentEpoch {
  readonly epoch: number
  readonly key: Uint8Array
  /** The epoch record that made it; undefined for epoch 0, which everyone holding the share link reads. */
  readonly record?: EpochRecord
}

export class EpochState {
  private readonly records: EpochRecord[] = []
  /** The key each epoch record gave this member, once opened. */
  private readonly keyOf = new Map<string, Uint8Array>()

  add(record: EpochRecord): void {
    this.records.push(record)
  }

  has(id: string): boolean {
    return this.records.some((record) => record.id === id)
  }

  /** The highest epoch number any valid record started (0 when none). */
  highest(): number {
    let n = 0
    for (const record of this.records) n = Math.max(n, record.body.n)
    return n
  }

  opened(record: EpochRecord, key: Uint8Array): void {
    this.keyOf.set(record.id, key)
  }

  current(keyring: Keyring, isMember: (did: string) => boolean): CurrentEpoch {
    let best: { record: EpochRecord; key: Uint8Array; clean: boolean } | undefined
    for (const record of this.records) {
      const key = this.keyOf.get(record.id)
      if (!key) continue
      const clean = record.body.keys.every((entry) => isMember(entry.m))
      if (
        !best ||
        record.body.n > best.record.body.n ||
        (record.body.n === best.record.body.n && (clean > best.clean || (clean === best.clean && record.id < best.record.id)))
      ) {
        best = { record, key, clean }
      }
    }
    if (best) return { epoch: best.record.body.n, key: best.key, record: best.record }
    const zero = keyring.of(0)[0]
    if (!zero) {
      throw new MissingKeyError(
        'This private space was opened without its secret, so nothing can be sealed; open it with the full share link.',
      )
    }
    return { epoch: 0, key: zero }
  }

  /**
   * Whether the epoch records are sealed under reaches exactly the current members: epoch 0 reaches
   * everyone who ever held the link, so any removal calls for a rotation; a later epoch, its
   * recipients.
   */
  rotationNeeded(current: CurrentEpoch, members: ReadonlySet<string>, anyoneRemoved: boolean): boolean {
    if (!current.record) return anyoneRemoved
    const audience = new Set<string>(current.record.body.keys.map((entry) => entry.m))
    if (audience.size !== members.size) return true
    for (const did of members) if (!audience.has(did)) return true
    return false
  }
}
