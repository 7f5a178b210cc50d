/**
 * Turning untrusted bytes into a verified record of a known kind, cheapest checks first:
 * size, id (hash: duplicates stop here), strict decode, envelope, space, kind, body schema, then
 * the signature (also for a kind not registered here, which the space then holds as `unknown-kind`). Authorization (does the author have the right?) is decided later, against the
 * whole record set.
 */
import { CID } from 'multiformats/cid'
import { cidString } from './cid-string.js'
import { sameCid } from './codec.js'
import { ed25519Backend } from './ed25519.js'
import { inviteProofMessage } from './invite.js'
import { publicKeyFromDid } from './did.js'
import { checkInput, parseRecord, recordCid, recordCidNow, signedMessage, type ParsedRecord, type SignedRecord } from './record.js'
import { reject, type Rejection, type RejectionReason, type Verdict } from './rejection.js'
import type { Validator } from './schema.js'

export interface ValidationContext {
  readonly spaceCid: CID
  readonly maxBytes: number
  readonly schemas: ReadonlyMap<string, Validator<unknown>>
  /** Ids already accepted; duplicates stop after hashing, before any signature work. */
  isKnown(id: string): boolean
  /**
   * Ids this device verified before (see `VerifiedIds`): bytes that hash to one are the bytes that
   * passed every check here, so the canonical-form check and the signatures are not redone. The
   * body schema still runs, because it also builds the typed body.
   */
  isVerified?(id: string): boolean
}

/** `kind`: set when the record is signed and sound but of a kind not registered here (`unknown-kind`). */
export type Validation = Verdict<SignedRecord> | { ok: 'duplicate'; id: string } | { ok: false; rejection: Rejection; kind: string }

export interface EntryOptions {
  readonly claimedId?: string
  readonly source?: string
  readonly hashed?: boolean
  readonly wellFormed?: boolean
}

/**
 * The verdict on one entry, given at once where nothing needs awaiting: a record this device verified
 * before, or a duplicate, where hashing is synchronous (Node) or the replica gave the id. A space
 * opening reads every stored record so, and a promise, a reaction and a microtask turn per record
 * were a fifth of what that allocated. The promise it may return starts the awaited work (a
 * WebCrypto hash, the signature check) when returned, so callers bound how many are in flight.
 */
export function validateEntry(bytes: unknown, context: ValidationContext, options: EntryOptions = {}): Validation | Promise<Validation> {
  const checked = checkInput(bytes, context.maxBytes)
  if (!checked.ok) return withSource(checked, options.source)
  // Hashing before parsing (cheap, and needed anyway) lets duplicates and records verified before
  // skip the costly checks. An id the replica computed from these very bytes is not computed again.
  if (options.hashed === true && typeof options.claimedId === 'string')
    return validateHashed(checked.value, undefined, options.claimedId, context, options)
  const cid = recordCidNow(checked.value)
  if (cid) return validateHashed(checked.value, cid, cidString(cid), context, options)
  return recordCid(checked.value).then((cid) => validateHashed(checked.value, cid, cidString(cid), context, options))
}

/** The rest of validation, once the record's id is known (`cid` is undefined when the replica gave it). */
function validateHashed(
  bytes: Uint8Array,
  cid: CID | undefined,
  computed: string,
  context: ValidationContext,
  options: EntryOptions,
): Validation | Promise<Validation> {
  const source = options.source
  // The replica's own string when it is the same id: one copy per record, not two.
  const id = options.claimedId === computed ? options.claimedId : computed
  const claimedOk = options.claimedId === undefined || options.claimedId === id
  if (claimedOk && context.isKnown(id)) return { ok: 'duplicate', id }
  const verifiedBefore = context.isVerified?.(id) ?? false
  const parsed = parseRecord(bytes, context.maxBytes, { checkedBefore: verifiedBefore || options.wellFormed === true })
  if (!parsed.ok) return withSource(parsed, source)
  const record = parsed.value
  if (options.claimedId !== undefined && options.claimedId !== id) {
    return refuse(record, id, source, 'id-mismatch', `stored as ${String(options.claimedId).slice(0, 80)} but its content hashes to ${id}`)
  }

  if (record.kind === 'space') {
    if (record.space !== null || (cid ? !sameCid(cid, context.spaceCid) : id !== cidString(context.spaceCid))) {
      return refuse(record, id, source, 'foreign-genesis', "a genesis record whose id is not this space's id")
    }
  } else if (!record.space || !sameCid(record.space, context.spaceCid)) {
    return refuse(record, id, source, 'wrong-space', `record belongs to space ${record.space?.toString() ?? '(none)'}`)
  }
  const schema = context.schemas.get(record.kind)
  if (!schema) {
    // Signed records of a kind registered later are held and folded then (space.ts), so the
    // signature is checked first: only what would fold once the kind is known is held.
    const unknown = (): Validation => ({
      ...refuse(record, id, source, 'unknown-kind', `no record kind "${record.kind.slice(0, 64)}" registered here`),
      kind: record.kind,
    })
    if (verifiedBefore) return unknown()
    return checkSignatures(record, record.body, context.spaceCid).then((failed) =>
      failed ? refuse(record, id, source, 'bad-signature', failed) : unknown(),
    )
  }
  const body = schema(record.body, 'body')
  if (!body.ok) return refuse(record, id, source, 'schema', `${record.kind} ${body.error}`)

  if (verifiedBefore) return validated(record, body.value, id, cid)
  return checkSignatures(record, body.value, context.spaceCid).then((failed) =>
    failed ? refuse(record, id, source, 'bad-signature', failed) : validated(record, body.value, id, cid),
  )
}

function validated(record: ParsedRecord, body: unknown, id: string, cid: CID | undefined): Validation {
  const { kind, space, hlc, refs, author, authorKey, signature, bytes } = record
  if (!cid) return { ok: true, value: new RecordWithGivenId(kind, space, hlc, refs, body, author, authorKey, signature, bytes, id) }
  return { ok: true, value: { kind, space, hlc, refs, body, author, authorKey, signature, bytes, id, cid } }
}

// Module-level rather than closures in validateEntry: it runs for every record a space reads, and
// a closure per call (named at runtime, under tsx) was a measurable share of reading 100k records.
const withSource = (verdict: { ok: false; rejection: Rejection }, source: string | undefined) =>
  source ? { ok: false as const, rejection: { ...verdict.rejection, source } } : verdict

const refuse = (record: ParsedRecord, id: string, source: string | undefined, reason: RejectionReason, detail: string) =>
  withSource(reject(reason, detail, { id, author: record.author }), source)

/**
 * A record whose id its replica computed. The space keeps records in a form that derives the CID
 * from the id when asked (kept-record.ts), so parsing it here for each of them would be work thrown
 * away. A class, not a literal with a getter: that literal took a closure and a slow-mode object
 * per record, and doubled what validation itself allocated.
 */
class RecordWithGivenId implements SignedRecord {
  constructor(
    readonly kind: string,
    readonly space: CID | null,
    readonly hlc: SignedRecord['hlc'],
    readonly refs: readonly CID[],
    readonly body: unknown,
    readonly author: SignedRecord['author'],
    readonly authorKey: Uint8Array,
    readonly signature: Uint8Array,
    readonly bytes: Uint8Array,
    readonly id: string,
  ) {}

  get cid(): CID {
    return CID.parse(this.id)
  }
}

/** The record's signature, and a join's invite proof; returns what failed, if anything. */
async function checkSignatures(record: ParsedRecord, body: unknown, spaceCid: CID): Promise<string | undefined> {
  const backend = await ed25519Backend()
  if (!(await backend.verify(record.authorKey, record.signature, signedMessage(record)))) {
    return `signature does not verify for ${record.author}`
  }
  if (record.kind === 'join') {
    const { invite, key, proof } = body as { invite?: CID; key?: string; proof?: Uint8Array }
    const inviteKey = key && publicKeyFromDid(key)
    if (invite && inviteKey && proof && !(await backend.verify(inviteKey, proof, inviteProofMessage(spaceCid, invite, record.author)))) {
      return 'the invite proof does not verify for this invite key and member'
    }
  }
  return undefined
}
