/** The Node record store: durable appends, reopened in order, deflated, and a torn last frame cut off. */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { fileRecordStore } from '../../adapters/yjs/file-store.js'
import { seededRandom } from '../../testing/random.js'

const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })))
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'townhall-store-'))
  dirs.push(dir)
  return join(dir, 'nested', 'space.records')
}
const bytes = (...values: number[]) => new Uint8Array(values)
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
    await store.append([bytes(1), bytes(2, 2)])
    await Promise.all([store.append([bytes(3, 3, 3)]), store.append([]), store.append([bytes(4)])])
    await store.close()
    const again = await fileRecordStore(path)
    expect(await again.load()).toEqual([bytes(1), bytes(2, 2), bytes(3, 3, 3), bytes(4)])
    await again.close()
    // Owner-only: the records of a private space are nobody else's business on a shared machine.
    expect(statSync(path).mode & 0o777).toBe(0o600)
  })

  it('cuts off a frame torn by a crash, so later appends start on a boundary', async () => {
    const path = scratch()
    const store = await fileRecordStore(path)
    await store.append([bytes(1, 1), bytes(2)])
    await store.close()
    appendFileSync(path, new Uint8Array([0, 0, 0, 9, 7, 7])) // header promises 9 bytes, 2 arrived
    const reopened = await fileRecordStore(path)
    expect(await reopened.load()).toEqual([bytes(1, 1), bytes(2)])
    await reopened.append([bytes(5)])
    await reopened.close()
    const last = await fileRecordStore(path)
    expect(await last.load()).toEqual([bytes(1, 1), bytes(2), bytes(5)])
    await last.close()
  })

  it('deflates what it writes: similar records take a fraction of their size, even one at a time', async () => {
    const path = scratch()
    const shared = randomBytes(120) // what signed records repeat: ids of the space and poll, field names
    const record = () => new Uint8Array([0xa8, ...shared, ...randomBytes(96)]) // plus a key and a signature
    const batch = Array.from({ length: 500 }, record)
    const store = await fileRecordStore(path)
    await store.append(batch)
    const afterBatch = statSync(path).size
    const raw = batch.reduce((sum, bytes) => sum + bytes.length, 0)
    expect(afterBatch).toBeLessThan(raw * 0.6)
    // Alone, a record is deflated with the file's first records as a dictionary.
    const single = record()
    await store.append([single])
    expect(statSync(path).size - afterBatch).toBeLessThan(single.length * 0.7)
    await store.close()
    const again = await fileRecordStore(path)
    expect(await again.load()).toEqual([...batch, single])
    await again.close()
  })

  it("holds what it loads in buffers of the records' own size, however small the appends were", async () => {
    const path = scratch()
    const shared = randomBytes(120)
    const records = Array.from({ length: 300 }, () => new Uint8Array([0xa8, ...shared, ...randomBytes(96)]))
    const store = await fileRecordStore(path)
    for (const record of records) await store.append([record])
    await store.close()
    const again = await fileRecordStore(path)
    const loaded = await again.load()
    await again.close()
    expect(loaded).toEqual(records)
    // Records are views: what they keep alive is every distinct buffer under them.
    const held = new Set(loaded.map((bytes) => bytes.buffer))
    const heldBytes = [...held].reduce((sum, buffer) => sum + buffer.byteLength, 0)
    const recordBytes = records.reduce((sum, bytes) => sum + bytes.length, 0)
    expect(heldBytes).toBeLessThan(recordBytes * 1.2)
  })

  it('splits a large append into frames it can read back', async () => {
    const path = scratch()
    // 17.5 MiB, incompressible: as one frame it would pass the 16 MiB a frame may have and read as torn.
    const records = Array.from({ length: 280 }, () => randomBytes(64 * 1024))
    const store = await fileRecordStore(path)
    await store.append(records)
    await store.close()
    const again = await fileRecordStore(path)
    const loaded = await again.load()
    await again.close()
    // Compared as Buffers: a deep equality of 17.5 million numbers takes a minute.
    expect(loaded.length).toBe(records.length)
    expect(loaded.every((bytes, i) => Buffer.from(bytes).equals(records[i]!))).toBe(true)
  })

  it('loads in turn with appends, so a read never cuts off an append in progress', async () => {
    const path = scratch()
    const store = await fileRecordStore(path)
    const written: Uint8Array[] = []
    for (let round = 0; round < 5; round++) {
      const batch = Array.from({ length: 64 }, () => randomBytes(64 * 1024)) // 4 MiB, several writes
      written.push(...batch)
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
    expect(await store.load()).toEqual(old)
    await store.append([bytes(0xa3, 3)])
    await store.close()
    const again = await fileRecordStore(path)
    expect(await again.load()).toEqual([...old, bytes(0xa3, 3)])
    await again.close()
  })

  it('skips a damaged frame whose length is whole, keeping the records around it', async () => {
    const path = scratch()
    const first = Array.from({ length: 200 }, () => randomBytes(200)) // fills the dictionary
    const store = await fileRecordStore(path)
    await store.append(first)
    await store.close()
    appendFileSync(path, new Uint8Array([0, 0, 0, 5, 0, 0xff, 0xff, 0xff, 0xff])) // a deflated frame that does not inflate
    const reopened = await fileRecordStore(path)
    expect(await reopened.load()).toEqual(first)
    await reopened.append([bytes(0xa9, 9)])
    await reopened.close()
    const last = await fileRecordStore(path)
    expect(await last.load()).toEqual([...first, bytes(0xa9, 9)])
    await last.close()
  })

  it('refuses appends after close', async () => {
    const store = await fileRecordStore(scratch())
    await store.close()
    await expect(store.append([bytes(1)])).rejects.toThrow(/closed/)
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
})
