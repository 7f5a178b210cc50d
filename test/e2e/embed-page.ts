/**
 * The test page for test/e2e/embed.test.ts, bundled with vite: registers the custom elements
 * as a page would, and lets the founder's page create a public space with a poll over y-webrtc.
 */
import { defineElements } from '../../adapters/elements/index.js'
import { createIdentity, createSpace, formatShareLink, type Space } from '../../core/index.js'
import { memoryRecordStore, yjsReplica } from '../../adapters/yjs/index.js'

defineElements()

let founded: Space | undefined

declare global {
  interface Window {
    embedTest?: {
      found(signaling: string[]): Promise<{ link: string; pollId: string }>
      close(): Promise<void>
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
}
