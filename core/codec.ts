/**
 * Canonical encoding (dag-cbor) and a strict, bounded decoder for bytes that come from peers.
 * dag-cbor is deterministic (sorted map keys, minimal integers, no floats where ints fit), so a
 * record has exactly one byte form and its content id is well defined.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { decode as cborDecode, decodeFirst as cborDecodeFirst, Tokenizer, Type, type TagDecodeControl, type Token } from 'cborg'
import { CID } from 'multiformats/cid'
import { Digest } from 'multiformats/hashes/digest'
import { equalBytes } from './bytes.js'

export const MAX_DEPTH = 16

export const encode = <T>(value: T): Uint8Array => dagCbor.encode(value)

export class DecodeLimitError extends Error {
  static override readonly name = 'DecodeLimitError'
  override readonly name = 'DecodeLimitError'
}

/**
 * cborg decodes recursively and trusts declared lengths. This tokenizer bounds nesting depth and
 * rejects containers that declare more items than bytes remain, so crafted input fails fast
 * instead of exhausting the stack or allocating huge arrays.
 */
class BoundedTokenizer extends Tokenizer {
  /** Items still to read in each container that is open (started and not fully read). */
  private readonly open: number[] = []
  private maxDepth: number

  constructor(data: Uint8Array, options: object, maxDepth: number) {
    super(data, options)
    this.maxDepth = maxDepth
  }

  /**
   * Ready to read `data` from its start. One tokenizer and one options object serve every decode
   * (decoding is synchronous, and a failed decode is reset by the next): making both per call was
   * ~40% of decoding a ballot (5.8 against 3.2 µs).
   */
  reset(data: Uint8Array, maxDepth: number): this {
    this.data = data
    ;(this as unknown as { _pos: number })._pos = 0
    this.open.length = 0
    this.maxDepth = maxDepth
    return this
  }

  override next(): Token {
    const token = super.next()
    if (token.type === Type.bytes) {
      // cborg copies byte strings, and a copy of 64 bytes or less lives on V8's heap, where the
      // first read of its \`.buffer\` (multiformats does one for every CID) moves it off the heap at
      // several microseconds a time. A view into the input costs nothing and holds no second copy.
      const end = this.pos()
      token.value = this.data.subarray(end - (token.value as Uint8Array).length, end)
    }
    // A tag prefixes the next item rather than being one.
    if (token.type === Type.tag) return token
    const top = this.open.length - 1
    if (top >= 0) this.open[top]!--
    const items = token.type === Type.map ? Number(token.value) * 2 : token.type === Type.array ? Number(token.value) : 0
    if (items > this.data.length - this.pos()) {
      throw new DecodeLimitError(`a container declares ${items} items but only ${this.data.length - this.pos()} bytes remain`)
    }
    if (items > 0) {
      // The parent stays open while this child is read, so nesting in last position counts too.
      if (this.open.length >= this.maxDepth) throw new DecodeLimitError(`nesting deeper than ${this.maxDepth}`)
      this.open.push(items)
    } else {
      while (this.open.length > 0 && this.open[this.open.length - 1] === 0) this.open.pop()
    }
    return token
  }
}

/**
 * Decodes untrusted dag-cbor with a depth bound. Throws on anything malformed; callers turn the
 * error into a rejection. The size bound is applied by the caller before this is reached.
 */
export function decodeUntrusted(bytes: Uint8Array, maxDepth = MAX_DEPTH): unknown {
  tokenizer.reset(bytes, maxDepth)
  return cborDecode(bytes, withTokenizer)
}

/**
 * Like `decodeUntrusted`, for an item that is followed by more bytes: the item and how many bytes
 * it took.
 */
export function decodeFirstUntrusted(bytes: Uint8Array, maxDepth = MAX_DEPTH): [value: unknown, length: number] {
  tokenizer.reset(bytes, maxDepth)
  const [value, rest] = cborDecodeFirst(bytes, withTokenizer)
  return [value, bytes.length - rest.length]
}

/**
 * A CID (tag 42) read from the bytes view the tokenizer hands over. `CID.decode` re-encodes the
 * bytes it was given into a fresh small array (see the tokenizer above for why that costs); the
 * usual CIDv1 over a sha2-256 digest is built on the view instead. Anything else goes to
 * multiformats, which also does every check.
 */
function decodeCid(decode: TagDecodeControl): CID {
  const bytes = decode()
  if (!(bytes instanceof Uint8Array) || bytes[0] !== 0) throw new Error('Invalid CID for CBOR tag 42; expected leading 0x00')
  return (bytes.length === 1 + USUAL_CID_BYTES ? usualCidAt(bytes, 1) : undefined) ?? CID.decode(bytes.subarray(1))
}

const USUAL_CID_BYTES = 36

/**
 * The usual CID, version 1 with a one-byte codec over a sha2-256 digest, in the 36 bytes at `at`;
 * undefined for any other (multiformats then decodes it). The last few built are
 * handed out again for the same bytes: records name the same few CIDs over and over (a ballot names
 * its space once and its poll twice), and building each anew, four objects and three views, was a
 * tenth of what opening a space allocated. A CID kept here owns a copy of its bytes, so it does not
 * hold on to the record (or the whole file frame) it was read from.
 */
export function usualCidAt(bytes: Uint8Array, at: number): CID | undefined {
  if (
    at + USUAL_CID_BYTES > bytes.length ||
    bytes[at] !== 1 ||
    bytes[at + 1]! >= 0x80 ||
    bytes[at + 2] !== SHA2_256 ||
    bytes[at + 3] !== 32
  ) {
    return undefined
  }
  for (const cid of recentCids) if (sameBytesAt(cid.bytes, bytes, at)) return cid
  // A copy (not `slice`, which is a view on a Node Buffer).
  const cid = sha256CidOn(new Uint8Array(bytes.subarray(at, at + USUAL_CID_BYTES)))
  recentCids[nextRecent] = cid
  nextRecent = (nextRecent + 1) % RECENT_CIDS
  return cid
}

const RECENT_CIDS = 4
const recentCids: CID[] = []
let nextRecent = 0

/** `cid` equals the 36 bytes at `at`; the digest first, where different CIDs differ at once. */
function sameBytesAt(cid: Uint8Array, bytes: Uint8Array, at: number): boolean {
  for (let i = USUAL_CID_BYTES - 1; i >= 0; i--) if (cid[i] !== bytes[at + i]) return false
  return true
}

export const SHA2_256 = 0x12

/**
 * The CID whose 36 bytes are `bytes` (version 1, a one-byte codec, a sha2-256 multihash), built on
 * that view: multiformats' constructors would copy the multihash and the CID into fresh arrays.
 */
export function sha256CidOn(bytes: Uint8Array): CID {
  return new CID(1, bytes[1]!, new Digest(SHA2_256, 32, bytes.subarray(4), bytes.subarray(2)), bytes)
}
/**
 * CID equality by the CIDs' bytes (which encode version, codec and multihash): `CID.equals` goes
 * through the multihash's fields and costs several times more, and every record names two or three.
 */
export const sameCid = (a: CID, b: CID): boolean => a === b || equalBytes(a.bytes, b.bytes)

const CID_TAG = 42
const tags = { ...dagCbor.decodeOptions.tags, [CID_TAG]: decodeCid }
// dag-cbor has no undefined; reject it rather than silently turning it into null.
const untrustedOptions = { ...dagCbor.decodeOptions, tags, allowUndefined: false, coerceUndefinedToNull: false }
const tokenizer = new BoundedTokenizer(new Uint8Array(0), untrustedOptions, MAX_DEPTH)
const withTokenizer = { ...untrustedOptions, tokenizer }
