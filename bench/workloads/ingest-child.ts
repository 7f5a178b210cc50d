/**
 * One ingest measurement in a fresh process: raw Ed25519 verification of N ballot signatures
 * (node:crypto with KeyObjects made beforehand; WebCrypto with CryptoKeys imported beforehand and
 * every verification in flight), then the same N ballots decoded, verified, validated and folded
 * into a space's views by `Space.ingest`. A warm-up on another, smaller ballot set comes first.
 */
import { createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto'
import { CID } from 'multiformats/cid'
import { createIdentity, localReplica, openSpace, signRecord, type Space } from '../../core/index.js'
import { parseRecord, signedMessage } from '../../core/record.js'
import { childMain } from '../lib/child.js'
import { benchIdentity, fixture, OPTIONS, type Fixture } from '../lib/fixtures.js'
import { gc, median, now } from '../lib/measure.js'

interface Args {
  readonly n: number
  readonly warmup: number
  /** Extra ballots for the one-more-ballot measurement. */
  readonly extraBallots: number
  /** 'private': only the ingest of the sealed set, in this process of its own. */
  readonly visibility?: 'public' | 'private'
}

export interface PrivateIngestRun {
  readonly privateIngestRate: number
  readonly privateBytesPerBallot: number
}

const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex')

function signedParts(fx: Fixture) {
  return fx.ballots.map((bytes) => {
    const parsed = parseRecord(bytes, 65536)
    if (!parsed.ok) throw new Error('fixture ballot does not parse')
    return { ...parsed.value, signedBytes: signedMessage(parsed.value) }
  })
}

/** node:crypto, synchronous, one core: the reference rate. */
function nodeRate(parts: ReturnType<typeof signedParts>): number {
  const keys: KeyObject[] = parts.map((p) =>
    createPublicKey({ key: Buffer.concat([SPKI_ED25519, p.authorKey]), format: 'der', type: 'spki' }),
  )
  gc()
  const start = now()
  for (let i = 0; i < parts.length; i++) {
    if (!nodeVerify(null, parts[i]!.signedBytes, keys[i]!, parts[i]!.signature)) throw new Error('raw verify failed')
  }
  return parts.length / ((now() - start) / 1000)
}

/** node:crypto, importing each key (DER) before its verification: what distinct voters cost without a key cache. */
function nodeWithImportRate(parts: ReturnType<typeof signedParts>): number {
  gc()
  const start = now()
  for (const p of parts) {
    const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519, p.authorKey]), format: 'der', type: 'spki' })
    if (!nodeVerify(null, p.signedBytes, key, p.signature)) throw new Error('raw verify failed')
  }
  return parts.length / ((now() - start) / 1000)
}

/** WebCrypto with every verification in flight (Node runs them on its thread pool). */
async function webCryptoRate(parts: ReturnType<typeof signedParts>): Promise<number> {
  const algorithm = { name: 'Ed25519' }
  const keys = await Promise.all(
    parts.map((p) => crypto.subtle.importKey('raw', new Uint8Array(p.authorKey), algorithm, false, ['verify'])),
  )
  const signatures = parts.map((p) => new Uint8Array(p.signature))
  const messages = parts.map((p) => new Uint8Array(p.signedBytes))
  gc()
  const start = now()
  const results = await Promise.all(parts.map((_, i) => crypto.subtle.verify(algorithm, keys[i]!, signatures[i]!, messages[i]!)))
  const rate = parts.length / ((now() - start) / 1000)
  if (!results.every(Boolean)) throw new Error('raw WebCrypto verify failed')
  return rate
}

async function ingest(fx: Fixture): Promise<{ rate: number; ms: number; space: Space }> {
  const space = await openSpace({
    id: fx.spaceId,
    identity: await createIdentity(),
    replica: localReplica(fx.spaceId),
    ...(fx.secret ? { secret: fx.secret } : {}),
  })
  await space.ingest(fx.head.map((bytes) => ({ bytes, source: 'local' })))
  const entries = fx.ballots.map((bytes) => ({ bytes, source: 'peer' }))
  gc()
  const start = now()
  const change = await space.ingest(entries)
  const shown = space.getTally(fx.pollId)?.ballots
  const ms = now() - start
  if (change.added.length !== fx.ballots.length || shown !== fx.ballots.length) {
    throw new Error(`ingest accepted ${change.added.length}, shows ${shown}, of ${fx.ballots.length} (${change.rejected[0]?.detail ?? ''})`)
  }
  return { rate: fx.ballots.length / (ms / 1000), ms, space }
}

/**
 * One more ballot on the live tally of a space that holds N: a new voter's signed ballot handed to
 * `Space.ingest` (validated, signature verified, folded) and the live result read back.
 */
async function oneMore(space: Space, fx: Fixture, count: number): Promise<number> {
  const spaceCid = CID.parse(fx.spaceId)
  const pollCid = CID.parse(fx.pollId)
  const extra: Uint8Array[] = []
  for (let i = 0; i < count; i++) {
    const voter = benchIdentity(`extra-${fx.ballots.length}-${i}`)
    const record = await signRecord(voter, {
      kind: 'ballot',
      space: spaceCid,
      hlc: [Date.now(), i],
      refs: [pollCid],
      body: { poll: pollCid, choice: i % OPTIONS },
    })
    extra.push(record.bytes)
  }
  const times: number[] = []
  let expected = space.getTally(fx.pollId)!.ballots
  for (const bytes of extra) {
    const start = now()
    await space.ingest([{ bytes, source: 'peer' }])
    const tally = space.getTally(fx.pollId)
    times.push(now() - start)
    if (tally?.ballots !== ++expected) throw new Error('the extra ballot was not counted')
  }
  return median(times.slice(Math.min(5, times.length >> 1)))
}

await childMain(async ({ n, warmup, extraBallots, visibility }: Args) => {
  if (visibility === 'private') return privateIngest(n, warmup)
  const warm = await fixture('plurality', warmup)
  const warmParts = signedParts(warm)
  nodeRate(warmParts)
  await webCryptoRate(warmParts)
  await (await ingest(warm)).space.close()

  const fx = await fixture('plurality', n)
  const parts = signedParts(fx)
  const node = nodeRate(parts)
  const web = await webCryptoRate(parts)
  gc()
  const result = await ingest(fx)
  const oneMoreMs = await oneMore(result.space, fx, extraBallots)
  await result.space.close()
  return {
    n,
    nodeRate: node,
    nodeImportRate: nodeWithImportRate(parts),
    webCryptoRate: web,
    ingestRate: result.rate,
    ingestMs: result.ms,
    oneMoreMs,
    bytesPerBallot: fx.ballotBytes / n,
  }
})

/**
 * The same ballots sealed, as a private space's replica holds them: opened, then as above. A
 * process of its own, warmed up the same way on sealed ballots, so that the comparison with the
 * public ingest is not also one of heap sizes (run after it in one process, it carried the public
 * run's fixture and parsed records through every collection).
 */
async function privateIngest(n: number, warmup: number): Promise<PrivateIngestRun> {
  await (await ingest(await fixture('plurality', warmup, 'private'))).space.close()
  const sealed = await fixture('plurality', n, 'private')
  gc()
  const privately = await ingest(sealed)
  await privately.space.close()
  return { privateIngestRate: privately.rate, privateBytesPerBallot: sealed.ballotBytes / n }
}
