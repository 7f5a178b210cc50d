/**
 * The test page for test/e2e/embed.test.ts, bundled with vite: registers the custom elements
 * as a page would, and lets the founder's page create a public space with a poll over y-webrtc.
 */
import { defineElements } from '../../adapters/elements/index.js'
import { createIdentity, createSpace, formatShareLink, type Space } from '../../core/index.js'
import { memoryRecordStore, yjsReplica } from '../../adapters/yjs/index.js'
import { useFeed, usePoll, useSpace } from '../../adapters/react/index.js'
import { createElement, type ReactElement } from 'react'
import { createRoot } from 'react-dom/client'

defineElements()

let founded: Space | undefined

declare global {
  interface Window {
    embedTest?: {
      found(signaling: string[]): Promise<{ link: string; pollId: string }>
      close(): Promise<void>
      /** Renders a React component with townhall/react's hooks into the page; `renders` counts its renders. */
      mountReact(link: string, pollId: string, signaling: string[]): Promise<void>
      renders: number
    }
  }
}

window.embedTest = {
  async found(signaling) {
    const identity = await createIdentity()
    founded = await createSpace({
      identity,
      name: 'Embedded',
      visibility: 'public',
      replica: (spaceId) =>
        yjsReplica({ spaceId, signaling, store: memoryRecordStore(), identity, peerOpts: { config: { iceServers: [] } } }),
    })
    await founded.post('Welcome to the embedded poll')
    const poll = await founded.createPoll({ question: 'Lunch?', options: ['Soup', 'Salad'], method: 'plurality' })
    return { link: formatShareLink({ space: founded.id }), pollId: poll.id }
  },
  async close() {
    await founded?.close()
  },
  renders: 0,
  async mountReact(link, pollId, signaling) {
    const identity = await createIdentity()
    function Poll(): ReactElement {
      window.embedTest!.renders++
      const { space, status } = useSpace({
        link,
        identity,
        replica: (spaceId) =>
          yjsReplica({ spaceId, signaling, store: memoryRecordStore(), identity, peerOpts: { config: { iceServers: [] } } }),
      })
      const poll = usePoll(space, pollId)
      const feed = useFeed(space)
      const counts = (poll?.live as { counts?: readonly number[] } | undefined)?.counts
      const text = poll ? poll.options.map((option, i) => `${option} ${counts?.[i] ?? 0}`).join(' · ') : status
      return createElement('output', { id: 'react-poll' }, `${text} | ${feed.length} posts`)
    }
    const element = document.createElement('div')
    document.body.append(element)
    createRoot(element).render(createElement(Poll))
  },
}
