/**
 * The three adapters' Node replicas behind one call, for the storage, cold-open and memory
 * workloads: persisted in `directory`, with no network (Yjs gets no signaling server, Automerge no
 * sync server, OrbitDB dials nobody and listens on 127.0.0.1 only).
 */
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Replica } from '../../core/index.js'

export type AdapterName = 'yjs' | 'automerge' | 'orbitdb'
export const ADAPTERS: readonly AdapterName[] = ['yjs', 'automerge', 'orbitdb']

export async function openNodeReplica(adapter: AdapterName, spaceId: string, directory: string): Promise<Replica> {
  switch (adapter) {
    case 'yjs': {
      const { yjsNodeReplica } = await import('../../adapters/yjs/node.js')
      // No peer ever syncs here: the memory workload's stand-in peer gets the records after 0.1 s.
      return yjsNodeReplica({ spaceId, signaling: [], directory, syncTimeoutMs: 100 })
    }
    case 'automerge': {
      const { automergeNodeReplica } = await import('../../adapters/automerge/node.js')
      return automergeNodeReplica({ spaceId, directory, closeTimeoutMs: 0 })
    }
    case 'orbitdb': {
      const { orbitdbNodeReplica } = await import('../../adapters/orbitdb/node.js')
      return orbitdbNodeReplica({ spaceId, directory })
    }
  }
}

/** Total size of the files under `path`, by top-level entry. */
export async function diskUsage(path: string): Promise<{ total: number; parts: Record<string, number> }> {
  const parts: Record<string, number> = {}
  let total = 0
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const size = await sizeOf(join(path, entry.name))
    parts[entry.name] = size
    total += size
  }
  return { total, parts }
}

async function sizeOf(path: string): Promise<number> {
  const info = await stat(path)
  if (!info.isDirectory()) return info.size
  let total = 0
  for (const entry of await readdir(path)) total += await sizeOf(join(path, entry))
  return total
}
