/**
 * Share links that open the app. core's `formatShareLink(link, base)` appends `#space=…` to its
 * base; with base `<page>#/join/` the result is
 *
 *   https://example.org/townhall/#/join/#space=bafy…&invite=bafy…&key=…&secret=…
 *
 * The whole part after the first `#` is the URL fragment, which browsers never send to a server,
 * so the invite key and space secret stay on the devices that hold the link. The router reads
 * `#/join/` and hands the rest (`#space=…`) back to `parseShareLink`. Links in core's bare form
 * (`townhall:#space=…`, as the CLI prints them) are accepted as well.
 *
 * A space lives on one transport: when this page uses another adapter than the default, links say
 * so (`https://example.org/townhall/?adapter=automerge#/join/#space=…`), and the page they open
 * uses that adapter too.
 */
import { formatShareLink, parseShareLink, type ShareLink, type Space } from '../../../core/index.js'
import { DEFAULT_ADAPTER, replicaEnvironment } from './adapter.js'

export const JOIN_PREFIX = '#/join/'

/**
 * The base that makes share links open this app's join screen: `<origin><path>#/join/`, with
 * `?adapter=<name>` before the fragment when the adapter in use is not the default.
 */
export function joinBase(
  where: Pick<Location, 'origin' | 'pathname' | 'href'> = location,
  adapter: string = replicaEnvironment().adapter,
): string {
  // A page opened from file:// has the opaque origin "null": fall back to the address without its query and fragment.
  const page = where.origin && where.origin !== 'null' ? `${where.origin}${where.pathname}` : where.href.split('#')[0]!.split('?')[0]!
  const query = adapter === DEFAULT_ADAPTER ? '' : `?${new URLSearchParams({ adapter })}`
  return `${page}${query}${JOIN_PREFIX}`
}

/** The address of this app with the adapter in use (`<origin><path>[?adapter=…]`), to which a route is appended. */
export const appBase = (): string => joinBase().slice(0, -JOIN_PREFIX.length)

/** A link that opens the app and joins the space: the space id and its secret, plus the invite when given. */
export function appShareLink(link: ShareLink, base: string = joinBase()): string {
  return formatShareLink(link, base)
}

/** The link to share for an open space (no invite): carries the space secret that keys its transport. */
export function spaceShareLink(space: Pick<Space, 'id' | 'secret'>, base: string = joinBase()): string {
  return appShareLink({ space: space.id, ...(space.secret ? { secret: space.secret } : {}) }, base)
}

/**
 * Parses a pasted link (an app link, a link's fragment, or core's bare `townhall:#space=…` form).
 * Throws core's InvalidShareLinkError with a message that says what is wrong.
 */
export function parseAppLink(text: string): ShareLink {
  let value = typeof text === 'string' ? text.trim() : ''
  const join = value.indexOf(JOIN_PREFIX)
  if (join >= 0) value = value.slice(join + JOIN_PREFIX.length)
  // Only the parameters were pasted (`space=…&secret=…`): accept them as the fragment.
  if (!value.includes('#') && /(^|&)space=/.test(value)) value = `#${value}`
  return parseShareLink(value)
}

/** The stored form of a share link, independent of where the app is served: core's `townhall:#…`. */
export const storedLink = (link: ShareLink): string => formatShareLink(link)
