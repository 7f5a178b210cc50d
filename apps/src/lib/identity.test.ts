/** The key: created once and kept, exported and imported, with clear errors for bad input. */
import { describe, expect, it } from 'vitest'
import { createIdentity, exportIdentity, InvalidIdentityError } from '../../../core/index.js'
import {
  checkProfile,
  identityExportText,
  importIdentityText,
  loadOrCreateIdentity,
  loadProfile,
  profileDiffers,
  saveIdentity,
  saveProfile,
} from './identity.js'
import { memoryKeyValueStore } from './storage.js'

describe('identity', () => {
  it('is created on first visit and the same one comes back later', async () => {
    const store = memoryKeyValueStore()
    const first = await loadOrCreateIdentity(store)
    const again = await loadOrCreateIdentity(store)
    expect(first.created).toBe(true)
    expect(again.created).toBe(false)
    expect(again.identity.did).toBe(first.identity.did)
  })

  it('round-trips through the export text', async () => {
    const identity = await createIdentity()
    const text = identityExportText(identity)
    expect(JSON.parse(text)).toEqual(exportIdentity(identity))
    expect((await importIdentityText(`\n  ${text}  `)).did).toBe(identity.did)
    const store = memoryKeyValueStore()
    await saveIdentity(store, identity)
    expect((await loadOrCreateIdentity(store)).identity.did).toBe(identity.did)
  })

  it('refuses malformed imports with InvalidIdentityError and a helpful message', async () => {
    const identity = await createIdentity()
    const exported = exportIdentity(identity)
    const other = exportIdentity(await createIdentity())
    const cases: Array<[string, RegExp]> = [
      ['', /Paste the exported key/],
      ['   ', /Paste the exported key/],
      ['{ "type": "townhall-identity"', /not JSON/],
      ['"just a string"', /object with type "townhall-identity"/],
      [JSON.stringify({ ...exported, type: 'something-else' }), /Not a townhall identity export/],
      [JSON.stringify({ ...exported, secretKey: undefined }), /lacks its "did" or "secretKey"/],
      [JSON.stringify({ ...exported, secretKey: '!!!' }), /not valid base64url/],
      [JSON.stringify({ ...exported, secretKey: exported.secretKey.slice(0, 20) }), /must be 32 bytes/],
      [JSON.stringify({ ...exported, did: other.did }), /corrupted/],
    ]
    for (const [text, message] of cases) {
      const error = await importIdentityText(text).catch((caught: unknown) => caught)
      expect(error, text).toBeInstanceOf(InvalidIdentityError)
      expect((error as Error).message, text).toMatch(message)
    }
  })

  it('never replaces an unreadable stored key silently', async () => {
    const store = memoryKeyValueStore()
    await store.set('identity', { type: 'townhall-identity', version: 1, did: 'did:key:zzz', secretKey: 'AAAA' })
    await expect(loadOrCreateIdentity(store)).rejects.toThrow(/cannot be read.*Import a backup/)
  })
})

describe('profile', () => {
  it('is kept locally and checked like core checks it', async () => {
    const store = memoryKeyValueStore()
    expect(await loadProfile(store)).toEqual({ name: '', avatar: '' })
    await saveProfile(store, { name: '  Ada ', avatar: ' https://example.org/a.png ' })
    expect(await loadProfile(store)).toEqual({ name: 'Ada', avatar: 'https://example.org/a.png' })
    expect(checkProfile({ name: '', avatar: '' })).toMatch(/display name/)
    expect(checkProfile({ name: 'x'.repeat(65), avatar: '' })).toMatch(/64/)
    expect(checkProfile({ name: 'Ada', avatar: 'http://example.org/a.png' })).toMatch(/https/)
    expect(checkProfile({ name: 'Ada', avatar: '' })).toBeUndefined()
  })

  it('differs from a published profile only when name or avatar changed', () => {
    const published = { did: 'did:key:z' as const, name: 'Ada', avatar: undefined, updatedAt: [0, 0] as never }
    expect(profileDiffers(published, { name: 'Ada', avatar: '' })).toBe(false)
    expect(profileDiffers(published, { name: 'Ada ', avatar: '' })).toBe(false)
    expect(profileDiffers(published, { name: 'Ada', avatar: 'https://example.org/a.png' })).toBe(true)
    expect(profileDiffers(undefined, { name: 'Ada', avatar: '' })).toBe(true)
  })
})
