import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { didFromPublicKey } from './did.js'
import { bodies, MAX_INVITE_USES, MAX_MENTIONS, MAX_POST_LENGTH, MEMBERSHIP_KINDS, ROLES } from './kinds.js'
import { HARD_MAX_RECORD_BYTES } from './record.js'
import type { Validator } from './schema.js'

const cid = CID.createV1(0x71, createDigest(0x12, sha256(new Uint8Array([1]))))
const did = didFromPublicKey(new Uint8Array(32).fill(1))
const did2 = didFromPublicKey(new Uint8Array(32).fill(2))

const ok = (validator: Validator<unknown>, value: unknown) => {
  const checked = validator(value, 'body')
  expect(checked.ok ? 'ok' : checked.error).toBe('ok')
  return checked.ok ? checked.value : undefined
}
const error = (validator: Validator<unknown>, value: unknown): string => {
  const checked = validator(value, 'body')
  expect(checked.ok).toBe(false)
  return checked.ok ? '' : checked.error
}

describe('record kinds', () => {
  it('space: name, description, policy, 16-byte nonce, optional bounded maxRecordBytes', () => {
    const base = { name: 'S', description: '', policy: 'open', nonce: new Uint8Array(16) }
    ok(bodies.space, base)
    ok(bodies.space, { ...base, policy: 'invite-only', maxRecordBytes: 1024 })
    ok(bodies.space, { ...base, maxRecordBytes: HARD_MAX_RECORD_BYTES })
    expect(error(bodies.space, { ...base, maxRecordBytes: HARD_MAX_RECORD_BYTES + 1 })).toMatch(/^body\.maxRecordBytes:/)
    expect(error(bodies.space, { ...base, maxRecordBytes: 1023 })).toMatch(/^body\.maxRecordBytes:/)
    expect(error(bodies.space, { ...base, policy: 'closed' })).toMatch(/^body\.policy:/)
    expect(error(bodies.space, { ...base, nonce: new Uint8Array(15) })).toMatch(/^body\.nonce:/)
    expect(error(bodies.space, { ...base, name: '' })).toMatch(/^body\.name:/)
    expect(error(bodies.space, { ...base, name: 'n'.repeat(101) })).toMatch(/^body\.name:/)
    expect(error(bodies.space, { ...base, description: 'd'.repeat(1001) })).toMatch(/^body\.description:/)
  })

  it('role: a did and a grantable role or null; founder is not grantable', () => {
    ok(bodies.role, { member: did, role: null })
    for (const role of ['admin', 'moderator', 'member']) ok(bodies.role, { member: did, role })
    expect(error(bodies.role, { member: did, role: 'founder' })).toMatch(/^body\.role:/)
    expect(error(bodies.role, { member: 'did:web:x', role: 'member' })).toMatch(/^body\.member:/)
    expect(ROLES).toEqual(['founder', 'admin', 'moderator', 'member'])
  })

  it('invite: key did, maxUses null or 1..MAX_INVITE_USES, grantable role', () => {
    ok(bodies.invite, { key: did, maxUses: null, role: 'member' })
    ok(bodies.invite, { key: did, maxUses: MAX_INVITE_USES, role: 'admin' })
    for (const maxUses of [0, MAX_INVITE_USES + 1, 1.5, undefined])
      expect(error(bodies.invite, { key: did, maxUses, role: 'member' })).toMatch(/^body\.maxUses:/)
    expect(error(bodies.invite, { key: did, maxUses: 1, role: 'founder' })).toMatch(/^body\.role:/)
  })

  it('join: invite, key and proof come together or not at all', () => {
    ok(bodies.join, {})
    ok(bodies.join, { invite: cid, key: did, proof: new Uint8Array(64) })
    for (const partial of [
      { invite: cid },
      { key: did },
      { proof: new Uint8Array(64) },
      { invite: cid, key: did },
      { key: did, proof: new Uint8Array(64) },
    ]) {
      expect(error(bodies.join, partial)).toBe('body: invite, key and proof come together or not at all')
    }
    expect(error(bodies.join, { invite: cid, key: did, proof: new Uint8Array(63) })).toMatch(/^body\.proof:/)
  })

  it('profile: name and an optional https avatar', () => {
    ok(bodies.profile, { name: 'Ann' })
    ok(bodies.profile, { name: 'Ann', avatar: 'https://example.org/a.png' })
    for (const avatar of ['http://example.org/a.png', 'javascript:alert(1)', 'https://exa mple.org', 'https://', '']) {
      expect(error(bodies.profile, { name: 'Ann', avatar })).toMatch(/^body\.avatar:/)
    }
    expect(error(bodies.profile, { name: 'n'.repeat(65) })).toMatch(/^body\.name:/)
  })

  it('post: bounded text, optional reply link and unique bounded mentions', () => {
    ok(bodies.post, { text: 'x'.repeat(MAX_POST_LENGTH) })
    ok(bodies.post, { text: 'x', replyTo: cid, mentions: [did, did2] })
    expect(error(bodies.post, { text: '' })).toMatch(/^body\.text:/)
    expect(error(bodies.post, { text: 'x'.repeat(MAX_POST_LENGTH + 1) })).toMatch(/^body\.text:/)
    expect(error(bodies.post, { text: 'x', mentions: [did, did] })).toBe('body.mentions: expected a list without duplicates')
    const many = Array.from({ length: MAX_MENTIONS + 1 }, (_, i) => didFromPublicKey(new Uint8Array(32).fill(i)))
    expect(error(bodies.post, { text: 'x', mentions: many })).toMatch(/^body\.mentions:/)
    expect(error(bodies.post, { text: 'x', replyTo: cid.toString() })).toMatch(/^body\.replyTo:/)
    expect(error(bodies.post, { text: 'x', extra: 1 })).toBe('body.extra: unexpected field')
  })

  it('edit, retract: link to the post', () => {
    ok(bodies.edit, { post: cid, text: 'new' })
    ok(bodies.retract, { post: cid })
    expect(error(bodies.edit, { post: cid, text: '' })).toMatch(/^body\.text:/)
    expect(error(bodies.retract, {})).toMatch(/^body\.post:/)
  })

  it('react: a short emoji or token without spaces or angle brackets', () => {
    for (const emoji of ['👍', '+1', '👨‍👩‍👧‍👦']) ok(bodies.react, { post: cid, emoji, on: true })
    for (const emoji of ['', 'a b', '<b>', 'x'.repeat(17), 'tab\t']) {
      expect(error(bodies.react, { post: cid, emoji, on: true })).toMatch(/^body\.emoji:/)
    }
    expect(error(bodies.react, { post: cid, emoji: '👍', on: 1 })).toMatch(/^body\.on:/)
  })

  it('moderate: exactly one of post or author', () => {
    ok(bodies.moderate, { post: cid, hidden: true })
    ok(bodies.moderate, { author: did, hidden: false, reason: 'spam' })
    expect(error(bodies.moderate, { hidden: true })).toBe('body: exactly one of post or author')
    expect(error(bodies.moderate, { post: cid, author: did, hidden: true })).toBe('body: exactly one of post or author')
    expect(error(bodies.moderate, { post: cid, hidden: true, reason: 'r'.repeat(501) })).toMatch(/^body\.reason:/)
  })

  it('membership kinds are exactly space, role, invite and join', () => {
    expect([...MEMBERSHIP_KINDS].sort()).toEqual(['invite', 'join', 'role', 'space'])
  })
})
