/**
 * Epoch keys sealed to one member: HPKE (RFC 9180, base mode) with DHKEM(X25519, HKDF-SHA256),
 * HKDF-SHA256 and ChaCha20-Poly1305, from the maintained @hpke packages. A member's X25519 key is
 * the RFC 7748 form of the Ed25519 key in their did:key, so sealing needs nothing but the did the
 * space already knows, and no member publishes a second key.
 *
 * The associated data names the space, the epoch and the recipient, so a box cannot be replayed
 * into another space, another epoch, or relabelled for someone else.
 */
import { CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core'
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305'
import { DhkemX25519HkdfSha256 as PortableDhkemX25519 } from '@hpke/dhkem-x25519'
import { ed25519 } from '@noble/curves/ed25519.js'
import { concatBytes, utf8 } from '../bytes.js'
import { publicKeyFromDid } from '../did.js'
import { keyAgreementSecret, type Identity } from '../identity.js'
import { KEY_BOX_BYTES } from './frame.js'

let suite: Promise<CipherSuite> | undefined

/** WebCrypto's X25519 where the runtime has it (Node, current browsers), else @noble/curves through @hpke/dhkem-x25519. */
function cipherSuite(): Promise<CipherSuite> {
  suite ??= (async () => {
    const kdf = new HkdfSha256()
    const aead = new Chacha20Poly1305()
    const native = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf, aead })
    try {
      await native.kem.importKey('raw', new Uint8Array(32).fill(9).buffer, true)
      return native
    } catch {
      return new CipherSuite({ kem: new PortableDhkemX25519(), kdf, aead })
    }
  })()
  return suite
}

const boxContext = (space: string, epoch: number, recipient: string) => utf8(`townhall/epoch-key/v1\n${space}\n${epoch}\n${recipient}`)

/** Seals `key` to the member whose did is `recipient`; undefined when the did is not an Ed25519 did:key. */
export async function sealKeyTo(
  recipient: string,
  key: Uint8Array,
  where: { space: string; epoch: number },
): Promise<Uint8Array | undefined> {
  const edwards = publicKeyFromDid(recipient)
  if (!edwards) return undefined
  const hpke = await cipherSuite()
  const recipientPublicKey = await hpke.kem.importKey('raw', ownBuffer(ed25519.utils.toMontgomery(edwards)), true)
  const { enc, ct } = await hpke.seal({ recipientPublicKey }, key, boxContext(where.space, where.epoch, recipient))
  return concatBytes(new Uint8Array(enc), new Uint8Array(ct))
}

/**
 * Opens a box sealed to `identity`. Undefined when it was sealed to someone else, tampered with,
 * or the identity was not made by townhall (its secret is not reachable here).
 */
export async function openKeyBox(
  identity: Identity,
  box: Uint8Array,
  where: { space: string; epoch: number },
): Promise<Uint8Array | undefined> {
  const secret = keyAgreementSecret(identity)
  if (!secret || box.length !== KEY_BOX_BYTES) return undefined
  const hpke = await cipherSuite()
  try {
    const recipientKey = await hpke.kem.importKey('raw', ownBuffer(secret), false)
    const opened = await hpke.open(
      { recipientKey, enc: box.slice(0, 32) },
      box.slice(32),
      boxContext(where.space, where.epoch, identity.did),
    )
    const key = new Uint8Array(opened)
    return key.length === 32 ? key : undefined
  } catch {
    return undefined
  }
}

const ownBuffer = (bytes: Uint8Array): ArrayBuffer => bytes.slice().buffer
