/** Space and record ids are CIDv1 strings (base32). */
import { CID } from 'multiformats/cid'
import { DAG_CBOR } from './record.js'

export function parseRecordCid(id: string): CID | undefined {
  if (typeof id !== 'string' || id.length > 128) return undefined
  try {
    const cid = CID.parse(id)
    return cid.version === 1 && cid.code === DAG_CBOR && cid.toString() === id ? cid : undefined
  } catch {
    return undefined
  }
}

export const isSpaceId = (id: unknown): id is string => typeof id === 'string' && parseRecordCid(id) !== undefined
