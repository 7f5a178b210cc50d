/**
 * `select(space, read)`: any read of a space as an external store, `{ get, subscribe }`, the shape
 * React's `useSyncExternalStore`, Svelte's `createSubscriber` and plain callbacks all take. `get()`
 * returns the same value until something `read` depends on moved: the space's version, and, when
 * `read` touched the replica or `getSyncState`, the sync state and the presence list. App-defined
 * views (a function of the space) plug in the same way as the built-in getters.
 *
 * @example
 * ```ts
 * import { createIdentity, createSpace, select } from 'townhall'
 * import { memoryNetwork } from 'townhall/testing'
 *
 * const network = memoryNetwork()
 * const space = await createSpace({ identity: await createIdentity(), name: 'Club', replica: (id) => network.replica(id) })
 * const postCount = select(space, (s) => s.getFeed().length)
 * const seen: number[] = []
 * const stop = postCount.subscribe(() => seen.push(postCount.get()))
 * await space.post('Hello')
 * stop()
 * seen // -> [1]
 * ```
 */
import type { PresencePeer, SyncState } from './replica.js'
import type { Space } from './space.js'

export interface ViewStore<T> {
  /** The current value; the identical value again until something it read changed. */
  get(): T
  /** Calls `listener` (with no argument) when the value may have changed. Returns an unsubscribe function. */
  subscribe(listener: () => void): () => void
}

interface Uses {
  sync: boolean
  presence: boolean
}

/** The space as `read` sees it: methods bound to the real space (so its caches hit), reads of the replica noted. */
function tracked(space: Space, uses: Uses): Space {
  const bound = new Map<PropertyKey, unknown>()
  return new Proxy(space, {
    get(target, property) {
      if (property === 'getSyncState') uses.sync = true
      if (property === 'replica') uses.sync = uses.presence = true
      const value: unknown = Reflect.get(target, property, target)
      if (typeof value !== 'function') return value
      if (!bound.has(property)) bound.set(property, (value as (...args: unknown[]) => unknown).bind(target))
      return bound.get(property)
    },
  })
}

export function select<T>(space: Space, read: (space: Space) => T): ViewStore<T> {
  const uses: Uses = { sync: false, presence: false }
  const view = tracked(space, uses)
  let computed = false
  let value: T
  let version = -1
  let sync: SyncState | undefined
  let peers: readonly PresencePeer[] | undefined
  const syncNow = () => (uses.sync ? space.getSyncState() : undefined)
  const peersNow = () => (uses.presence ? space.replica.presence?.get() : undefined)

  function get(): T {
    if (computed && version === space.version && sync === syncNow() && peers === peersNow()) return value
    uses.sync = uses.presence = false
    value = read(view)
    computed = true
    version = space.version
    sync = syncNow()
    peers = peersNow()
    return value
  }

  function subscribe(listener: () => void): () => void {
    const notify = () => listener()
    const stops = [
      space.subscribe(notify),
      // Told of every sync or presence change; `get()` gives the same value when `read` uses neither.
      space.replica.subscribeSyncState(() => uses.sync && listener()),
      space.replica.presence?.subscribe(() => uses.presence && listener()),
    ]
    return () => {
      for (const stop of stops) stop?.()
    }
  }

  return { get, subscribe }
}
