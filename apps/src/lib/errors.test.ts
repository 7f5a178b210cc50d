import { describe, expect, it } from 'vitest'
import { InvalidShareLinkError, NotAuthorizedError } from '../../../core/index.js'
import { describeError } from './errors.js'

describe('describeError', () => {
  it("says core's invite refusals in the app's words, without record ids", () => {
    const used = new NotAuthorizedError('Cannot join: invite bafyreiabc was already used 1 time(s).')
    expect(describeError(used)).toBe('This invite link has been used as many times as it allows. Ask an admin of the space for a new one.')
    expect(describeError(used)).not.toContain('bafyrei')
  })

  it('keeps the lead and message of other refusals, and calls anything else unexpected', () => {
    expect(describeError(new InvalidShareLinkError('The share link has no valid space id; ask for a new link.'))).toBe(
      'That link does not work: The share link has no valid space id; ask for a new link.',
    )
    expect(describeError(new Error('boom'))).toBe('Something went wrong: boom')
  })
})
