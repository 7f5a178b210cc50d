/**
 * The spaces this device has joined, and the steps to create, join and open one.
 *
 * The registry is a small list in the app database: each entry keeps the space id, its last known
 * name and policy, the stored share link (space id + space secret, which keys the transport), and
 * while joining is not finished, the invite link to redeem or a flag to `join()` an open space.
 * Those pending steps survive a reload: they finish whenever the space is next open and a peer
 * that holds the space is online.
 */
import {
  InvalidArgumentError,
  parseShareLink,
  Space,
  type BallotSecretStore,
  type Identity,
  type ReplicaFactory,
  unsafeCharacter,
} from '../../../core/index.js'
import { nameLooksLikeOther } from './identity.js'
import { parseAppLink, storedLink } from './links.js'
import type { KeyValueStore } from './storage.js'

export type Policy = 'open' | 'invite-only'

export interface SpaceEntry {
  readonly id: string
  /** Last known name ('' until the genesis record has arrived). */
  readonly name: string
  readonly policy?: Policy
  /** `townhall:#space=…&secret=…`: what reopening the space needs. Never includes an invite. */
  readonly link: string
  /** An invite link not redeemed yet. Cleared once redeemed. */
  readonly invite?: string
  /** Joined from a plain link: `join()` once the genesis arrives (open spaces only). */
  readonly joinPending?: boolean
  /**
   * Added from a link and not confirmed: the space is opened to show what it is (name,
   * description, members, policy) and nothing is published in it (no join, no profile, no
   * presence) until the person chooses Join.
   */
  readonly preview?: boolean
  readonly addedAt: number
  readonly openedAt: number
}

const SPACES_KEY = 'spaces'
const LAST_KEY = 'last-space'

export interface SpaceRegistry {
  /** Most recently opened first. */
  list(): readonly SpaceEntry[]
  get(id: string): SpaceEntry | undefined
  put(entry: SpaceEntry): Promise<void>
  update(id: string, patch: Partial<Omit<SpaceEntry, 'id'>>): Promise<SpaceEntry | undefined>
  remove(id: string): Promise<void>
  /** The space opened last, to reopen on the next visit. */
  last(): string | undefined
  setLast(id: string | undefined): Promise<void>
}

const isEntry = (value: unknown): value is SpaceEntry =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as SpaceEntry).id === 'string' &&
  typeof (value as SpaceEntry).link === 'string' &&
  typeof (value as SpaceEntry).name === 'string'

export async function loadSpaceRegistry(store: KeyValueStore): Promise<SpaceRegistry> {
  const stored = await store.get<unknown>(SPACES_KEY)
  let entries: SpaceEntry[] = Array.isArray(stored) ? stored.filter(isEntry) : []
  let last = await store.get<string>(LAST_KEY)
  const save = () => store.set(SPACES_KEY, entries)
  const setLast = async (id: string | undefined) => {
    last = id
    if (id === undefined) await store.delete(LAST_KEY)
    else await store.set(LAST_KEY, id)
  }
  const sorted = () => [...entries].sort((a, b) => b.openedAt - a.openedAt)
  return {
    list: sorted,
    get: (id) => entries.find((entry) => entry.id === id),
    async put(entry) {
      entries = [...entries.filter((other) => other.id !== entry.id), entry]
      await save()
    },
    async update(id, patch) {
      const current = entries.find((entry) => entry.id === id)
      if (!current) return undefined
      const next: SpaceEntry = { ...current, ...patch, id }
      // `undefined` in a patch removes the field (an invite that was redeemed, a join that was done).
      for (const key of Object.keys(next) as Array<keyof SpaceEntry>) if (next[key] === undefined) delete (next as Partial<SpaceEntry>)[key]
      entries = entries.map((entry) => (entry.id === id ? next : entry))
      await save()
      return next
    },
    async remove(id) {
      entries = entries.filter((entry) => entry.id !== id)
      await save()
      if (last === id) await setLast(undefined)
    },
    last: () => (last !== undefined && entries.some((entry) => entry.id === last) ? last : undefined),
    setLast,
  }
}

// ---- creating, joining, opening ------------------------------------------------------------------

/** What a space needs from the app: who signs, which transport, where ballot salts go. */
export interface SpaceServices {
  readonly identity: Identity
  readonly replica: ReplicaFactory
  readonly secrets: BallotSecretStore
}

export interface NewSpaceForm {
  readonly name: string
  readonly description: string
  readonly policy: Policy
  /** Private (the default): only members read it; public: anyone who learns its id reads everything. */
  readonly visibility?: 'private' | 'public'
}

/** A reason the form cannot be submitted, or undefined (same limits as core's genesis schema). */
export function checkNewSpace(form: NewSpaceForm): string | undefined {
  const name = form.name.trim()
  if (name.length === 0) return 'Give the space a name.'
  if (name.length > 100) return 'A space name has at most 100 characters.'
  if (unsafeCharacter(name)) return nameLooksLikeOther('space name')
  if (form.description.trim().length > 1000) return 'A description has at most 1000 characters.'
  if (form.policy !== 'open' && form.policy !== 'invite-only') return 'Choose who may join: open or invite-only.'
  return undefined
}

export async function createNewSpace(
  services: SpaceServices,
  registry: SpaceRegistry,
  form: NewSpaceForm,
  now = Date.now(),
): Promise<Space> {
  const problem = checkNewSpace(form)
  if (problem) throw new InvalidArgumentError(problem)
  const name = form.name.trim()
  const space = await Space.create({
    identity: services.identity,
    name,
    description: form.description.trim(),
    policy: form.policy,
    visibility: form.visibility ?? 'private',
    replica: services.replica,
    secrets: services.secrets,
  })
  await registry.put({
    id: space.id,
    name,
    policy: form.policy,
    link: storedLink({ space: space.id, ...(space.secret ? { secret: space.secret } : {}) }),
    addedAt: now,
    openedAt: now,
  })
  return space
}

/**
 * Adds (or updates) the registry entry for a pasted share link, without opening the space. An
 * invite link is kept until it is redeemed; a plain link marks an open-space join as pending. A
 * space not on this device yet starts as a preview (see `SpaceEntry.preview`).
 */
export async function addSpaceFromLink(registry: SpaceRegistry, text: string, now = Date.now()): Promise<SpaceEntry> {
  const link = parseAppLink(text)
  const existing = registry.get(link.space)
  const secret = link.secret ?? (existing ? parseShareLink(existing.link).secret : undefined)
  const entry: SpaceEntry = {
    id: link.space,
    name: existing?.name ?? '',
    ...(existing?.policy ? { policy: existing.policy } : {}),
    link: storedLink({ space: link.space, ...(secret ? { secret } : {}) }),
    ...(link.invite ? { invite: storedLink(link) } : existing?.invite ? { invite: existing.invite } : {}),
    ...(link.invite ? {} : { joinPending: true }),
    ...(!existing || existing.preview ? { preview: true } : {}),
    addedAt: existing?.addedAt ?? now,
    openedAt: now,
  }
  await registry.put(entry)
  return entry
}

/** Opens a known space: what IndexedDB holds shows at once, peers add the rest as they connect. */
export function openSpaceEntry(services: SpaceServices, entry: SpaceEntry): Promise<Space> {
  const { secret } = parseShareLink(entry.link)
  return Space.open({
    id: entry.id,
    identity: services.identity,
    replica: services.replica,
    ...(secret ? { secret } : {}),
    secrets: services.secrets,
  })
}

export type MembershipStep = 'waiting-for-space' | 'redeeming-invite' | 'joining' | 'done' | 'invite-needed'

/**
 * Finishes joining: waits for the genesis (it must be known to sign anything), then redeems the
 * pending invite (which waits for the invite record) or joins an open space. Resolves with the
 * last step: 'done', or 'invite-needed' for an invite-only space reached without an invite.
 * Rejects with core's errors (an invite used up: NotAuthorizedError) or the abort reason.
 */
export async function completeMembership(
  space: Space,
  entry: SpaceEntry,
  options: { signal?: AbortSignal; onStep?: (step: MembershipStep) => void } = {},
): Promise<MembershipStep> {
  const step = (value: MembershipStep) => {
    options.onStep?.(value)
    return value
  }
  if (!entry.invite && !entry.joinPending) return step('done')
  step('waiting-for-space')
  await space.whenRecord(space.id, options.signal)
  if (entry.invite) {
    const { invite } = parseShareLink(entry.invite)
    if (invite) {
      step('redeeming-invite')
      await space.redeemInvite(invite, options.signal ? { signal: options.signal } : {})
    }
    return step('done')
  }
  if (space.getInfo()?.policy !== 'open') return space.getRole() === null ? step('invite-needed') : step('done')
  if (space.getRole() === null) {
    step('joining')
    await space.join()
  }
  return step('done')
}
