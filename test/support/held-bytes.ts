/**
 * What a party holds of a private space, as bytes to search for plain text (test/private/*.test.ts).
 *
 * Raw bytes are not enough: several stores compress, and plain text deflated or snappy-compressed
 * would pass a raw search. So each store's content is also read back the way its owner reads it:
 * record files (deflate per frame) through `fileRecordStore`, zlib files (view checkpoints) inflated,
 * LevelDB directories (OrbitDB's blocks, data, log and keystore; snappy-compressed tables) through
 * LevelDB itself, and automerge-repo chunk directories (columns deflated past 256 bytes) loaded into
 * Automerge and every change decoded, values and keys included. Read the directories only once the
 * processes that own them have exited.
 */
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { inflateRawSync, inflateSync } from 'node:zlib'
import * as A from '@automerge/automerge'
import { LevelDatastore } from 'datastore-level'
import { fileRecordStore } from '../../adapters/shared/file-store.js'
import type { Identity } from '../../core/index.js'

export interface Haystack {
  /** Where the bytes come from, e.g. `relay:blocks/000003.log` or `relay:blocks (LevelDB)`. */
  readonly where: string
  readonly bytes: Uint8Array
}

export interface Needle {
  readonly label: string
  readonly bytes: Uint8Array
}

export interface Hit {
  readonly needle: string
  readonly where: string
  readonly count: number
}

/** The texts of a space and, for each member, its did without `did:key:` and its raw 32-byte public key. */
export function needlesOf(texts: readonly string[], members: readonly Identity[]): Needle[] {
  return [
    ...texts.map((text) => ({ label: text, bytes: Buffer.from(text, 'utf8') })),
    ...members.flatMap((member) => [
      { label: member.did, bytes: Buffer.from(member.did.slice('did:key:'.length), 'utf8') },
      { label: `public key of ${member.did}`, bytes: Uint8Array.from(member.publicKey) },
    ]),
  ]
}

function occurrences(haystack: Uint8Array, needle: Uint8Array): number {
  const buffer = Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength)
  let count = 0
  for (let at = buffer.indexOf(needle); at !== -1; at = buffer.indexOf(needle, at + 1)) count++
  return count
}

export function search(haystacks: readonly Haystack[], needles: readonly Needle[]): Hit[] {
  const hits: Hit[] = []
  for (const haystack of haystacks)
    for (const needle of needles) {
      const count = occurrences(haystack.bytes, needle.bytes)
      if (count > 0) hits.push({ needle: needle.label, where: haystack.where, count })
    }
  return hits
}

export const totalBytes = (haystacks: readonly Haystack[]) => haystacks.reduce((sum, haystack) => sum + haystack.bytes.length, 0)

async function walk(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await walk(path)))
    else if (entry.isFile()) out.push(path)
  }
  return out
}

async function walkDirs(dir: string): Promise<string[]> {
  const out = [dir]
  for (const entry of await readdir(dir, { withFileTypes: true }))
    if (entry.isDirectory()) out.push(...(await walkDirs(join(dir, entry.name))))
  return out
}

/** Every file under `dir`, recursively, as it is on disk. */
export async function rawFiles(label: string, dir: string): Promise<Haystack[]> {
  const files = await walk(dir)
  return Promise.all(files.map(async (path) => ({ where: `${label}:${relative(dir, path)}`, bytes: await readFile(path) })))
}

/** Every byte string in a decoded value (strings as UTF-8, byte arrays as they are), concatenated. */
function flatten(value: unknown, out: Uint8Array[] = []): Uint8Array[] {
  if (typeof value === 'string') out.push(Buffer.from(value, 'utf8'))
  else if (value instanceof Uint8Array) out.push(value)
  else if (Array.isArray(value)) for (const item of value) flatten(item, out)
  else if (value && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) {
      out.push(Buffer.from(key, 'utf8'))
      flatten(item, out)
    }
  out.push(new Uint8Array([0]))
  return out
}

/**
 * What the stores under `dir` hold once decompressed (see the file comment). Files that are none of
 * these formats are covered by `rawFiles` alone.
 */
export async function decodedStores(label: string, dir: string): Promise<Haystack[]> {
  const out: Haystack[] = []
  for (const path of await walk(dir)) {
    const where = `${label}:${relative(dir, path)}`
    const bytes = await readFile(path)
    for (const [how, inflate] of [
      ['zlib', inflateSync],
      ['deflate', inflateRawSync],
    ] as const) {
      try {
        out.push({ where: `${where} (${how})`, bytes: inflate(bytes) })
      } catch {
        // not this format
      }
    }
    if (path.endsWith('.records')) {
      const store = await fileRecordStore(path)
      try {
        const records = await store.load()
        out.push({ where: `${where} (records)`, bytes: Buffer.concat(records.flatMap((r) => [Buffer.from(r.id ?? ''), r.bytes])) })
      } finally {
        await store.close()
      }
    }
  }
  for (const sub of await walkDirs(dir)) {
    if (existsSync(join(sub, 'CURRENT'))) out.push(await levelDump(`${label}:${relative(dir, sub) || '.'} (LevelDB)`, sub))
    const automerge = await automergeChunks(`${label}:${relative(dir, sub)} (Automerge)`, sub)
    if (automerge) out.push(automerge)
  }
  return out
}

async function levelDump(where: string, path: string): Promise<Haystack> {
  // datastore-level's Level opens any LevelDB directory (OrbitDB's log and keystore ones too), and
  // reads keys and values back through LevelDB, so snappy-compressed tables come out inflated.
  const { db } = new LevelDatastore(path, { createIfMissing: false })
  await db.open()
  const parts: Uint8Array[] = []
  try {
    for await (const [key, value] of db.iterator<Uint8Array, Uint8Array>({ keyEncoding: 'view', valueEncoding: 'view' }))
      parts.push(key, value)
  } finally {
    await db.close()
  }
  return { where, bytes: Buffer.concat(parts) }
}

/**
 * An automerge-repo document directory (`<id>/snapshot/*`, `<id>/incremental/*`): its chunks
 * loaded together and every change decoded, so deflated columns are searched inflated.
 */
async function automergeChunks(where: string, dir: string): Promise<Haystack | undefined> {
  const chunks: Buffer[] = []
  for (const kind of ['snapshot', 'incremental']) {
    const kindDir = join(dir, kind)
    if (existsSync(kindDir)) for (const file of await walk(kindDir)) chunks.push(await readFile(file))
  }
  if (chunks.length === 0) return undefined
  const doc = A.load<unknown>(Buffer.concat(chunks))
  const changes = A.getAllChanges(doc).map((change) => A.decodeChange(change))
  if (changes.length === 0) throw new Error(`${where}: chunks that load as no change`)
  return { where, bytes: Buffer.concat([...flatten(changes), ...flatten(A.toJS(doc as object))]) }
}

/** Raw files and decoded stores under `dir`. */
export async function heldOnDisk(label: string, dir: string): Promise<Haystack[]> {
  return [...(await rawFiles(label, dir)), ...(await decodedStores(label, dir))]
}

/** The values a replica hands out (`getAll()` of the adapter replica, under the sealing layer). */
export function heldValues(label: string, entries: readonly { bytes: unknown; claimedId?: string }[]): Haystack[] {
  return entries.map((entry, i) => ({
    where: `${label}:getAll()[${i}]`,
    bytes: Buffer.concat([
      Buffer.from(entry.claimedId ?? ''),
      entry.bytes instanceof Uint8Array ? entry.bytes : Buffer.from(JSON.stringify(entry.bytes ?? null)),
    ]),
  }))
}

/** Per party (the label before `:`): how many haystacks and bytes were searched, raw and decoded apart. */
export function summary(haystacks: readonly Haystack[]): string {
  const parties = new Map<string, { raw: number; rawBytes: number; decoded: number; decodedBytes: number }>()
  for (const haystack of haystacks) {
    const party = haystack.where.slice(0, haystack.where.indexOf(':'))
    const row = parties.get(party) ?? { raw: 0, rawBytes: 0, decoded: 0, decodedBytes: 0 }
    if (haystack.where.endsWith(')')) {
      row.decoded++
      row.decodedBytes += haystack.bytes.length
    } else {
      row.raw++
      row.rawBytes += haystack.bytes.length
    }
    parties.set(party, row)
  }
  return [...parties]
    .map(([party, r]) => `${party}: ${r.raw} raw (${r.rawBytes} B) + ${r.decoded} decoded (${r.decodedBytes} B)`)
    .join('; ')
}

/**
 * Proof that the disk search reads compressed stores: `text` appended to a record file (which
 * deflates it) is found in the decoded content and not in the raw bytes.
 */
export async function probeRecordFile(dir: string, text: string): Promise<{ raw: number; decoded: number }> {
  const store = await fileRecordStore(join(dir, 'probe.records'))
  await store.append([{ id: 'probe', bytes: Buffer.from(`${text} ${text} ${text}`) }])
  await store.close()
  const needle = [{ label: text, bytes: Buffer.from(text) }]
  const count = (haystacks: Haystack[]) => search(haystacks, needle).reduce((sum, hit) => sum + hit.count, 0)
  return { raw: count(await rawFiles('probe', dir)), decoded: count(await decodedStores('probe', dir)) }
}
