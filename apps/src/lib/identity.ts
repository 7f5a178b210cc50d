/**
 * This device's identity (an Ed25519 key, did:key) and the local profile (display name, avatar).
 * The identity is created on first visit and kept in the app database in `exportIdentity` form;
 * it can be exported (copy or download) and imported (paste or file) to use the same key on
 * another device. The profile is kept locally and published with `space.setProfile` to each
 * space this identity may post in.
 */
import {
  createIdentity,
  exportIdentity,
  importIdentity,
  InvalidIdentityError,
  type Identity,
  type Profile,
  type Space,
  unsafeCharacter,
} from '../../../core/index.js'
import type { KeyValueStore } from './storage.js'

const IDENTITY_KEY = 'identity'
const PROFILE_KEY = 'profile'

/** The stored identity, or a new one (stored before it is returned). */
export async function loadOrCreateIdentity(store: KeyValueStore): Promise<{ identity: Identity; created: boolean }> {
  const stored = await store.get<unknown>(IDENTITY_KEY)
  if (stored !== undefined) {
    try {
      return { identity: await importIdentity(stored), created: false }
    } catch (error) {
      // Never replace a key silently: the user may want to recover it from a backup first.
      throw new InvalidIdentityError(
        `The key stored in this browser cannot be read (${(error as Error).message}). Import a backup in Settings, or clear this site's data to start with a new key.`,
      )
    }
  }
  const identity = await createIdentity()
  await store.set(IDENTITY_KEY, exportIdentity(identity))
  return { identity, created: true }
}

export async function saveIdentity(store: KeyValueStore, identity: Identity): Promise<void> {
  await store.set(IDENTITY_KEY, exportIdentity(identity))
}

/** The export as text (pretty JSON): what "Copy key" copies and "Download key" saves. Treat it as a password. */
export const identityExportText = (identity: Identity): string => `${JSON.stringify(exportIdentity(identity), null, 2)}\n`

export const identityFileName = (identity: Identity): string => `townhall-key-${identity.did.slice(-8)}.json`

/**
 * Parses pasted or uploaded export text. Throws core's InvalidIdentityError, whose message says
 * what is wrong, for anything that is not a complete, consistent export.
 */
export async function importIdentityText(text: string): Promise<Identity> {
  const trimmed = typeof text === 'string' ? text.trim() : ''
  if (trimmed === '') throw new InvalidIdentityError('Paste the exported key (the JSON text starting with {) or choose the key file.')
  return importIdentity(trimmed)
}

// ---- profile --------------------------------------------------------------------------------

export interface LocalProfile {
  readonly name: string
  /** An https:// image URL, or '' for none. */
  readonly avatar: string
}

export const EMPTY_PROFILE: LocalProfile = { name: '', avatar: '' }
export const MAX_NAME_LENGTH = 64

/** A reason the profile cannot be published, or undefined when it can (same rules as core's schema). */
export function checkProfile(profile: LocalProfile): string | undefined {
  const name = profile.name.trim()
  if (name.length === 0) return 'Enter a display name.'
  if (name.length > MAX_NAME_LENGTH) return `A display name has at most ${MAX_NAME_LENGTH} characters.`
  if (unsafeCharacter(name)) return nameLooksLikeOther('display name')
  const avatar = profile.avatar.trim()
  if (avatar !== '' && !/^https:\/\/[^\s]+$/.test(avatar)) return 'The avatar must be an https:// image address (or leave it empty).'
  if (avatar.length > 2048) return 'The avatar address is too long (at most 2048 characters).'
  return undefined
}

export const normalizeProfile = (profile: LocalProfile): LocalProfile => ({ name: profile.name.trim(), avatar: profile.avatar.trim() })

export async function loadProfile(store: KeyValueStore): Promise<LocalProfile> {
  const stored = await store.get<Partial<LocalProfile>>(PROFILE_KEY)
  return {
    name: typeof stored?.name === 'string' ? stored.name : '',
    avatar: typeof stored?.avatar === 'string' ? stored.avatar : '',
  }
}

export async function saveProfile(store: KeyValueStore, profile: LocalProfile): Promise<void> {
  await store.set(PROFILE_KEY, normalizeProfile(profile))
}

/** Whether the space shows something other than the local profile for this identity. */
export function profileDiffers(published: Profile | undefined, local: LocalProfile): boolean {
  const wanted = normalizeProfile(local)
  return published?.name !== wanted.name || (published?.avatar ?? '') !== wanted.avatar
}

/** May this identity publish a profile record in the space right now? (Open spaces: anyone; invite-only: any role.) */
export function canPublishProfile(space: Space): boolean {
  const info = space.getInfo()
  return info !== undefined && (info.policy === 'open' || space.getRole() !== null)
}

/** Publishes the local profile to the space when it is valid, allowed and not already there. Returns whether it did. */
export async function publishProfile(space: Space, local: LocalProfile): Promise<boolean> {
  if (checkProfile(local) !== undefined || !canPublishProfile(space)) return false
  if (!profileDiffers(space.getProfile(), local)) return false
  const { name, avatar } = normalizeProfile(local)
  await space.setProfile(avatar ? { name, avatar } : { name })
  return true
}

/** Short, readable stand-in for a did when no name is known: the last 6 characters. */
export const shortDid = (did: string): string => `…${did.slice(-6)}`

/**
 * The short key fingerprint shown beside names, so two people who chose the same name still look
 * different: the last 6 characters of the did (its public key), the same on every device.
 */
export const fingerprint = (did: string): string => did.slice(-6)

/** Why a name with bidi controls or invisible characters is refused (core refuses it too). */
export const nameLooksLikeOther = (what: string): string =>
  `This ${what} contains an invisible or text-direction character that would make it read as something else. Type it again without it.`
