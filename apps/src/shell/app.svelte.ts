/**
 * The app controller: everything the shell shows that is not a space view, as runes state, and
 * the actions that change it. One space is open at a time (y-webrtc allows one provider per room
 * per page); opening another closes the current one first. Views of the open space come from
 * `reactiveSpace` (townhall/svelte) in `session.live`.
 */
import type { Identity, Space } from '../../../core/index.js'
import { NotAuthorizedError } from '../../../core/index.js'
import { reactiveSpace, type ReactiveSpace } from '../../../adapters/svelte/index.js'
import {
  DEFAULT_ADAPTER,
  adapterOverride,
  forgetEverywhere,
  isAdapterName,
  replicaFor,
  setReplicaEnvironment,
  type AdapterName,
} from '../lib/adapter.js'
import { defaultConfig, loadConfig, type AppConfig } from '../lib/config.js'
import { describeError } from '../lib/errors.js'
import {
  EMPTY_PROFILE,
  checkProfile,
  identityExportText,
  importIdentityText,
  loadOrCreateIdentity,
  loadProfile,
  normalizeProfile,
  publishProfile,
  saveIdentity,
  saveProfile,
  type LocalProfile,
} from '../lib/identity.js'
import { parseRoute, spaceRoute, type Route } from '../lib/routes.js'
import { keyValueSecretStore } from '../lib/secrets.js'
import {
  addSpaceFromLink,
  completeMembership,
  createNewSpace,
  loadSpaceRegistry,
  openSpaceEntry,
  type MembershipStep,
  type NewSpaceForm,
  type SpaceEntry,
  type SpaceRegistry,
  type SpaceServices,
} from '../lib/spaces.js'
import { openAppStorage, type AppStorage } from '../lib/storage.js'
import { keyValueSeenStore } from '../lib/unread.js'
import { UnreadMarks } from './unread.svelte.js'

export interface Session {
  readonly id: string
  readonly space: Space
  readonly live: ReactiveSpace
  readonly abort: AbortController
  readonly stop: () => void
  /** The adapter the space was opened with. */
  readonly adapter: AdapterName
}

export interface Notice {
  readonly id: number
  readonly text: string
}

const ADAPTER_KEY = 'adapter'

export class TownhallApp {
  ready = $state(false)
  /** Startup failed (no IndexedDB, unreadable key): shown instead of the app. */
  fatal = $state<string | undefined>()
  config = $state.raw<AppConfig>(defaultConfig())
  identity = $state.raw<Identity | undefined>()
  profile = $state.raw<LocalProfile>(EMPTY_PROFILE)
  /** The adapter in use: `?adapter=` in the address for this visit, else the saved setting. */
  adapter = $state<AdapterName>(DEFAULT_ADAPTER)
  /** The saved setting (Settings). */
  savedAdapter = $state<AdapterName>(DEFAULT_ADAPTER)
  /** True while the address's `?adapter=` decides the adapter. */
  adapterFromAddress = $state(false)
  persistent = $state(true)
  spaces = $state.raw<readonly SpaceEntry[]>([])
  route = $state.raw<Route>({ name: 'home' })
  session = $state.raw<Session | undefined>()
  /** Id of the space being opened, for a "Opening…" state. */
  opening = $state<string | undefined>()
  openError = $state<string | undefined>()
  membershipStep = $state<MembershipStep | undefined>()
  membershipError = $state<string | undefined>()
  /**
   * True once a join has waited `config.joinTimeoutMs` for the space's first record without it
   * arriving: the link may be wrong or altered, or nobody who holds the space is online. The
   * space view then says so and offers to keep waiting or cancel.
   */
  joinStalled = $state(false)
  online = $state(typeof navigator === 'undefined' ? true : navigator.onLine)
  /** Short confirmations ("Link copied"), announced politely and cleared after a few seconds. */
  notices = $state.raw<readonly Notice[]>([])

  /** What this device has seen of each space: unread markers and mention counts. */
  readonly unread = new UnreadMarks(() => (this.storage ? keyValueSeenStore(this.storage.settings) : undefined))

  private storage: AppStorage | undefined
  private registry: SpaceRegistry | undefined
  private openSeq = 0
  private queue: Promise<void> = Promise.resolve()
  private noticeSeq = 0
  private joinTimer: ReturnType<typeof setTimeout> | undefined

  /** Loads config, storage, identity, profile and the space list, then follows the address. */
  async start(): Promise<void> {
    try {
      const [loaded, storage] = await Promise.all([loadConfig(), openAppStorage()])
      const override = adapterOverride(location.search)
      const config = override.warning ? { ...loaded, warnings: [...loaded.warnings, override.warning] } : loaded
      this.config = config
      this.storage = storage
      this.persistent = storage.persistent
      const stored = await storage.settings.get<unknown>(ADAPTER_KEY)
      this.savedAdapter = isAdapterName(stored) ? stored : DEFAULT_ADAPTER
      this.adapter = override.adapter ?? this.savedAdapter
      this.adapterFromAddress = override.adapter !== undefined
      setReplicaEnvironment({ config, adapter: this.adapter })
      this.identity = (await loadOrCreateIdentity(storage.settings)).identity
      this.profile = await loadProfile(storage.settings)
      this.registry = await loadSpaceRegistry(storage.settings)
      this.refreshSpaces()
      // Ask the browser not to evict the records and the key under storage pressure (best effort).
      void navigator.storage?.persist?.().catch(() => false)
    } catch (error) {
      this.fatal = describeError(error)
      return
    }
    window.addEventListener('hashchange', () => this.followAddress())
    window.addEventListener('online', () => (this.online = true))
    window.addEventListener('offline', () => (this.online = false))
    // Best effort: close the replica (signaling socket, peer connections) when the page goes away,
    // and open it again if the browser brings the page back from its back/forward cache.
    window.addEventListener('pagehide', () => void this.session?.space.close())
    window.addEventListener('pageshow', (event) => {
      if (event.persisted && this.route.name === 'space') this.open(this.route.id, true)
    })
    const last = this.registry.last()
    if ((location.hash === '' || location.hash === '#') && last) history.replaceState(null, '', spaceRoute(last))
    this.ready = true
    this.followAddress()
  }

  // ---- navigation -----------------------------------------------------------------------------

  /** Navigates to a route. `replace` drops the current entry from history (a share link with secrets in it). */
  go(hash: string, options: { replace?: boolean } = {}): void {
    if (location.hash === hash) this.followAddress()
    else if (options.replace) {
      history.replaceState(null, '', hash)
      this.followAddress()
    } else location.hash = hash
  }

  private followAddress(): void {
    const route = parseRoute(location.hash)
    this.route = route
    if (route.name === 'space') this.open(route.id)
  }

  // ---- spaces ---------------------------------------------------------------------------------

  private services(): SpaceServices {
    const identity = this.identity
    const storage = this.storage
    if (!identity || !storage) throw new Error('The app has not started yet.')
    return {
      identity,
      replica: (spaceId, context) => replicaFor(spaceId, context, identity),
      secrets: keyValueSecretStore(storage.ballots),
    }
  }

  private requireRegistry(): SpaceRegistry {
    if (!this.registry) throw new Error('The app has not started yet.')
    return this.registry
  }

  private refreshSpaces(): void {
    this.spaces = this.registry?.list() ?? []
  }

  entry(id: string): SpaceEntry | undefined {
    return this.spaces.find((entry) => entry.id === id)
  }

  /** Opens a space (closing the current one), unless it is already open. Serialized: the last request wins. */
  open(id: string, force = false): void {
    if (!force && (this.session?.id === id || this.opening === id)) return
    const seq = ++this.openSeq
    this.openError = undefined
    this.opening = id
    this.queue = this.queue.then(async () => {
      if (seq !== this.openSeq) return
      await this.closeSession()
      const entry = this.registry?.get(id)
      if (!entry) {
        this.opening = undefined
        this.openError = 'This space is not in your list on this device. Open its share link (or an invite) to join it.'
        return
      }
      try {
        const space = await openSpaceEntry(this.services(), entry)
        if (seq !== this.openSeq) {
          await space.close()
          return
        }
        await this.attach(space, entry)
      } catch (error) {
        if (seq === this.openSeq) this.openError = describeError(error)
      } finally {
        if (seq === this.openSeq) this.opening = undefined
      }
    })
  }

  /** Closes the open space (its replica disconnects). Its records stay on this device. */
  async closeSession(): Promise<void> {
    const session = this.session
    if (!session) return
    this.session = undefined
    this.membershipStep = undefined
    this.membershipError = undefined
    this.stopJoinTimer()
    session.abort.abort()
    session.stop()
    await session.space.close().catch((error: unknown) => console.error('townhall: closing the space failed', error))
  }

  /** Closes the open space and goes home. */
  async leaveView(): Promise<void> {
    this.openSeq++
    await this.closeSession()
    this.go('#/')
  }

  private async attach(space: Space, entry: SpaceEntry): Promise<void> {
    const registry = this.requireRegistry()
    const abort = new AbortController()
    let syncing = false
    // Keep the stored name and policy in step with the genesis, and publish the profile once allowed.
    const onChange = () => {
      const info = space.getInfo()
      const known = registry.get(space.id)
      if (info && known && (known.name !== info.name || known.policy !== info.policy)) {
        void registry.update(space.id, { name: info.name, policy: info.policy }).then(() => this.refreshSpaces())
      }
      // A preview publishes nothing: the profile waits until the person has chosen to join.
      if (!syncing && !abort.signal.aborted && !registry.get(space.id)?.preview) {
        syncing = true
        void publishProfile(space, this.profile)
          .catch(() => false)
          .finally(() => (syncing = false))
      }
    }
    const stop = space.subscribe(onChange)
    const session: Session = { id: space.id, space, live: reactiveSpace(space), abort, stop, adapter: this.adapter }
    this.session = session
    await registry.update(space.id, { openedAt: Date.now() })
    await registry.setLast(space.id)
    this.refreshSpaces()
    onChange()
    if (entry.preview) {
      // Until the genesis arrives the preview waits as a join does, with the same timeout.
      this.membershipStep = 'waiting-for-space'
      this.startJoinTimer(session)
      void space
        .whenRecord(space.id, abort.signal)
        .then(() => {
          if (this.session === session && this.registry?.get(space.id)?.preview) {
            this.stopJoinTimer()
            this.membershipStep = undefined
          }
        })
        .catch(() => undefined)
      return
    }
    void this.publishPresence()
    if (entry.invite || entry.joinPending) void this.finishJoining(session, entry)
  }

  /** The person saw the preview and chose Join: now the join (or invite) is published. */
  async confirmJoin(): Promise<void> {
    const session = this.session
    if (!session) return
    const entry = await this.requireRegistry().update(session.id, { preview: undefined })
    this.refreshSpaces()
    if (!entry || this.session !== session) return
    void this.publishPresence()
    void publishProfile(session.space, this.profile).catch(() => false)
    if (entry.invite || entry.joinPending) await this.finishJoining(session, entry)
  }

  /** The person saw the preview and chose Cancel: nothing was published; forget the link and its records. */
  async cancelPreview(): Promise<void> {
    const session = this.session
    if (!session) return
    await this.forgetSpace(session.id)
    this.go('#/')
    this.notify('Not joined. The link was removed from this device.')
  }

  private async finishJoining(session: Session, entry: SpaceEntry): Promise<void> {
    const registry = this.requireRegistry()
    const current = () => this.session === session
    try {
      const step = await completeMembership(session.space, entry, {
        signal: session.abort.signal,
        onStep: (value) => {
          if (!current()) return
          this.membershipStep = value
          if (value === 'waiting-for-space') this.startJoinTimer(session)
          else this.stopJoinTimer()
        },
      })
      await registry.update(session.id, { invite: undefined, joinPending: undefined })
      this.refreshSpaces()
      if (current()) this.membershipStep = step === 'done' ? undefined : step
      await publishProfile(session.space, this.profile).catch(() => false)
    } catch (error) {
      if (session.abort.signal.aborted || !current()) return
      this.stopJoinTimer()
      this.membershipStep = undefined
      this.membershipError = describeError(error)
      // An invite that was used up or refused will never work: forget it, so it is not retried forever.
      if (error instanceof NotAuthorizedError) await registry.update(session.id, { invite: undefined, joinPending: undefined })
      this.refreshSpaces()
    }
  }

  private startJoinTimer(session: Session): void {
    this.stopJoinTimer()
    this.joinTimer = setTimeout(() => {
      this.joinTimer = undefined
      if (this.session === session && !session.space.getInfo()) this.joinStalled = true
    }, this.config.joinTimeoutMs)
  }

  private stopJoinTimer(): void {
    clearTimeout(this.joinTimer)
    this.joinTimer = undefined
    this.joinStalled = false
  }

  /** After a join has stalled: wait another `joinTimeoutMs` before saying so again. */
  keepWaiting(): void {
    const session = this.session
    if (session && this.membershipStep === 'waiting-for-space') this.startJoinTimer(session)
  }

  /** Gives up a join whose space never arrived: forgets the link and its records on this device. */
  async cancelJoin(): Promise<void> {
    const session = this.session
    if (!session) return
    await this.forgetSpace(session.id)
    this.go('#/')
    this.notify('Joining cancelled. The link was removed from this device.')
  }

  private async publishPresence(): Promise<void> {
    const presence = this.session?.space.replica.presence
    const name = this.profile.name.trim()
    await presence?.set(name ? { name } : {}).catch((error: unknown) => console.warn('townhall: presence not published', error))
  }

  async createSpace(form: NewSpaceForm): Promise<Space> {
    const registry = this.requireRegistry()
    const seq = ++this.openSeq
    await this.queue
    await this.closeSession()
    const space = await createNewSpace(this.services(), registry, form)
    if (seq !== this.openSeq) {
      await space.close()
      this.refreshSpaces()
      return space
    }
    await this.attach(space, registry.get(space.id)!)
    this.go(spaceRoute(space.id))
    return space
  }

  /** Saves the space from a share link or invite link and opens it; joining finishes once a peer is online. */
  async joinFromLink(text: string): Promise<SpaceEntry> {
    const entry = await addSpaceFromLink(this.requireRegistry(), text)
    this.refreshSpaces()
    // Already open (an invite for a space being read): restart it so the invite is redeemed.
    this.open(entry.id, this.session?.id === entry.id)
    // Replace: the join address may hold the invite key, which has no business in the history.
    this.go(spaceRoute(entry.id), { replace: true })
    return entry
  }

  /** Forgets a space on this device: the list entry and its stored records. */
  async forgetSpace(id: string): Promise<void> {
    if (this.session?.id === id || this.opening === id) {
      this.openSeq++
      await this.queue
      await this.closeSession()
    }
    await this.requireRegistry().remove(id)
    await forgetEverywhere(id).catch((error: unknown) => console.warn('townhall: stored records not deleted', error))
    this.refreshSpaces()
  }

  // ---- profile, key, settings -------------------------------------------------------------------

  async saveProfile(profile: LocalProfile): Promise<void> {
    const problem = checkProfile(profile)
    if (problem) throw new Error(problem)
    const storage = this.storage
    if (!storage) throw new Error('The app has not started yet.')
    const next = normalizeProfile(profile)
    await saveProfile(storage.settings, next)
    this.profile = next
    await this.publishPresence()
    const space = this.session?.space
    if (space) await publishProfile(space, next)
  }

  exportKey(): string {
    if (!this.identity) throw new Error('The app has not started yet.')
    return identityExportText(this.identity)
  }

  /** Replaces this device's key. The open space is reopened under the new identity. */
  async importKey(text: string): Promise<Identity> {
    const identity = await importIdentityText(text)
    const storage = this.storage
    if (!storage) throw new Error('The app has not started yet.')
    const reopen = this.session?.id
    this.openSeq++
    await this.queue
    await this.closeSession()
    await saveIdentity(storage.settings, identity)
    this.identity = identity
    if (reopen) this.open(reopen, true)
    return identity
  }

  /** Saves the adapter setting and uses it from now on (also over `?adapter=` in the address, for this visit). */
  async setAdapter(name: AdapterName): Promise<void> {
    this.adapter = name
    this.savedAdapter = name
    this.adapterFromAddress = false
    setReplicaEnvironment({ config: this.config, adapter: name })
    await this.storage?.settings.set(ADAPTER_KEY, name)
  }

  notify(text: string): void {
    const notice = { id: ++this.noticeSeq, text }
    this.notices = [...this.notices, notice].slice(-3)
    setTimeout(() => (this.notices = this.notices.filter((other) => other.id !== notice.id)), 4000)
  }
}
