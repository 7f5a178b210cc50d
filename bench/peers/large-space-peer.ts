/**
 * The seeder of the browser workloads (bench/workloads/browser.ts), in its own process: a private
 * space of N ballots (the cached private plurality fixture) and P posts by its founder, written to a
 * `townhall sync-server` through townhall's Automerge Node replica, or held by a Yjs Node replica
 * that serves it over WebRTC (signaling on 127.0.0.1), so that a browser can join it with the share
 * link as a person would. Commands: `seed` (resolves once the server holds every
 * record) and `close`.
 */
import { CID } from 'multiformats/cid'
import { sealFrame } from '../../core/private/frame.js'
import { epochZeroKey } from '../../core/private/keyring.js'
import { signRecord } from '../../core/index.js'
import { benchIdentity, fixture } from '../lib/fixtures.js'
import { servePeer } from '../lib/peer.js'
import { sleep } from '../lib/measure.js'

interface Options {
  /** automerge: the sync server's URL; yjs: the signaling server's (this peer then stays to serve the join over WebRTC). */
  readonly adapter: 'automerge' | 'yjs'
  readonly url: string
  readonly ballots: number
  readonly posts: number
}

const options = JSON.parse(process.argv[2]!) as Options
const fx = await fixture('plurality', options.ballots, 'private')
const secret = fx.secret!
const replica =
  options.adapter === 'yjs'
    ? await (await import('../../adapters/yjs/node.js')).yjsNodeReplica({ spaceId: fx.spaceId, signaling: [options.url], secret })
    : await (
        await import('../../adapters/automerge/node.js')
      ).automergeNodeReplica({ spaceId: fx.spaceId, url: options.url, secret, retryMs: 200 })

/** P posts by the founder, sealed under epoch 0 as the space's own would be, a few seconds apart. */
async function posts(count: number): Promise<Uint8Array[]> {
  const founder = benchIdentity('founder')
  const space = CID.parse(fx.spaceId)
  const key = epochZeroKey(secret)
  const out: Uint8Array[] = []
  const base = Date.UTC(2026, 0, 1)
  for (let i = 0; i < count; i++) {
    const record = await signRecord(founder, {
      kind: 'post',
      space,
      hlc: [base + i * 1000, 0],
      refs: [],
      body: { text: `Post ${i + 1} of ${count}: a line of text long enough to wrap like a real one would in a feed.` },
    })
    out.push(sealFrame(key, 0, record.bytes))
  }
  return out
}

servePeer({
  ready: async () => true,
  async seed() {
    await replica.add(fx.head)
    const all = [...(await posts(options.posts)), ...fx.ballots]
    for (let i = 0; i < all.length; i += 1000) await replica.add(all.slice(i, i + 1000))
    // Yjs: the browser syncs from this peer itself, once it joins.
    if (options.adapter === 'yjs') return { spaceId: fx.spaceId, pollId: fx.pollId, secret: Buffer.from(secret).toString('base64url') }
    // The server has everything once the replica has nothing in flight after its first exchange.
    for (let waited = 0; waited < 120_000; waited += 100) {
      const state = replica.getSyncState()
      if (state.peers > 0 && state.synced && state.bytesInFlight === 0) break
      await sleep(100)
    }
    // A margin for the server to apply the last message it received.
    await sleep(1000)
    return { spaceId: fx.spaceId, pollId: fx.pollId, secret: Buffer.from(secret).toString('base64url') }
  },
  async close() {
    await replica.close()
    return {}
  },
})
