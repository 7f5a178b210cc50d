/**
 * Storage: one adapter's Node replica, persisted in `directory`, is given the genesis, the poll and
 * N ballots (`add` in chunks of `chunk` records, as a sync or an import delivers them); then a
 * space opens on it and shows the result, as on a device that received the records (so it lists
 * what it verified, as such a device does), and everything is closed. Reports what is on disk:
 * the whole directory, by top-level entry.
 */
import { createIdentity, openSpace } from '../../core/index.js'
import { childMain } from '../lib/child.js'
import { diskUsage, openNodeReplica, type AdapterName } from '../lib/adapters.js'
import { fixture } from '../lib/fixtures.js'
import { writeRawAutomerge } from '../lib/raw-automerge.js'
import { writeRawYjsUpdate } from '../lib/raw-yjs.js'
import { now } from '../lib/measure.js'

interface Args {
  readonly adapter: AdapterName
  readonly n: number
  readonly directory: string
  readonly chunk: number
}

await childMain(async ({ adapter, n, directory, chunk }: Args) => {
  const fx = await fixture('plurality', n)
  const replica = await openNodeReplica(adapter, fx.spaceId, directory)
  const start = now()
  await replica.add(fx.head)
  for (let i = 0; i < fx.ballots.length; i += chunk) await replica.add(fx.ballots.slice(i, i + chunk))
  const writeMs = now() - start
  const space = await openSpace({ id: fx.spaceId, identity: await createIdentity(), replica })
  await space.idle()
  if (space.getTally(fx.pollId)?.ballots !== fx.ballots.length) throw new Error('the stored space does not show every ballot')
  await space.close()
  const usage = await diskUsage(directory)
  // Outside the directory, so not counted above: what the raw side of the open workload loads.
  if (adapter === 'yjs') await writeRawYjsUpdate(fx, directory)
  if (adapter === 'automerge') await writeRawAutomerge(fx, directory, chunk)
  return {
    adapter,
    n,
    chunk,
    writeMs,
    ...usage,
    rawBytes: fx.ballotBytes,
    headBytes: fx.head.reduce((sum, bytes) => sum + bytes.length, 0),
  }
})
