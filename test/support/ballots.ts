/** Many signed ballots for one poll, each by a fresh key, through the real record API: for tests that need a large space. */
import { createIdentity, signRecord, Space, type SignedRecord } from '../../core/index.js'
import { processReplica, type ProcessReplica } from './process-replica.js'

export interface Ballots {
  readonly bytes: Uint8Array[]
  /** Ballots per option, for checking a plurality tally. */
  readonly perOption: number[]
}

/** `n` plurality ballots for `poll` (an 'anyone may vote' poll), choices spread over `options` options. */
export async function signedBallots(poll: SignedRecord, n: number, options: number): Promise<Ballots> {
  const bytes: Uint8Array[] = []
  const perOption = new Array<number>(options).fill(0)
  for (let i = 0; i < n; i++) {
    const choice = (i % 7) % options
    perOption[choice]!++
    const ballot = await signRecord(await createIdentity(), {
      kind: 'ballot',
      space: poll.space,
      hlc: [poll.hlc[0] + 1 + Math.floor(i / 16), i % 16],
      refs: [poll.cid],
      body: { poll: poll.cid, choice },
    })
    bytes.push(ballot.bytes)
  }
  return { bytes, perOption }
}

/**
 * A space on a Yjs peer process (signaling through `signaling`) with a plurality poll over
 * `options` and `n` ballots, written straight into its replica: the fastest way through the real
 * record API to a state of that size. The caller closes the space.
 */
export async function yjsPeerWithBallots(
  signaling: string,
  name: string,
  options: readonly string[],
  n: number,
): Promise<{ space: Space; replica: ProcessReplica; poll: SignedRecord; ballots: Ballots }> {
  let replica: ProcessReplica | undefined
  const space = await Space.create({
    visibility: 'public',
    identity: await createIdentity(),
    name,
    replica: async (spaceId) => (replica = await processReplica('yjs-peer.ts', { spaceId, signaling: [signaling] })),
  })
  const poll = await space.createPoll({ question: 'Which?', options: [...options], method: 'plurality', eligibility: { type: 'anyone' } })
  const ballots = await signedBallots(poll, n, options.length)
  for (let i = 0; i < n; i += 500) await replica!.add(ballots.bytes.slice(i, i + 500))
  return { space, replica: replica!, poll, ballots }
}
