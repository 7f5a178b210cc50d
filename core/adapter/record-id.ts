/**
 * The id of bytes, as every adapter keys what it holds: their CID (dag-cbor, sha2-256) as a string,
 * for a record and a batch alike.
 */
import { cidString } from '../cid-string.js'
import { recordCid, recordCidNow } from '../record.js'

export async function idOf(bytes: Uint8Array): Promise<string> {
  return idNow(bytes) ?? cidString(await recordCid(bytes))
}

/** The id at once where hashing is synchronous (Node), else undefined: no promise per record in loops. */
export function idNow(bytes: Uint8Array): string | undefined {
  const cid = recordCidNow(bytes)
  return cid && cidString(cid)
}
