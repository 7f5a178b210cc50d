/**
 * Presence sealed for a private space's holders: who is online and the state they show (a display
 * name) would otherwise reach the sync server, the relay and anyone subscribed to the space's
 * presence topic in plain form. Adapters whose presence crosses a server (automerge-repo ephemeral
 * messages, libp2p pubsub) seal each entry under a key derived from the share link's secret, with
 * its own label, so it is independent of the epoch keys and of the transport keys. Whoever holds
 * the link sees presence, as they see epoch 0; servers and outsiders see only that a peer sent
 * something of some size. (Yjs awareness already travels inside the room encrypted with the room
 * password derived from the same secret.)
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, randomBytes, utf8 } from '../bytes.js'

const NONCE_BYTES = 24

export interface PresenceSeal {
  seal(entry: Uint8Array): Uint8Array
  /** The entry, or undefined when it was not sealed under this space's presence key. */
  open(sealed: Uint8Array): Uint8Array | undefined
}

/** The presence seal of a space whose share link carries `secret`; undefined without one (public spaces keep plain presence). */
export function presenceSeal(spaceId: string, secret: Uint8Array | undefined): PresenceSeal | undefined {
  if (!secret) return undefined
  const key = hkdf(sha256, secret, utf8('townhall/presence-key'), utf8(spaceId), 32)
  const aad = utf8(`townhall/presence/sealed/v1\n${spaceId}`)
  return {
    seal(entry) {
      const nonce = randomBytes(NONCE_BYTES)
      return concatBytes(nonce, xchacha20poly1305(key, nonce, aad).encrypt(entry))
    },
    open(sealed) {
      if (sealed.length < NONCE_BYTES + 16) return undefined
      try {
        return xchacha20poly1305(key, sealed.subarray(0, NONCE_BYTES), aad).decrypt(sealed.subarray(NONCE_BYTES))
      } catch {
        return undefined
      }
    },
  }
}
