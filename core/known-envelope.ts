/**
 * Reading the envelope of a record whose exact bytes already passed every check on this device
 * (their hash is an id it verified and listed), straight from the bytes, without the generic
 * decoder. Only the body goes through the decoder.
 *
 * Canonical dag-cbor sorts the envelope's one-letter keys, so such a record is laid out as
 *   a8                        map of 8
 *   61 61  58 20  <32>        "a": author key
 *   61 62  <item>             "b": body
 *   61 6b  <text>             "k": kind
 *   61 72  <array of CIDs>    "r": refs
 *   61 73  <CID> | f6         "s": space, or null for a genesis
 *   61 74  82 <uint> <uint>   "t": hlc
 *   61 76  02                 "v": 2 (RECORD_FORMAT)
 *   61 78  58 40  <64>        "x": signature
 * with every CID written as tag 42 over 0x00 and a CIDv1 of a sha2-256 digest (d8 2a 58 25 00 01
 * <codec> 12 20 <32>). Opening a space reads every stored record this way, and the generic decode
 * of the envelope with its schema check was half the cost of that read.
 *
 * Anything laid out otherwise (another CID form, a codec above 0x7f, ...) gives undefined and the
 * caller parses the record the generic way, so this reader never decides what a record is: for
 * the records it reads it gives what `parseRecord` gives (checked by a property test).
 */
import type { CID } from 'multiformats/cid'
import { decodeFirstUntrusted, MAX_DEPTH, usualCidAt } from './codec.js'
import type { Hlc } from './hlc.js'
import { RECORD_FORMAT } from './record-format.js'

export interface KnownEnvelope {
  readonly kind: string
  readonly space: CID | null
  readonly hlc: Hlc
  readonly refs: readonly CID[]
  readonly body: unknown
  readonly authorKey: Uint8Array
  readonly signature: Uint8Array
}

const BODY_START = 39
// "x", a 64-byte string header, the signature.
const SIGNATURE_TAIL = 4 + 64
const CID_ITEM_BYTES = 41
const utf8 = new TextDecoder('utf-8', { fatal: true })

export function readKnownEnvelope(bytes: Uint8Array): KnownEnvelope | undefined {
  if (bytes.length < BODY_START + SIGNATURE_TAIL || bytes[0] !== 0xa8 || !key(bytes, 1, 0x61) || bytes[3] !== 0x58 || bytes[4] !== 32) {
    return undefined
  }
  if (!key(bytes, BODY_START - 2, 0x62)) return undefined
  // The body is a nested item: one level of the envelope is already open around it.
  const [body, bodyLength] = decodeFirstUntrusted(bytes.subarray(BODY_START), MAX_DEPTH - 1)
  let at = BODY_START + bodyLength

  if (!key(bytes, at, 0x6b)) return undefined
  const kindLength = head(bytes, at + 2, 0x60)
  if (!kindLength) return undefined
  at = kindLength.next
  const kind = utf8.decode(bytes.subarray(at, at + kindLength.value))
  at += kindLength.value

  if (!key(bytes, at, 0x72)) return undefined
  const refCount = head(bytes, at + 2, 0x80)
  if (!refCount) return undefined
  at = refCount.next
  const refs: CID[] = []
  for (let i = 0; i < refCount.value; i++) {
    const ref = cidAt(bytes, at)
    if (!ref) return undefined
    refs.push(ref)
    at += CID_ITEM_BYTES
  }

  if (!key(bytes, at, 0x73)) return undefined
  let space: CID | null = null
  if (bytes[at + 2] === 0xf6) {
    at += 3
  } else {
    space = cidAt(bytes, at + 2) ?? null
    if (!space) return undefined
    at += 2 + CID_ITEM_BYTES
  }

  if (!key(bytes, at, 0x74) || bytes[at + 2] !== 0x82) return undefined
  const wall = head(bytes, at + 3, 0x00)
  const counter = wall && head(bytes, wall.next, 0x00)
  if (!wall || !counter) return undefined
  at = counter.next

  if (!key(bytes, at, 0x76) || bytes[at + 2] !== RECORD_FORMAT || at + 3 + SIGNATURE_TAIL !== bytes.length) return undefined
  at += 3
  if (!key(bytes, at, 0x78) || bytes[at + 2] !== 0x58 || bytes[at + 3] !== 64) return undefined

  return {
    kind,
    space,
    hlc: [wall.value, counter.value],
    refs,
    body,
    authorKey: bytes.subarray(5, 37),
    signature: bytes.subarray(bytes.length - 64),
  }
}

/** A one-letter text key at `at`. */
const key = (bytes: Uint8Array, at: number, letter: number): boolean => bytes[at] === 0x61 && bytes[at + 1] === letter

/**
 * The argument of an item head of the given major type (0x00 unsigned, 0x60 text, 0x80 array) at
 * `at`, up to 2^53, and where the item's content starts.
 */
function head(bytes: Uint8Array, at: number, major: number): { value: number; next: number } | undefined {
  const initial = bytes[at]
  if (initial === undefined || (initial & 0xe0) !== major) return undefined
  const info = initial & 0x1f
  if (info < 24) return { value: info, next: at + 1 }
  if (info === 24) return { value: bytes[at + 1]!, next: at + 2 }
  if (info === 25) return { value: bytes[at + 1]! * 0x100 + bytes[at + 2]!, next: at + 3 }
  if (info === 26) return { value: uint32(bytes, at + 1), next: at + 5 }
  if (info === 27) {
    const high = uint32(bytes, at + 1)
    if (high >= 0x200000) return undefined
    return { value: high * 0x100000000 + uint32(bytes, at + 5), next: at + 9 }
  }
  return undefined
}

const uint32 = (bytes: Uint8Array, at: number): number =>
  bytes[at]! * 0x1000000 + bytes[at + 1]! * 0x10000 + bytes[at + 2]! * 0x100 + bytes[at + 3]!

/** A tag-42 CIDv1 over a sha2-256 digest at `at` (see `usualCidAt`). */
function cidAt(bytes: Uint8Array, at: number): CID | undefined {
  // Tag 42, a byte string of 37: the 0x00 prefix, then 36 bytes of CID.
  if (bytes[at] !== 0xd8 || bytes[at + 1] !== 42 || bytes[at + 2] !== 0x58 || bytes[at + 3] !== 37 || bytes[at + 4] !== 0x00)
    return undefined
  return usualCidAt(bytes, at + 5)
}
