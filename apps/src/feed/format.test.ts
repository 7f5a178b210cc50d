/** The feed's pure helpers: names, relative times, mention parsing and matching. */
import { describe, expect, it } from 'vitest'
import type { Did } from '../../../core/index.js'
import { canModerate, displayName, matchMembers, mentionQuery, mentionSegments, relativeTime, shortDid } from './format.js'

const did: Did = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'
const fake = (n: number): Did => `did:key:z${n}`

describe('feed helpers', () => {
  it('names people by profile name, else by a shortened did', () => {
    expect(shortDid(did)).toBe(`did:…${did.slice(-6)}`)
    expect(displayName(did, 'Ada')).toBe('Ada')
    expect(displayName(did, '  ')).toBe(shortDid(did))
    expect(displayName(did, undefined)).toBe(shortDid(did))
  })

  it('lets moderators, admins and founders moderate', () => {
    expect(['founder', 'admin', 'moderator', 'member', null].map((role) => canModerate(role as never))).toEqual([
      true,
      true,
      true,
      false,
      false,
    ])
  })

  it('formats times relative to now', () => {
    const now = Date.UTC(2025, 0, 10, 12)
    expect(relativeTime(now - 10_000, now, 'en')).toBe('just now')
    expect(relativeTime(now + 30_000, now, 'en')).toBe('just now')
    expect(relativeTime(now - 5 * 60_000, now, 'en')).toBe('5 minutes ago')
    expect(relativeTime(now - 3 * 3600_000, now, 'en')).toBe('3 hours ago')
    expect(relativeTime(now - 26 * 3600_000, now, 'en')).toBe('yesterday')
    expect(relativeTime(now - 400 * 86_400_000, now, 'en')).toBe('last year')
  })

  it('splits text into plain runs and mentions of listed dids, longest label first', () => {
    const ada = { did: fake(1), label: 'Ada' }
    const adaL = { did: fake(2), label: 'Ada Lovelace' }
    expect(mentionSegments('hi @Ada Lovelace and @Ada, not @Bob', [ada, adaL])).toEqual([
      { text: 'hi ' },
      { text: '@Ada Lovelace', mention: fake(2) },
      { text: ' and ' },
      { text: '@Ada', mention: fake(1) },
      { text: ', not @Bob' },
    ])
    expect(mentionSegments('no mentions', [])).toEqual([{ text: 'no mentions' }])
  })

  it('finds the @query before the caret', () => {
    expect(mentionQuery('hi @gr', 6)).toEqual({ start: 3, query: 'gr' })
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' })
    expect(mentionQuery('hi @Ada Lo', 10)).toEqual({ start: 3, query: 'Ada Lo' })
    expect(mentionQuery('mail me@example.org', 19)).toBeUndefined()
    expect(mentionQuery('@Ada ', 5)).toBeUndefined()
    expect(mentionQuery('@one two three', 14)).toBeUndefined()
    expect(mentionQuery('@line\nbreak', 11)).toBeUndefined()
  })

  it('matches members by prefix, then word prefix, then substring', () => {
    const members = [
      { did: fake(1), label: 'Margaret Hamilton' },
      { did: fake(2), label: 'Hamid' },
      { did: fake(3), label: 'Abraham' },
      { did: fake(4), label: 'Linus' },
    ]
    expect(matchMembers(members, 'ham').map((m) => m.label)).toEqual(['Hamid', 'Margaret Hamilton', 'Abraham'])
    expect(matchMembers(members, '').map((m) => m.label)).toEqual(['Abraham', 'Hamid', 'Linus', 'Margaret Hamilton'])
    expect(matchMembers(members, 'zzz')).toEqual([])
  })
})
