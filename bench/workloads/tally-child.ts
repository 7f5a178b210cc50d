/**
 * Tally measurements in a fresh process, for one method and one size N:
 *
 * - `pure`: `tally(method, params, choices)`: the counting alone, from N validated choices.
 * - `final`: the poll view's final result (`PollState.getPoll(id).final`) of a closed poll of N
 *   ballots: what a peer computes to show the result (the close's ballot set is resolved from its
 *   parts, its digest checked, every committed ballot looked up, then counted).
 * - `oneMore`: one more ballot folded into an open poll of N ballots plus the live result read
 *   back (`PollState.add` + `getPoll(id).live`), per ballot.
 *
 * The view is fed records that carry everything a validated record carries except a real
 * signature (validation is measured by the ingest workload): ids are real CIDs of distinct bytes,
 * in the string form validation gives them (`cidString`, one flat string). `CID.toString()` builds
 * its string a character at a time, and map lookups on such strings cost about twice as much.
 */
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { ballotSetDigest } from '../../core/commitment.js'
import { cidString } from '../../core/cid-string.js'
import { didFromPublicKey } from '../../core/did.js'
import { methodByName, tally, tieOrder, type MethodName } from '../../core/index.js'
import { CausalGraph } from '../../core/causal.js'
import { PollState } from '../../core/poll.js'
import type { SignedRecord } from '../../core/record.js'
import { BALLOTS_PER_CLOSE_RECORD } from '../../core/poll-kinds.js'
import { childMain } from '../lib/child.js'
import { choiceFor, METHOD_PARAMS, OPTIONS } from '../lib/fixtures.js'
import { gc, median, now } from '../lib/measure.js'

interface Args {
  readonly method: MethodName
  readonly n: number
  readonly runs: number
  readonly oneMore: number
  /** Only the pure tally (for sizes where building a poll view of N records takes too long). */
  readonly pureOnly?: boolean
}

/**
 * A poll view over a causal graph, as a space gives it (core/space.ts): records are made ready
 * (their past is all here) before they are folded, and closes walk their past.
 */
function pollView(): { state: PollState; add(record: SignedRecord): void } {
  const records = new Map<string, SignedRecord>()
  const graph = new CausalGraph({ lookup: (id) => records.get(id), isAuthority: () => false })
  const state = new PollState({
    membership: () => undefined,
    hasRecord: (id) => records.has(id),
    readyRecord: (id) => {
      const record = records.get(id)
      return record && graph.isReady(record) ? record : undefined
    },
    walkPast: (starts, visit) => graph.walk(starts, visit),
    waitingFor: (id) => graph.missingFor(id),
  })
  return {
    state,
    add(given) {
      // A copy per view: the graph keeps a record's depth and past on the record itself, as a
      // space keeps them on its own copy (core/kept-record.ts).
      const record = { ...given, depth: -1, frontier: undefined } as SignedRecord
      records.set(record.id, record)
      for (const ready of graph.add(record)) state.add(ready)
    },
  }
}

let counter = 0
async function fakeCid(): Promise<CID> {
  const input = new Uint8Array(8)
  new DataView(input.buffer).setFloat64(0, counter++)
  return CID.createV1(0x71, await sha256.digest(input))
}

const founderKey = new Uint8Array(32).fill(1)
const founder = didFromPublicKey(founderKey)
const empty = new Uint8Array(0)

async function record(kind: string, body: unknown, author: string, hlc: [number, number], refs: CID[] = []): Promise<SignedRecord> {
  const cid = await fakeCid()
  return {
    kind,
    body,
    author: author as SignedRecord['author'],
    hlc,
    refs,
    space: null,
    id: cidString(cid),
    cid,
    authorKey: founderKey,
    signature: empty,
    bytes: empty,
  }
}

function voter(i: number): string {
  const key = new Uint8Array(32)
  new DataView(key.buffer).setUint32(0, i + 1)
  key[31] = 7
  return didFromPublicKey(key)
}

async function buildPoll(method: MethodName, n: number) {
  const params = METHOD_PARAMS[method]
  const poll = await record(
    'poll',
    {
      question: 'Which option?',
      description: '',
      options: Array.from({ length: OPTIONS }, (_, i) => `Option ${i + 1}`),
      method,
      ...(params !== undefined ? { params } : {}),
      eligibility: { type: 'anyone' },
      secret: false,
    },
    founder,
    [1, 0],
  )
  const view = pollView()
  view.add(poll)
  const ballots: SignedRecord[] = []
  for (let i = 0; i < n; i++) {
    const ballot = await record(
      'ballot',
      { poll: poll.cid, choice: choiceFor(method, i) },
      voter(i),
      [2 + Math.floor(i / 16), i % 16],
      [poll.cid],
    )
    ballots.push(ballot)
  }
  return { poll, view, ballots }
}

async function closeRecords(poll: SignedRecord, ballots: readonly SignedRecord[], at: number) {
  const cids = ballots.map((ballot) => ballot.cid).sort((a, b) => (a.toString() < b.toString() ? -1 : 1))
  const parts: SignedRecord[] = []
  for (let i = 0; i < cids.length; i += BALLOTS_PER_CLOSE_RECORD) {
    parts.push(
      await record('close-part', { poll: poll.cid, ballots: cids.slice(i, i + BALLOTS_PER_CLOSE_RECORD) }, founder, [at, parts.length]),
    )
  }
  const close = await record(
    'close',
    { poll: poll.cid, count: cids.length, digest: ballotSetDigest(cids), ballots: [], parts: parts.map((part) => part.cid) },
    founder,
    [at + 1, 0],
  )
  return { parts, close }
}

await childMain(async ({ method, n, runs, oneMore, pureOnly }: Args) => {
  const tallyMethod = methodByName(method)!
  const parsed = tallyMethod.parseParams(METHOD_PARAMS[method], OPTIONS)
  if (!parsed.ok) throw new Error(parsed.reason)
  const ctx = { optionCount: OPTIONS, tieOrder: tieOrder(await fakeCid(), OPTIONS) }
  const choices = Array.from({ length: n }, (_, i) => {
    const checked = tallyMethod.checkChoice(choiceFor(method, i), parsed.params, OPTIONS)
    if (!checked.ok) throw new Error(`${method}: ${checked.reason}`)
    return checked.choice
  })

  // Pure counting.
  tally(tallyMethod, parsed.params, choices.slice(0, Math.min(n, 2000)), ctx)
  const pure: number[] = []
  for (let r = 0; r < runs; r++) {
    gc()
    const start = now()
    tally(tallyMethod, parsed.params, choices, ctx)
    pure.push(now() - start)
  }

  if (pureOnly) return { method, n, pureMs: median(pure), finalMs: NaN, oneMoreMs: NaN }

  // The poll view: open poll of N ballots, then one more ballot at a time.
  const { poll, view: open, ballots } = await buildPoll(method, n)
  const state = open.state
  for (const ballot of ballots) open.add(ballot)
  if (state.getPoll(poll.id)?.live?.ballots !== n) throw new Error('live tally does not count every ballot')
  const extra: SignedRecord[] = []
  for (let i = 0; i < oneMore; i++) {
    extra.push(await record('ballot', { poll: poll.cid, choice: choiceFor(method, n + i) }, voter(n + i), [1e9 + i, 0], [poll.cid]))
  }
  gc()
  const perBallot: number[] = []
  for (const ballot of extra) {
    const start = now()
    open.add(ballot)
    const live = state.getPoll(poll.id)?.live
    perBallot.push(now() - start)
    if (!live) throw new Error('no live result')
  }
  // Warm-up samples (the first few JIT the path) are dropped.
  const oneMoreMs = median(perBallot.slice(Math.min(10, perBallot.length >> 1)))

  // The final result once the poll is closed: each run is a fresh view (as on a peer that just
  // received the close), and the close-parts' ballot ids are freshly decoded CIDs, as they would be.
  const all = [...ballots, ...extra]
  const { parts, close } = await closeRecords(poll, all, 2e9)
  const final: number[] = []
  for (let r = 0; r <= runs; r++) {
    const view = pollView()
    view.add(poll)
    for (const ballot of all) view.add(ballot)
    for (const part of parts) {
      const body = part.body as { poll: CID; ballots: CID[] }
      view.add({ ...part, body: { poll: body.poll, ballots: body.ballots.map((id) => CID.decode(id.bytes)) } })
    }
    gc()
    const start = now()
    view.add(close)
    const shown = view.state.getPoll(poll.id)
    const ms = now() - start
    if (shown?.status !== 'final' || shown.final?.ballots !== all.length)
      throw new Error(`not final: ${shown?.status} ${shown?.final?.ballots}`)
    if (r > 0) final.push(ms)
  }
  return { method, n, pureMs: median(pure), finalMs: median(final), oneMoreMs, oneMoreSamples: perBallot.length }
})
