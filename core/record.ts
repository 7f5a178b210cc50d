/**
 * Signed, content-addressed records: the only thing peers exchange.
 *
 * Wire form (dag-cbor map, short keys because every ballot carries them):
 *   { v: 2, k: kind, s: space CID | null, a: author public key (32 bytes),
 *     t: [hlc wall ms, hlc counter], r: [CID...], b: body, x: signature (64 bytes) }
 * `r` names what the author had seen when signing (see causal.ts): validity and precedence are
 * judged against that hash-linked past, never against the claimed clock `t`. Version 1 records,
 * which had no such rule, are refused with the reason `old-format` rather than misread.
 * The signature covers the canonical encoding of the map without `x`, prefixed by a domain tag,
 * so a townhall signature can never be mistaken for a signature in another protocol.
 * The record id is the CIDv1 (dag-cbor, sha2-256) of the full bytes.
 */
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { concatBytes, equalBytes, utf8 } from './bytes.js'
import { cidString } from './cid-string.js'
import { decodeUntrusted, encode, SHA2_256, sha256CidOn } from './codec.js'
import { didFromPublicKey, type Did } from './did.js'
import { nodeSha256 } from './node-builtins.js'
import { ed25519Backend } from './ed25519.js'
import { readKnownEnvelope, type KnownEnvelope } from './known-envelope.js'
import { RECORD_FORMAT } from './record-format.js'
import type { Hlc } from './hlc.js'
import type { Identity } from './identity.js'
import { reject, type Verdict } from './rejection.js'
import * as s from './schema.js'

export const DAG_CBOR = 0x71
export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024
/** No space may raise its limit above this; it bounds what is buffered before a space's genesis is known. */
export const HARD_MAX_RECORD_BYTES = 1024 * 1024
const SIGNING_DOMAIN = utf8('townhall/record/v2\n')

export type RecordId = string

export interface RecordFields<B = unknown> {
  readonly kind: string
  /** The space's id; null only in the genesis record, from which the id derives. */
  readonly space: CID | null
  readonly hlc: Hlc
  readonly refs: readonly CID[]
  readonly body: B
}

export interface SignedRecord<B = unknown> extends RecordFields<B> {
  readonly id: RecordId
  readonly cid: CID
  readonly author: Did
  readonly authorKey: Uint8Array
  readonly signature: Uint8Array
  readonly bytes: Uint8Array
}

/** A record that decoded and matched the envelope schema but whose signature is not yet checked. */
export type ParsedRecord = Omit<SignedRecord, 'id' | 'cid'>

const envelope = s.object({
  v: s.literal(RECORD_FORMAT),
  k: s.string({ min: 1, max: 64 }),
  s: s.nullable(s.cid),
  a: s.bytes({ min: 32, max: 32 }),
  t: s.array(s.integer(0, Number.MAX_SAFE_INTEGER), { min: 2, max: 2 }),
  r: s.array(s.cid, { max: 64, unique: true }),
  b: (value: unknown) => ({ ok: true, value }) as s.Check<unknown>,
  x: s.bytes({ min: 64, max: 64 }),
})

const wireOf = (fields: RecordFields, author: Uint8Array) => ({
  v: RECORD_FORMAT,
  k: fields.kind,
  s: fields.space,
  a: author,
  t: [fields.hlc[0], fields.hlc[1]],
  r: [...fields.refs],
  b: fields.body,
})

export async function recordCid(bytes: Uint8Array): Promise<CID> {
  const now = recordCidNow(bytes)
  if (now) return now
  // `encode` is the bare hash: synchronous in Node, a promise (WebCrypto) in browsers.
  const hashed = sha256.encode(bytes)
  return cidOfSha256(hashed instanceof Uint8Array ? hashed : await hashed)
}

/**
 * The record's CID at once where hashing is synchronous (Node), else undefined (browsers: await
 * `recordCid`). For loops over every stored record: awaiting `recordCid` costs a promise and a
 * microtask turn per record, ~0.3 µs on top of the ~1.5 µs of the id itself.
 */
export function recordCidNow(bytes: Uint8Array): CID | undefined {
  // Node's one-shot hash: multiformats' `createHash().update().digest()` costs ~2.4 µs a record
  // here against ~1.5 µs, and every record is hashed when it arrives or is first stored.
  return nodeSha256 ? cidOfSha256(nodeSha256(bytes)) : undefined
}

/**
 * The CIDv1 (dag-cbor, sha2-256) of a digest, built in one 36-byte view of a shared slab.
 * `CID.createV1` allocates the multihash and the CID bytes separately, each small enough to live
 * on V8's heap, and multiformats then reads each one's `.buffer`, which moves it off the heap:
 * together most of the cost of an id. Views of one slab have their buffer already.
 */
function cidOfSha256(digest: Uint8Array): CID {
  if (slabUsed + CID_BYTES > slab.length) {
    slab = new Uint8Array(SLAB_BYTES)
    slabUsed = 0
  }
  const bytes = slab.subarray(slabUsed, slabUsed + CID_BYTES)
  slabUsed += CID_BYTES
  bytes.set(CID_PREFIX)
  bytes.set(digest, CID_PREFIX.length)
  return sha256CidOn(bytes)
}

/** CID version 1, dag-cbor, then the multihash header: sha2-256, 32 bytes. */
const CID_PREFIX = Uint8Array.of(0x01, DAG_CBOR, SHA2_256, 32)
const CID_BYTES = CID_PREFIX.length + 32
// 64 KiB holds ~1800 ids; a slab lives as long as any id cut from it, which records keep anyway.
const SLAB_BYTES = 64 * 1024
let slab = new Uint8Array(SLAB_BYTES)
let slabUsed = 0

/** Signs and encodes a record. The body must already match its kind's schema. */
export async function signRecord<B>(identity: Identity, fields: RecordFields<B>): Promise<SignedRecord<B>> {
  const wire = wireOf(fields, identity.publicKey)
  const signature = await identity.sign(concatBytes(SIGNING_DOMAIN, encode(wire)))
  const bytes = encode({ ...wire, x: signature })
  const cid = await recordCid(bytes)
  return { ...fields, id: cidString(cid), cid, author: identity.did, authorKey: identity.publicKey, signature, bytes }
}

/** The checks before any parsing: bytes, and within the size bound. */
export function checkInput(input: unknown, maxBytes: number): Verdict<Uint8Array> {
  if (!(input instanceof Uint8Array)) return reject('not-bytes', `expected a Uint8Array, got ${describe(input)}`)
  if (input.length > maxBytes) return reject('too-large', `record is ${input.length} bytes; this space accepts at most ${maxBytes}`)
  return { ok: true, value: input }
}

/**
 * First, cheap stage of accepting bytes from a peer: size bound before parsing, bounded strict
 * decode, canonical form, envelope schema. Signature and body checks come after.
 *
 * `checkedBefore`: the caller knows these exact bytes passed this function before (their hash is
 * an id this device verified, or the replica that handed them over parsed them). Their envelope
 * is then read in place (known-envelope.ts) and the canonical-form check, a re-encode and the
 * costliest step of a parse, is not redone.
 */
export function parseRecord(given: unknown, maxBytes: number, options: { checkedBefore?: boolean } = {}): Verdict<ParsedRecord> {
  const bytes = checkInput(given, maxBytes)
  if (!bytes.ok) return bytes
  const input = bytes.value
  if (options.checkedBefore) {
    const known = readKnownEnvelopeOrUndefined(input)
    if (known) {
      const { kind, space, hlc, refs, body, authorKey, signature } = known
      return { ok: true, value: { kind, space, hlc, refs, body, author: didFromPublicKey(authorKey), authorKey, signature, bytes: input } }
    }
  }
  let decoded: unknown
  try {
    decoded = decodeUntrusted(input)
  } catch (error) {
    return reject('malformed', `not canonical dag-cbor: ${error instanceof Error ? error.message : String(error)}`)
  }
  // The decoder accepts some non-canonical forms (map key order); re-encoding catches them, so
  // one record cannot be given many ids by re-serializing it.
  if (!options.checkedBefore && !equalBytes(encode(decoded), input)) return reject('malformed', 'not in canonical dag-cbor form')
  const version = (decoded as { v?: unknown } | null)?.v
  if (typeof version === 'number' && version !== RECORD_FORMAT) {
    return reject(
      'old-format',
      `record format v${version} is not read by this version of townhall (it reads v${RECORD_FORMAT}); re-create the space or upgrade the peer that sent it`,
    )
  }
  const checked = envelope(decoded, '')
  if (!checked.ok) return reject('schema', `envelope ${checked.error}`)
  const wire = checked.value
  const hlc: Hlc = [wire.t[0] as number, wire.t[1] as number]
  if (hlc[1] > 0x7fffffff) return reject('schema', 'envelope t[1]: hlc counter out of range')
  const author = didFromPublicKey(wire.a)
  return {
    ok: true,
    value: {
      kind: wire.k,
      space: wire.s,
      hlc,
      refs: wire.r,
      body: wire.b,
      author,
      authorKey: wire.a,
      signature: wire.x,
      bytes: input,
    },
  }
}

/** Bytes that passed before and still do not read in place (a layout the reader does not know) take the generic path. */
function readKnownEnvelopeOrUndefined(input: Uint8Array): KnownEnvelope | undefined {
  try {
    return readKnownEnvelope(input)
  } catch {
    return undefined
  }
}

/**
 * What the author signed: the domain tag, then the record's encoding without its signature. Made
 * only when a signature is checked (records this device verified before never need it).
 */
export function signedMessage(record: ParsedRecord): Uint8Array {
  return signedMessageOf(record.bytes) ?? concatBytes(SIGNING_DOMAIN, encode(wireOf(record, record.authorKey)))
}

/**
 * The domain tag and the encoding of a canonical record without its signature, in one allocation,
 * cut from the record's own bytes instead of encoding the map again: in canonical dag-cbor the keys are sorted (all have one character, so
 * bytewise) and `x` comes last, so dropping its 68 bytes (key, header, 64 signature bytes) and
 * counting one entry less in the map header gives exactly `encode(unsigned)`. Only for input that
 * already passed the canonical and envelope checks; undefined when the shape is not the usual one
 * (the caller then encodes).
 */
function signedMessageOf(input: Uint8Array): Uint8Array | undefined {
  const tail = input.length - 68
  if (
    tail < 1 ||
    input[0] !== 0xa8 ||
    input[tail] !== 0x61 ||
    input[tail + 1] !== 0x78 ||
    input[tail + 2] !== 0x58 ||
    input[tail + 3] !== 0x40
  ) {
    return undefined
  }
  const out = new Uint8Array(SIGNING_DOMAIN.length + tail)
  out.set(SIGNING_DOMAIN)
  out[SIGNING_DOMAIN.length] = 0xa7
  out.set(input.subarray(1, tail), SIGNING_DOMAIN.length + 1)
  return out
}

/** Second stage: verifies the signature and derives the content id. */
export async function verifyRecord(parsed: ParsedRecord): Promise<Verdict<SignedRecord>> {
  const backend = await ed25519Backend()
  const valid = await backend.verify(parsed.authorKey, parsed.signature, signedMessage(parsed))
  if (!valid) return reject('bad-signature', `signature does not verify for ${parsed.author}`, { author: parsed.author })
  const cid = await recordCid(parsed.bytes)
  return { ok: true, value: { ...parsed, id: cidString(cid), cid } }
}

/** Parses and verifies in one step, for tools that handle single records (export, recount). */
export async function openRecord(input: unknown, maxBytes = DEFAULT_MAX_RECORD_BYTES): Promise<Verdict<SignedRecord>> {
  const parsed = parseRecord(input, maxBytes)
  return parsed.ok ? verifyRecord(parsed.value) : parsed
}

export function compareRecords(a: Pick<SignedRecord, 'hlc' | 'id'>, b: Pick<SignedRecord, 'hlc' | 'id'>): number {
  return a.hlc[0] - b.hlc[0] || a.hlc[1] - b.hlc[1] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value
}
