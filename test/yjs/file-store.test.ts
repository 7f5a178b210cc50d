/** The Node record store: durable appends, reopened in order with their ids, deflated, and a torn last frame set aside. */
import { createHash } from 'node:crypto'
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { deflateRawSync } from 'node:zlib'
import fc from 'fast-check'
import { assertProperty } from '../property/runs.js'
import { afterEach, describe, expect, it } from 'vitest'
import { fileRecordStore } from '../../adapters/yjs/file-store.js'
import type { StoredRecord } from '../../adapters/yjs/store.js'
import { seededRandom } from '../../testing/random.js'

const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })))
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'townhall-store-'))
  dirs.push(dir)
  return join(dir, 'nested', 'space.records')
}
const bytes = (...values: number[]) => new Uint8Array(values)
/** The store keeps whatever id it is given; a hash stands in for the replica's CID. */
const idOf = (record: Uint8Array) => createHash('sha256').update(record).digest('base64url')
const keyed = (record: Uint8Array) => ({ id: idOf(record), bytes: record })
const rec = (...values: number[]) => keyed(bytes(...values))
const random = seededRandom(11)
/** Seeded noise, as incompressible as keys and signatures are, four bytes per draw. */
function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i += 4) {
    const word = Math.floor(random.next() * 2 ** 32)
    for (let k = 0; k < 4 && i + k < length; k++) out[i + k] = (word >>> (8 * k)) & 0xff
  }
  return out
}

describe('fileRecordStore', () => {
  it('returns every appended record, in order, after a reopen', async () => {
    const path = scratch()
    const store = await fileRecordStore(path)
    await store.append([rec(1), rec(2, 2)])
    await Promise.all([store.append([rec(3, 3, 3)]), store.append([]), store.append([rec(4)])])
    await store.close()
    const again = await fileRecordStore(path)
    expect(await again.load()).toEqual([rec(1), rec(2, 2), rec(3, 3, 3), rec(4)])
    await again.close()
    // Owner-only: the records of a private space are nobody else's business on a shared machine.
    expect(statSync(path).mode & 0o777).toBe(0o600)
  })

  it('sets aside a frame torn by a crash, so later appends start on a boundary', async () => {
    const path = scratch()
    const store = await fileRecordStore(path)
    await store.append([rec(1, 1), rec(2)])
    await store.close()
    appendFileSync(path, new Uint8Array([0xf5, 0x7a, 0x3c, 0xa9, 0, 0, 0, 9, 7, 7])) // header promises 9 bytes, none arrived
    const reopened = await fileRecordStore(path)
    expect(await reopened.load()).toEqual([rec(1, 1), rec(2)])
    expect(reopened.getDamage()).toMatchObject([{ reason: 'torn', length: 10 }])
    await reopened.append([rec(5)])
    await reopened.close()
    const last = await fileRecordStore(path)
    expect(await last.load()).toEqual([rec(1, 1), rec(2), rec(5)])
    await last.close()
  })

  it('deflates what it writes: similar records take a fraction of their size, even one at a time', async () => {
    const path = scratch()
    const shared = randomBytes(120) // what signed records repeat: ids of the space and poll, field names
    const record = () => new Uint8Array([0xa8, ...shared, ...randomBytes(96)]) // plus a key and a signature
    const batch = Array.from({ length: 500 }, record)
    const store = await fileRecordStore(path)
    await store.append(batch.map(keyed))
    const afterBatch = statSync(path).size
    // Records and their ids (43 random characters here, ~32 bytes deflated, as a CID's 59 are ~37).
    const raw = batch.reduce((sum, bytes) => sum + bytes.length + 32, 0)
    expect(afterBatch).toBeLessThan(raw * 0.65)
    // Alone, a record is deflated with the dictionary the file keeps (its first records).
    const single = record()
    await store.append([keyed(single)])
    expect(statSync(path).size - afterBatch).toBeLessThan((single.length + 32) * 0.75)
    await store.close()
    const again = await fileRecordStore(path)
    expect(await again.load()).toEqual([...batch, single].map(keyed))
    await again.close()
  })

  it("holds what it loads in buffers of the records' own size, however small the appends were", async () => {
    const path = scratch()
    const shared = randomBytes(120)
    const records = Array.from({ length: 300 }, () => new Uint8Array([0xa8, ...shared, ...randomBytes(96)]))
    const store = await fileRecordStore(path)
    for (const record of records) await store.append([keyed(record)])
    await store.close()
    const again = await fileRecordStore(path)
    const loaded = await again.load()
    await again.close()
    expect(loaded).toEqual(records.map(keyed))
    // Records are views: what they keep alive is every distinct buffer under them.
    const held = new Set(loaded.map(({ bytes }) => bytes.buffer))
    const heldBytes = [...held].reduce((sum, buffer) => sum + buffer.byteLength, 0)
    const recordBytes = records.reduce((sum, bytes) => sum + bytes.length, 0)
    expect(heldBytes).toBeLessThan(recordBytes * 1.2)
  })

  it('splits a large append into frames it can read back', async () => {
    const path = scratch()
    // 17.5 MiB, incompressible: as one frame it would pass the 16 MiB a frame may have and read as torn.
    const records = Array.from({ length: 280 }, () => randomBytes(64 * 1024))
    const store = await fileRecordStore(path)
    await store.append(records.map(keyed))
    await store.close()
    const again = await fileRecordStore(path)
    const loaded = await again.load()
    await again.close()
    // Compared as Buffers: a deep equality of 17.5 million numbers takes a minute.
    expect(loaded.length).toBe(records.length)
    expect(loaded.every(({ id, bytes }, i) => id === idOf(records[i]!) && Buffer.from(bytes).equals(records[i]!))).toBe(true)
  })

  it('loads in turn with appends, so a read never cuts off an append in progress', async () => {
    const path = scratch()
    const store = await fileRecordStore(path)
    const written: Uint8Array[] = []
    for (let round = 0; round < 5; round++) {
      const batch = Array.from({ length: 64 }, () => keyed(randomBytes(64 * 1024))) // 4 MiB, several writes
      written.push(...batch.map(({ bytes }) => bytes))
      const [, loaded] = await Promise.all([store.append(batch), store.load()])
      // The load ran after the append it was queued behind: it sees every whole record so far.
      expect(loaded.length).toBe(written.length)
    }
    await store.close()
    const again = await fileRecordStore(path)
    expect((await again.load()).length).toBe(written.length)
    await again.close()
  })

  it('reads files of plain frames written before compression, and appends after them', async () => {
    const path = scratch()
    const old = [bytes(0xa1, 1), bytes(0xa2, 2, 2)]
    const frames = old.flatMap((record) => [0, 0, 0, record.length, ...record])
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, new Uint8Array(frames))
    const store = await fileRecordStore(path)
    // No ids: the replica hashes these.
    expect(await store.load()).toEqual(old.map((record) => ({ bytes: record })))
    await store.append([rec(0xa3, 3)])
    await store.close()
    const again = await fileRecordStore(path)
    expect(await again.load()).toEqual([...old.map((record) => ({ bytes: record })), rec(0xa3, 3)])
    await again.close()
  })

  it('reads deflated frames written before ids were kept, with the same dictionary', async () => {
    const path = scratch()
    const shared = randomBytes(120)
    const old = Array.from({ length: 3 }, () => new Uint8Array([0xa8, ...shared, ...randomBytes(40)]))
    const plain = Buffer.concat(old.flatMap((record) => [Buffer.from([0, 0, 0, record.length]), Buffer.from(record)]))
    const first = deflateRawSync(plain)
    // The second frame was deflated with the first frame's records as its dictionary.
    const second = deflateRawSync(plain, { dictionary: Buffer.from(plain.filter((_, i) => i % (old[0]!.length + 4) >= 4)) })
    const frame = (deflated: Buffer) => {
      const header = Buffer.alloc(5)
      header.writeUInt32BE(deflated.length + 1)
      return Buffer.concat([header, deflated])
    }
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, Buffer.concat([frame(first), frame(second)]))
    const store = await fileRecordStore(path)
    expect(await store.load()).toEqual([...old, ...old].map((record) => ({ bytes: record })))
    await store.append([keyed(old[0]!)])
    await store.close()
    const again = await fileRecordStore(path)
    expect((await again.load()).at(-1)).toEqual(keyed(old[0]!))
    await again.close()
  })

  it('reads no records from a frame that fails its checksum, so no bytes come back under a wrong id', async () => {
    const path = scratch()
    const store = await fileRecordStore(path)
    const first = Array.from({ length: 200 }, () => keyed(randomBytes(200)))
    const second = Array.from({ length: 20 }, () => keyed(randomBytes(200)))
    await store.append(first)
    const boundary = statSync(path).size
    await store.append(second)
    await store.append([rec(0xa7, 7)])
    await store.close()
    // One bit of the second frame's CRC-32 (after its sync marker and length): its deflate stream
    // still inflates, so only the checksum can tell.
    const file = readFileSync(path)
    file[boundary + 8]! ^= 0x01
    writeFileSync(path, file)
    const again = await fileRecordStore(path)
    expect(await again.load()).toEqual([...first, rec(0xa7, 7)])
    expect(again.getDamage()).toMatchObject([{ offset: boundary, reason: 'checksum' }])
    await again.close()
  })

  it('refuses an id it could not read back, and writes nothing of that append', async () => {
    const path = scratch()
    const store = await fileRecordStore(path)
    await expect(store.append([rec(1), { id: 'x'.repeat(256), bytes: bytes(2) }])).rejects.toThrow(/ids must be 1 to 255 latin1/)
    await expect(store.append([{ id: 'ключ', bytes: bytes(3) }])).rejects.toThrow(/latin1/)
    await expect(store.append([{ id: '', bytes: bytes(3) }])).rejects.toThrow(/ids must be/)
    // From JavaScript, without types: still a rejection that says what was wrong.
    await expect(store.append([{ bytes: bytes(3) } as unknown as StoredRecord])).rejects.toThrow(/"undefined": ids must be/)
    await store.append([rec(4)])
    await store.close()
    const again = await fileRecordStore(path)
    expect(await again.load()).toEqual([rec(4)])
    await again.close()
  })

  it('skips a damaged frame whose length is whole, keeping the records around it', async () => {
    const path = scratch()
    const first = Array.from({ length: 200 }, () => keyed(randomBytes(200))) // fills the dictionary
    const store = await fileRecordStore(path)
    await store.append(first)
    await store.close()
    appendFileSync(path, new Uint8Array([0xf5, 0x7a, 0x3c, 0xa9, 0, 0, 0, 5, 0, 0, 0, 0, 0x52, 0xff, 0xff, 0xff, 0xff])) // a wrong checksum
    appendFileSync(path, new Uint8Array([0, 0, 0, 5, 1, 0x78, 0x9c, 0xff, 0xff])) // and a v1 frame, in a v2 file
    const reopened = await fileRecordStore(path)
    expect(await reopened.load()).toEqual(first)
    await reopened.append([rec(0xa9, 9)])
    await reopened.close()
    const last = await fileRecordStore(path)
    expect(await last.load()).toEqual([...first, rec(0xa9, 9)])
    await last.close()
  })

  it('refuses appends after close', async () => {
    const store = await fileRecordStore(scratch())
    await store.close()
    await expect(store.append([rec(1)])).rejects.toThrow(/closed/)
    await store.close()
  })

  it('keeps the verified ids next to the records, across reopens, and skips a torn line', async () => {
    const path = scratch()
    const id = (n: number) => `bafyrei${String(n).padStart(52, 'a').replace(/[0-9]/g, 'b')}`
    const store = await fileRecordStore(path)
    expect(await store.verified!.load()).toEqual([])
    await Promise.all([store.verified!.add([id(1), id(2)]), store.verified!.add([id(3)])])
    await store.close()
    expect(statSync(path.replace(/\.records$/, '.verified')).mode & 0o777).toBe(0o600)
    // A crash mid-write leaves part of an id; the next write starts on its own line.
    appendFileSync(path.replace(/\.records$/, '.verified'), '\nbafyreitorn-')
    const again = await fileRecordStore(path)
    await again.verified!.add([id(4)])
    expect(await again.verified!.load()).toEqual([id(1), id(2), id(3), id(4)])
    await again.close()
    await expect(again.verified!.add([id(5)])).rejects.toThrow(/closed/)
  })

  it('keeps the latest view checkpoint, and reads a damaged or missing one as none', async () => {
    const path = scratch()
    const checkpointPath = path.replace(/\.records$/, '.checkpoint')
    const store = await fileRecordStore(path)
    expect(await store.checkpoint!.load()).toBeUndefined()
    await Promise.all([store.checkpoint!.save(bytes(1, 2, 3)), store.checkpoint!.save(bytes(4, 5))])
    expect(await store.checkpoint!.load()).toEqual(bytes(4, 5))
    await store.close()
    expect(statSync(checkpointPath).mode & 0o777).toBe(0o600)
    await expect(store.checkpoint!.save(bytes(6))).rejects.toThrow(/closed/)

    const again = await fileRecordStore(path)
    expect(await again.checkpoint!.load()).toEqual(bytes(4, 5))
    // One flipped bit fails zlib's checksum: no checkpoint rather than a wrong one.
    const saved = readFileSync(checkpointPath)
    saved[saved.length - 1]! ^= 1
    writeFileSync(checkpointPath, saved)
    expect(await again.checkpoint!.load()).toBeUndefined()
    writeFileSync(checkpointPath, saved.subarray(0, 3))
    expect(await again.checkpoint!.load()).toBeUndefined()
    await again.close()
  })

  it('never gives back bytes under an id they were not appended with, whatever damage the file took', async () => {
    // The replica takes a stored id as the hash of its bytes: damage must lose records, not pair
    // them wrongly. Records come back either with the id they were appended with or without one
    // (hashed then), and loading never throws.
    const path = scratch()
    const shared = randomBytes(60)
    const appended = Array.from({ length: 6 }, (_, i) =>
      Array.from({ length: 1 + (i % 3) * 20 }, () => keyed(new Uint8Array([0xa8, ...shared, ...randomBytes(40)]))),
    )
    const store = await fileRecordStore(path)
    for (const batch of appended) await store.append(batch)
    await store.close()
    const pristine = readFileSync(path)
    const pairs = new Map(appended.flat().map(({ id, bytes }) => [id, Buffer.from(bytes)]))
    const damage = fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
        fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.nat(255) }),
        fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
      ),
      { minLength: 1, maxLength: 4 },
    )
    await assertProperty(
      fc.asyncProperty(damage, async (changes) => {
        let file = Buffer.from(pristine)
        for (const change of changes) {
          const at = change.at % file.length
          if (change.kind === 'flip') file[at]! ^= 1 << change.bit
          else if (change.kind === 'set') file[at] = change.value
          else file = Buffer.concat([file.subarray(0, at), file.subarray(Math.min(file.length, at + change.length))])
        }
        writeFileSync(path, file)
        const again = await fileRecordStore(path)
        const loaded = await again.load()
        await again.close()
        for (const { id, bytes } of loaded) {
          if (id === undefined) continue
          expect(pairs.get(id)?.equals(bytes)).toBe(true)
        }
      }),
    )
  })
})
