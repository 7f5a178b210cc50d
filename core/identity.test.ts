import { describe, expect, it } from 'vitest'
import { fromBase64Url, toBase64Url, utf8 } from './bytes.js'
import { didFromPublicKey, publicKeyFromDid } from './did.js'
import { ed25519Backend, nobleBackend } from './ed25519.js'
import { InvalidIdentityError } from './errors.js'
import { createIdentity, exportIdentity, identityFromSecretKey, importIdentity, sameIdentity, type Identity } from './identity.js'

const hex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g)!.map((pair) => parseInt(pair, 16)))
const seed = (fill: number) => new Uint8Array(32).fill(fill)

async function signsVerifiably(identity: Identity, message = utf8('hello townhall')): Promise<boolean> {
  const signature = await identity.sign(message)
  const key = publicKeyFromDid(identity.did)!
  return (await nobleBackend.verify(key, signature, message)) && (await (await ed25519Backend()).verify(key, signature, message))
}

async function expectInvalidIdentity(run: () => Promise<unknown>, message?: RegExp): Promise<InvalidIdentityError> {
  let caught: unknown
  try {
    await run()
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(InvalidIdentityError)
  const error = caught as InvalidIdentityError
  expect(error.name).toBe('InvalidIdentityError')
  expect(error.code).toBe('INVALID_IDENTITY')
  if (message) expect(error.message).toMatch(message)
  return error
}

describe('identity', () => {
  it('creates an identity whose did is its public key and whose signatures verify', async () => {
    const identity = await createIdentity()
    expect(identity.did).toBe(didFromPublicKey(identity.publicKey))
    expect(await signsVerifiably(identity)).toBe(true)
    expect(Object.isFrozen(identity)).toBe(true)
  })

  it('creates a different identity each time', async () => {
    const [a, b] = await Promise.all([createIdentity(), createIdentity()])
    expect(a.did).not.toBe(b.did)
    expect(sameIdentity(a, b)).toBe(false)
  })

  it('export then import yields the same did, and the import signs verifiable messages', async () => {
    const original = await createIdentity()
    const exported = exportIdentity(original)
    expect(exported.type).toBe('townhall-identity')
    expect(exported.version).toBe(1)
    expect(exported.did).toBe(original.did)
    expect(fromBase64Url(exported.secretKey).length).toBe(32)

    const restored = await importIdentity(exported)
    expect(restored.did).toBe(original.did)
    expect(sameIdentity(restored, original)).toBe(true)
    expect(await signsVerifiably(restored)).toBe(true)
    // Ed25519 is deterministic: the same seed gives the same signature.
    const message = utf8('same key')
    expect(await restored.sign(message)).toEqual(await original.sign(message))
    // An imported identity can itself be exported again, identically.
    expect(exportIdentity(restored)).toEqual(exported)
  })

  it('imports from the JSON text of an export', async () => {
    const original = await identityFromSecretKey(seed(4))
    const restored = await importIdentity(JSON.stringify(exportIdentity(original)))
    expect(restored.did).toBe(original.did)
    expect(await signsVerifiably(restored)).toBe(true)
  })

  it('identityFromSecretKey is deterministic and matches RFC 8032 test 1', async () => {
    const secret = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60')
    const a = await identityFromSecretKey(secret)
    const b = await identityFromSecretKey(secret)
    expect(a.did).toBe(b.did)
    expect(a.publicKey).toEqual(hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'))
    expect(a.did).toBe('did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw')
    expect(await a.sign(new Uint8Array(0))).toEqual(
      hex(
        'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
      ),
    )
    expect((await identityFromSecretKey(seed(1))).did).not.toBe((await identityFromSecretKey(seed(2))).did)
  })

  it('copies the seed: mutating the caller buffer afterwards changes nothing', async () => {
    const buffer = seed(5)
    const identity = await identityFromSecretKey(buffer)
    const before = exportIdentity(identity)
    buffer.fill(6)
    expect(exportIdentity(identity)).toEqual(before)
    expect(await signsVerifiably(identity)).toBe(true)
  })

  it('identityFromSecretKey refuses seeds that are not 32 bytes with InvalidIdentityError', async () => {
    for (const bad of [new Uint8Array(31), new Uint8Array(33), new Uint8Array(0), 'seed', null, Array(32).fill(0)]) {
      await expectInvalidIdentity(async () => identityFromSecretKey(bad as Uint8Array), /32 bytes/)
    }
  })

  it('exportIdentity refuses identities it did not create', async () => {
    const real = await identityFromSecretKey(seed(7))
    const lookalike: Identity = { did: real.did, publicKey: real.publicKey, sign: real.sign }
    await expectInvalidIdentity(async () => exportIdentity(lookalike))
  })

  describe('importIdentity rejects with InvalidIdentityError', () => {
    const valid = async () => exportIdentity(await identityFromSecretKey(seed(8)))

    it('text that is not JSON', async () => {
      const error = await expectInvalidIdentity(() => importIdentity('{"type": "townhall-identity",'), /not JSON/)
      expect(error.cause).toBeInstanceOf(SyntaxError)
      await expectInvalidIdentity(() => importIdentity(''), /not JSON/)
    })

    it('values that are not objects, including JSON text of a non-object', async () => {
      for (const value of [null, undefined, 42, true, 'null', '"text"', '42']) {
        await expectInvalidIdentity(() => importIdentity(value))
      }
    })

    it('the wrong type or version', async () => {
      const base = await valid()
      for (const value of [
        { ...base, type: 'other-identity' },
        { ...base, type: undefined },
        { ...base, version: 2 },
        { ...base, version: '1' },
        { did: base.did, secretKey: base.secretKey },
      ]) {
        await expectInvalidIdentity(() => importIdentity(value), /townhall identity export/)
      }
    })

    it('a missing or non-string did or secretKey', async () => {
      const base = await valid()
      const { did: _did, ...noDid } = base
      const { secretKey: _secret, ...noSecret } = base
      for (const value of [noDid, noSecret, { ...base, secretKey: 42 }, { ...base, did: null }]) {
        await expectInvalidIdentity(() => importIdentity(value), /lacks its "did" or "secretKey"/)
      }
    })

    it('a secretKey that is not base64url', async () => {
      const base = await valid()
      for (const secretKey of ['not base64!', 'ab+/', `${base.secretKey.slice(0, -1)}*`]) {
        const error = await expectInvalidIdentity(() => importIdentity({ ...base, secretKey }), /base64url/)
        expect(error.cause).toBeInstanceOf(Error)
      }
    })

    it('a secretKey of the wrong length', async () => {
      const base = await valid()
      for (const length of [0, 16, 31, 33, 64]) {
        await expectInvalidIdentity(
          () => importIdentity({ ...base, secretKey: toBase64Url(new Uint8Array(length).fill(1)) }),
          new RegExp(`32 bytes, got ${length}`),
        )
      }
    })

    it('a did that does not belong to the secret key', async () => {
      const base = await valid()
      const other = await identityFromSecretKey(seed(9))
      const error = await expectInvalidIdentity(() => importIdentity({ ...base, did: other.did }), /belongs to/)
      expect(error.message).toContain(base.did)
      await expectInvalidIdentity(() => importIdentity({ ...base, did: 'did:key:zgarbage' }), /belongs to/)
    })
  })
})
