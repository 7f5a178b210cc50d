/**
 * townhall/react: a space's views as React hooks, each on `useSyncExternalStore` over core's
 * `select`, so a component renders again only when what it read changed, and never loops (views
 * keep their identity until the space changes). React is an optional peer dependency.
 *
 * @example
 * ```tsx
 * import { useSpace, usePoll } from 'townhall/react'
 *
 * function Poll({ link, pollId }: { link: string; pollId: string }) {
 *   const { space, status, error } = useSpace({ link, identity, replica })
 *   const poll = usePoll(space, pollId)
 *   if (error) return <p>{error.message}</p>
 *   if (!space || !poll) return <p>{status}…</p>
 *   const result = poll.final ?? poll.live
 *   return <ul>{poll.options.map((option, i) => <li key={i}>{option}: {result?.counts?.[i] ?? 0}</li>)}</ul>
 * }
 * ```
 */
export { useSpace, type UseSpaceOptions, type UseSpaceResult, type SpaceStatus } from './use-space.js'
export { useView, useFeed, usePoll } from './use-view.js'
