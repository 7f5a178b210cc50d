/** Fixtures for the feed component tests: real spaces on a manual-mode memory network. */
import { createIdentity, createSpace, openSpace, type Space } from '../../../core/index.js'
import { waitFor } from '@testing-library/svelte'
import { memoryNetwork, type MemoryNetwork } from '../../../testing/index.js'

export interface Community {
  readonly network: MemoryNetwork
  /** The founder's space (a moderator by rank). */
  readonly founder: Space
  readonly spaces: Space[]
  /** Opens the space as a new identity, joins it, names it, and waits until everyone has synced. */
  member(name?: string): Promise<Space>
  /** Delivers every message and waits until every space has folded what it received. */
  settle(): Promise<void>
  /**
   * Settles and checks, again and again until the check passes (or times out). A click resolves
   * before the action it starts is published, so one settle right after a click may be too early.
   */
  synced(check: () => void): Promise<void>
  close(): Promise<void>
}

export async function community(options: { founderName?: string; policy?: 'open' | 'invite-only' } = {}): Promise<Community> {
  const network = memoryNetwork({ mode: 'manual' })
  const founder = await createSpace({
    identity: await createIdentity(),
    name: 'Garden club',
    policy: options.policy ?? 'open',
    replica: (id) => network.replica(id, { peerId: 'founder' }),
  })
  if (options.founderName) await founder.setProfile({ name: options.founderName })
  const spaces = [founder]
  let peers = 0
  const settle = async () => {
    for (let round = 0; round < 100; round++) {
      await network.flush()
      await Promise.all(spaces.map((space) => space.idle()))
      if (network.inFlight === 0) return
    }
    throw new Error('network did not settle')
  }
  return {
    network,
    founder,
    spaces,
    async member(name) {
      const space = await openSpace({
        id: founder.id,
        // Spaces are private by default: a member reads them with the link's secret.
        secret: founder.secret,
        identity: await createIdentity(),
        replica: network.replica(founder.id, { peerId: `peer-${++peers}` }),
      })
      spaces.push(space)
      await settle()
      await space.join()
      if (name) await space.setProfile({ name })
      await settle()
      return space
    },
    settle,
    synced: (check) =>
      waitFor(async () => {
        await settle()
        check()
      }),
    async close() {
      for (const space of spaces.splice(0)) await space.close()
    },
  }
}
