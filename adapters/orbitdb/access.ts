/**
 * The OrbitDB access controller of townhall spaces: any device may append, as long as the entry is
 * signed by a valid OrbitDB identity and its payload stays under a size bound.
 *
 * OrbitDB identities are per-device keys that say nothing about who may post in a space; the root
 * of trust is the townhall record inside the entry (signed by its author's did:key, validated by
 * the space against the space's membership). Gating appends on OrbitDB identities would add a
 * second, weaker membership list to keep in sync, so this controller only keeps out what would cost
 * every peer storage and bandwidth: unsigned or forged entries and oversized payloads.
 *
 * Its address is a constant (`/townhall-open/v1`), so a space's database manifest, and with it the
 * database address, derive from the space id alone: every peer opens the same database without
 * exchanging addresses, and no access-list block has to be fetched first.
 */
import { encode } from '@ipld/dag-cbor'
import type { AccessControllerFactory, AccessControllerModule, LogEntry } from '@orbitdb/core'

export const ACCESS_TYPE = 'townhall-open'
export const ACCESS_ADDRESS = `/${ACCESS_TYPE}/v1`

export interface AccessStats {
  /** Entries refused before they reached the log, with the reason, newest last (bounded). */
  readonly refused: Array<{ readonly entry: string; readonly reason: string }>
}

/** A refused entry never reaches the space, so the reasons are kept here (the last 100). */
const MAX_REASONS = 100

/** Notes why an entry stayed out of the log, once per entry (the access controller's reason wins, as it comes first). */
export function noteRefusal(stats: AccessStats | undefined, entry: string, reason: string): void {
  const refused = stats?.refused
  if (!refused || refused.some((known) => known.entry === entry)) return
  refused.push({ entry, reason })
  if (refused.length > MAX_REASONS) refused.splice(0, refused.length - MAX_REASONS)
}

export function townhallAccess(options: { maxPayloadBytes: number; stats?: AccessStats }): AccessControllerModule {
  const refuse = (entry: LogEntry, reason: string) => {
    noteRefusal(options.stats, String(entry.hash ?? '?'), reason)
    return false
  }
  return async ({ identities }) => ({
    type: ACCESS_TYPE,
    address: ACCESS_ADDRESS,
    write: ['*'],
    async canAppend(entry) {
      let size: number
      try {
        size = encode(entry.payload).length
      } catch {
        return refuse(entry, 'payload is not dag-cbor')
      }
      if (size > options.maxPayloadBytes) return refuse(entry, `payload of ${size} bytes exceeds ${options.maxPayloadBytes}`)
      const writer = typeof entry.identity === 'string' ? await identities.getIdentity(entry.identity).catch(() => undefined) : undefined
      if (!writer) return refuse(entry, 'writer identity not found')
      if (!(await identities.verifyIdentity(writer).catch(() => false))) return refuse(entry, 'writer identity does not verify')
      return true
    },
  })
}

/** Registered with OrbitDB so that a database opened by address finds this controller type too. */
export const townhallAccessType: AccessControllerFactory = Object.assign(() => townhallAccess({ maxPayloadBytes: 4 * 1024 * 1024 }), {
  type: ACCESS_TYPE,
})
