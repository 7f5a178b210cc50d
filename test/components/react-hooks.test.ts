/** townhall/react: hooks on useSyncExternalStore render once per change and never loop. */
import { act, createElement, useCallback, type ReactNode } from 'react'
import { createRoot, type Root } from 'react-dom/client'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { useFeed, usePoll, useSpace, useView } from '../../adapters/react/index.js'
import { createIdentity, createSpace, type Space } from '../../core/index.js'
import { eventually, memoryNetwork } from '../../testing/index.js'

// React's act() warns unless the environment says it is a test.
;(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function newSpace(network = memoryNetwork()) {
  const space = await createSpace({
    visibility: 'public',
    identity: await createIdentity(),
    name: 'Club',
    replica: (id) => network.replica(id),
  })
  cleanups.push(() => space.close())
  return { space, network }
}

async function mount(node: ReactNode): Promise<{ root: Root; element: HTMLElement }> {
  const element = document.createElement('div')
  document.body.append(element)
  const root = createRoot(element)
  // act() where the test drives every update; plain calls where updates come in the background.
  const acting = (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT
  if (acting) await act(async () => root.render(node))
  else root.render(node)
  cleanups.push(() => {
    if (acting) act(() => root.unmount())
    else root.unmount()
    element.remove()
  })
  return { root, element }
}

describe('useView, useFeed, usePoll', () => {
  it('render once on mount and once per change, with built-in and app-defined reads', async () => {
    const { space } = await newSpace()
    const record = await space.createPoll({ question: 'When?', options: ['9:00', '10:00'], method: 'plurality' })
    const errors: unknown[] = []
    const original = console.error
    console.error = (...args: unknown[]) => errors.push(args)
    cleanups.push(() => void (console.error = original))
    let renders = 0
    const countPosts = (s: Space) => ({ count: s.getFeed().length })
    function Panel({ space }: { space: Space }) {
      renders++
      const feed = useFeed(space, { mutedAuthors: new Set(['did:key:z6MkNobody']) })
      const poll = usePoll(space, record.id)
      const counted = useView(space, countPosts)
      const sync = useView(
        space,
        useCallback((s: Space) => s.getSyncState(), []),
      )
      return createElement(
        'p',
        null,
        `${feed.map((item) => item.text).join(',')}|${poll?.live?.ballots ?? 0}|${counted?.count}|${sync?.peers}`,
      )
    }
    const { element } = await mount(createElement(Panel, { space }))
    expect(element.textContent).toBe('|0|0|0')
    expect(renders).toBe(1)
    await act(async () => void (await space.post('hello')))
    expect(element.textContent).toBe('hello|0|1|0')
    expect(renders).toBe(2)
    await act(async () => void (await space.castBallot(record.id, 1)))
    expect(element.textContent).toBe('hello|1|1|0')
    expect(renders).toBe(3)
    expect(errors).toEqual([])
  })

  it('gives two mute lists two results', async () => {
    const { space } = await newSpace()
    await space.post('mine')
    function Both() {
      const muted = useFeed(space, { mutedAuthors: new Set([space.identity.did]) })
      const other = useFeed(space, { mutedAuthors: new Set(['did:key:z6MkNobody']) })
      return createElement('p', null, `${muted.length}/${other.length}`)
    }
    const { element } = await mount(createElement(Both))
    expect(element.textContent).toBe('0/1')
  })
})

describe('useSpace', () => {
  // The space opens in the background, outside any act(): the test waits for the page to show it, as a user would.
  beforeEach(() => {
    const flags = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }
    flags.IS_REACT_ACT_ENVIRONMENT = false
    // Restored last, after the test's roots are unmounted (cleanups run in reverse).
    cleanups.push(() => void (flags.IS_REACT_ACT_ENVIRONMENT = true))
  })
  it('opens a space from a share link, follows it, and closes it on unmount', async () => {
    const { space, network } = await newSpace()
    await space.post('from the founder')
    const link = `townhall:#space=${space.id}`
    const identity = await createIdentity()
    let opened: Space | undefined
    function Reader() {
      const { space: mine, status, error } = useSpace({ link, identity, replica: (id) => network.replica(id) })
      opened = mine
      const feed = useFeed(mine)
      return createElement('p', null, `${status}:${error?.message ?? ''}:${feed.map((item) => item.text).join(',')}`)
    }
    const { root, element } = await mount(createElement(Reader))
    await eventually(() => expect(element.textContent).toBe('open::from the founder'))
    await space.post('second')
    await eventually(() => expect(element.textContent).toBe('open::second,from the founder'))
    const mine = opened!
    root.unmount()
    await eventually(async () => await expect(mine.post('after close')).rejects.toThrow())
  })

  it('reports a bad link as an error', async () => {
    function Broken() {
      const { status, error } = useSpace({ link: 'not a link', identity: undefined as never, replica: undefined as never })
      return createElement('p', null, `${status}:${error?.name ?? ''}`)
    }
    const { element } = await mount(createElement(Broken))
    await eventually(() => expect(element.textContent).toBe('error:InvalidShareLinkError'))
  })
})
