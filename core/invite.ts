/**
 * Invites and share links. An invite is a throwaway Ed25519 key pair: its public key goes into a
 * signed invite record, its secret into the share link. Redeeming means signing the newcomer's did
 * with that secret, which proves the newcomer was handed the link without revealing it to peers.
 */
import type { CID } from 'multiformats/cid'
import { concatBytes, fromBase64Url, randomBytes, toBase64Url, utf8 } from './bytes.js'
import { encode } from './codec.js'
import { didFromPublicKey, type Did } from './did.js'
import { ed25519Backend } from './ed25519.js'
import { InvalidShareLinkError } from './errors.js'
import { isSpaceId } from './space-id.js'

const PROOF_DOMAIN = utf8('townhall/invite-proof/v1\n')

export function inviteProofMessage(space: CID, invite: CID, member: Did): Uint8Array {
  return concatBytes(PROOF_DOMAIN, encode({ s: space, i: invite, m: member }))
}

export async function inviteKeyPair(): Promise<{ seed: Uint8Array; did: Did }> {
  const seed = randomBytes(32)
  const backend = await ed25519Backend()
  return { seed, did: didFromPublicKey(await backend.publicKey(seed)) }
}

export async function signInviteProof(seed: Uint8Array, space: CID, invite: CID, member: Did): Promise<{ key: Did; proof: Uint8Array }> {
  const backend = await ed25519Backend()
  const key = didFromPublicKey(await backend.publicKey(seed))
  return { key, proof: await backend.sign(seed, inviteProofMessage(space, invite, member)) }
}

export interface ShareLink {
  /** The space id (CID of its genesis record). */
  readonly space: string
  /** The invite record's id and the invite secret, for invite-only spaces. */
  readonly invite?: { readonly id: string; readonly secret: Uint8Array }
  /** The space secret that adapters use for transport encryption. */
  readonly secret?: Uint8Array
}

/**
 * Formats a share link. Everything sensitive goes after `#`, which browsers never send to a server,
 * so the page that opens the link learns nothing it could log.
 */
export function formatShareLink(link: ShareLink, base = 'townhall:'): string {
  const params = new URLSearchParams({ space: link.space })
  if (link.invite) {
    params.set('invite', link.invite.id)
    params.set('key', toBase64Url(link.invite.secret))
  }
  if (link.secret) params.set('secret', toBase64Url(link.secret))
  return `${base}#${params.toString()}`
}

export function parseShareLink(text: string): ShareLink {
  const hash = typeof text === 'string' ? text.indexOf('#') : -1
  if (hash < 0) throw new InvalidShareLinkError('A share link carries its data after "#"; copy the whole link.')
  const params = new URLSearchParams(text.slice(hash + 1))
  const space = params.get('space')
  if (!space || !isSpaceId(space)) throw new InvalidShareLinkError('The share link has no valid space id; ask for a new link.')
  const decode = (name: string, length: number): Uint8Array | undefined => {
    const value = params.get(name)
    if (value === null) return undefined
    let bytes: Uint8Array
    try {
      bytes = fromBase64Url(value)
    } catch {
      throw new InvalidShareLinkError(`The share link's "${name}" is not base64url; the link was cut or altered.`)
    }
    if (bytes.length !== length)
      throw new InvalidShareLinkError(`The share link's "${name}" has the wrong length; the link was cut or altered.`)
    return bytes
  }
  const inviteId = params.get('invite')
  const key = decode('key', 32)
  if ((inviteId === null) !== (key === undefined) || (inviteId !== null && !isSpaceId(inviteId))) {
    throw new InvalidShareLinkError('The share link has an incomplete invite; ask for a new invite link.')
  }
  const secret = decode('secret', 32)
  return {
    space,
    ...(inviteId !== null && key ? { invite: { id: inviteId, secret: key } } : {}),
    ...(secret ? { secret } : {}),
  }
}
