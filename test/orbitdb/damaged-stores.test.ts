/**
 * Damaged LevelDB stores under an OrbitDB peer's directory (issue: "Damaged LevelDB data gives a
 * typed error and a documented recovery, never a native abort"). A flipped byte in a store's
 * MANIFEST or CURRENT makes LevelDB refuse to open it; without this, the replica failed with a bare
 * "Database failed to open" and no hint. Real peers on disk, real LevelDB files, 127.0.0.1 only.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createIdentity, Space, StoreDamagedError } from '../../core/index.js'
import { orbitdbNodeReplica } from '../../adapters/orbitdb/node.js'
import type { OrbitdbReplica } from '../../adapters/orbitdb/replica.js'
import { eventually } from '../../testing/index.js'
import { startRelay, stopAllRelays } from '../support/relay-process.js'

const cleanup: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {})
  await stopAllRelays()
}, 30_000)

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'townhall-damaged-level-'))
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const texts = (space: Space) => space.getFeed({ order: 'oldest' }).map((item) => item.text)

/** A space of a few posts on a peer in `directory`, closed cleanly. */
async function closedSpace(directory: string) {
  const space = await Space.create({
    visibility: 'public',
    identity: await createIdentity(),
    name: 'damaged stores',
    replica: (spaceId) => orbitdbNodeReplica({ spaceId, directory }),
  })
  for (let i = 0; i < 5; i++) await space.post(`post ${i}`)
  const expected = texts(space)
  await space.close()
  return { spaceId: space.id, expected }
}

/** Flips one byte of a store's MANIFEST, which LevelDB checksums and reads first. */
function damageManifest(store: string): void {
  const manifest = readdirSync(store).find((name) => name.startsWith('MANIFEST-'))!
  const bytes = readFileSync(join(store, manifest))
  bytes[10]! ^= 0xff
  writeFileSync(join(store, manifest), bytes)
}

describe('orbitdb: damaged LevelDB stores', () => {
  it('refuses to open with a StoreDamagedError naming the damaged store, and changes no data file', async () => {
    const directory = tempDir()
    const { spaceId } = await closedSpace(directory)
    damageManifest(join(directory, 'blocks'))
    // LevelDB's own info log (LOG, LOG.old) is written on every attempt to open; the data files are not.
    const dataFiles = () =>
      readdirSync(join(directory, 'blocks'))
        .filter((name) => !/^(LOG|LOG\.old|LOCK)$/.test(name))
        .sort()
    const before = dataFiles()
    const opening = orbitdbNodeReplica({ spaceId, directory })
    await expect(opening).rejects.toBeInstanceOf(StoreDamagedError)
    const error = (await opening.catch((caught: unknown) => caught)) as StoreDamagedError
    expect(error.code).toBe('STORE_DAMAGED')
    expect(error.damaged.map(({ path }) => path)).toEqual(['blocks'])
    expect(error.damaged[0]!.reason).toMatch(/Corruption|checksum/i)
    expect(error.message).toContain("onDamagedStore: 'rebuild'")
    expect(dataFiles()).toEqual(before)
    expect(existsSync(join(directory, 'damaged'))).toBe(false)
    // The lock was released: opening again is refused for the damage, not for a lock.
    await expect(orbitdbNodeReplica({ spaceId, directory })).rejects.toBeInstanceOf(StoreDamagedError)
  }, 60_000)

  it('rebuilds on request: the stores move aside, the records come back from the record file, and a new peer syncs them', async () => {
    const directory = tempDir()
    const { spaceId, expected } = await closedSpace(directory)
    // The log's index: the log's heads store opens before it, and must be closed again when the
    // index fails, or rebuilding at the same path would find it still locked in this process.
    const logs = join(directory, 'orbitdb', 'orbitdb')
    const index = join('orbitdb', 'orbitdb', readdirSync(logs)[0]!, 'log', '_index')
    damageManifest(join(directory, index))
    const rebuilt: string[] = []
    const replica: OrbitdbReplica = await orbitdbNodeReplica({
      spaceId,
      directory,
      onDamagedStore: 'rebuild',
      onRebuiltStores: (movedTo, damaged) => rebuilt.push(movedTo, ...damaged.map(({ path }) => path)),
    })
    cleanup.push(() => replica.close())
    expect(rebuilt[1]).toBe(index)
    expect(readdirSync(rebuilt[0]!).sort()).toEqual(['blocks', 'data', 'orbitdb'])
    const space = await Space.open({ id: spaceId, identity: await createIdentity(), replica })
    cleanup.push(() => space.close())
    expect(texts(space)).toEqual(expected)

    // The rebuilt log holds the records again: a peer that knows nothing else gets all of them.
    const other = await Space.open({
      id: spaceId,
      identity: await createIdentity(),
      replica: await orbitdbNodeReplica({ spaceId, directory: tempDir(), peers: [replica.peer.libp2p.getMultiaddrs()[0]!.toString()] }),
    })
    cleanup.push(() => other.close())
    await eventually(() => expect(texts(other)).toEqual(expected), 30_000)
  }, 90_000)

  it('townhall relay: refuses a damaged store with the error and no stack trace, and starts with --rebuild-damaged-stores', async () => {
    const directory = tempDir()
    const space = 'bafyreigdmqpykrgxyaxtlafqpqhzrb7qy2rh75nldvfd4tucqmqqme5yje'
    const first = await startRelay({ spaces: [space], directory })
    expect(await first.stop()).toBe(0)
    damageManifest(join(directory, 'data'))
    const refused = await startRelay({ spaces: [space], directory }).catch((error: Error) => error.message)
    expect(refused).toMatch(/exited with 1/)
    expect(refused).toMatch(/StoreDamagedError: .*data: .*--rebuild-damaged-stores/s)
    expect(refused).not.toMatch(/\n\s+at /)
    const rebuilt = await startRelay({ spaces: [space], directory, extra: ['--rebuild-damaged-stores'] })
    expect(rebuilt.log()).toMatch(/rebuilding damaged stores \(data: .*\); the old ones are in /)
    expect(await rebuilt.stop()).toBe(0)
  }, 90_000)
})
