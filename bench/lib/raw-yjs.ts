/**
 * The raw Yjs side of the cold-open and memory workloads: a Y.Map holding the same records under
 * their ids, as plain Yjs would persist it (`Y.encodeStateAsUpdate`). Written by store-child.ts
 * beside the stored space's directory, so the process that loads it has run no Yjs code before.
 */
import { writeFile } from 'node:fs/promises'
import * as Y from 'yjs'
import { recordCid } from '../../core/index.js'
import type { Fixture } from './fixtures.js'

export const rawYjsUpdatePath = (directory: string): string => `${directory}.yjs-update`

export async function writeRawYjsUpdate(fx: Fixture, directory: string): Promise<void> {
  const doc = new Y.Doc()
  const map = doc.getMap<Uint8Array>('records')
  const all = [...fx.head, ...fx.ballots]
  const ids = await Promise.all(all.map(async (bytes) => (await recordCid(bytes)).toString()))
  doc.transact(() => all.forEach((bytes, i) => map.set(ids[i]!, bytes)))
  await writeFile(rawYjsUpdatePath(directory), Y.encodeStateAsUpdate(doc))
  doc.destroy()
}
