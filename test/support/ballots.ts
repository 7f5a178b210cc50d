/** Many signed ballots for one poll, each by a fresh key, through the real record API: for tests that need a large space. */
import { createIdentity, signRecord, type SignedRecord } from '../../core/index.js'

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
