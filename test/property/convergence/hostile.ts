/**
 * What a hostile peer sends, made from bytes only: the tests do not know the record format (it
 * changes underneath them), so forgeries are made by editing the bytes of real records, and
 * replays come from another space built with the public API.
 */
import { createIdentity, Space, type Identity } from '../../../core/index.js'
import { memoryNetwork, type Random } from '../../../testing/index.js'

export type HostileKind = 'forged' | 'replayed' | 'oversized' | 'garbage'
export const HOSTILE_KINDS: readonly HostileKind[] = ['forged', 'replayed', 'oversized', 'garbage']

const encoder = new TextEncoder()

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer
    return i
  }
  return -1
}

/**
 * A record claiming to be by `victim`, made from `bytes` signed by `author`: the author's key is
 * swapped for the victim's wherever it appears as text, so the signature no longer matches the
 * claimed author. Where the key is not found as text, one byte of the signed bytes is flipped
 * instead (a tampered record whose signature fails).
 */
export function forge(bytes: Uint8Array, author: string, victim: string, random: Random): Uint8Array {
  // A copy: `slice` on a Node Buffer would be a view, and the flip would corrupt the author's own record.
  const out = Uint8Array.from(bytes)
  const from = encoder.encode(author)
  const to = encoder.encode(victim)
  const at = from.length === to.length && author !== victim ? indexOf(out, from) : -1
  if (at >= 0) out.set(to, at)
  else out[random.int(0, out.length - 1)]! ^= 1 << random.int(0, 7)
  return out
}

/** Values that are not records at all, or records cut short or extended. */
export function garbage(sample: Uint8Array | undefined, random: Random): unknown[] {
  const noise = new Uint8Array(random.int(0, 300)).map(() => random.int(0, 255))
  const values: unknown[] = [noise, new Uint8Array(0), 'a string', random.int(0, 1e6), null, { bytes: [1, 2] }, [1, 2, 3]]
  if (sample) {
    values.push(sample.subarray(0, random.int(0, sample.length - 1)))
    values.push(Uint8Array.from([...sample, random.int(0, 255)]))
  }
  return values
}

/** Bytes far over any record size limit: a real record of another space with a huge body (over the 64 KiB default), and a blob. */
export function oversized(foreign: Foreign, random: Random): Uint8Array[] {
  return [foreign.big, new Uint8Array(random.int(66_000, 90_000)).fill(random.int(0, 255))]
}

export interface Foreign {
  /** Valid records of another space, some by identities that are members here too. */
  readonly records: readonly Uint8Array[]
  /** A valid record of another space whose space allows records of up to 1 MiB, about 70 KB long. */
  readonly big: Uint8Array
}

let foreign: Promise<Foreign> | undefined

/** Another space, built once per test file with the same identities: the source of replays. */
export function foreignSpace(identities: readonly Identity[]): Promise<Foreign> {
  foreign ??= (async () => {
    const network = memoryNetwork({ mode: 'manual' })
    const founder = await Space.create({
      identity: identities[0] ?? (await createIdentity()),
      name: 'elsewhere',
      visibility: 'public',
      policy: 'open',
      maxRecordBytes: 1024 * 1024,
      replica: (id) => network.replica(id),
    })
    const others = []
    for (const identity of identities.slice(1, 4)) {
      const space = await Space.open({ id: founder.id, identity, replica: network.replica(founder.id) })
      await network.flush()
      await space.idle()
      await space.join()
      others.push(space)
    }
    const first = await founder.post('posted elsewhere')
    for (const space of others) {
      await network.flush()
      await space.idle()
      await space.post('also elsewhere')
      await space.react(first.id, '👍')
    }
    // The largest bodies the schemas allow: 1000 listed voters and 64 long options, about 70 KB.
    const voters = await Promise.all(Array.from({ length: 1000 }, async () => (await createIdentity()).did))
    const options = Array.from({ length: 64 }, (_, i) => `${i} ${'x'.repeat(190)}`)
    const big = await founder.createPoll({ question: 'big', options, method: 'plurality', eligibility: { type: 'list', voters } })
    await network.flush()
    await founder.idle()
    const records = founder.getRecords().map((record) => record.bytes)
    for (const space of [founder, ...others]) await space.close()
    return { records, big: big.bytes }
  })()
  return foreign
}
