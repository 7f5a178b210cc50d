/**
 * The Automerge replica in one process, peers joined by MessageChannels (automerge-repo's
 * MessageChannelNetworkAdapter): fast coverage of the document layout, batching, healing,
 * adoption, the inbound message guard, presence and the filesystem storage adapter.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as A from '@automerge/automerge'
import { cbor, Repo, type PeerId } from '@automerge/automerge-repo'
import { MessageChannelNetworkAdapter } from '@automerge/automerge-repo-network-messagechannel'
import { EventEmitter } from 'node:events'
import { CID } from 'multiformats/cid'
import { afterEach, describe, expect, it } from 'vitest'
import { batchValues, encodeBatch, idOf, readBatch } from '../../adapters/automerge/batch-value.js'
import { genesisBytes, spaceDocumentId, spaceDocumentUrl } from '../../adapters/automerge/document.js'
import { FileStorageAdapter } from '../../adapters/automerge/file-storage.js'
import { checkRepoMessage } from '../../adapters/automerge/guard.js'
import { ephemeralPresence } from '../../adapters/automerge/presence.js'
import { automergeReplica, type AutomergeReplica } from '../../adapters/automerge/replica.js'
import { concatBytes, randomBytes } from '../../core/bytes.js'
import { createIdentity, signRecord, Space } from '../../core/index.js'
import { eventually } from '../../testing/index.js'

const cleanup: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

/** A MessageChannel whose ports are closed after the test. */
function channel() {
  const { port1, port2 } = new MessageChannel()
  cleanup.push(() => {
    port1.close()
    port2.close()
  })
  return [port1, port2] as const
}
const adapter = (port: MessagePort) => new MessageChannelNetworkAdapter(port as never)

async function replicaOn(spaceId: string, ports: MessagePort[], extra: Partial<Parameters<typeof automergeReplica>[0]> = {}) {
  const replica = await automergeReplica({ spaceId, network: ports.map(adapter), ...extra })
  cleanup.push(() => replica.close())
  return replica
}

async function spaceOn(ports: MessagePort[]) {
  let replica: AutomergeReplica | undefined
  const space = await Space.create({
    visibility: 'public',
    identity: await createIdentity(),
    name: 'unit',
    replica: async (spaceId) => (replica = await replicaOn(spaceId, ports)),
  })
  cleanup.push(() => space.close())
  return { space, replica: replica! }
}

async function joined(spaceId: string, ports: MessagePort[]) {
  const replica = await replicaOn(spaceId, ports)
  const space = await Space.open({ id: spaceId, identity: await createIdentity(), replica })
  cleanup.push(() => space.close())
  await eventually(() => expect(space.getInfo()).toBeDefined())
  return { space, replica }
}

/** A peer that runs no replica: a bare Repo holding the space's document, free to do anything to it. */
function mallory(spaceId: string, port: MessagePort) {
  const repo = new Repo({ network: [adapter(port)], sharePolicy: async () => true })
  cleanup.push(() => repo.shutdown())
  const handle = repo.import<{ records: unknown }>(genesisBytes(spaceId), { docId: spaceDocumentId(spaceId) })
  return { repo, handle }
}

/** A founder and a joined peer, and Mallory connected to the founder only. */
async function honestPairAndMallory() {
  const [ab1, ab2] = channel()
  const [am1, am2] = channel()
  const a = await spaceOn([ab1, am1])
  const b = await joined(a.space.id, [ab2])
  return { a, b, m: mallory(a.space.id, am2) }
}

const texts = (space: Space) =>
  space
    .getFeed({ order: 'oldest' })
    .map((item) => item.text)
    .sort()
const changeCount = (replica: AutomergeReplica) => A.getAllChanges(replica.handle.doc()).length
/** The chunks a FileStorageAdapter directory holds for the one document in it, snapshots first, as one binary. */
async function storedDocument(directory: string, spaceId: string): Promise<Uint8Array> {
  const chunks = await new FileStorageAdapter(directory).loadRange([spaceDocumentId(spaceId)])
  const ordered = [...chunks].sort((a, b) => Number(b.key[1] === 'snapshot') - Number(a.key[1] === 'snapshot'))
  return concatBytes(
    ...ordered.filter((chunk) => chunk.key[1] === 'snapshot' || chunk.key[1] === 'incremental').map((chunk) => chunk.data!),
  )
}
/** The bytes of a post by the space's founder that nothing has added yet. */
const post = async (space: Space, text: string) =>
  (await signRecord(space.identity, { kind: 'post', space: CID.parse(space.id), hlc: [Date.now(), 0], refs: [], body: { text } })).bytes

describe('the space document', () => {
  it('derives from the space id alone (and the secret, when there is one), from a genesis identical everywhere', () => {
    expect(spaceDocumentUrl('space-a')).toBe(spaceDocumentUrl('space-a'))
    expect(spaceDocumentUrl('space-a')).not.toBe(spaceDocumentUrl('space-b'))
    expect(spaceDocumentUrl('space-a', new Uint8Array([1]))).not.toBe(spaceDocumentUrl('space-a'))
    expect(spaceDocumentUrl('space-a')).toMatch(/^automerge:\w+$/)
    expect(genesisBytes('space-a')).toEqual(genesisBytes('space-a'))
    expect(genesisBytes('space-a')).not.toEqual(genesisBytes('space-b'))
    expect(A.load<{ records: unknown }>(genesisBytes('space-a')).records).toEqual({})
  })
})

describe('automerge replica over MessageChannels', () => {
  it('converges, reports sync state, and turns records added together into one change stored as bytes', async () => {
    const [p1, p2] = channel()
    const a = await spaceOn([p1])
    const b = await joined(a.space.id, [p2])
    await a.space.post('one')
    await b.space.post('two')
    for (const { space } of [a, b]) await eventually(() => expect(texts(space)).toEqual(['one', 'two']))
    await eventually(() => expect(b.replica.getSyncState()).toMatchObject({ peers: 1, synced: true, received: expect.any(Number) }))
    expect(b.replica.getSyncState().received).toBeGreaterThanOrEqual(2)

    const before = changeCount(a.replica)
    const records = await Promise.all(
      [1, 2, 3, 4, 5].map(
        async (i) =>
          (
            await signRecord(a.space.identity, {
              kind: 'post',
              space: CID.parse(a.space.id),
              hlc: [i, 0],
              refs: [],
              body: { text: `batch ${i}` },
            })
          ).bytes,
      ),
    )
    const keysBefore = Object.keys(a.replica.handle.doc().records)
    await a.replica.add(records)
    expect(changeCount(a.replica)).toBe(before + 1)
    const stored = Object.values(a.replica.handle.doc().records)
    expect(stored.every((value) => value instanceof Uint8Array)).toBe(true)
    // The five records went in as one batch value, under the id of its bytes.
    const added = Object.keys(a.replica.handle.doc().records).filter((key) => !keysBefore.includes(key))
    expect(added).toHaveLength(1)
    const batch = a.replica.handle.doc().records[added[0]!] as Uint8Array
    expect(await idOf(batch)).toBe(added[0])
    expect(readBatch(batch)?.map((bytes) => [...bytes])).toEqual(
      (await Promise.all(records.map(async (bytes) => [await idOf(bytes), [...bytes]] as const)))
        .sort(([x], [y]) => (x < y ? -1 : 1))
        .map(([, bytes]) => bytes),
    )
    await a.replica.add(records) // already held: no change at all
    expect(changeCount(a.replica)).toBe(before + 1)
    await eventually(() => expect(texts(b.space)).toEqual(['batch 1', 'batch 2', 'batch 3', 'batch 4', 'batch 5', 'one', 'two']))
  })

  it('writes back a batch a peer deletes or damages, from the records it holds', async () => {
    const { a, b, m } = await honestPairAndMallory()
    const records = await Promise.all([1, 2, 3].map((i) => post(a.space, `batched ${i}`)))
    await a.replica.add(records)
    await eventually(() => expect(texts(b.space)).toEqual(['batched 1', 'batched 2', 'batched 3']))
    const key = (await batchValues(await Promise.all(records.map(async (bytes) => [await idOf(bytes), bytes] as const))))[0]!.key
    const mallorys = () => (m.handle.doc().records as Record<string, unknown>)[key]
    await eventually(() => expect(mallorys()).toBeInstanceOf(Uint8Array))
    const original = new Uint8Array(mallorys() as Uint8Array)

    m.handle.change((doc) => {
      delete (doc.records as Record<string, unknown>)[key]
    })
    await eventually(() => expect(mallorys()).toEqual(original))
    m.handle.change((doc) => {
      const damaged = new Uint8Array(original)
      damaged[damaged.length - 1]! ^= 1
      ;(doc.records as Record<string, unknown>)[key] = damaged
    })
    await eventually(() => expect(mallorys()).toEqual(original))
    expect(a.replica.healed + b.replica.healed).toBeGreaterThanOrEqual(2)
    // The damaged copy was never taken for records.
    expect(texts(b.space)).toEqual(['batched 1', 'batched 2', 'batched 3'])
    expect((await b.replica.getAll()).filter((entry) => entry.source === 'peer')).toEqual([])
  })

  it('keeps the records of a batch that also holds junk, writes them again itself, and hands the junk to the space, then deletes it', async () => {
    const { a, b, m } = await honestPairAndMallory()
    const genuine = await post(a.space, 'smuggled in')
    const genuineId = await idOf(genuine)
    const junk = new Uint8Array(40).fill(7)
    const mixed = encodeBatch([genuine, junk])
    const unkeyed = encodeBatch([await post(a.space, 'under a wrong key')])
    m.handle.change((doc) => {
      const records = doc.records as Record<string, unknown>
      records['not-its-id'] = unkeyed
    })
    const mixedKey = await idOf(mixed)
    m.handle.change((doc) => {
      ;(doc.records as Record<string, unknown>)[mixedKey] = mixed
    })
    for (const { space, replica } of [a, b]) {
      await eventually(() => expect(texts(space)).toEqual(['smuggled in']))
      await eventually(async () => {
        const all = await replica.getAll()
        expect(all.find((entry) => entry.claimedId === genuineId)?.source).toBe('local')
      })
    }
    // Mallory's neighbour handed the junk to its space (the batch's stray bytes and the batch under
    // a wrong key), then deleted both keys. Bob may receive the deletion with the junk, and then
    // never sees it at all.
    await eventually(() => expect(a.space.getRejections().total).toBeGreaterThanOrEqual(2))
    await eventually(() => expect(a.replica.junkDeleted).toBeGreaterThanOrEqual(2))
    await eventually(() => {
      const records = m.handle.doc().records as Record<string, unknown>
      expect([records['not-its-id'], records[mixedKey]]).toEqual([undefined, undefined])
    })
    // Honest peers do not rely on the mixed batch: the record went in again under its own id.
    await eventually(() => expect((m.handle.doc().records as Record<string, unknown>)[genuineId]).toEqual(new Uint8Array(genuine)))
  })

  it('writes held records the document lacks as batches when it opens, the same keys on every device', async () => {
    const founder = await Space.create({
      visibility: 'public',
      identity: await createIdentity(),
      name: 'offline',
      replica: async (id) => replicaOn(id, []),
    })
    cleanup.push(() => founder.close())
    for (let i = 0; i < 20; i++) await founder.post(`note ${i}`)
    const held = (await founder.replica.getAll()).map((entry) => ({ id: entry.claimedId!, bytes: entry.bytes as Uint8Array }))
    expect(held).toHaveLength(21)
    const { memoryRecordStore } = await import('../../core/adapter/index.js')
    const storeWith = async () => {
      const store = memoryRecordStore()
      await store.append(held)
      return store
    }
    const first = await replicaOn(founder.id, [], { store: await storeWith() })
    const second = await replicaOn(founder.id, [], { store: await storeWith() })
    const keys = (replica: AutomergeReplica) => Object.keys(replica.handle.doc().records).sort()
    await eventually(() => expect(keys(first)).toHaveLength(1))
    await eventually(() => expect(keys(second)).toEqual(keys(first)))
    expect(readBatch(first.handle.doc().records[keys(first)[0]!] as Uint8Array)).toHaveLength(21)
    const space = await Space.open({ id: founder.id, identity: await createIdentity(), replica: first })
    cleanup.push(() => space.close())
    expect(texts(space)).toHaveLength(20)
  })

  it('writes back records a peer deletes, overwrites or removes with the whole map, and hands junk over unadopted, then deletes it', async () => {
    const { a, b, m } = await honestPairAndMallory()
    for (let i = 0; i < 3; i++) await a.space.post(`post ${i}`)
    await eventually(() => expect(texts(b.space)).toHaveLength(3))
    await eventually(() => expect(Object.keys((m.handle.doc().records as object) ?? {})).toHaveLength(4))
    const held = Object.keys(m.handle.doc().records as object)

    m.handle.change((doc) => {
      const records = doc.records as Record<string, unknown>
      delete records[held[0]!]
      records[held[1]!] = new Uint8Array([1, 2, 3])
      records[held[2]!] = 'text now'
    })
    await eventually(() => expect(a.replica.healed).toBeGreaterThanOrEqual(3))
    m.handle.change((doc) => {
      doc.records = 'no map'
    })
    await eventually(() => expect(Object.keys((m.handle.doc().records as object) ?? {}).sort()).toEqual([...held].sort()))

    // Junk under its own hash: random bytes, and a genuine record of another space.
    const elsewhere = await signRecord(await createIdentity(), {
      kind: 'post',
      space: null,
      hlc: [1, 0],
      refs: [],
      body: { text: 'elsewhere' },
    })
    const junk = randomBytes(40)
    const { recordCid } = await import('../../core/index.js')
    const junkId = (await recordCid(junk)).toString()
    m.handle.change((doc) => {
      const records = doc.records as Record<string, unknown>
      records[elsewhere.id] = elsewhere.bytes
      records[junkId] = junk
    })
    // Mallory's neighbour hands the junk to its space, which rejects it, then deletes it from the document.
    await eventually(() => expect(a.space.getRejections().recent.some((rejection) => rejection.id === elsewhere.id)).toBe(true))
    await eventually(() => {
      const records = m.handle.doc().records as Record<string, unknown>
      expect([records[elsewhere.id], records[junkId]]).toEqual([undefined, undefined])
    })
    for (const replica of [a.replica, b.replica]) {
      const all = await replica.getAll()
      expect(all.filter((entry) => entry.source === 'local')).toHaveLength(4)
      expect(all.some((entry) => entry.claimedId === elsewhere.id || entry.claimedId === junkId)).toBe(false)
    }
    for (const { space } of [a, b]) expect(texts(space)).toEqual(['post 0', 'post 1', 'post 2'])
  })

  it('drops malformed and oversized messages before the Repo sees them, counts them, and keeps syncing', async () => {
    const [ab1, ab2] = channel()
    const [raw1, raw2] = channel()
    const a = await spaceOn([ab1])
    const replica = await replicaOn(a.space.id, [ab2, raw1], { maxMessageBytes: 4096 })
    const b = await Space.open({ id: a.space.id, identity: await createIdentity(), replica })
    cleanup.push(() => b.close())
    // The raw port speaks the MessageChannel adapter's protocol by hand.
    raw2.postMessage({ type: 'arrive', senderId: 'mallory', peerMetadata: { storageId: '../../outside', isEphemeral: false } })
    await eventually(() => expect(replica.getSyncState().peers).toBe(2))
    const target = replica.repo.peerId
    const documentId = replica.documentId
    const bad = [
      { type: 'sync', senderId: 'mallory', targetId: target, documentId, data: new Uint8Array([0x42, 1, 2]).buffer },
      { type: 'sync', senderId: 'mallory', targetId: target, documentId, data: new Uint8Array(10_000).buffer },
      { type: 'sync', senderId: 'mallory', targetId: target, documentId: 'not-a-document', data: new Uint8Array([1]).buffer },
      { type: 'sync', senderId: 'mallory', targetId: target, documentId },
      {
        type: 'ephemeral',
        senderId: 'mallory',
        targetId: target,
        documentId,
        count: 1,
        sessionId: 's',
        data: new Uint8Array([0xff, 0xff]).buffer,
      },
      { type: 'remote-heads-changed', senderId: 'mallory', targetId: target, documentId },
      { type: 42, senderId: 'mallory', targetId: target },
    ]
    for (const message of bad) raw2.postMessage(message)
    await eventually(() => expect(replica.rejectedMessages).toBe(bad.length))
    await a.space.post('still syncing')
    await eventually(() => expect(b.getFeed().map((item) => item.text)).toEqual(['still syncing']))
  })

  it('refuses writes after close, delivers nothing more, and closes idempotently', async () => {
    const [p1, p2] = channel()
    const a = await spaceOn([p1])
    const replica = await replicaOn(a.space.id, [p2])
    // (Connected first: a MessageChannel peer that leaves before the other side's welcome never says goodbye.)
    await eventually(() => expect(replica.getSyncState().peers).toBe(1))
    let after = 0
    await replica.close()
    replica.subscribe(() => after++)
    await expect(replica.add([randomBytes(10)])).rejects.toThrow(/closed/)
    await expect(replica.getAll()).rejects.toThrow(/closed/)
    await a.space.post('after close')
    await replica.close()
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(after).toBe(0)
  })

  it('reopens from its storage and record store with everything, offline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'townhall-automerge-unit-'))
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
    const { fileRecordStore } = await import('../../adapters/shared/file-store.js')
    const open = async (spaceId: string) =>
      automergeReplica({
        spaceId,
        storage: new FileStorageAdapter(join(dir, 'am')),
        store: await fileRecordStore(join(dir, `${spaceId}.records`)),
      })
    let first: AutomergeReplica | undefined
    const space = await Space.create({
      visibility: 'public',
      identity: await createIdentity(),
      name: 'disk',
      replica: async (id) => (first = await open(id)),
    })
    await space.post('kept')
    await space.close()
    const changes = changeCount(first!)
    const again = await open(space.id)
    const reopened = await Space.open({ id: space.id, identity: space.identity, replica: again })
    expect(reopened.getFeed().map((item) => item.text)).toEqual(['kept'])
    // The document came back from storage: nothing had to be written again.
    expect(changeCount(again)).toBe(changes)
    await reopened.close()
  })

  it('loads its stored document only once a peer, a write or a reader needs it, and before the peer syncs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'townhall-automerge-unit-'))
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
    const { fileRecordStore } = await import('../../adapters/shared/file-store.js')
    const open = async (spaceId: string, network: MessagePort[] = []) =>
      automergeReplica({
        spaceId,
        storage: new FileStorageAdapter(join(dir, 'am')),
        store: await fileRecordStore(join(dir, `${spaceId}.records`)),
        network: network.map(adapter),
      })
    const space = await Space.create({ visibility: 'public', identity: await createIdentity(), name: 'lazy', replica: (id) => open(id) })
    for (let i = 0; i < 3; i++) await space.post(`kept ${i}`)
    await space.close()

    // Alone, it shows the space from its record store and leaves the document as the genesis.
    const [p1, p2] = channel()
    const again = await open(space.id, [p1])
    cleanup.push(() => again.close())
    const reopened = await Space.open({ id: space.id, identity: space.identity, replica: again })
    cleanup.push(() => reopened.close())
    expect(texts(reopened)).toEqual(['kept 0', 'kept 1', 'kept 2'])
    const inRepo = () => Object.keys((again.repo.handles[again.documentId]!.doc() as { records: object }).records)
    expect(inRepo()).toEqual([])

    // A peer appears: the stored document is loaded before the Repo syncs with it, so the peer gets
    // the records already there, and nothing had to be written again.
    const changesStored = A.getAllChanges(A.load(await storedDocument(join(dir, 'am'), space.id))).length
    const m = mallory(space.id, p2)
    await eventually(() => expect(Object.keys((m.handle.doc().records as object) ?? {})).toHaveLength(4))
    expect(inRepo()).toHaveLength(4)
    expect(A.getAllChanges(again.repo.handles[again.documentId]!.doc()).length).toBe(changesStored)
  })

  it('does not write an unchanged document back on reopen, and saves the next change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'townhall-automerge-unit-'))
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
    const { fileRecordStore } = await import('../../adapters/shared/file-store.js')
    let saves = 0
    class CountingStorage extends FileStorageAdapter {
      override async save(key: string[], data: Uint8Array) {
        if (key[1] === 'snapshot' || key[1] === 'incremental') saves++
        return super.save(key, data)
      }
    }
    const open = async (spaceId: string) =>
      automergeReplica({
        spaceId,
        storage: new CountingStorage(join(dir, 'am')),
        store: await fileRecordStore(join(dir, `${spaceId}.records`)),
      })
    const space = await Space.create({ visibility: 'public', identity: await createIdentity(), name: 'disk', replica: open })
    await space.post('first')
    await space.close()
    expect(saves).toBeGreaterThan(0)

    saves = 0
    const unchanged = await Space.open({ id: space.id, identity: space.identity, replica: await open(space.id) })
    expect(unchanged.getFeed().map((item) => item.text)).toEqual(['first'])
    await unchanged.close()
    expect(saves).toBe(0)

    const changed = await Space.open({ id: space.id, identity: space.identity, replica: await open(space.id) })
    await changed.post('second')
    await changed.close()
    expect(saves).toBeGreaterThan(0)

    // The change was saved in the document itself: it reopens without the record store.
    const fromDocument = await automergeReplica({ spaceId: space.id, storage: new FileStorageAdapter(join(dir, 'am')) })
    const last = await Space.open({ id: space.id, identity: space.identity, replica: fromDocument })
    cleanup.push(() => last.close())
    expect(texts(last)).toEqual(['first', 'second'])
  })
})

describe('the inbound message check', () => {
  it('accepts the messages automerge-repo sends and names what is wrong with others', () => {
    const documentId = spaceDocumentId('space-a')
    const [, sync] = A.generateSyncMessage(A.init(), A.initSyncState())
    const base = { senderId: 'a', targetId: 'b', documentId }
    expect(checkRepoMessage({ ...base, type: 'sync', data: sync })).toBeUndefined()
    expect(checkRepoMessage({ ...base, type: 'request', data: sync })).toBeUndefined()
    expect(checkRepoMessage({ ...base, type: 'doc-unavailable' })).toBeUndefined()
    expect(
      checkRepoMessage({ ...base, type: 'ephemeral', count: 1, sessionId: 's', data: new Uint8Array(cbor.encode({ hi: 1 })) }),
    ).toBeUndefined()
    expect(checkRepoMessage(null)).toMatch(/not an object/)
    expect(checkRepoMessage({ ...base, type: 'sync', data: sync, senderId: 'x'.repeat(500) })).toMatch(/senderId/)
    expect(checkRepoMessage({ ...base, type: 'sync', data: new Uint8Array(100) })).toMatch(/malformed sync message/)
    expect(checkRepoMessage({ ...base, type: 'sync', data: sync }, 2)).toMatch(/larger than/)
    expect(checkRepoMessage({ ...base, type: 'ephemeral', count: -1, sessionId: 's', data: new Uint8Array([1]) })).toMatch(/count/)
    expect(checkRepoMessage({ ...base, type: 'ephemeral', count: 1, sessionId: 's', data: new Uint8Array(100_000) })).toMatch(/ephemeral/)
  })
})

describe('the filesystem storage adapter', () => {
  it('round-trips chunks by prefix and refuses keys that would leave its directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'townhall-storage-'))
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
    const storage = new FileStorageAdapter(dir)
    await storage.save(['abcdef', 'snapshot', 'h1'], new Uint8Array([1]))
    await storage.save(['abcdef', 'incremental', 'h2'], new Uint8Array([2]))
    const chunks = await storage.loadRange(['abcdef'])
    expect(chunks.map((chunk) => chunk.key.join('/')).sort()).toEqual(['abcdef/incremental/h2', 'abcdef/snapshot/h1'])
    expect(await storage.load(['abcdef', 'snapshot', 'h1'])).toEqual(new Uint8Array([1]))
    await storage.removeRange(['abcdef', 'snapshot'])
    expect(await storage.loadRange(['abcdef', 'snapshot'])).toEqual([])
    await expect(storage.save(['abcdef', 'sync-state', '../../../outside'], new Uint8Array([1]))).rejects.toThrow(/refusing/)
    await expect(storage.save(['..', 'x'], new Uint8Array([1]))).rejects.toThrow(/refusing/)
  })
})

describe('presence over ephemeral messages', () => {
  /** Fake document handles on one broadcast bus, encoding messages as automerge-repo does. */
  function bus() {
    type FakeHandle = EventEmitter & { broadcast(message: unknown): void }
    const handles = new Map<string, FakeHandle>()
    const handle = (peerId: string) => {
      const emitter = new EventEmitter() as FakeHandle
      emitter.broadcast = (message) => {
        const data = new Uint8Array(cbor.encode(message))
        for (const [other, target] of handles)
          if (other !== peerId) target.emit('ephemeral-message', { senderId: peerId as PeerId, message: cbor.decode(data) })
      }
      handles.set(peerId, emitter)
      return emitter
    }
    return { handle, send: (from: string, message: unknown) => handles.get(from)!.broadcast(message) }
  }

  it('shows signed entries, drops forged and replayed ones, forgets goodbyes and stale entries', async () => {
    let clock = 1_000_000
    const now = () => clock
    const net = bus()
    const alice = await createIdentity()
    const bob = await createIdentity()
    const make = (peerId: string, identity?: Awaited<ReturnType<typeof createIdentity>>) => {
      const presence = ephemeralPresence({
        handle: net.handle(peerId) as never,
        peerId,
        spaceId: 'space-a',
        now,
        ...(identity ? { identity } : {}),
      })
      cleanup.push(() => presence.close())
      return presence
    }
    const a = make('peer-a', alice)
    const b = make('peer-b', bob)
    make('peer-m')
    let overheard: unknown
    net.handle('peer-spy').on('ephemeral-message', ({ message }) => (overheard = message))

    await b.set({ name: 'Bob' })
    await eventually(() => expect(a.get().map((peer) => [peer.did, peer.state])).toEqual([[bob.did, { name: 'Bob' }]]))
    // A did claimed without its key, and Bob's genuine entry replayed by another peer.
    net.send('peer-m', { kind: 'townhall/presence/v1', did: alice.did, state: { name: 'Alice?' }, ts: clock, sig: new Uint8Array(64) })
    net.send('peer-m', overheard)
    net.send('peer-m', { kind: 'townhall/presence/v1', did: 42 })
    await eventually(() => expect(a.forged).toBe(3))
    expect(a.get().map((peer) => peer.did)).toEqual([bob.did])

    clock += 60_000 // past staleMs with no refresh
    expect(a.get()).toEqual([])
    await b.set({ name: 'Bob again' })
    await eventually(() => expect(a.get()).toHaveLength(1))
    await b.leave()
    await eventually(() => expect(a.get()).toEqual([]))
  })
})
