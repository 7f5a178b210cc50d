/**
 * Views keep their identity until the space changes: `getFeed()` called twice with nothing new in
 * between returns the same array. External-store hooks (React's `useSyncExternalStore`, Svelte's
 * `createSubscriber`) compare snapshots by identity, and a fresh array on every read made them
 * render forever. The cache is keyed by the space's `version` (which moves on every change that can
 * touch a view, local mutes included) and by the call's arguments, so two calls with different
 * options never share an entry.
 */
import type { FeedOptions } from './feed.js'

interface Versioned {
  readonly version: number
}

interface Entries {
  version: number
  readonly values: Map<string, unknown>
}

const caches = new WeakMap<Versioned, Entries>()

/** `read()`'s value for `key`, computed at most once per version of `owner`. */
export function cachedView<T>(owner: Versioned, key: string, read: () => T): T {
  let entries = caches.get(owner)
  if (!entries) {
    entries = { version: owner.version, values: new Map() }
    caches.set(owner, entries)
  } else if (entries.version !== owner.version) {
    // Every view may have changed: drop them all rather than keep one per version ever seen.
    entries.version = owner.version
    entries.values.clear()
  }
  if (entries.values.has(key)) return entries.values.get(key) as T
  const value = read()
  entries.values.set(key, value)
  return value
}

const sorted = (set: ReadonlySet<string> | undefined): string[] | null => (set ? [...set].sort() : null)

/**
 * A cache key for feed options that tells apart everything that changes the result: the mute
 * lists by their contents (two different sets of muted authors are two keys; a Set would
 * stringify as `{}`), hidden posts, and the order.
 */
export function feedOptionsKey(options: FeedOptions = {}): string {
  return JSON.stringify([options.includeHidden === true, options.order ?? null, sorted(options.mutedAuthors), sorted(options.mutedPosts)])
}

const lastValues = new WeakMap<object, Map<string, unknown>>()

/**
 * Returns the previous value for `key` when `same` says nothing changed, else stores and returns
 * `next`: for states read from elsewhere (a replica's sync state) that carry no version.
 */
export function keepIfSame<T>(owner: object, key: string, next: T, same: (a: T, b: T) => boolean): T {
  let values = lastValues.get(owner)
  if (!values) lastValues.set(owner, (values = new Map()))
  if (values.has(key) && same(values.get(key) as T, next)) return values.get(key) as T
  values.set(key, next)
  return next
}

/** Same own enumerable keys with identical values. */
export function shallowEqual<T extends object>(a: T, b: T): boolean {
  const keys = Object.keys(a) as (keyof T)[]
  return keys.length === Object.keys(b).length && keys.every((key) => Object.is(a[key], b[key]))
}
