/**
 * Hash routes. Everything lives after `#`, so the app works from any static host and any path.
 *
 *   #/                       home: the list of spaces
 *   #/new                    create a space
 *   #/join                   join with a pasted share link
 *   #/join/#space=…          a share link that opened the app (the join screen, prefilled)
 *   #/settings               profile, key export/import, adapter
 *   #/s/<spaceId>/polls      a space, Polls tab
 *   #/s/<spaceId>/feed       a space, Feed tab
 *   #/s/<spaceId>/polls/<pollId>, #/s/<spaceId>/feed/<postId>
 *                            permalinks: the tab, opened straight to that poll or post
 */
import { isSpaceId } from '../../../core/index.js'
import { JOIN_PREFIX } from './links.js'

export const TABS = ['polls', 'feed'] as const
export type Tab = (typeof TABS)[number]

export type Route =
  | { readonly name: 'home' }
  | { readonly name: 'new' }
  /** `link` is the share link's fragment (`#space=…`) when the app was opened from a share link. */
  | { readonly name: 'join'; readonly link?: string }
  | { readonly name: 'settings' }
  /** `item` is a record id: the poll or post a permalink opens (it may not have arrived yet). */
  | { readonly name: 'space'; readonly id: string; readonly tab: Tab; readonly item?: string }
  | { readonly name: 'not-found'; readonly hash: string }

const isTab = (value: string | undefined): value is Tab => TABS.includes(value as Tab)
/** Record ids are CIDs in base32: short, lowercase letters and digits. Anything else is not a permalink. */
const isItemId = (value: string): boolean => /^[a-z2-7]{16,128}$/.test(value)

export function parseRoute(hash: string): Route {
  if (hash.startsWith(JOIN_PREFIX)) {
    const link = hash.slice(JOIN_PREFIX.length)
    return link ? { name: 'join', link } : { name: 'join' }
  }
  const path = hash.replace(/^#/, '').replace(/^\/+|\/+$/g, '')
  const parts = path === '' ? [] : path.split('/')
  const [first, id, tab, itemPart] = parts
  if (parts.length === 0) return { name: 'home' }
  if (parts.length === 1 && first === 'new') return { name: 'new' }
  if (parts.length === 1 && first === 'join') return { name: 'join' }
  if (parts.length === 1 && first === 'settings') return { name: 'settings' }
  if (first === 's' && id !== undefined && parts.length <= 4) {
    const spaceId = safeDecode(id)
    const item = itemPart === undefined ? undefined : safeDecode(itemPart)
    if (spaceId !== undefined && isSpaceId(spaceId) && (tab === undefined || isTab(tab))) {
      if (itemPart === undefined) return { name: 'space', id: spaceId, tab: tab ?? 'polls' }
      if (item !== undefined && isItemId(item)) return { name: 'space', id: spaceId, tab: tab ?? 'polls', item }
    }
  }
  return { name: 'not-found', hash }
}

export function formatRoute(route: Route): string {
  switch (route.name) {
    case 'home':
      return '#/'
    case 'new':
      return '#/new'
    case 'join':
      return route.link ? `${JOIN_PREFIX}${route.link}` : '#/join'
    case 'settings':
      return '#/settings'
    case 'space':
      return `#/s/${encodeURIComponent(route.id)}/${route.tab}${route.item ? `/${encodeURIComponent(route.item)}` : ''}`
    case 'not-found':
      return route.hash
  }
}

export const spaceRoute = (id: string, tab: Tab = 'polls'): string => formatRoute({ name: 'space', id, tab })

/**
 * The address that opens this app straight to a poll or a post: `<origin><path>[?adapter=…]#/s/<space>/<tab>/<id>`.
 * It carries no secret, so it opens only for someone who has joined the space on that device.
 */
export function permalink(spaceId: string, tab: Tab, item: string, base: string): string {
  return `${base}${formatRoute({ name: 'space', id: spaceId, tab, item })}`
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value)
  } catch {
    return undefined
  }
}
