/** Shared fixtures for the core test suites: peers on a manual-mode memory network. */
import { compareCausal, createIdentity, Space, type Identity, type KindDefinition } from '../core/index.js'
import type { CID } from 'multiformats/cid'
import { memoryNetwork, type MemoryNetwork, type MemoryNetworkOptions } from '../testing/index.js'
import { randomBytes } from '../core/bytes.js'

export interface Peer {
  readonly identity: Identity
  readonly space: Space
}

export interface World {
  readonly network: MemoryNetwork
  readonly founder: Peer
  readonly peers: Peer[]
  /** `kinds`: the app kinds this peer registers (default: the world's). */
  join(identity?: Identity, options?: { kinds?: readonly KindDefinition[] }): Promise<Peer>
  /** Delivers every message and waits until every space has folded what it received. */
  settle(): Promise<void>
  close(): Promise<void>
}

export async function world(
  options: {
    policy?: 'open' | 'invite-only'
    network?: MemoryNetworkOptions
    maxRecordBytes?: number
    /** Default private, as for every new space; tests that inject plain records from a hostile peer take 'public'. */
    visibility?: 'private' | 'public'
    /** App kinds every peer registers unless it says otherwise. */
    kinds?: readonly KindDefinition[]
  } = {},
): Promise<World> {
  const network = memoryNetwork({ mode: 'manual', ...options.network })
  const identity = await createIdentity()
  const secret = randomBytes(32)
  const space = await Space.create({
    identity,
    name: 'Test space',
    secret,
    visibility: options.visibility ?? 'private',
    keyRotationDelayMs: 0,
    policy: options.policy ?? 'open',
    kinds: options.kinds ?? [],
    replica: (id) => network.replica(id, { peerId: 'founder' }),
    ...(options.maxRecordBytes ? { maxRecordBytes: options.maxRecordBytes } : {}),
  })
  const founder = { identity, space }
  const peers: Peer[] = [founder]
  let joined = 0
  const settle = async () => {
    for (let round = 0; round < 100; round++) {
      await network.flush()
      await Promise.all(peers.map((peer) => peer.space.idle()))
      if (network.inFlight === 0) return
    }
    throw new Error('network did not settle')
  }
  return {
    network,
    founder,
    peers,
    async join(given, joinOptions = {}) {
      const peerIdentity = given ?? (await createIdentity())
      const peerSpace = await Space.open({
        id: space.id,
        identity: peerIdentity,
        secret,
        keyRotationDelayMs: 0,
        kinds: joinOptions.kinds ?? options.kinds ?? [],
        replica: network.replica(space.id, { peerId: `peer-${++joined}` }),
      })
      const peer = { identity: peerIdentity, space: peerSpace }
      peers.push(peer)
      await settle()
      return peer
    },
    settle,
    async close() {
      for (const peer of peers) await peer.space.close()
    },
  }
}

/** A comparable snapshot of every replicated view of a space. */
export function snapshot(space: Space) {
  const feed = space.getFeed({ includeHidden: true, order: 'oldest' })
  return {
    info: space.getInfo(),
    feed,
    threads: feed.map((item) => space.getThread(item.id, { includeHidden: true })),
    members: space.getMembers(),
    invites: [...space.getInvites().values()].map((invite) => ({
      id: invite.id,
      uses: invite.uses,
      redeemedBy: [...invite.redeemedBy].sort(),
    })),
    held: [...space.getHeld().keys()].sort(),
  }
}

/**
 * What a hand-signed record names as its causal past when it should look like an honest peer's:
 * the most recent records a space holds (ballots aside), up to `max`. Records signed with `refs: []`
 * have only the genesis in their past, so nobody's role counts for them.
 */
export function seenBy(space: Space, max = 16): CID[] {
  return space
    .getRecords()
    .filter((record) => record.kind !== 'ballot' && record.kind !== 'close-part' && record.kind !== 'space')
    .sort((a, b) => compareCausal(b, a))
    .slice(0, max)
    .map((record) => record.cid)
}
