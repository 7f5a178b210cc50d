/**
 * Commit-reveal for secret ballots, and the digest that a close record commits to.
 * Hashing here is synchronous (@noble/hashes) because it runs inside the deterministic fold.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import type { CID } from 'multiformats/cid'
import { concatBytes, equalBytes, utf8 } from './bytes.js'
import { cidString } from './cid-string.js'
import { encode } from './codec.js'

const COMMIT_DOMAIN = utf8('townhall/ballot-commitment/v1\n')

/** Hash binding the poll, the voter, the choice and a 32-byte random salt. */
export function ballotCommitment(poll: CID, voter: string, choice: unknown, salt: Uint8Array): Uint8Array {
  return sha256(concatBytes(COMMIT_DOMAIN, encode({ p: poll, v: voter, c: choice, s: salt })))
}

export function commitmentMatches(commitment: Uint8Array, poll: CID, voter: string, choice: unknown, salt: Uint8Array): boolean {
  try {
    return equalBytes(commitment, ballotCommitment(poll, voter, choice, salt))
  } catch {
    // A choice that cannot be encoded (never the case for decoded input) simply does not match.
    return false
  }
}

/**
 * Canonical digest of a ballot set: ids sorted by their string form, bytes concatenated, hashed.
 * `keys`, when given, are the ids' string forms (`cidString(ids[i])`), already computed by the caller.
 */
export function ballotSetDigest(ids: readonly CID[], keys?: readonly string[]): Uint8Array {
  // Each string form computed once (not per comparison), and the bytes copied into one buffer: a
  // spread of every id's bytes as arguments overflowed the stack above ~120k ballots.
  const keyed = ids.map((id, i) => ({ key: keys?.[i] ?? cidString(id), bytes: id.bytes }))
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  let length = 0
  for (const { bytes } of keyed) length += bytes.length
  const all = new Uint8Array(length)
  let offset = 0
  for (const { bytes } of keyed) {
    all.set(bytes, offset)
    offset += bytes.length
  }
  return sha256(all)
}
