/**
 * Export and recount. An export is a self-contained JSON file of signed records; `recount` verifies
 * every signature in it and recomputes every poll from the file alone, with the same validation
 * any peer applies, so anyone can check a published result without trusting whoever published it.
 */
import { CID } from 'multiformats/cid'
import { fromBase64Url, toBase64Url } from './bytes.js'
import { InvalidExportError } from './errors.js'
import { createIdentity } from './identity.js'
import { localReplica } from './local-replica.js'
import type { PollView } from './poll.js'
import { compareCausal, dependenciesOf } from './causal.js'
import { cidString } from './cid-string.js'
import type { SignedRecord } from './record.js'
import type { RejectionSummary } from './rejection-log.js'
import { isSpaceId } from './space-id.js'
import { Space } from './space.js'

export interface SpaceExport {
  readonly type: 'townhall-export'
  readonly version: 1
  readonly space: string
  /** Set when the export holds one poll (plus the records its validity depends on). */
  readonly poll?: string
  /** base64url of each record's bytes, in record order (each after the records it names). */
  readonly records: readonly string[]
}

export interface Recount {
  readonly space: string
  readonly name: string | undefined
  readonly records: { readonly total: number; readonly valid: number }
  readonly rejections: RejectionSummary
  readonly polls: readonly PollView[]
}

const MAX_EXPORT_RECORDS = 5_000_000
const MEMBERSHIP = new Set(['space', 'role', 'invite', 'join'])

/**
 * Exports a whole space, or one poll with what its validity depends on: the membership records and
 * the causal past of each of its records (a record is judged only once everything it names is there).
 */
export function exportSpace(space: Space, options: { poll?: string } = {}): SpaceExport {
  let records: SignedRecord[] = [...space.getRecords()]
  if (options.poll !== undefined) {
    const poll = options.poll
    records = withPasts(
      records,
      records.filter((record) => MEMBERSHIP.has(record.kind) || record.id === poll || belongsToPoll(record, poll)),
    )
  }
  records.sort(compareCausal)
  return {
    type: 'townhall-export',
    version: 1,
    space: space.id,
    ...(options.poll !== undefined ? { poll: options.poll } : {}),
    records: records.map((record) => toBase64Url(record.bytes)),
  }
}

/** `chosen` and every held record in their causal pasts. */
function withPasts(all: readonly SignedRecord[], chosen: readonly SignedRecord[]): SignedRecord[] {
  const byId = new Map(all.map((record) => [record.id, record]))
  const kept = new Map(chosen.map((record) => [record.id, record]))
  const stack = [...chosen]
  while (stack.length > 0) {
    for (const cid of dependenciesOf(stack.pop()!)) {
      const dep = byId.get(cidString(cid))
      if (dep && !kept.has(dep.id)) {
        kept.set(dep.id, dep)
        stack.push(dep)
      }
    }
  }
  return [...kept.values()]
}

function belongsToPoll(record: SignedRecord, poll: string): boolean {
  const target = (record.body as { poll?: unknown } | null)?.poll
  return CID.asCID(target)?.toString() === poll
}

/** Parses an export from JSON text or an object, with errors that say what is wrong. */
export function parseExport(input: unknown): SpaceExport {
  let value = input
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value)
    } catch (cause) {
      throw new InvalidExportError(`The export is not JSON: ${String(cause)}`)
    }
  }
  const file = value as Partial<SpaceExport> | null
  if (typeof file !== 'object' || file === null || file.type !== 'townhall-export' || file.version !== 1) {
    throw new InvalidExportError('Not a townhall export (expected type "townhall-export", version 1).')
  }
  if (!isSpaceId(file.space)) throw new InvalidExportError('The export has no valid space id.')
  if (!Array.isArray(file.records) || file.records.length > MAX_EXPORT_RECORDS || !file.records.every((r) => typeof r === 'string')) {
    throw new InvalidExportError(`The export's "records" must be a list of at most ${MAX_EXPORT_RECORDS} base64url strings.`)
  }
  return file as SpaceExport
}

/** Verifies every record of an export and recomputes every poll's result from them alone. */
export async function recount(input: unknown): Promise<Recount> {
  const file = parseExport(input)
  const space = await Space.open({ id: file.space, identity: await createIdentity(), replica: localReplica(file.space), autoReveal: false, plainRecords: true })
  try {
    const entries = file.records.map((text, index) => {
      try {
        return { bytes: fromBase64Url(text), source: `record ${index}` }
      } catch {
        return { bytes: text as unknown, source: `record ${index}` }
      }
    })
    // Batches keep memory flat while signatures verify concurrently within each batch.
    for (let i = 0; i < entries.length; i += 2000) await space.ingest(entries.slice(i, i + 2000))
    await space.idle()
    const polls = space.getPolls().filter((poll) => file.poll === undefined || poll.id === file.poll)
    return {
      space: file.space,
      name: space.getInfo()?.name,
      records: { total: file.records.length, valid: space.getRecords().length },
      rejections: space.getRejections(),
      polls,
    }
  } finally {
    await space.close()
  }
}
