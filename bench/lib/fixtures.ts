/**
 * Benchmark fixtures: a space (genesis), one poll and N ballots signed by N distinct voters, as the
 * record bytes a replica would carry. Voter keys derive from a fixed seed, and signing uses
 * node:crypto, so a set of 100k ballots takes seconds to make. Sets are cached in the system's
 * temporary directory (they are inputs, not measurements), keyed by method, size and format version.
 */
import { createHash, createPrivateKey, sign as nodeSign, type KeyObject } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { openFrame, readFrameHeader, sealFrame } from '../../core/private/frame.js'
import { epochZeroKey } from '../../core/private/keyring.js'
import { createSpace, didFromPublicKey, localReplica, recordCid, signRecord, type Identity, type MethodName } from '../../core/index.js'

/** Bump when the record format or the fixture shape changes. */
const FORMAT = 5
export const OPTIONS = 10
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex')

export interface Fixture {
  readonly method: MethodName
  readonly spaceId: string
  readonly pollId: string
  /** The genesis and the poll record. */
  readonly head: readonly Uint8Array[]
  /** N ballots, one per voter. */
  readonly ballots: readonly Uint8Array[]
  /** Total bytes of the ballot records (of their frames, in a private space). */
  readonly ballotBytes: number
  /** Private spaces: the share link's secret; `head` and `ballots` are then sealed frames, as replicas carry them. */
  readonly secret?: Uint8Array
}

/** The share-link secret of the private fixtures. */
const BENCH_SECRET = createHash('sha256').update('townhall-bench/secret').digest()

export const METHOD_PARAMS: Partial<Record<MethodName, unknown>> = {
  score: { min: 0, max: 5 },
  quadratic: { credits: 100 },
}

/** A valid choice for voter `i` (deterministic, spread over the options). */
export function choiceFor(method: MethodName, i: number, optionCount = OPTIONS): unknown {
  const r = mix(i)
  switch (method) {
    case 'plurality':
      return r % optionCount
    case 'approval': {
      const out: number[] = []
      for (let o = 0; o < optionCount; o++) if ((r >>> o) & 1) out.push(o)
      return out.length ? out : [r % optionCount]
    }
    case 'instant-runoff':
    case 'schulze':
    case 'copeland': {
      // A partial ranking of 3 to 10 options, a permutation derived from r.
      const order = Array.from({ length: optionCount }, (_, o) => o)
      let x = r
      for (let o = optionCount - 1; o > 0; o--) {
        x = mix(x + o)
        const j = x % (o + 1)
        ;[order[o], order[j]] = [order[j]!, order[o]!]
      }
      return order.slice(0, 3 + (r % (optionCount - 2)))
    }
    case 'score':
      return Array.from({ length: optionCount }, (_, o) => mix(r + o) % 6)
    case 'quadratic': {
      // 7 votes for one option and 3 for another (58 of 100 credits), or 7 alone when they coincide.
      const votes = new Array<number>(optionCount).fill(0)
      const second = (r >>> 4) % optionCount
      votes[second] = 3
      votes[r % optionCount] = 7
      return votes
    }
    case 'weighted':
      return Array.from({ length: optionCount }, () => 0)
  }
}

function mix(i: number): number {
  let x = (i + 0x9e3779b9) | 0
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}

/** An identity whose key derives from a label, signing with node:crypto. */
export function benchIdentity(label: string): Identity {
  const seed = createHash('sha256').update(`townhall-bench/${label}`).digest()
  const privateKey: KeyObject = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' })
  const spki = createPublicKeyBytes(privateKey)
  return {
    did: didFromPublicKey(spki),
    publicKey: spki,
    sign: async (message) => new Uint8Array(nodeSign(null, message, privateKey)),
  }
}

function createPublicKeyBytes(privateKey: KeyObject): Uint8Array {
  const jwk = privateKey.export({ format: 'jwk' }) as { x: string }
  return new Uint8Array(Buffer.from(jwk.x, 'base64url'))
}

export function cacheDir(): string {
  return join(tmpdir(), 'townhall-bench')
}

/** The fixture for `method` with `n` ballots, from the cache or made now. */
export async function fixture(method: MethodName, n: number, visibility: 'public' | 'private' = 'public'): Promise<Fixture> {
  const path = join(cacheDir(), `fixture-v${FORMAT}-${method}-${n}${visibility === 'private' ? '-private' : ''}.bin`)
  let records: Uint8Array[] | undefined
  try {
    records = unframe(new Uint8Array(await readFile(path)))
  } catch {
    records = undefined
  }
  if (!records || records.length !== n + 2) {
    records = await makeRecords(method, n, visibility)
    await mkdir(cacheDir(), { recursive: true })
    const temp = `${path}.${process.pid}.tmp`
    await writeFile(temp, frame(records))
    await rename(temp, path)
  }
  const [genesis, poll, ...ballots] = records
  let ballotBytes = 0
  for (const ballot of ballots) ballotBytes += ballot.length
  const plain = (bytes: Uint8Array) => (visibility === 'private' ? opened(bytes) : bytes)
  return {
    method,
    spaceId: (await recordCid(plain(genesis!))).toString(),
    pollId: (await recordCid(plain(poll!))).toString(),
    head: [genesis!, poll!],
    ballots,
    ballotBytes,
    ...(visibility === 'private' ? { secret: BENCH_SECRET } : {}),
  }
}

function opened(frame: Uint8Array): Uint8Array {
  const header = readFrameHeader(frame)
  const record = header && openFrame(epochZeroKey(BENCH_SECRET), frame, header)
  if (!record) throw new Error('a private fixture frame does not open')
  return record
}

async function makeRecords(method: MethodName, n: number, visibility: 'public' | 'private'): Promise<Uint8Array[]> {
  const founder = benchIdentity('founder')
  // What reaches the replica: the genesis and the poll, as frames in a private space.
  const added: Uint8Array[] = []
  const space = await createSpace({
    identity: founder,
    name: 'Benchmark',
    visibility,
    secret: BENCH_SECRET,
    replica: (id) => {
      const replica = localReplica(id)
      const add = replica.add.bind(replica)
      return {
        ...replica,
        add: async (records) => {
          added.push(...records)
          await add(records)
        },
      }
    },
  })
  const poll = await space.createPoll({
    question: 'Which option?',
    options: Array.from({ length: OPTIONS }, (_, i) => `Option ${i + 1}`),
    method,
    ...(METHOD_PARAMS[method] !== undefined ? { params: METHOD_PARAMS[method] } : {}),
    eligibility: { type: 'anyone' },
  })
  await space.close()
  const spaceCid = CID.parse(space.id)
  const pollCid = poll.cid
  const base = poll.hlc[0] + 1
  const ballots: Uint8Array[] = []
  for (let i = 0; i < n; i++) {
    const voter = benchIdentity(`voter-${method}-${n}-${i}`)
    const ballot = await signRecord(voter, {
      kind: 'ballot',
      space: spaceCid,
      hlc: [base + Math.floor(i / 16), i % 16],
      refs: [pollCid],
      body: { poll: pollCid, choice: choiceFor(method, i) },
    })
    ballots.push(visibility === 'private' ? sealFrame(epochZeroKey(BENCH_SECRET), 0, ballot.bytes) : ballot.bytes)
  }
  return [added[0]!, added[1]!, ...ballots]
}

export function frame(records: readonly Uint8Array[]): Uint8Array {
  let length = 0
  for (const record of records) length += 4 + record.length
  const out = new Uint8Array(length)
  const view = new DataView(out.buffer)
  let offset = 0
  for (const record of records) {
    view.setUint32(offset, record.length)
    out.set(record, offset + 4)
    offset += 4 + record.length
  }
  return out
}

export function unframe(data: Uint8Array): Uint8Array[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const out: Uint8Array[] = []
  let offset = 0
  while (offset + 4 <= data.length) {
    const length = view.getUint32(offset)
    if (offset + 4 + length > data.length) break
    out.push(data.slice(offset + 4, offset + 4 + length))
    offset += 4 + length
  }
  return out
}
