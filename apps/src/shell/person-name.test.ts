/** Names beside a key fingerprint: two people who chose the same name still look different. */
import { render } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import { createIdentity } from '../../../core/index.js'
import { checkProfile, fingerprint } from '../lib/identity.js'
import { checkNewSpace } from '../lib/spaces.js'
import PersonName from './PersonName.svelte'

describe('PersonName', () => {
  it('shows two members both called "Alice" with different key fingerprints, and the role when above member', async () => {
    const [one, two] = [await createIdentity(), await createIdentity()]
    const first = render(PersonName, { props: { did: one.did, name: 'Alice', role: 'moderator' } }).container.textContent!
    const second = render(PersonName, { props: { did: two.did, name: 'Alice', role: 'member' } }).container.textContent!
    expect(first.replace(/\s+/g, ' ').trim()).toBe(`Alice key ${fingerprint(one.did)} Moderator`)
    expect(second.replace(/\s+/g, ' ').trim()).toBe(`Alice key ${fingerprint(two.did)}`)
    expect(first).not.toBe(second)
  })

  it('isolates the name so its text direction cannot reorder the fingerprint after it', () => {
    const { container } = render(PersonName, { props: { did: 'did:key:z6MkexampleAAAA', name: 'שלום' } })
    expect(container.querySelector('bdi')?.textContent).toBe('שלום')
  })

  it('refuses a display name or space name with a right-to-left override before publishing it', () => {
    const message = checkProfile({ name: 'Bob\u202Egnp.exe', avatar: '' })
    expect(message).toMatch(/^This display name contains an invisible or text-direction character/)
    expect(checkNewSpace({ name: 'Club\u200B', description: '', policy: 'open' })).toMatch(/^This space name contains/)
    expect(checkProfile({ name: 'Bob', avatar: '' })).toBeUndefined()
  })
})
