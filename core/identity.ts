/**
 * Identities: an Ed25519 key pair whose public id is a did:key. The secret seed never leaves
 * this object except through `exportIdentity`, whose output the app must store like a password.
 */
import { fromBase64Url, randomBytes, toBase64Url, equalBytes } from './bytes.js'
import { didFromPublicKey, type Did } from './did.js'
import { ed25519Backend } from './ed25519.js'
import { InvalidIdentityError } from './errors.js'
import { ed25519 } from '@noble/curves/ed25519.js'

export interface Identity {
  readonly did: Did
  readonly publicKey: Uint8Array
  sign(message: Uint8Array): Promise<Uint8Array>
}

/** The portable form of an identity. Treat it as a secret. */
export interface ExportedIdentity {
  readonly type: 'townhall-identity'
  readonly version: 1
  readonly did: Did
  /** base64url of the 32-byte Ed25519 seed */
  readonly secretKey: string
}

const seeds = new WeakMap<Identity, Uint8Array>()

async function identityFromSeed(seed: Uint8Array): Promise<Identity> {
  const backend = await ed25519Backend()
  const privateSeed = new Uint8Array(seed)
  const publicKey = await backend.publicKey(privateSeed)
  const identity: Identity = Object.freeze({
    did: didFromPublicKey(publicKey),
    publicKey,
    sign: (message: Uint8Array) => backend.sign(privateSeed, message),
  })
  seeds.set(identity, privateSeed)
  return identity
}

export const createIdentity = (): Promise<Identity> => identityFromSeed(randomBytes(32))

/** Deterministic identity from a 32-byte seed: for tests and key derivation, never from a password. */
export async function identityFromSecretKey(seed: Uint8Array): Promise<Identity> {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new InvalidIdentityError('An Ed25519 secret key is 32 bytes; pass the exact seed bytes.')
  }
  return identityFromSeed(seed)
}

/**
 * The X25519 secret of an identity created or imported here (RFC 7748 form of its Ed25519 seed),
 * with which it opens epoch keys sealed to its did (core/private/key-box.ts); undefined for
 * identities made elsewhere. Internal to core: never exported from the package.
 */
export function keyAgreementSecret(identity: Identity): Uint8Array | undefined {
  const seed = seeds.get(identity)
  if (!seed) return undefined
  let secret = agreementSecrets.get(identity)
  if (!secret) agreementSecrets.set(identity, (secret = ed25519.utils.toMontgomerySecret(seed)))
  return secret
}
const agreementSecrets = new WeakMap<Identity, Uint8Array>()

export function exportIdentity(identity: Identity): ExportedIdentity {
  const seed = seeds.get(identity)
  if (!seed) throw new InvalidIdentityError('Only identities created or imported by townhall can be exported.')
  return { type: 'townhall-identity', version: 1, did: identity.did, secretKey: toBase64Url(seed) }
}

/**
 * Imports an identity from `exportIdentity`'s object or its JSON text. The did is re-derived from
 * the key and must match, which catches truncated or mixed-up exports before they are used to sign.
 */
export async function importIdentity(exported: unknown): Promise<Identity> {
  let value = exported
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value)
    } catch (cause) {
      throw new InvalidIdentityError('The identity text is not JSON; paste the whole exported identity.', { cause })
    }
  }
  if (typeof value !== 'object' || value === null) {
    throw new InvalidIdentityError('An exported identity is an object with type "townhall-identity".')
  }
  const record = value as Record<string, unknown>
  if (record.type !== 'townhall-identity' || record.version !== 1) {
    throw new InvalidIdentityError('Not a townhall identity export (expected type "townhall-identity", version 1).')
  }
  if (typeof record.secretKey !== 'string' || typeof record.did !== 'string') {
    throw new InvalidIdentityError('The identity export lacks its "did" or "secretKey" field.')
  }
  let seed: Uint8Array
  try {
    seed = fromBase64Url(record.secretKey)
  } catch (cause) {
    throw new InvalidIdentityError('The secret key is not valid base64url.', { cause })
  }
  if (seed.length !== 32) throw new InvalidIdentityError(`The secret key must be 32 bytes, got ${seed.length}.`)
  const identity = await identityFromSeed(seed)
  if (identity.did !== record.did) {
    throw new InvalidIdentityError(`The secret key belongs to ${identity.did}, not to ${record.did}; the export is corrupted.`)
  }
  return identity
}

export function sameIdentity(a: Identity, b: Identity): boolean {
  return equalBytes(a.publicKey, b.publicKey)
}
