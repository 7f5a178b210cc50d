/**
 * Where a space lives in automerge-repo, derived from the space id alone so that peers find the
 * document without exchanging URLs.
 *
 * - The document id is the first 16 bytes of SHA-256 over a domain tag and the space id (and the
 *   space secret, when the peers have one), in automerge-repo's bs58check form.
 * - Every peer starts the document from the same genesis change: `records = {}`, made by an actor
 *   and at a time derived from the same seed, so its bytes and hash are identical everywhere. Two
 *   peers that create the space's document independently (offline, or at the same moment) share
 *   that root and their `records` maps are one map, not two conflicting ones.
 *
 * Layout: `{ records: { [id]: Uint8Array } }`, a record under its id or records written together
 * as one batch under the batch's id (batch-value.ts). Bytes are stored as Automerge bytes (a JS
 * string would become collaborative text in Automerge 3, with per-character history).
 */
import * as A from '@automerge/automerge'
import { parseAutomergeUrl, stringifyAutomergeUrl, type AutomergeUrl, type DocumentId } from '@automerge/automerge-repo'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, utf8 } from '../../core/adapter/index.js'

export interface SpaceDocument {
  records: Record<string, unknown>
}

function seed(spaceId: string, secret?: Uint8Array): Uint8Array {
  const base = utf8(`townhall/automerge/v1\n${spaceId}`)
  return sha256(secret ? concatBytes(base, utf8('\n'), secret) : base)
}

/** The automerge-repo URL of a space's document. With a secret, only peers that hold it can name the document. */
export function spaceDocumentUrl(spaceId: string, secret?: Uint8Array): AutomergeUrl {
  return stringifyAutomergeUrl(seed(spaceId, secret).slice(0, 16) as Parameters<typeof stringifyAutomergeUrl>[0])
}

export function spaceDocumentId(spaceId: string, secret?: Uint8Array): DocumentId {
  return parseAutomergeUrl(spaceDocumentUrl(spaceId, secret)).documentId
}

const hex = (bytes: Uint8Array): string => [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('')

/** The saved bytes of the genesis change (identical on every peer for the same space and secret). */
export function genesisBytes(spaceId: string, secret?: Uint8Array): Uint8Array {
  const actor = hex(sha256(concatBytes(utf8('townhall/automerge/genesis-actor\n'), seed(spaceId, secret))).slice(0, 16))
  const empty = A.init<SpaceDocument>({ actor })
  return A.save(
    A.change(empty, { time: 0 }, (doc) => {
      doc.records = {}
    }),
  )
}

/** True when `value` is an Automerge map (a plain object in the materialized document). */
export function isMap(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}
