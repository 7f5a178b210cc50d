import { afterEach, describe, expect, it } from 'vitest'
import { memoryNetwork } from '../testing/index.js'
import { InvalidRecordError } from './errors.js'
import { createIdentity } from './identity.js'
import { bodies } from './kinds.js'
import { pollBodies } from './poll-kinds.js'
import { signRecord } from './record.js'
import { createSpace, type Space } from './space.js'
import { sealFrame } from './private/frame.js'
import { epochZeroKey } from './private/keyring.js'
import { firstDuplicate, textKey, unsafeCharacter } from './text.js'

const opened: Space[] = []
afterEach(async () => {
  for (const space of opened.splice(0)) await space.close()
})

const pollBody = (options: string[]) => ({
  question: 'Which fruit?',
  description: '',
  options,
  method: 'plurality',
  eligibility: { type: 'members' },
  secret: false,
})

describe('text rules for names and options', () => {
  it('treats options that read the same as the same: NFC, case folding, collapsed whitespace', () => {
    expect(textKey('Caf\u00e9')).toBe(textKey('Cafe\u0301'))
    expect(textKey('Yes')).toBe(textKey('yes'))
    expect(textKey('Red  apple ')).toBe(textKey('Red apple'))
    expect(textKey('STRASSE')).toBe(textKey('straße'))
    expect(textKey('Red apple')).not.toBe(textKey('Red apples'))
    // Case is folded only where every supported engine's Unicode tables agree (below U+0530):
    // Cherokee's case pairs came in Unicode 8, and an older engine would not fold them.
    expect(textKey('\u13A0')).not.toBe(textKey('\uAB70'))
    expect(firstDuplicate(['Tea', 'Coffee', ' tea'])).toEqual({ index: 2, sameAs: 0 })
    expect(firstDuplicate(['Tea', 'Coffee'])).toBeUndefined()
  })

  it('finds bidi controls and invisible characters, but keeps emoji sequences and right-to-left scripts', () => {
    expect(unsafeCharacter('Bob\u202Egnp.exe')).toBe('a bidi control (U+202E)')
    expect(unsafeCharacter('Ali\u200Bce')).toBe('an invisible or control character (U+200B)')
    expect(unsafeCharacter('Ali\u200Dce')).toBe('an invisible or control character (U+200D)')
    expect(unsafeCharacter('a\u2067b')).toBe('a bidi control (U+2067)')
    expect(unsafeCharacter('line\nbreak')).toBe('an invisible or control character (U+000A)')
    expect(unsafeCharacter('\u3164')).toBe('an invisible or control character (U+3164)')
    // A family emoji (joined with ZWJ), a skin tone, the flag of England (tag characters), Hebrew.
    for (const fine of [
      '👨\u200D👩\u200D👧',
      '👩🏽\u200D💻',
      '👍🏽',
      '🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}',
      'שלום',
      'Café',
    ])
      expect(unsafeCharacter(fine), fine).toBeUndefined()
  })

  it('rejects poll options that only differ in case, spacing or accent encoding, and unsafe names, in the schema', () => {
    for (const options of [
      ['Caf\u00e9', 'Cafe\u0301'],
      ['Yes', 'yes'],
      ['Red  apple', 'Red apple'],
    ]) {
      const checked = pollBodies.poll(pollBody(options), 'body')
      expect(checked).toEqual({
        ok: false,
        error: 'body.options: option 2 is the same as option 1 once case, spacing and accent encoding are ignored',
      })
    }
    expect(pollBodies.poll(pollBody(['Red apple', 'Green apple']), 'body').ok).toBe(true)
    expect(pollBodies.poll(pollBody(['Tea', ' ']), 'body')).toEqual({ ok: false, error: 'body.options[1]: has no visible characters' })
    expect(bodies.profile({ name: 'Bob\u202Egnp.exe' }, 'body')).toEqual({
      ok: false,
      error: 'body.name: contains a bidi control (U+202E), which would make it read as other text',
    })
    expect(bodies.profile({ name: 'Alice' }, 'body').ok).toBe(true)
  })

  it('refuses such a poll locally, and rejects it from a peer as schema', async () => {
    const network = memoryNetwork()
    const founder = await createIdentity()
    const space = await createSpace({ identity: founder, name: 'Fruit club', replica: (id) => network.replica(id) })
    opened.push(space)
    const local = space.createPoll({ question: 'Which fruit?', options: ['Yes', 'yes'], method: 'plurality' })
    await expect(local).rejects.toBeInstanceOf(InvalidRecordError)
    await expect(local).rejects.toThrow('option 2 is the same as option 1')
    await expect(space.setProfile({ name: 'Bob\u202Egnp.exe' })).rejects.toThrow('bidi control')

    const genesis = space.getRecords().find((record) => record.kind === 'space')!
    const forged = await signRecord(founder, {
      kind: 'poll',
      space: genesis.cid,
      hlc: [Date.now(), 0],
      refs: [genesis.cid],
      body: pollBody(['Caf\u00e9', 'Cafe\u0301']),
    })
    // Sealed as a member holding the link would send it: the space is private, as new spaces are.
    const sealed = sealFrame(epochZeroKey(space.secret!), 0, forged.bytes)
    const change = await space.ingest([{ bytes: sealed, source: 'peer' }])
    expect(change.rejected.map((rejection) => rejection.reason)).toEqual(['schema'])
    expect(change.rejected[0]!.detail).toContain('option 2 is the same as option 1')
    expect(space.getPolls()).toEqual([])
  })
})
