/** Starts `townhall sync-server` as a separate process on 127.0.0.1 and stops it again. */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { listeningUrl } from './listening.js'

export interface SyncServerProcess {
  readonly url: string
  readonly port: number
  readonly directory: string
  readonly child: ChildProcess
  /** Everything the server wrote to stderr (its log lines), so far. */
  readonly log: string[]
  /** SIGTERM, as Ctrl-C would: the server saves and closes. */
  stop(): Promise<void>
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>
}

const running = new Set<ChildProcess>()
const scratch = new Set<string>()

export interface SyncServerProcessOptions {
  /** Data directory (default: a fresh temporary one, removed by stopAllSyncServers). */
  readonly directory?: string
  /** Port (default 0: any free one). Pass a stopped server's port to restart it in place. */
  readonly port?: number
  readonly maxMessageBytes?: number
  readonly rate?: number
}

export async function startSyncServerProcess(options: SyncServerProcessOptions = {}): Promise<SyncServerProcess> {
  let directory = options.directory
  if (!directory) {
    directory = mkdtempSync(join(tmpdir(), 'townhall-sync-'))
    scratch.add(directory)
  }
  const args = [
    resolve(import.meta.dirname, '../../bin/townhall.js'),
    'sync-server',
    '--port',
    String(options.port ?? 0),
    '--dir',
    directory,
  ]
  if (options.maxMessageBytes) args.push('--max-message-bytes', String(options.maxMessageBytes))
  if (options.rate) args.push('--rate', String(options.rate))
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  child.once('exit', () => running.delete(child))
  const log: string[] = []
  let partial = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n')
    partial = lines.pop() ?? ''
    log.push(...lines)
  })
  const url = await listeningUrl(child, 'townhall sync-server', 15_000, () => log.join('\n'))
  return {
    url,
    port: Number(new URL(url).port),
    directory,
    child,
    log,
    stop: () => stopChild(child, 'SIGTERM'),
    kill: () => stopChild(child, 'SIGKILL'),
  }
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done()
    const force = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.once('exit', () => {
      clearTimeout(force)
      done()
    })
    child.kill(signal)
  })
}

/** Stops every server still running and removes the temporary directories they used. */
export async function stopAllSyncServers(): Promise<void> {
  await Promise.all([...running].map((child) => stopChild(child, 'SIGTERM')))
  for (const directory of scratch) rmSync(directory, { recursive: true, force: true })
  scratch.clear()
}
