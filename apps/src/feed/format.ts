/** Pure helpers shared by the feed components: names, times, mentions, permissions. */
import type { Did, Role } from '../../../core/index.js'

/** The emoji offered by the reaction picker. Any short token without spaces is valid in core. */
export const COMMON_EMOJI = ['👍', '❤️', '🎉', '😂', '🤔', '👎'] as const

/** Replies are indented up to this depth; deeper replies are shown flat, at this depth. */
export const MAX_THREAD_DEPTH = 3

/** A did shortened for display when its owner has not set a profile name. */
export function shortDid(did: string): string {
  return did.length > 16 ? `did:…${did.slice(-6)}` : did
}

export function displayName(did: string, name: string | undefined): string {
  return name?.trim() ? name : shortDid(did)
}

/** Roles that may hide posts and authors (kinds.ts: `moderate` needs moderator or above). */
export function canModerate(role: Role | null | undefined): boolean {
  return role === 'founder' || role === 'admin' || role === 'moderator'
}

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
]

/** "just now", "5 minutes ago", "yesterday"... A timestamp slightly in the future reads as just now. */
export function relativeTime(ms: number, now: number, locale?: string): string {
  const seconds = Math.round((now - ms) / 1000)
  if (seconds < 45) return 'just now'
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })
  for (const [unit, size] of units) {
    if (seconds >= size) return format.format(-Math.floor(seconds / size), unit)
  }
  return format.format(-1, 'minute')
}

export function absoluteTime(ms: number, locale?: string): string {
  return new Date(ms).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' })
}

export interface Segment {
  readonly text: string
  /** The mentioned did, when this segment is a mention. */
  readonly mention?: Did
}

/**
 * Splits a post's text into plain runs and mentions. A mention is `@label` for a did the record
 * lists in `mentions`; the longest label wins where labels share a prefix. Text that looks like a
 * mention but names no listed did stays plain, so nobody can fake a highlight by typing `@`.
 */
export function mentionSegments(text: string, mentions: ReadonlyArray<{ did: Did; label: string }>): Segment[] {
  const labels = [...mentions].filter((m) => m.label.length > 0).sort((a, b) => b.label.length - a.label.length)
  const segments: Segment[] = []
  let plain = ''
  let i = 0
  while (i < text.length) {
    const hit = text[i] === '@' ? labels.find((m) => text.startsWith(m.label, i + 1)) : undefined
    if (hit) {
      if (plain) segments.push({ text: plain })
      plain = ''
      segments.push({ text: `@${hit.label}`, mention: hit.did })
      i += hit.label.length + 1
    } else {
      plain += text[i]
      i++
    }
  }
  if (plain) segments.push({ text: plain })
  return segments
}

/**
 * The `@query` being typed just before the caret, if any: an `@` at the start or after whitespace,
 * followed by up to 64 characters without a line break or another `@`.
 */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | undefined {
  const before = text.slice(0, caret)
  const match = /(?:^|\s)@([^@\n]{0,64})$/u.exec(before)
  if (!match) return undefined
  const query = match[1] ?? ''
  // Names may hold a space ("Ada Lovelace"), but a query ending in one, or holding two, is prose.
  if (/\s$/u.test(query) || /\s\S*\s/u.test(query)) return undefined
  return { start: caret - query.length - 1, query }
}

/** Members whose label (name or shortened did) matches the query: label prefix, then word prefix, then substring. */
export function matchMembers<T extends { did: Did; label: string }>(members: readonly T[], query: string, limit = 6): T[] {
  const q = query.trim().toLocaleLowerCase()
  const scored: [number, T][] = []
  for (const member of members) {
    const label = member.label.toLocaleLowerCase()
    const score = label.startsWith(q) ? 0 : label.split(/\s+/u).some((word) => word.startsWith(q)) ? 1 : label.includes(q) ? 2 : -1
    if (score >= 0) scored.push([score, member])
  }
  return scored
    .sort(([a, x], [b, y]) => a - b || x.label.localeCompare(y.label))
    .slice(0, limit)
    .map(([, member]) => member)
}

/** Ids must be valid in HTML attributes and CSS selectors; record ids are base32 already. */
export function domId(prefix: string, id: string): string {
  return `${prefix}-${id.replace(/[^a-zA-Z0-9_-]/g, '')}`
}

export interface LinkPart {
  readonly text: string
  /** Set for a web address: the normalized http(s) URL the link opens. */
  readonly href?: string
}

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/giu
/** Punctuation that ends a sentence more often than it ends an address. */
const TRAILING = /[.,;:!?)\]}]+$/u

/**
 * Splits plain text into runs and web addresses. Only `http:` and `https:` become links (so no
 * `javascript:` or `data:` address can), each checked by the URL parser; the text stays text, and
 * the component renders it as such, never as HTML.
 */
export function linkParts(text: string): LinkPart[] {
  const parts: LinkPart[] = []
  let last = 0
  for (const match of text.matchAll(URL_PATTERN)) {
    const raw = match[0].replace(TRAILING, '')
    const start = match.index
    let href: string | undefined
    try {
      const url = new URL(raw)
      if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname) href = url.href
    } catch {
      href = undefined
    }
    if (!href) continue
    if (start > last) parts.push({ text: text.slice(last, start) })
    parts.push({ text: raw, href })
    last = start + raw.length
  }
  if (last < text.length) parts.push({ text: text.slice(last) })
  return parts
}

/** Case-insensitive search of a post's text and author label; an empty query matches everything. */
export function matchesSearch(query: string, text: string, author: string): boolean {
  const q = query.trim().toLocaleLowerCase()
  return q === '' || text.toLocaleLowerCase().includes(q) || author.toLocaleLowerCase().includes(q)
}
