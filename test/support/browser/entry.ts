/**
 * Browser side of test/yjs/browser.test.ts: bundled with esbuild at test time and loaded into a
 * real Chromium page. It exposes `window.townhall`, which the test drives through
 * `page.evaluate`. One space per page at a time, persisted to IndexedDB.
 */
import { createIdentity, Space, type Identity } from '../../../core/index.js'
import { indexedDbRecordStore, yjsReplica, type RecordStore, type YjsReplica } from '../../../adapters/yjs/index.js'

export interface BrowserPeer {
  /** Creates this page's identity and returns its did. */
  createIdentity(): Promise<string>
  /** Creates a space and returns its id. */
  create(name: string, signaling: string[]): Promise<string>
  open(spaceId: string, signaling: string[]): Promise<void>
  post(text: string): Promise<void>
  texts(): string[]
  /** Voters counted in a poll, once the poll is known. */
  turnout(pollId: string): number | undefined
  /** The space's name, once its genesis record is known. */
  name(): string | undefined
  peers(): number
  /** Connected WebRTC peers only (not BroadcastChannel ones). */
  webrtcPeers(): number
  close(): Promise<void>
  /** The IndexedDB record store itself, for tests that drive it inside page.evaluate. */
  store(name: string): Promise<RecordStore>
}

declare global {
  interface Window {
    townhall?: BrowserPeer
  }
}

let identity: Identity | undefined
let space: Space | undefined

const me = async () => (identity ??= await createIdentity())

// No ICE servers: the test runs on one machine with no outside network, and host candidates suffice.
const replica = async (spaceId: string, signaling: string[]): Promise<YjsReplica> =>
  yjsReplica({
    spaceId,
    signaling,
    store: await indexedDbRecordStore(spaceId),
    identity: await me(),
    peerOpts: { config: { iceServers: [] } },
  })

const current = (): Space => {
  if (!space) throw new Error('no space is open in this page')
  return space
}

window.townhall = {
  async createIdentity() {
    return (await me()).did
  },
  async create(name, signaling) {
    if (space) throw new Error('a space is already open in this page')
    // The room password is derived from the space id (the secret is not passed on), so peers that
    // open the space by id alone can join, as in test/yjs/webrtc.test.ts.
    // Public: the pages share only the space id, not the secret a private space is opened with.
    space = await Space.create({ visibility: 'public', identity: await me(), name, replica: (spaceId) => replica(spaceId, signaling) })
    return space.id
  },
  async open(spaceId, signaling) {
    if (space) throw new Error('a space is already open in this page')
    space = await Space.open({ id: spaceId, identity: await me(), replica: await replica(spaceId, signaling) })
  },
  async post(text) {
    await current().post(text)
  },
  texts() {
    return current()
      .getFeed({ order: 'oldest' })
      .map((item) => item.text)
  },
  turnout(pollId) {
    return current().getPoll(pollId)?.turnout
  },
  name() {
    return current().getInfo()?.name
  },
  peers() {
    return current().replica.getSyncState().peers
  },
  webrtcPeers() {
    // The space reads its replica through its sealing layer; the adapter's own replica is inside it.
    const replica = current().replica as unknown as { inner?: YjsReplica }
    const provider = (replica.inner ?? (current().replica as YjsReplica)).provider as {
      room?: { webrtcConns: Map<string, { connected: boolean }> } | null
    }
    return [...(provider.room?.webrtcConns.values() ?? [])].filter((conn) => conn.connected).length
  },
  async close() {
    const closing = space
    space = undefined
    await closing?.close()
  },
  store: indexedDbRecordStore,
}
