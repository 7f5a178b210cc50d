/**
 * The Yjs adapter in a real browser: Debian's Chromium driven by playwright-core, the browser
 * entry (test/support/browser/entry.ts) bundled with esbuild and served from 127.0.0.1. Peers in
 * separate browser contexts share no storage and no BroadcastChannel, so they meet over WebRTC
 * through a `townhall signal` process; persistence goes through the IndexedDB record store.
 *
 * Needs /usr/bin/chromium (CI installs it); without it these tests fail, they do not skip.
 */
import { createHash } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createIdentity, Space } from '../../core/index.js'
import { eventually } from '../../testing/index.js'
import { startBrowserHarness, type BrowserHarness, type PagePeer } from '../support/browser.js'
import { yjsPeerWithBallots } from '../support/ballots.js'
import { killAllPeers, processReplica } from '../support/process-replica.js'
import { startSignal, stopAllSignals } from '../support/signal-process.js'

const DEAD_SIGNAL = 'ws://127.0.0.1:9' // discard port: nothing listens there
const SYNC_MS = 30_000
const POLL_MS = 100

let harness: BrowserHarness | undefined
let startError: unknown
const spaces: Space[] = []

beforeAll(async () => {
  // A failure here (no Chromium, say) is rethrown by every test, so each one fails, none is skipped.
  try {
    harness = await startBrowserHarness()
  } catch (error) {
    startError = error
  }
}, 60_000)

afterEach(async () => {
  for (const space of spaces.splice(0)) await space.close().catch(() => {})
  await harness?.closePeers()
  await killAllPeers()
  await stopAllSignals()
}, 30_000)

afterAll(async () => {
  await harness?.close()
}, 30_000)

const browser = (): BrowserHarness => {
  if (!harness) throw startError ?? new Error('the browser harness did not start')
  return harness
}

/** Waits for a page's feed, with the page's own errors in the failure message. */
async function feedOf(peer: PagePeer, expected: string[]): Promise<void> {
  await eventually(
    async () => expect(await peer.call('texts'), `page errors:\n${peer.errors.join('\n')}`).toEqual(expected),
    SYNC_MS,
    POLL_MS,
  )
}

describe('yjs replica in Chromium', () => {
  it('converges two browsers over WebRTC', async () => {
    const [a, b] = await Promise.all([browser().newPeer(), browser().newPeer()])
    const signal = await startSignal()
    await Promise.all([a.call('createIdentity'), b.call('createIdentity')])
    const spaceId = await a.call('create', 'browsers', [signal.url])
    await a.call('post', 'from a 1')
    await a.call('post', 'from a 2')
    await b.call('open', spaceId, [signal.url])
    await feedOf(b, ['from a 1', 'from a 2'])
    expect(await b.call('name')).toBe('browsers')
    // Separate contexts share no BroadcastChannel: what b received came over a WebRTC connection.
    expect(await b.call('webrtcPeers')).toBe(1)
    expect(await b.call('peers')).toBe(1)
    await b.call('post', 'from b')
    await feedOf(a, ['from a 1', 'from a 2', 'from b'])
    await Promise.all([a.call('close'), b.call('close')])
  }, 90_000)

  it('keeps records in IndexedDB and shows them offline after a reload', async () => {
    const peer = await browser().newPeer()
    const spaceId = await peer.call('create', 'persisted', [DEAD_SIGNAL])
    for (const text of ['one', 'two', 'three']) await peer.call('post', text)
    await peer.call('close')
    // Closing saved a view checkpoint: it covers the four stored records, with a digest of their ids
    // computed by WebCrypto here that must be the one Node computes (a space in Node checks it so).
    const saved = await peer.page.evaluate(async (name) => {
      const store = await window.townhall!.store(name)
      const [checkpoint, records] = await Promise.all([store.checkpoint!.load(), store.load()])
      await store.close()
      return { checkpoint: checkpoint && new TextDecoder().decode(checkpoint), ids: records.map(({ id }) => id!) }
    }, spaceId)
    const header = JSON.parse(saved.checkpoint!) as { entries: number; digest: string }
    expect(header.entries).toBe(4)
    expect(header.digest).toBe(createHash('sha256').update(saved.ids.join('\n')).digest('hex'))
    await peer.reload()
    // A new page load with no reachable signaling server: everything comes from IndexedDB, and
    // it is there as soon as the space is open.
    await peer.call('open', spaceId, [DEAD_SIGNAL])
    expect(await peer.call('texts')).toEqual(['one', 'two', 'three'])
    expect(await peer.call('name')).toBe('persisted')
    await peer.call('close')
  }, 60_000)

  it('syncs a browser and a Node peer over WebRTC', async () => {
    const page = await browser().newPeer()
    const signal = await startSignal()
    const spaceId = await page.call('create', 'mixed', [signal.url])
    await page.call('post', 'from the browser')
    const node = await Space.open({
      id: spaceId,
      identity: await createIdentity(),
      replica: await processReplica('yjs-peer.ts', { spaceId, signaling: [signal.url] }),
    })
    spaces.push(node)
    const texts = () => node.getFeed({ order: 'oldest' }).map((item) => item.text)
    await eventually(() => expect(texts()).toEqual(['from the browser']), SYNC_MS, POLL_MS)
    expect(node.getInfo()?.name).toBe('mixed')
    await node.post('from node')
    await feedOf(page, ['from the browser', 'from node'])
    await page.call('close')
  }, 90_000)

  it('carries a state larger than one data-channel message from Node to a browser, and from that browser to another', async () => {
    // 3000 ballots (~800 KB) as one sync-step-2 message: over Chromium's 256 KiB max-message-size, so
    // it arrives only in fragments, sent by @roamhq/wrtc in Node and then by Chromium itself.
    const signal = await startSignal()
    const [a, b] = await Promise.all([browser().newPeer(), browser().newPeer()])
    const { space: node, poll } = await yjsPeerWithBallots(signal.url, 'large', ['x', 'y', 'z'], 3000)
    spaces.push(node)
    const turnout = (page: PagePeer) =>
      eventually(
        async () => expect(await page.call('turnout', poll.id), `page errors:\n${page.errors.join('\n')}`).toBe(3000),
        SYNC_MS,
        POLL_MS,
      )
    await a.call('open', node.id, [signal.url])
    await turnout(a)
    // With the Node peer gone, the second page can only get the state from the first.
    await node.close()
    await b.call('open', node.id, [signal.url])
    await turnout(b)
    await Promise.all([a.call('close'), b.call('close')])
  }, 120_000)

  it('stores exact record bytes in order with their ids, reads values written without ids, and refuses appends once closed', async () => {
    const peer = await browser().newPeer()
    const result = await peer.page.evaluate(async () => {
      const open = window.townhall!.store
      const store = await open('store-check')
      const backing = new Uint8Array([9, 9, 1, 2, 3, 9, 9])
      await store.append([
        { id: 'one', bytes: new Uint8Array([0]) },
        { id: 'two', bytes: backing.subarray(2, 5) },
      ])
      await store.append([])
      await store.append([{ id: 'three', bytes: new Uint8Array([4, 5]) }])
      const withoutId = await store.append([{ bytes: new Uint8Array([8]) } as unknown as { id: string; bytes: Uint8Array }]).then(
        () => 'resolved',
        (error: Error) => error.message,
      )
      await Promise.all([store.verified!.add(['bafyone', 'bafytwo']), store.verified!.add(['bafytwo', 'bafythree'])])
      await store.checkpoint!.save(new Uint8Array([1, 2]))
      await store.checkpoint!.save(new Uint8Array([3, 4, 5]))
      await store.close()
      const afterClose = await store.append([{ id: 'four', bytes: new Uint8Array([6]) }]).then(
        () => 'resolved',
        (error: Error) => error.message,
      )
      // A value as versions before ids were kept wrote it: bare bytes.
      await new Promise<void>((resolve, reject) => {
        const request = indexedDB.open('townhall-records-store-check')
        request.onerror = () => reject(request.error)
        request.onsuccess = () => {
          const db = request.result
          const tx = db.transaction('records', 'readwrite')
          tx.objectStore('records').add(new Uint8Array([7, 7]))
          tx.oncomplete = () => (db.close(), resolve())
          tx.onerror = () => reject(tx.error)
        }
      })
      const again = await open('store-check')
      const loaded = await again.load()
      const verified = await again.verified!.load()
      const checkpoint = await again.checkpoint!.load()
      await again.close()
      const other = await open('store-check-other')
      const empty = await other.load()
      const noCheckpoint = await other.checkpoint!.load()
      await other.close()
      // A database as version 2 of the schema left it (no checkpoint store): upgraded in place.
      await new Promise<void>((resolve, reject) => {
        const request = indexedDB.open('townhall-records-store-v2', 2)
        request.onupgradeneeded = () => {
          request.result.createObjectStore('records', { autoIncrement: true })
          request.result.createObjectStore('verified')
        }
        request.onerror = () => reject(request.error)
        request.onsuccess = () => {
          const db = request.result
          const tx = db.transaction('records', 'readwrite')
          tx.objectStore('records').add({ id: 'old', bytes: new Uint8Array([6]) })
          tx.oncomplete = () => (db.close(), resolve())
          tx.onerror = () => reject(tx.error)
        }
      })
      const upgraded = await open('store-v2')
      const kept = (await upgraded.load()).map(({ id }) => id)
      await upgraded.checkpoint!.save(new Uint8Array([7]))
      const upgradedCheckpoint = await upgraded.checkpoint!.load()
      await upgraded.close()
      return {
        withoutId,
        afterClose,
        loaded: loaded.map(({ id, bytes }) => [id ?? null, bytes.constructor.name, bytes.buffer.byteLength, ...bytes]),
        empty: empty.length,
        verified: [...verified].sort(),
        checkpoint: checkpoint ? [...checkpoint] : null,
        noCheckpoint: noCheckpoint ?? null,
        upgraded: { kept, checkpoint: upgradedCheckpoint ? [...upgradedCheckpoint] : null },
      }
    })
    expect(result.afterClose).toMatch(/closed/)
    expect(result.withoutId).toMatch(/ids must be non-empty strings/)
    expect(result.loaded).toEqual([
      ['one', 'Uint8Array', 1, 0],
      ['two', 'Uint8Array', 3, 1, 2, 3],
      ['three', 'Uint8Array', 2, 4, 5],
      [null, 'Uint8Array', 2, 7, 7],
    ])
    expect(result.empty).toBe(0)
    // The ids the space verified live in the same database (schema version 2), without duplicates.
    expect(result.verified).toEqual(['bafyone', 'bafythree', 'bafytwo'])
    // The view checkpoint too (schema version 3): the last one saved, none where none was.
    expect(result.checkpoint).toEqual([3, 4, 5])
    expect(result.noCheckpoint).toBeNull()
    expect(result.upgraded).toEqual({ kept: ['old'], checkpoint: [7] })
  }, 30_000)
})
