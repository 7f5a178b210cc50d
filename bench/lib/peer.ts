/**
 * A long-lived child process driven by commands over IPC (for the sync workload, where two peers
 * and a server run at once), plus `townhall signal` and `townhall sync-server` as separate
 * processes on 127.0.0.1. Everything started here is stopped by `stop()` / `stopAll()`.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import { listeningUrl } from '../../test/support/listening.js'

const running = new Set<ChildProcess>()

export interface Peer {
  readonly child: ChildProcess
  command<T = unknown>(op: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<T>
  /** Asks the peer to close, waits for it to exit by itself (killing it after `graceMs`). */
  stop(graceMs?: number): Promise<{ exitedByItself: boolean }>
}

export async function startPeer(script: string, args: unknown): Promise<Peer> {
  const child = fork(resolve(import.meta.dirname, '..', script), [JSON.stringify(args)], {
    // BENCH_PEER_FLAGS: extra Node flags for peers, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile them.
    execArgv: ['--import', 'tsx', '--expose-gc', ...(process.env.BENCH_PEER_FLAGS?.split(' ').filter(Boolean) ?? [])],
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  running.add(child)
  let output = ''
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-10_000)
    if (process.env.BENCH_VERBOSE) process.stderr.write(chunk)
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const exited = new Promise<void>((done) =>
    child.once('exit', () => {
      running.delete(child)
      done()
    }),
  )
  let nextId = 0
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>()
  child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
    const pending = waiting.get(message.id)
    waiting.delete(message.id)
    if (message.error !== undefined) pending?.reject(new Error(`${script}: ${message.error}\n${output}`))
    else pending?.resolve(message.result)
  })
  void exited.then(() => {
    for (const pending of waiting.values()) pending.reject(new Error(`${script} exited:\n${output}`))
    waiting.clear()
  })
  const command = <T>(op: string, commandArgs: Record<string, unknown> = {}, timeoutMs = 120_000) =>
    new Promise<T>((resolveCommand, rejectCommand) => {
      if (!child.connected) return rejectCommand(new Error(`${script} is not running:\n${output}`))
      const id = nextId++
      const timer = setTimeout(() => {
        waiting.delete(id)
        rejectCommand(new Error(`${script}: "${op}" timed out after ${timeoutMs} ms\n${output}`))
      }, timeoutMs)
      waiting.set(id, {
        resolve: (value) => {
          clearTimeout(timer)
          resolveCommand(value as T)
        },
        reject: (error) => {
          clearTimeout(timer)
          rejectCommand(error)
        },
      })
      child.send({ id, op, ...commandArgs })
    })
  await command('ready', {}, 60_000)
  return {
    child,
    command,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return { exitedByItself: true }
      await command('close', {}, graceMs).catch(() => {})
      if (child.connected) child.disconnect()
      let timer: NodeJS.Timeout | undefined
      const byItself = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((done) => (timer = setTimeout(() => done(false), graceMs))),
      ])
      clearTimeout(timer)
      if (!byItself) {
        child.kill('SIGKILL')
        await exited
      }
      return { exitedByItself: byItself }
    },
  }
}

/** In a peer: serves commands until 'close' has been handled, then lets the process end. */
export function servePeer(commands: Record<string, (args: Record<string, unknown>) => Promise<unknown>>): void {
  process.on('message', async (message: { id: number; op: string; [key: string]: unknown }) => {
    try {
      const handler = commands[message.op]
      if (!handler) throw new Error(`unknown command ${message.op}`)
      const result = await handler(message)
      process.send?.({ id: message.id, result })
    } catch (error) {
      process.send?.({ id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) })
    }
    if (message.op === 'close') {
      process.disconnect?.()
      // Whatever a library left running must not hold the process for ever.
      setTimeout(() => {
        console.error(`bench peer ${process.argv[1]}: still running 10 s after close; exiting`)
        process.exit(0)
      }, 10_000).unref()
    }
  })
  process.on('disconnect', () => {
    setTimeout(() => process.exit(0), 10_000).unref()
  })
}

/** Starts `townhall signal` or `townhall sync-server` on 127.0.0.1 and returns its URL. */
export async function startServer(
  command: 'signal' | 'sync-server',
  extra: readonly string[] = [],
): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [resolve(import.meta.dirname, '../../bin/townhall.js'), command, '--port', '0', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  const exited = new Promise<void>((done) =>
    child.once('exit', () => {
      running.delete(child)
      done()
    }),
  )
  let out = ''
  child.stderr!.on('data', (chunk: Buffer) => (out = (out + chunk.toString()).slice(-5000)))
  const url = await listeningUrl(child, `townhall ${command}`, 20_000, () => out)
  if (!url.startsWith('ws://127.0.0.1:')) throw new Error(`townhall ${command} listens on ${url}, not on 127.0.0.1`)
  return {
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const force = setTimeout(() => child.kill('SIGKILL'), 5000)
      child.kill('SIGTERM')
      await exited
      clearTimeout(force)
    },
  }
}

/** Kills every process started here that is still running. */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL')
}
