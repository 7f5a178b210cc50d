/** One writer per on-disk store: a second gets a StoreLockedError naming the holder; close releases; a dead holder's lock is taken over. */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { StoreLockedError } from '../../core/errors.js'
import { fileRecordStore } from '../../adapters/shared/file-store.js'
import { lockStore } from '../../adapters/shared/store-lock.js'

const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })))
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'townhall-lock-'))
  dirs.push(dir)
  return join(dir, 'space.records')
}
const record = { id: 'bafyreiaaaa', bytes: new Uint8Array([0xa1, 1]) }

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
  return Number(child.stdout)
}

describe('store locks', () => {
  it('refuses a second writer on one record file with a StoreLockedError naming the file and the holder', async () => {
    const path = scratch()
    const first = await fileRecordStore(path)
    const second = fileRecordStore(path)
    await expect(second).rejects.toBeInstanceOf(StoreLockedError)
    const error = (await second.catch((e: unknown) => e)) as StoreLockedError
    expect(error).toMatchObject({ name: 'StoreLockedError', code: 'STORE_LOCKED', store: path, pid: process.pid, host: hostname() })
    expect(error.message).toContain(path)
    expect(error.message).toContain(`process ${process.pid}`)
    await first.append([record])
    await first.close()
  })

  it('refuses a writer in another process while the file is open', async () => {
    const path = scratch()
    const first = await fileRecordStore(path)
    const script = `import('${new URL('../../adapters/shared/store-lock.ts', import.meta.url).pathname}').then(({ lockStore }) => lockStore(process.argv[1] + '.lock', process.argv[1])).then(() => console.log('taken'), (e) => console.log(e.name, e.pid))`
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script, path], { encoding: 'utf8' })
    expect(child.stdout.trim()).toBe(`StoreLockedError ${process.pid}`)
    await first.close()
  })

  it('releases the lock on close, so the next open succeeds', async () => {
    const path = scratch()
    const first = await fileRecordStore(path)
    await first.append([record])
    await first.close()
    expect(existsSync(`${path}.lock`)).toBe(false)
    const second = await fileRecordStore(path)
    expect(await second.load()).toEqual([record])
    await second.close()
  })

  it('takes over a lock whose process is dead on this host, or that names this pid without holding it', async () => {
    const path = scratch()
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: deadPid(), host: hostname() }))
    const store = await fileRecordStore(path)
    expect(JSON.parse(readFileSync(`${path}.lock`, 'utf8'))).toEqual({ pid: process.pid, host: hostname() })
    await store.close()
    // Left by an earlier process that had this pid (pids repeat, in containers above all).
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: process.pid, host: hostname() }))
    const again = await fileRecordStore(path)
    await again.close()
    expect(existsSync(`${path}.lock`)).toBe(false)
  })

  it('never takes over a lock from another host, whose pids mean nothing here', async () => {
    const path = scratch()
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: deadPid(), host: `not-${hostname()}` }))
    await expect(fileRecordStore(path)).rejects.toMatchObject({ name: 'StoreLockedError', host: `not-${hostname()}` })
  })

  it('locks a directory for its owner, released once', async () => {
    const dir = join(scratch(), '..', 'peer')
    const lock = await lockStore(join(dir, '..', 'peer.lock'), dir)
    await expect(lockStore(join(dir, '..', 'peer.lock'), dir)).rejects.toMatchObject({ store: dir, code: 'STORE_LOCKED' })
    await lock.release()
    await lock.release()
    await (await lockStore(join(dir, '..', 'peer.lock'), dir)).release()
  })
})
