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
  | { readonly name: 'space'; readonly id: string; readonly tab: Tab }
  | { readonly name: 'not-found'; readonly hash: string }

const isTab = (value: string | undefined): value is Tab => TABS.includes(value as Tab)

export function parseRoute(hash: string): Route {
  if (hash.startsWith(JOIN_PREFIX)) {
    const link = hash.slice(JOIN_PREFIX.length)
    return link ? { name: 'join', link } : { name: 'join' }
  }
  const path = hash.replace(/^#/, '').replace(/^\/+|\/+$/g, '')
  const parts = path === '' ? [] : path.split('/')
  const [first, id, tab] = parts
  if (parts.length === 0) return { name: 'home' }
  if (parts.length === 1 && first === 'new') return { name: 'new' }
  if (parts.length === 1 && first === 'join') return { name: 'join' }
  if (parts.length === 1 && first === 'settings') return { name: 'settings' }
  if (first === 's' && id !== undefined && parts.length <= 3) {
    const spaceId = safeDecode(id)
    if (spaceId !== undefined && isSpaceId(spaceId) && (tab === undefined || isTab(tab)))
      return { name: 'space', id: spaceId, tab: tab ?? 'polls' }
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
      return `#/s/${encodeURIComponent(route.id)}/${route.tab}`
    case 'not-found':
      return route.hash
  }
}

export const spaceRoute = (id: string, tab: Tab = 'polls'): string => formatRoute({ name: 'space', id, tab })

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value)
  } catch {
    return undefined
  }
}
