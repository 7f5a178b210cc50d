/**
 * A newcomer syncs a space whose state is far over the 256 KiB that one WebRTC data-channel
 * message carries: y-webrtc sends the whole state as one sync-step-2 message, which only arrives
 * because the replica fragments it (adapters/yjs/fragments.ts). Real WebRTC between separate Node
 * processes, signaling through a `townhall signal` process on 127.0.0.1.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createIdentity, Space, type PluralityResult } from '../../core/index.js'
import { eventually } from '../../testing/index.js'
import { yjsPeerWithBallots } from '../support/ballots.js'
import { killAllPeers, processReplica } from '../support/process-replica.js'
import { startSignal, stopAllSignals } from '../support/signal-process.js'

const open: Space[] = []
afterEach(async () => {
  for (const space of open.splice(0)) await space.close().catch(() => {})
  await killAllPeers()
  await stopAllSignals()
})

const BALLOTS = 3000
const OPTIONS = ['red', 'green', 'blue']

describe('yjs over WebRTC: a state larger than one data-channel message', () => {
  it(`gives a newcomer every one of ${BALLOTS} ballots (~800 KB of state)`, async () => {
    const signal = await startSignal()
    const { space: alice, replica: aliceReplica, poll, ballots } = await yjsPeerWithBallots(signal.url, 'large state', OPTIONS, BALLOTS)
    open.push(alice)
    const stateBytes = (await aliceReplica.command('encodeState')) as number
    expect(stateBytes).toBeGreaterThan(3 * 256 * 1024)

    const bobReplica = await processReplica('yjs-peer.ts', { spaceId: alice.id, signaling: [signal.url] })
    const bob = await Space.open({ id: alice.id, identity: await createIdentity(), replica: bobReplica })
    open.push(bob)
    await eventually(() => expect(bob.getPoll(poll.id)?.turnout).toBe(BALLOTS), 60_000, 100)
    const live = bob.getPoll(poll.id)!.live as PluralityResult
    expect(live.ballots).toBe(BALLOTS)
    expect([...live.counts]).toEqual(ballots.perOption)
    // Every fragment reassembled: nothing was refused on the way.
    expect(bobReplica.stats.rejectedMessages).toBe(0)
  }, 120_000)
})
