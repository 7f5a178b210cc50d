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

export function describeError(error: unknown): string {
  if (error instanceof TownhallError) {
    const lead = LEADS[error.code]
    return lead ? `${lead}: ${error.message}` : error.message
  }
  if (error instanceof DOMException && error.name === 'AbortError') return 'Cancelled.'
  const message = error instanceof Error ? error.message : String(error)
  return `Something went wrong: ${message}`
}

/** True for a refusal the user can act on (a role missing, a bad link), as opposed to a bug. */
export const isRefusal = (error: unknown): boolean => error instanceof TownhallError
