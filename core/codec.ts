/**
 * Canonical encoding (dag-cbor) and a strict, bounded decoder for bytes that come from peers.
 * dag-cbor is deterministic (sorted map keys, minimal integers, no floats where ints fit), so a
 * record has exactly one byte form and its content id is well defined.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { decode as cborDecode, Tokenizer, Type, type Token } from 'cborg'

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
  private readonly maxDepth: number

  constructor(data: Uint8Array, options: object, maxDepth: number) {
    super(data, options)
    this.maxDepth = maxDepth
  }

  override next(): Token {
    const token = super.next()
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
  // dag-cbor has no undefined; reject it rather than silently turning it into null.
  const options = { ...dagCbor.decodeOptions, allowUndefined: false, coerceUndefinedToNull: false }
  return cborDecode(bytes, { ...options, tokenizer: new BoundedTokenizer(bytes, options, maxDepth) })
}
