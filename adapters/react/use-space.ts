/**
 * `useSpace`: opens a space for as long as the component is mounted, from a share link or an id,
 * and closes it on unmount or when the link changes. Opening is asynchronous, so the hook reports
 * where it is: `opening`, then `open` with the space, or `error` with what went wrong.
 */
import { useEffect, useState } from 'react'
import { openSpace, parseShareLink, type OpenSpaceOptions, type Space } from '../../core/index.js'

export type SpaceStatus = 'idle' | 'opening' | 'open' | 'error'

export type UseSpaceOptions = Omit<OpenSpaceOptions, 'id' | 'secret'> &
  (
    | { readonly link: string; readonly id?: never; readonly secret?: never }
    | { readonly id: string; readonly secret?: Uint8Array; readonly link?: never }
  )

export interface UseSpaceResult {
  readonly space: Space | undefined
  readonly error: Error | undefined
  readonly status: SpaceStatus
}

/**
 * Opens the space `options` name (pass `undefined` to open nothing yet). The space is opened again
 * only when the link or id changes, not when other options are new objects on a render; the
 * identity and replica given at that moment are used.
 */
export function useSpace(options: UseSpaceOptions | undefined): UseSpaceResult {
  const [state, setState] = useState<UseSpaceResult>({ space: undefined, error: undefined, status: options ? 'opening' : 'idle' })
  const target = options?.link ?? options?.id
  useEffect(() => {
    if (!options) {
      setState({ space: undefined, error: undefined, status: 'idle' })
      return
    }
    let cancelled = false
    let opened: Space | undefined
    setState({ space: undefined, error: undefined, status: 'opening' })
    void (async () => {
      try {
        const { link, id, secret, ...rest } = options
        const parsed = link !== undefined ? parseShareLink(link) : undefined
        const spaceId = parsed?.space ?? id!
        const spaceSecret = parsed?.secret ?? secret
        opened = await openSpace({ ...rest, id: spaceId, ...(spaceSecret ? { secret: spaceSecret } : {}) })
        if (cancelled) return void (await opened.close())
        setState({ space: opened, error: undefined, status: 'open' })
      } catch (error) {
        if (!cancelled) setState({ space: undefined, error: error as Error, status: 'error' })
      }
    })()
    return () => {
      cancelled = true
      void opened?.close()
    }
    // Keyed by the link or id: options are usually a new object on every render.
  }, [target])
  return state
}
