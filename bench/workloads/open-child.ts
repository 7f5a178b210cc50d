/**
 * Cold open and memory, in a fresh process, of a space persisted by store-child.ts in `directory`.
 *
 * mode 'open': time from creating the adapter's Node replica to the poll's result being shown
 * (`space.getTally(poll).ballots === N`). With no network, the Yjs replica has not built its
 * document and the Automerge one has not loaded its own (both wait for a peer, a write or a
 * reader): the record store shows the space. The space closed cleanly when it was stored, so its
 * view checkpoint describes the records: the result is shown from it, and the ballots are read
 * after (`readMs`: until the space has read them all, the time to idle).
 *
 * mode 'open-raw': the raw library's own load of the same records, in a fresh process of its own
 * (run after 'open'), so that neither side finds code the other warmed up: Automerge's WebAssembly
 * runs its first `load` in a process ~3x slower than the next (245 vs 73 ms for 10k records). Yjs
 * `Y.applyUpdate` of the Y.Map update store-child.ts wrote beside the directory, Automerge `load`
 * of the document with the records one key each written there too, OrbitDB opening the same log
 * on a peer over the same directory and reading every entry.
 *
 * mode 'open-own' (Automerge): `load` of the chunks the replica persisted, in a fresh process too.
 *
 * mode 'memory-townhall' / 'memory-raw': heap (heapUsed + external, after a full GC) held by the
 * open space and its replica (the Yjs one with its document built, as once a peer appears), or by
 * the raw library holding the same records (the documents 'open-raw' loads), over the process's
 * baseline with every module loaded.
 *
 * The files are read once before anything is timed, so both sides find them in the page cache:
 * "cold" means a fresh process, not a cold disk.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as A from '@automerge/automerge'
import * as Y from 'yjs'
import { concatBytes } from '../../core/bytes.js'
import { createIdentity, openSpace, type Space } from '../../core/index.js'
import { childMain } from '../lib/child.js'
import { diskUsage, openNodeReplica, type AdapterName } from '../lib/adapters.js'
import { fixture, type Fixture } from '../lib/fixtures.js'
import { rawAutomergePath } from '../lib/raw-automerge.js'
import { rawYjsUpdatePath } from '../lib/raw-yjs.js'
import { gc, now, sleep } from '../lib/measure.js'

interface Args {
  readonly adapter: AdapterName
  readonly n: number
  readonly directory: string
  readonly mode: 'open' | 'open-raw' | 'open-own' | 'memory-townhall' | 'memory-raw'
}

function heap(): { heap: number; rss: number } {
  gc()
  const usage = process.memoryUsage()
  return { heap: usage.heapUsed + usage.external, rss: usage.rss }
}

async function warmFiles(path: string): Promise<void> {
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const full = join(path, entry.name)
    if (entry.isDirectory()) await warmFiles(full)
    else await readFile(full)
  }
}

/** Opens the persisted space and waits until the poll's result counts every ballot. */
async function openTownhall(adapter: AdapterName, fx: Fixture, directory: string): Promise<{ space: Space; ms: number; start: number }> {
  const identity = await createIdentity()
  const start = now()
  const replica = await openNodeReplica(adapter, fx.spaceId, directory)
  const space = await openSpace({ id: fx.spaceId, identity, replica })
  while (space.getTally(fx.pollId)?.ballots !== fx.ballots.length) {
    await space.idle()
    if (space.getTally(fx.pollId)?.ballots !== fx.ballots.length) await sleep(1)
  }
  return { space, ms: now() - start, start }
}

/** The document the Automerge replica persisted, as Automerge loads it: snapshots, then incremental chunks. */
async function persistedAutomerge(directory: string): Promise<Uint8Array> {
  const snapshots: Uint8Array[] = []
  const incremental: Uint8Array[] = []
  const collect = async (path: string): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const full = join(path, entry.name)
      if (entry.isDirectory()) await collect(full)
      else if (full.includes('/snapshot/')) snapshots.push(new Uint8Array(await readFile(full)))
      else if (full.includes('/incremental/')) incremental.push(new Uint8Array(await readFile(full)))
    }
  }
  await collect(join(directory, 'automerge'))
  return concatBytes(...snapshots, ...incremental)
}

async function rawOrbitdb(fx: Fixture, directory: string): Promise<{ records: number; close(): Promise<void> }> {
  const { createOrbitdbNodePeer } = await import('../../adapters/orbitdb/node.js')
  const { unbatch } = await import('../../adapters/orbitdb/batch.js')
  const peer = await createOrbitdbNodePeer({ directory })
  const database = await peer.openSpaceLog(fx.spaceId)
  const entries = await (database.log as unknown as { values(): Promise<Array<{ payload: unknown }>> }).values()
  let records = 0
  for (const entry of entries) records += unbatch(entry.payload).values.length
  ;(globalThis as { keep?: unknown }).keep = entries
  return {
    records,
    async close() {
      ;(globalThis as { keep?: unknown }).keep = undefined
      await database.close()
      await peer.close()
    },
  }
}

/**
 * What y-webrtc tells the replica when a peer joins the room, without a second process; resolves
 * once the stored records are in the document (a peer that never syncs: after `syncTimeoutMs`).
 */
async function firstPeerAppears(replica: unknown, total: number): Promise<void> {
  const provider = (replica as { provider: { emit(event: string, args: unknown[]): void } }).provider
  provider.emit('peers', [{ added: ['bench'], removed: [], webrtcPeers: [], bcPeers: [] }])
  const records = (replica as { doc: Y.Doc }).doc.getMap('records')
  for (let waited = 0; records.size < total; waited += 20) {
    if (waited > 10_000) throw new Error(`the Yjs replica put ${records.size} of ${total} records in its document after a peer appeared`)
    await sleep(20)
  }
}

type RecordsDocument = { records: Record<string, Uint8Array> }

/** Reads the Automerge replica's handle, which loads its stored document (synchronously). */
function documentLoaded(replica: unknown): void {
  const doc = (replica as { handle: { doc(): { records: object } } }).handle.doc()
  if (Object.keys(doc.records).length === 0) throw new Error('the Automerge replica holds an empty document after loading it')
}

await childMain(async ({ adapter, n, directory, mode }: Args) => {
  const fx = await fixture('plurality', n)
  await warmFiles(directory)
  if (adapter === 'automerge') await readFile(rawAutomergePath(directory))
  const total = n + fx.head.length
  // Load every module either side needs (the adapters load some lazily) before anything is timed
  // and before the memory baseline: loading code is process start-up, not opening a space.
  if (adapter === 'orbitdb') {
    await Promise.all([
      import('../../adapters/orbitdb/node.js'),
      import('../../adapters/orbitdb/peer.js'),
      import('../../adapters/orbitdb/replica.js'),
      import('libp2p'),
      import('@libp2p/tcp'),
      import('@chainsafe/libp2p-noise'),
      import('@chainsafe/libp2p-yamux'),
      import('@libp2p/identify'),
      import('@libp2p/gossipsub'),
      import('@libp2p/crypto/keys'),
      import('blockstore-level'),
      import('datastore-level'),
    ])
  }
  if (adapter === 'yjs') {
    // A throwaway replica loads y-webrtc and @roamhq/wrtc the way the adapter does: importing y-webrtc
    // before the adapter installs its Node shims leaves a BroadcastChannel that keeps Node alive.
    const { yjsNodeReplica } = await import('../../adapters/yjs/node.js')
    await (await yjsNodeReplica({ spaceId: 'warm-up', signaling: [] })).close()
  }
  if (adapter === 'automerge') await import('../../adapters/automerge/node.js')

  if (mode === 'open') {
    const { space, ms, start } = await openTownhall(adapter, fx, directory)
    await space.idle()
    const readMs = now() - start
    await space.close()
    return { adapter, n, ms, readMs, disk: (await diskUsage(directory)).total }
  }
  if (mode === 'open-raw') {
    let rawMs: number
    if (adapter === 'yjs') {
      const update = new Uint8Array(await readFile(rawYjsUpdatePath(directory)))
      gc()
      const start = now()
      const doc = new Y.Doc()
      Y.applyUpdate(doc, update)
      const size = doc.getMap('records').size
      rawMs = now() - start
      if (size !== total) throw new Error(`raw Yjs holds ${size} of ${total}`)
      doc.destroy()
    } else if (adapter === 'automerge') {
      const stored = new Uint8Array(await readFile(rawAutomergePath(directory)))
      gc()
      const start = now()
      const doc = A.load<RecordsDocument>(stored)
      const size = Object.keys(doc.records).length
      rawMs = now() - start
      if (size !== total) throw new Error(`raw Automerge holds ${size} of ${total}`)
    } else {
      gc()
      const start = now()
      const raw = await rawOrbitdb(fx, directory)
      rawMs = now() - start
      await raw.close()
      if (raw.records !== total) throw new Error(`raw OrbitDB log holds ${raw.records} of ${total}`)
    }
    return { adapter, n, rawMs }
  }
  if (mode === 'open-own') {
    if (adapter !== 'automerge') throw new Error(`open-own is for Automerge, not ${adapter}`)
    const stored = await persistedAutomerge(directory)
    gc()
    const start = now()
    const doc = A.load<RecordsDocument>(stored)
    const keys = Object.keys(doc.records).length
    const ownLoadMs = now() - start
    if (keys === 0) throw new Error('the persisted Automerge document holds no records')
    return { adapter, n, ownLoadMs, ownKeys: keys }
  }

  const base = heap()
  if (mode === 'memory-townhall') {
    const { space } = await openTownhall(adapter, fx, directory)
    // Shown from its checkpoint, the poll's ballots are read in the background: measured once read.
    await space.idle()
    // The Yjs replica builds its Y.Doc when the first peer appears, and the Automerge one loads its
    // stored document then (or when the handle is read, as here); measured with the document in
    // memory, as on a device in a room, not as a device alone (the smaller figure).
    if (adapter === 'yjs') await firstPeerAppears(space.replica, total)
    if (adapter === 'automerge') documentLoaded(space.replica)
    await sleep(200)
    const held = heap()
    await space.close()
    return { adapter, n, mode, heap: held.heap - base.heap, rss: held.rss - base.rss }
  }
  // The raw library holding the same records.
  if (adapter === 'yjs') {
    const update = new Uint8Array(await readFile(rawYjsUpdatePath(directory)))
    const baseRaw = heap()
    const doc = new Y.Doc()
    Y.applyUpdate(doc, update)
    const held = heap()
    if (doc.getMap('records').size !== total) throw new Error('raw Yjs incomplete')
    doc.destroy()
    return { adapter, n, mode, heap: held.heap - baseRaw.heap, rss: held.rss - baseRaw.rss }
  }
  if (adapter === 'automerge') {
    const all = new Uint8Array(await readFile(rawAutomergePath(directory)))
    const baseRaw = heap()
    const doc = A.load<RecordsDocument>(all)
    const held = heap()
    if (Object.keys(doc.records).length !== total) throw new Error(`raw Automerge incomplete: ${Object.keys(doc.records).length}`)
    return { adapter, n, mode, heap: held.heap - baseRaw.heap, rss: held.rss - baseRaw.rss }
  }
  const raw = await rawOrbitdb(fx, directory)
  await sleep(200)
  const held = heap()
  await raw.close()
  return { adapter, n, mode, heap: held.heap - base.heap, rss: held.rss - base.rss }
})
