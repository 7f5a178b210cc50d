/**
 * Node support for the Yjs replica: WebRTC from @roamhq/wrtc, WebSocket from ws, a
 * BroadcastChannel that does not keep the process alive, and file persistence. Import this entry
 * only in Node. Nothing process-wide is installed beyond those two globals, and only if missing:
 * y-webrtc's failures are handled by the replica itself (signaling-guard.ts, rooms.ts), not by a
 * process handler, which would change how the whole app treats its own unhandled rejections.
 */
import { join } from 'node:path'
import WebSocket from 'ws'
import { MissingDependencyError } from '../../core/index.js'
import { fileRecordStore } from './file-store.js'
import { yjsReplica, type YjsReplica, type YjsReplicaOptions } from './replica.js'

let prepared = false

function prepareNode(): void {
  if (prepared) return
  prepared = true
  const g = globalThis as Record<string, unknown>
  g.WebSocket ??= WebSocket
  const NodeBroadcastChannel = g.BroadcastChannel as (new (name: string) => { unref?: () => void }) | undefined
  if (NodeBroadcastChannel) {
    // lib0 re-creates channels after destroy; an unref'd channel lets the process exit when idle.
    g.BroadcastChannel = class extends NodeBroadcastChannel {
      constructor(name: string) {
        super(name)
        this.unref?.()
      }
    }
  }
}

/**
 * WebRTC for Node: @roamhq/wrtc, an optional peer dependency (a native module, so browser apps
 * never install it). Missing, it is a MissingDependencyError with the line that installs it.
 */
async function loadWrtc(): Promise<unknown> {
  try {
    return (await import('@roamhq/wrtc')).default
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown }
    if (code === 'ERR_MODULE_NOT_FOUND' && String(message).includes("'@roamhq/wrtc'"))
      throw new MissingDependencyError('yjsNodeReplica (townhall/yjs/node)', ['@roamhq/wrtc'], ['@roamhq/wrtc@0.10'], { cause: error })
    throw error
  }
}

export interface YjsNodeReplicaOptions extends Omit<YjsReplicaOptions, 'store' | 'peerOpts'> {
  /** Directory for persisted records (one file per space). Omit for memory only. */
  readonly directory?: string
  readonly peerOpts?: Record<string, unknown>
}

export async function yjsNodeReplica(options: YjsNodeReplicaOptions): Promise<YjsReplica> {
  prepareNode()
  const wrtc = await loadWrtc()
  const store = options.directory ? await fileRecordStore(join(options.directory, `${options.spaceId}.records`)) : undefined
  try {
    return await yjsReplica({
      ...options,
      ...(store ? { store } : {}),
      peerOpts: { wrtc, config: { iceServers: [] }, iceCompleteTimeout: 200, ...options.peerOpts },
    })
  } catch (error) {
    await store?.close()
    throw error
  }
}

export { fileRecordStore }
