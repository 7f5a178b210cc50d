/**
 * Record file v2 under damage: one flipped byte costs at most the frame it hit, a flipped length
 * costs no more, damaged bytes are moved to the quarantine file (never deleted) and reported, and
 * v1 files are read once and written again as v2.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { crc32, tableCrc32 } from '../../adapters/shared/crc32.js'
import { fileRecordStore } from '../../adapters/shared/file-store.js'
import { writeV1 } from '../../adapters/shared/record-file-v1.js'
import { MAGIC, scanFrames } from '../../adapters/shared/record-frames.js'
import type { StoredRecord } from '../../core/adapter/index.js'
import { seededRandom } from '../../testing/random.js'

const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })))
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'townhall-record-file-'))
  dirs.push(dir)
  return join(dir, 'space.records')
}
const idOf = (record: Uint8Array) => createHash('sha256').update(record).digest('base64url')
const keyed = (bytes: Uint8Array): StoredRecord => ({ id: idOf(bytes), bytes })

/** Ballot-like records: what they share (space and poll ids, field names), then a key and a signature. */
function recordMaker(seed: number) {
  const random = seededRandom(seed)
  const noise = (length: number) => Uint8Array.from({ length }, () => Math.floor(random.next() * 256))
  const shared = noise(120)
  return { random, record: () => keyed(new Uint8Array([0xa8, ...shared, ...noise(96 + Math.floor(random.next() * 40))])) }
}

/** A file of `appends` appends of 1 to 5 records, and the byte range each append wrote. */
async function writtenFile(path: string, seed: number, appends: number) {
  const { random, record } = recordMaker(seed)
  const store = await fileRecordStore(path)
  const batches: Array<{ records: StoredRecord[]; start: number; end: number }> = []
  for (let i = 0; i < appends; i++) {
    const records = Array.from({ length: 1 + Math.floor(random.next() * 5) }, record)
    const start = existsSync(path) ? statSync(path).size : 0
    await store.append(records)
    batches.push({ records, start, end: statSync(path).size })
  }
  await store.close()
  return { batches, random }
}

describe('record file v2 under damage', () => {
  it('checksums with the table CRC-32 where Node has no zlib.crc32, with the same values', () => {
    const { record } = recordMaker(1)
    for (let i = 0; i < 20; i++) {
      const { bytes } = record()
      expect(tableCrc32(bytes)).toBe(crc32(bytes))
      expect(tableCrc32(bytes.subarray(9), tableCrc32(bytes.subarray(0, 9)))).toBe(crc32(bytes))
    }
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926)
  })

  it('loses at most the frame a flipped byte hit, over 300 seeded flips', async () => {
    const seed = Number(process.env.FLIP_SEED ?? 20261207)
    const path = scratch()
    const { batches, random } = await writtenFile(path, seed, 300)
    const pristine = readFileSync(path)
    const all = batches.flatMap((batch) => batch.records)
    let lost = 0
    let worst = 0
    const flips = 300
    try {
      for (let flip = 0; flip < flips; flip++) {
        const at = Math.floor(random.next() * pristine.length)
        const file = Buffer.from(pristine)
        file[at]! ^= 1 + Math.floor(random.next() * 255)
        writeFileSync(path, file)
        rmSync(path.replace(/\.records$/, '.quarantine'), { force: true })
        const store = await fileRecordStore(path)
        const loaded = await store.load()
        const damage = store.getDamage()
        await store.close()
        const back = new Map(loaded.map(({ id, bytes }) => [id, Buffer.from(bytes)]))
        // Never under a wrong id; never anything not appended.
        for (const [id, bytes] of back) expect(bytes.equals(all.find((record) => record.id === id)!.bytes)).toBe(true)
        const hit = batches.find(({ start, end }) => at >= start && at < end)
        const missing = all.filter(({ id }) => !back.has(id))
        for (const record of missing) expect(hit?.records).toContain(record)
        lost += missing.length
        worst = Math.max(worst, missing.length)
        // What did not read is in the quarantine, not gone.
        if (missing.length) expect(damage.length).toBeGreaterThan(0)
        // And the file was written again without it: the next open finds nothing more (checked
        // on every tenth flip: each costs an open and its fsyncs).
        if (flip % 10 !== 0) continue
        const again = await fileRecordStore(path)
        expect((await again.load()).length).toBe(loaded.length)
        expect(again.getDamage()).toEqual([])
        await again.close()
      }
    } catch (error) {
      throw new Error(`seed ${seed} (replay with FLIP_SEED=${seed}): ${String(error)}`, { cause: error })
    }
    console.log(
      `record file v2: ${flips} flipped bytes in a file of ${all.length} records in ${batches.length} appends (${pristine.length} bytes) lost ${lost} records (${(lost / flips).toFixed(2)} a flip, at most ${worst}; seed ${seed})`,
    )
    expect(worst).toBeLessThanOrEqual(5)
  }, 120_000)

  it('loses only the frame whose length was flipped, and cuts nothing off the file', async () => {
    const path = scratch()
    const { batches } = await writtenFile(path, 5, 200)
    const middle = batches[100]!
    const file = readFileSync(path)
    file[middle.start + 4]! ^= 0x80 // the top bit of its length: it now runs past the end of the file
    writeFileSync(path, file)
    const store = await fileRecordStore(path)
    const loaded = await store.load()
    await store.close()
    const expected = batches.filter((batch) => batch !== middle).flatMap((batch) => batch.records)
    expect(loaded).toEqual(expected)
    // Its bytes moved to the quarantine; the rest of the file stayed.
    expect(statSync(path).size).toBe(file.length - (middle.end - middle.start))
  })

  it('keeps two copies of the dictionary: damage to one copy, then to the other, loses nothing', async () => {
    const path = scratch()
    const { batches } = await writtenFile(path, 13, 60)
    const dictionaryCopies = () => scanFrames(readFileSync(path), MAGIC.length).frames.filter(({ body }) => body[0] === 0x44)
    for (const copy of [0, 1]) {
      const frames = dictionaryCopies()
      expect(frames.length).toBe(2)
      const file = readFileSync(path)
      file[frames[copy]!.offset + 14]! ^= 0x01
      writeFileSync(path, file)
      const store = await fileRecordStore(path)
      expect(await store.load()).toEqual(batches.flatMap((batch) => batch.records))
      expect(store.getDamage()).toMatchObject([{ reason: 'checksum' }])
      await store.close()
    }
    expect(dictionaryCopies().length).toBe(2)
  })

  it('moves the damaged bytes to the quarantine file, with where they came from', async () => {
    const path = scratch()
    const { batches } = await writtenFile(path, 9, 40)
    const hit = batches[20]!
    const file = readFileSync(path)
    file[hit.start + 20]! ^= 0x10
    writeFileSync(path, file)
    const store = await fileRecordStore(path)
    await store.load()
    const quarantinePath = path.replace(/\.records$/, '.quarantine')
    expect(store.getDamage()).toEqual([
      { file: path, quarantine: quarantinePath, offset: hit.start, length: hit.end - hit.start, reason: 'checksum' },
    ])
    await store.close()
    const kept = readFileSync(quarantinePath)
    const lineEnd = kept.indexOf(0x0a)
    const header = JSON.parse(kept.subarray(0, lineEnd).toString()) as Record<string, unknown>
    expect(header).toMatchObject({ file: 'space.records', offset: hit.start, length: hit.end - hit.start, reason: 'checksum' })
    expect(kept.subarray(lineEnd + 1, lineEnd + 1 + hit.end - hit.start).equals(file.subarray(hit.start, hit.end))).toBe(true)
    expect(statSync(quarantinePath).mode & 0o777).toBe(0o600)
  })

  it('reads a v1 file once and writes it again as v2, atomically', async () => {
    const path = scratch()
    const { record } = recordMaker(3)
    const appends = Array.from({ length: 50 }, (_, i) => Array.from({ length: 1 + (i % 4) }, record))
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, writeV1(appends))
    const store = await fileRecordStore(path)
    expect(await store.load()).toEqual(appends.flat())
    expect(store.getDamage()).toEqual([])
    const extra = record()
    await store.append([extra])
    await store.close()
    const file = readFileSync(path)
    expect(file.subarray(0, MAGIC.length)).toEqual(Buffer.from(MAGIC))
    // Nothing left behind: no temporary file, no quarantine.
    expect(readdirSync(dirname(path)).sort()).toEqual(['space.records'])
    const again = await fileRecordStore(path)
    expect(await again.load()).toEqual([...appends.flat(), extra])
    await again.close()
    // Read as v2 from then on: not written again.
    expect(readFileSync(path).equals(file)).toBe(true)
  })

  it('moves what a damaged v1 file cannot give back to the quarantine instead of dropping it', async () => {
    const path = scratch()
    const { record } = recordMaker(4)
    const appends = Array.from({ length: 30 }, () => Array.from({ length: 3 }, record))
    const v1 = Buffer.from(writeV1(appends))
    // In v1, every frame after the first was deflated with the first's records: one flip there
    // makes them all unreadable. The migration cannot bring them back, but keeps their bytes.
    v1[20]! ^= 0x04
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, v1)
    const store = await fileRecordStore(path)
    const loaded = await store.load()
    const damage = store.getDamage()
    await store.close()
    const setAside = damage.reduce((sum, { length }) => sum + length, 0)
    expect(loaded.length).toBeLessThan(appends.flat().length)
    expect(setAside).toBeGreaterThan(0)
    const kept = readFileSync(path.replace(/\.records$/, '.quarantine'))
    expect(kept.length).toBeGreaterThan(setAside)
    for (const { offset, length } of damage) expect(kept.includes(v1.subarray(offset, offset + length))).toBe(true)
  })
})
