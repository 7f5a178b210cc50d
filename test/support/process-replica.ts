/**
 * A Replica whose implementation runs in a child process (test/support/*-peer.ts), so tests can
 * put real peers in separate processes and still run the shared conformance suite against them.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import type { PresencePeer, Replica, ReplicaEntry, SyncState } from '../../core/index.js'

export interface ProcessReplica extends Replica {
  readonly child: ChildProcess
  readonly did: string
  command(op: string, args?: Record<string, unknown>): Promise<unknown>
  readonly presencePeers: readonly PresencePeer[]
  readonly stats: { forged: number; healed: number; rejectedMessages: number; junkDeleted: number }
  /** Kills the process without a clean shutdown, as a crash would. */
  kill(): Promise<void>
}

const children = new Set<ChildProcess>()
/** Every peer process still alive: tests kill them in afterEach even when an assertion failed. */
export async function killAllPeers(): Promise<void> {
  await Promise.all([...children].map((child) => stop(child)))
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done()
    child.once('exit', () => done())
    child.kill('SIGKILL')
  })
}

export async function processReplica(script: string, options: Record<string, unknown> & { spaceId: string }): Promise<ProcessReplica> {
  const child = fork(resolve(import.meta.dirname, script), [JSON.stringify(options)], {
    // --expose-gc: a peer's `memory` command measures its heap after a full collection.
    execArgv: ['--import', 'tsx', '--expose-gc'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  children.add(child)
  child.once('exit', () => children.delete(child))
  let nextId = 0
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>()
  const listeners = new Set<(entries: readonly ReplicaEntry[]) => void>()
  const syncListeners = new Set<(state: SyncState) => void>()
  let state: SyncState = { peers: 0, synced: false, bytesInFlight: 0, received: 0 }
  let presencePeers: readonly PresencePeer[] = []
  const stats = { forged: 0, healed: 0, rejectedMessages: 0, junkDeleted: 0 }
  let closed = false

  const ready = new Promise<string>((resolveReady, rejectReady) => {
    child.once('exit', (code) => rejectReady(new Error(`peer process exited early with code ${code}`)))
    child.on('message', (message: { id?: number; event?: string; [key: string]: unknown }) => {
      if (message.event === 'ready') resolveReady(message.did as string)
      else if (message.event === 'records') for (const listener of [...listeners]) listener(message.entries as ReplicaEntry[])
      else if (message.event === 'state') {
        state = message.state as SyncState
        presencePeers = message.presence as PresencePeer[]
        Object.assign(stats, {
          forged: message.forged,
          healed: message.healed,
          rejectedMessages: message.rejectedMessages,
          junkDeleted: message.junkDeleted ?? 0,
        })
        for (const listener of [...syncListeners]) listener(state)
      } else if (message.id !== undefined) {
        const pending = waiting.get(message.id)
        waiting.delete(message.id)
        if ('error' in message) pending?.reject(new Error(String(message.error)))
        else pending?.resolve(message.result)
      }
    })
  })
  child.on('exit', () => {
    for (const pending of waiting.values()) pending.reject(new Error('peer process exited'))
    waiting.clear()
  })
  const did = await ready

  const command = (op: string, args: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolveCommand, rejectCommand) => {
      if (!child.connected) return rejectCommand(new Error('the replica is closed'))
      const id = nextId++
      waiting.set(id, { resolve: resolveCommand, reject: rejectCommand })
      child.send({ id, op, ...args })
    })

  return {
    spaceId: options.spaceId,
    child,
    did,
    command,
    get presencePeers() {
      return presencePeers
    },
    stats,
    async add(records) {
      if (closed) throw new Error('the replica is closed')
      await command('add', { records: [...records] })
    },
    async getAll() {
      if (closed) throw new Error('the replica is closed')
      return (await command('getAll')) as ReplicaEntry[]
    },
    // The peer process's list of verified ids, so the space in this process reads and writes it there.
    verified: {
      load: async () => (await command('verifiedLoad')) as string[],
      add: async (ids) => void (await command('verifiedAdd', { ids: [...ids] })),
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    getSyncState: () => state,
    subscribeSyncState(listener) {
      syncListeners.add(listener)
      return () => syncListeners.delete(listener)
    },
    async close() {
      if (closed) return
      closed = true
      listeners.clear()
      syncListeners.clear()
      const exited = new Promise<void>((done) => (child.exitCode !== null ? done() : child.once('exit', () => done())))
      await command('close').catch(() => {})
      await Promise.race([exited, new Promise((done) => setTimeout(done, 5000))])
      await stop(child)
    },
    async kill() {
      closed = true
      await stop(child)
    },
  }
}
