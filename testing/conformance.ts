/**
 * The replica conformance suite. Every adapter runs it unchanged:
 *
 * ```ts
 * import { runReplicaConformance } from 'townhall/testing'
 * await runReplicaConformance('memory', async () => memoryHarness())
 * ```
 *
 * It registers vitest tests, so call it at the top level of a test file. The same checks run
 * outside vitest's collector with `checkReplicaConformance`, which returns what failed: the suite's
 * own tests use it to show that deliberately broken replicas fail it (test/conformance/).
 *
 * An optional capability a replica does not offer (today: `verified`, the list of verified ids)
 * fails its check, unless the replica declares it absent (`{ absent: ['verified'] }`): the check is
 * then reported as skipped, with the declaration in its name.
 */
import { createIdentity } from '../core/identity.js'
import { CID } from 'multiformats/cid'
import { cidString } from '../core/cid-string.js'
import type { Replica, ReplicaEntry } from '../core/replica.js'
import { Space } from '../core/space.js'
import { HARD_MAX_RECORD_BYTES, parseRecord, recordCid, signRecord } from '../core/record.js'
import { randomBytes } from '../core/bytes.js'
import { eventually } from './eventually.js'
import { collectChecks, runChecks, type Check, type CheckResult, type SuiteApi } from './suite.js'

export interface ReplicaHarness {
  /** Starts a new peer for the space, connected to the others. */
  createPeer(spaceId: string): Promise<Replica>
  /** Makes a misbehaving peer put raw values (garbage included) into the space's shared state. */
  injectRaw(spaceId: string, values: readonly unknown[]): Promise<void>
  /** Stops everything the harness started (servers, other processes). */
  teardown(): Promise<void>
  /** How long to wait for replication before a test fails, in ms (default 10 000). */
  readonly timeoutMs?: number
}

/** Optional replica capabilities a harness may declare absent. */
export type ReplicaCapability = 'verified'

export interface ConformanceOptions {
  /** Capabilities this replica does not offer on purpose: their checks are skipped, and say so. */
  readonly absent?: readonly ReplicaCapability[]
}

/** The outcome of one check, from `checkReplicaConformance`. */
export type ConformanceResult = CheckResult

export async function runReplicaConformance(
  name: string,
  makeHarness: () => Promise<ReplicaHarness>,
  options: ConformanceOptions = {},
): Promise<void> {
  defineConformance((await import('vitest')) as unknown as SuiteApi, name, makeHarness, options)
}

/**
 * Runs every check of the suite, one after another, outside vitest's collector, and returns each
 * one's outcome instead of failing: for testing the suite itself against broken replicas.
 */
export async function checkReplicaConformance(
  makeHarness: () => Promise<ReplicaHarness>,
  options: ConformanceOptions & { readonly only?: readonly string[] } = {},
): Promise<ConformanceResult[]> {
  const { expect } = await import('vitest')
  return runChecks(
    collectChecks(expect, (api) => defineConformance(api, '', makeHarness, options)),
    options.only,
  )
}

/** The names of the suite's checks, as `runReplicaConformance` registers them (for docs that cite them). */
export function conformanceCheckNames(options: ConformanceOptions = {}): string[] {
  const names: string[] = []
  const it = Object.assign((name: string) => void names.push(name), { skip: (name: string) => void names.push(name) })
  const noop = () => {}
  defineConformance(
    { describe: (_name, body) => body(), it, expect: undefined as never, beforeEach: noop, afterEach: noop },
    '',
    async () => {
      throw new Error('not run')
    },
    options,
  )
  return names
}

function defineConformance(
  { describe, it, expect, beforeEach, afterEach }: SuiteApi,
  name: string,
  makeHarness: () => Promise<ReplicaHarness>,
  options: ConformanceOptions,
): void {
  const absent = new Set(options.absent ?? [])
  describe(`replica conformance: ${name}`, () => {
    let harness: ReplicaHarness
    let open: Array<Space | Replica> = []
    const timeout = () => harness.timeoutMs ?? 10_000

    beforeEach(async () => {
      harness = await makeHarness()
      open = []
    })
    afterEach(async () => {
      for (const item of open.reverse()) await item.close()
      await harness.teardown()
    })

    // Every space here is private, as new spaces are by default: adapters carry sealed frames.
    const secrets = new Map<string, Uint8Array>()
    /** The adapter's own replica under each space (a space reads it through its sealing layer). */
    const raw = new Map<Space, Replica>()
    let created: Replica | undefined
    async function founded(policy: 'open' | 'invite-only' = 'open') {
      const identity = await createIdentity()
      const secret = randomBytes(32)
      const space = await Space.create({
        identity,
        name: 'conformance',
        policy,
        secret,
        replica: async (id) => {
          const replica = await harness.createPeer(id)
          open.push(replica)
          created = replica
          return replica
        },
      })
      raw.set(space, created!)
      open.push(space)
      secrets.set(space.id, secret)
      return space
    }
    async function joined(spaceId: string) {
      const replica = await harness.createPeer(spaceId)
      open.push(replica)
      const secret = secrets.get(spaceId)
      const space = await Space.open({ id: spaceId, identity: await createIdentity(), replica, ...(secret ? { secret } : {}) })
      raw.set(space, replica)
      open.push(space)
      await eventually(() => expect(space.getInfo()).toBeDefined(), timeout())
      return space
    }
    const texts = (space: Space) => space.getFeed({ order: 'oldest' }).map((item) => item.text)

    it('delivers records added on one peer to every peer, and keeps them locally once add resolves', async () => {
      const a = await founded()
      const b = await joined(a.id)
      const c = await joined(a.id)
      const post = await a.post('hello from a')
      const local = await a.replica.getAll()
      expect(local.some((entry) => entry.bytes instanceof Uint8Array && sameBytes(entry.bytes, post.bytes))).toBe(true)
      await b.post('hello from b')
      for (const space of [a, b, c]) {
        await eventually(() => expect(texts(space)).toEqual(expect.arrayContaining(['hello from a', 'hello from b'])), timeout())
      }
      expect(texts(a)).toEqual(texts(c))
    })

    it('treats duplicates as harmless', async () => {
      const a = await founded()
      const b = await joined(a.id)
      const post = await a.post('once')
      await a.replica.add([post.bytes, post.bytes])
      // A peer re-sending the same record, twice in one batch and again later.
      await harness.injectRaw(a.id, [post.bytes, post.bytes])
      await harness.injectRaw(a.id, [post.bytes])
      for (const space of [a, b]) await eventually(() => expect(texts(space)).toEqual(['once']), timeout())
      const all = await b.replica.getAll()
      expect(all.filter((entry) => entry.bytes instanceof Uint8Array && sameBytes(entry.bytes, post.bytes))).toHaveLength(1)
    })

    // A capability the harness declares absent is reported as skipped, and the name says so.
    const unlessAbsent = (capability: ReplicaCapability) => (title: string, check: Check) =>
      absent.has(capability) ? it.skip(`${title} (skipped: this replica declares no '${capability}')`, check) : it(title, check)

    unlessAbsent('verified')('keeps the list of verified ids the space writes', async () => {
      const a = await founded()
      const b = await joined(a.id)
      expect(
        b.replica.verified,
        "this replica keeps no list of verified ids; declare it with { absent: ['verified'] } if that is meant",
      ).toBeDefined()
      const post = await a.post('verified once')
      await eventually(() => expect(texts(b)).toEqual(['verified once']), timeout())
      await harness.injectRaw(a.id, [new Uint8Array([0xa1, 0x61, 0x76, 0x01])])
      await b.idle()
      // What b received and verified is listed; bytes that are not a record never are.
      await eventually(async () => expect(await b.replica.verified!.load()).toEqual(expect.arrayContaining([a.id, post.id])), timeout())
      expect((await b.replica.verified!.load()).every((id) => b.hasRecord(id))).toBe(true)
    })

    it('brings a peer that joins late up to date', async () => {
      const a = await founded()
      for (let i = 0; i < 20; i++) await a.post(`post ${i}`)
      const late = await joined(a.id)
      await eventually(() => expect(texts(late)).toHaveLength(20), timeout())
      expect(texts(late)).toEqual(texts(a))
      expect(late.getInfo()?.name).toBe('conformance')
    })

    it('reports sync state: connected peers and a finished initial sync', async () => {
      const a = await founded()
      const b = await joined(a.id)
      await a.post('sync me')
      await eventually(() => {
        expect(b.getSyncState().peers).toBeGreaterThanOrEqual(1)
        expect(b.getSyncState().synced).toBe(true)
        expect(b.getSyncState().received).toBeGreaterThanOrEqual(1)
      }, timeout())
    })

    it('rejects garbage from a peer without losing or corrupting anything', async () => {
      const a = await founded()
      const b = await joined(a.id)
      await a.post('before garbage')
      await eventually(() => expect(texts(b)).toEqual(['before garbage']), timeout())
      const stranger = await createIdentity()
      const foreign = await signRecord(stranger, { kind: 'post', space: null, hlc: [1, 0], refs: [], body: { text: 'x' } })
      const garbage: unknown[] = [
        randomBytes(100),
        new Uint8Array(0),
        foreign.bytes,
        foreign.bytes.subarray(0, foreign.bytes.length - 10),
        new Uint8Array(200_000),
        'a string',
        12345,
        null,
        { bytes: 'not really' },
        [1, 2, 3],
        new Uint8Array(1000).fill(0x81),
      ]
      // Signed for this space, with a body the space refuses; whatever key a peer files it under is only a claim.
      garbage.push((await signRecord(stranger, { kind: 'post', space: CID.parse(a.id), hlc: [2, 0], refs: [], body: { text: '' } })).bytes)
      const delivered: ReplicaEntry[] = []
      const unsubscribe = raw.get(b)!.subscribe((entries) => delivered.push(...entries))
      const rejectedBefore = a.getRejections().total + b.getRejections().total
      await harness.injectRaw(a.id, garbage)
      await a.post('after garbage')
      await eventually(() => expect(texts(b)).toEqual(['before garbage', 'after garbage']), timeout())
      await eventually(() => expect(a.getRejections().total + b.getRejections().total).toBeGreaterThan(rejectedBefore), timeout())
      unsubscribe()
      expect(texts(a)).toEqual(texts(b))
      // The space takes an id marked `hashed` without hashing again, and the form of a record marked
      // `wellFormed` without checking it again: only the adapter's own checks may say so.
      for (const entry of [...delivered, ...(await raw.get(a)!.getAll()), ...(await raw.get(b)!.getAll())]) {
        if (entry.hashed) expect(entry.claimedId).toBe(cidString(await recordCid(entry.bytes as Uint8Array)))
        if (entry.wellFormed) expect(parseRecord(entry.bytes, HARD_MAX_RECORD_BYTES).ok).toBe(true)
      }
    })

    it('stops delivering and refuses writes after close', async () => {
      const a = await founded()
      const replica = await harness.createPeer(a.id)
      let after = 0
      await replica.close()
      replica.subscribe(() => after++)
      await expect(replica.add([randomBytes(10)])).rejects.toThrow(/closed/)
      await a.post('after close')
      await replica.close() // idempotent
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(after).toBe(0)
    })
  })
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}
