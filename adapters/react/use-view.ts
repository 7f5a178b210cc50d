/** Hooks over `select`: any read of a space as React state that follows the space. */
import { useMemo, useSyncExternalStore } from 'react'
import { select, type FeedItem, type FeedOptions, type PollView, type RecordId, type Space } from '../../core/index.js'
import { feedOptionsKey } from '../../core/index.js'

const none = { get: () => undefined, subscribe: () => () => {} }

/**
 * The value of `read(space)`, kept current. `undefined` while `space` is (a space still opening).
 * Define `read` outside the component or wrap it in `useCallback`: a new function is a new
 * selection (correct, but recomputed on every render).
 */
export function useView<T>(space: Space | undefined, read: (space: Space) => T): T | undefined {
  const store = useMemo(() => (space ? select(space, read) : none), [space, read])
  return useSyncExternalStore(store.subscribe, store.get, store.get) as T | undefined
}

/** The feed, newest first unless `options.order` says otherwise; options compare by content (mute lists included). */
export function useFeed(space: Space | undefined, options: FeedOptions = {}): readonly FeedItem[] {
  const key = feedOptionsKey(options)
  // Memoized on the key, which stands for the options' contents: an inline `{ mutedAuthors }` is the same selection.
  const read = useMemo(() => (s: Space) => s.getFeed(options), [key])
  return useView(space, read) ?? EMPTY
}

const EMPTY: readonly FeedItem[] = Object.freeze([])

/** One poll: live tally while open, then syncing / revealing / final. */
export function usePoll(space: Space | undefined, pollId: RecordId): PollView | undefined {
  const read = useMemo(() => (s: Space) => s.getPoll(pollId), [pollId])
  return useView(space, read)
}
