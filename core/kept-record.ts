/**
 * A validated record as a space keeps it. A space holds every record of its views for as long as
 * it is open, so per-record overhead is what limits its memory: the record's own CID is five
 * objects (~450 bytes) and the author key and signature are two more views (~190 bytes), all of
 * them derivable. Here they are derived on access, from the id and from the record's canonical
 * bytes, where the key and the signature sit at fixed places.
 */
import { CID } from 'multiformats/cid'
import type { Did } from './did.js'
import type { Frontier } from './causal.js'
import type { Hlc } from './hlc.js'
import type { RecordId, SignedRecord } from './record.js'

// Canonical envelope: map of 8, then key "a" and a 32-byte byte string first (keys sort bytewise).
const KEY_HEADER = [0xa8, 0x61, 0x61, 0x58, 0x20]
const KEY_START = KEY_HEADER.length
// ...and key "x" with a 64-byte byte string last.
const SIGNATURE_HEADER = [0x61, 0x78, 0x58, 0x40]

class KeptRecord<B> implements SignedRecord<B> {
  // The causal graph's slots (causal.ts): set once, when the record's past is complete.
  depth = -1
  frontier: Frontier | undefined = undefined

  constructor(
    readonly id: RecordId,
    readonly kind: string,
    readonly space: CID | null,
    readonly hlc: Hlc,
    readonly refs: readonly CID[],
    readonly body: B,
    readonly author: Did,
    readonly bytes: Uint8Array,
  ) {}

  get cid(): CID {
    return CID.parse(this.id)
  }

  get authorKey(): Uint8Array {
    return this.bytes.subarray(KEY_START, KEY_START + 32)
  }

  get signature(): Uint8Array {
    return this.bytes.subarray(this.bytes.length - 64)
  }

  /** Plain data for `JSON.stringify` and structured logs, as a record literal would give. */
  toJSON(): SignedRecord<B> {
    const { depth: _depth, frontier: _frontier, ...fields } = this
    return { ...fields, cid: this.cid, authorKey: this.authorKey, signature: this.signature }
  }
}

function hasCanonicalLayout(record: SignedRecord): boolean {
  const { bytes, authorKey, signature } = record
  const tail = bytes.length - 64 - SIGNATURE_HEADER.length
  if (tail < KEY_START + 32) return false
  for (let i = 0; i < KEY_START; i++) if (bytes[i] !== KEY_HEADER[i]) return false
  for (let i = 0; i < SIGNATURE_HEADER.length; i++) if (bytes[tail + i] !== SIGNATURE_HEADER[i]) return false
  for (let i = 0; i < 32; i++) if (bytes[KEY_START + i] !== authorKey[i]) return false
  for (let i = 0; i < 64; i++) if (bytes[bytes.length - 64 + i] !== signature[i]) return false
  return true
}

/**
 * The record in its kept form, with the given `space`, `refs` and `body` (shared CIDs); records
 * whose bytes do not have the canonical layout (none that passed validation) stay plain objects.
 */
export function keptRecord<B>(
  record: SignedRecord<B>,
  space: CID | null,
  refs: readonly CID[],
  body: B,
  kind = record.kind,
): SignedRecord<B> {
  if (!hasCanonicalLayout(record)) return { ...record, kind, space, refs, body, depth: -1, frontier: undefined } as SignedRecord<B>
  return new KeptRecord(record.id, kind, space, record.hlc, refs, body, record.author, record.bytes)
}
