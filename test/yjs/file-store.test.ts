/** The Node record store: durable appends, reopened in order, and a torn last frame cut off. */
import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { fileRecordStore } from '../../adapters/yjs/file-store.js'

const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })))
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'townhall-store-'))
  dirs.push(dir)
  return join(dir, 'nested', 'space.records')
}
const bytes = (...values: number[]) => new Uint8Array(values)

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
