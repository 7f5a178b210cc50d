/**
 * The space behind embedded elements: opened once per share link and signaling list on a page
 * (two elements showing one space share it), over Yjs and y-webrtc with records in IndexedDB,
 * as the sample apps open theirs, and closed when the last element using it leaves the page.
 */
import { openSpace, parseShareLink, type ShareLink, type Space } from '../../core/index.js'
import { indexedDbRecordStore, yjsReplica } from '../yjs/index.js'
import { pageIdentity } from './identity.js'

interface Shared {
  readonly opened: Promise<Space>
  readonly link: ShareLink
  users: number
}

const open = new Map<string, Shared>()

export interface Connection {
  readonly space: Promise<Space>
  readonly link: ShareLink
  release(): void
}

/** The space a share link names, opened for this page; call `release` when the element is disconnected. */
export function connect(linkText: string, signaling: readonly string[]): Connection {
  const key = JSON.stringify([linkText, signaling])
  let shared = open.get(key)
  if (!shared) {
    // An app link (`…/#/join/#space=…`) carries core's link after its route.
    const route = linkText.indexOf('#/join/')
    const link = parseShareLink(route >= 0 ? linkText.slice(route + '#/join/'.length) : linkText)
    shared = { link, opened: openShared(link, signaling), users: 0 }
    open.set(key, shared)
  }
  shared.users++
  const entry = shared
  let released = false
  return {
    space: entry.opened,
    link: entry.link,
    release() {
      if (released) return
      released = true
      if (--entry.users > 0) return
      open.delete(key)
      void entry.opened.then((space) => space.close()).catch(() => {})
    },
  }
}

async function openShared(link: ShareLink, signaling: readonly string[]): Promise<Space> {
  const identity = await pageIdentity()
  return openSpace({
    id: link.space,
    identity,
    ...(link.secret ? { secret: link.secret } : {}),
    replica: async (spaceId, { secret }) => {
      const store = await indexedDbRecordStore(spaceId)
      try {
        // No ICE servers: no STUN server is contacted unless the page's network needs one (pass-through left for later).
        return await yjsReplica({
          spaceId,
          signaling: [...signaling],
          ...(secret ? { secret } : {}),
          store,
          identity,
          peerOpts: { config: { iceServers: [] } },
        })
      } catch (error) {
        await store.close()
        throw error
      }
    },
  })
}

/** Makes this identity a member when it is not one yet: an invite from the link, else joining an open space. */
export async function ensureMember(space: Space, link: ShareLink): Promise<void> {
  if (space.getRole() !== null) return
  if (link.invite) await space.redeemInvite(link.invite)
  else await space.join()
}
