import { describe, expect, it } from 'vitest'
import { RejectionLog } from './rejection-log.js'
import { reject, type Rejection, type RejectionReason } from './rejection.js'

const rejection = (reason: RejectionReason, detail: string): Rejection => ({ reason, detail })

describe('RejectionLog', () => {
  it('starts empty', () => {
    expect(new RejectionLog().summary()).toEqual({ total: 0, byReason: {}, recent: [] })
  })

  it('counts per reason and in total', () => {
    const log = new RejectionLog()
    log.add(rejection('malformed', 'a'))
    log.add(rejection('bad-signature', 'b'))
    log.add(rejection('malformed', 'c'))
    const summary = log.summary()
    expect(summary.total).toBe(3)
    expect(summary.byReason).toEqual({ malformed: 2, 'bad-signature': 1 })
    expect(summary.recent.map((r) => r.detail)).toEqual(['a', 'b', 'c'])
  })

  it('keeps only the most recent `capacity` rejections but counts all of them', () => {
    const log = new RejectionLog(3)
    for (let i = 0; i < 10; i++) log.add(rejection(i % 2 ? 'schema' : 'too-large', String(i)))
    const summary = log.summary()
    expect(summary.total).toBe(10)
    expect(summary.byReason).toEqual({ 'too-large': 5, schema: 5 })
    expect(summary.recent.map((r) => r.detail)).toEqual(['7', '8', '9'])
  })

  it('bounds the log at 1000 by default', () => {
    const log = new RejectionLog()
    for (let i = 0; i < 1500; i++) log.add(rejection('malformed', String(i)))
    const summary = log.summary()
    expect(summary.total).toBe(1500)
    expect(summary.recent.length).toBe(1000)
    expect(summary.recent[0]!.detail).toBe('500')
    expect(summary.recent[999]!.detail).toBe('1499')
  })

  it('returns snapshots that later additions do not change', () => {
    const log = new RejectionLog()
    log.add(rejection('malformed', 'a'))
    const before = log.summary()
    log.add(rejection('malformed', 'b'))
    expect(before.total).toBe(1)
    expect(before.byReason).toEqual({ malformed: 1 })
    expect(before.recent.length).toBe(1)
  })

  it('reject() builds a failed verdict carrying extra fields', () => {
    expect(reject('schema', 'body: expected a map', { id: 'x', author: 'y' })).toEqual({
      ok: false,
      rejection: { reason: 'schema', detail: 'body: expected a map', id: 'x', author: 'y' },
    })
  })
})
