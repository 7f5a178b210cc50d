/**
 * Commit-reveal for secret ballots, and the digest that a close record commits to.
 * Hashing here is synchronous (@noble/hashes) because it runs inside the deterministic fold.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import type { CID } from 'multiformats/cid'
import { concatBytes, equalBytes, utf8 } from './bytes.js'
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

/** Canonical digest of a ballot set: ids sorted by their string form, bytes concatenated, hashed. */
export function ballotSetDigest(ids: readonly CID[]): Uint8Array {
  const sorted = [...ids].sort((a, b) => (a.toString() < b.toString() ? -1 : a.toString() > b.toString() ? 1 : 0))
  return sha256(concatBytes(...sorted.map((id) => id.bytes)))
}
