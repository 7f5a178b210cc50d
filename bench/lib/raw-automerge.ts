/**
 * The raw Automerge side of the cold-open and memory workloads: a document holding the same
 * records one map key each (`records[id] = bytes`, a change per 1,000 records, as the storage
 * workload hands them over), as a plain Automerge app would hold them, saved with `A.save`. Written
 * by store-child.ts beside the stored space's directory, so the process that loads it has run no
 * Automerge code before.
 *
 * townhall's own document holds records that arrived together as one batch value per key, which
 * Automerge loads far faster than the same records one key each; the open workload also times a
 * plain `load` of that document, in a process of its own.
 */
import { writeFile } from 'node:fs/promises'
import * as A from '@automerge/automerge'
import { recordCid } from '../../core/index.js'
import type { Fixture } from './fixtures.js'

export const rawAutomergePath = (directory: string): string => `${directory}.automerge`

export async function writeRawAutomerge(fx: Fixture, directory: string, chunk: number): Promise<void> {
  const all = [...fx.head, ...fx.ballots]
  const ids = await Promise.all(all.map(async (bytes) => (await recordCid(bytes)).toString()))
  let doc = A.change(A.init<{ records: Record<string, Uint8Array> }>(), (d) => {
    d.records = {}
  })
  for (let i = 0; i < all.length; i += chunk) {
    doc = A.change(doc, (d) => {
      for (let j = i; j < Math.min(i + chunk, all.length); j++) d.records[ids[j]!] = all[j]!
    })
  }
  await writeFile(rawAutomergePath(directory), A.save(doc))
  A.free(doc)
}
