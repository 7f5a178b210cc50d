/**
 * Turns what an action threw into a sentence for an alert. Townhall's own errors already say what
 * was wrong and what to do (docs/errors.md), so their message is shown as it is, with a short lead
 * naming the kind of refusal; anything else is an unexpected failure.
 */
import { TownhallError } from '../../../core/index.js'

const LEADS: Partial<Record<TownhallError['code'], string>> = {
  NOT_AUTHORIZED: 'Not allowed',
  INVALID_SHARE_LINK: 'That link does not work',
  INVALID_IDENTITY: 'That key cannot be imported',
  SPACE_CLOSED: 'The space was closed',
  REPLICA_CLOSED: 'The space was closed',
  UNKNOWN_RECORD: 'Not synced yet',
}

/**
 * Core's refusals that name records and rules, said the way a person using the app would say
 * them. Checked in order; the first match wins. Anything else keeps core's own message.
 */
const PLAIN: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /invite \S+ was already used \d+ time/,
    'This invite link has been used as many times as it allows. Ask an admin of the space for a new one.',
  ],
  [
    /invite \S+ is not a valid invite/,
    'This invite is not valid in this space (it may have been made by someone who could not invite). Ask for a new invite link.',
  ],
  [/not this invite's key/, 'This invite link was changed or cut on the way: its key does not match the invite. Ask for the link again.'],
  [/invite-only; joining needs an invite/, 'This space is invite-only. Ask one of its admins for an invite link.'],
  [/the space genesis has not synced yet/, 'This space has not arrived on this device yet. Wait until someone who holds it is online.'],
]

export function describeError(error: unknown): string {
  if (error instanceof TownhallError) {
    const plain = PLAIN.find(([pattern]) => pattern.test(error.message))
    if (plain) return plain[1]
    const lead = LEADS[error.code]
    return lead ? `${lead}: ${error.message}` : error.message
  }
  if (error instanceof DOMException && error.name === 'AbortError') return 'Cancelled.'
  const message = error instanceof Error ? error.message : String(error)
  return `Something went wrong: ${message}`
}

/** True for a refusal the user can act on (a role missing, a bad link), as opposed to a bug. */
export const isRefusal = (error: unknown): boolean => error instanceof TownhallError
