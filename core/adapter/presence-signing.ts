/**
 * The signing scheme of presence entries, shared by the adapters that carry presence (Yjs awareness,
 * automerge-repo ephemeral messages). An entry names a did and is signed by that did's key over the
 * space id, the transport's id for the sending client, the state and a timestamp, so nobody can
 * appear online as someone else, and a genuine entry replayed by another client or into another
 * space does not verify.
 */
import { concatBytes, utf8 } from '../bytes.js'
import { encode } from '../codec.js'
import { publicKeyFromDid } from '../did.js'
import { ed25519Backend } from '../ed25519.js'

const DOMAIN = utf8('townhall/presence/v1\n')

/** What a presence signature covers. `state: null` marks a signed goodbye where an adapter sends one. */
export interface PresenceClaim {
  readonly did: string
  readonly state: Record<string, unknown> | null
  readonly ts: number
}

/**
 * The signed bytes. `sender` is the transport's id for the client (a Yjs awareness client id, an
 * automerge-repo peer id); it binds the entry to the connection that published it.
 */
export const presenceMessage = (space: string, sender: number | string, claim: PresenceClaim): Uint8Array =>
  concatBytes(DOMAIN, encode({ s: space, c: sender, d: claim.did, st: claim.state, t: claim.ts }))

/**
 * Verifies a presence signature. Anything malformed (a did that is not a did:key, bad signature
 * bytes, a state dag-cbor refuses) returns false, never throws.
 */
export async function verifyPresence(
  space: string,
  sender: number | string,
  claim: PresenceClaim,
  signature: () => Uint8Array,
): Promise<boolean> {
  try {
    const key = publicKeyFromDid(claim.did)
    if (!key) return false
    return await (await ed25519Backend()).verify(key, signature(), presenceMessage(space, sender, claim))
  } catch {
    return false
  }
}
