/** Starts `townhall signal` as a separate process on 127.0.0.1 and stops it again. */
import { spawn, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import { listeningUrl } from './listening.js'

export interface SignalProcess {
  readonly url: string
  readonly port: number
  readonly child: ChildProcess
  stop(): Promise<void>
}

const running = new Set<ChildProcess>()

export async function startSignal(port = 0): Promise<SignalProcess> {
  const child = spawn(
    process.execPath,
    [resolve(import.meta.dirname, '../../bin/townhall.js'), 'signal', '--port', String(port), '--quiet'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  running.add(child)
  child.once('exit', () => running.delete(child))
  const url = await listeningUrl(child, 'townhall signal', 15_000)
  return {
    url,
    port: Number(new URL(url).port),
    child,
    stop: () => stopChild(child),
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done()
    const force = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.once('exit', () => {
      clearTimeout(force)
      done()
    })
    child.kill('SIGTERM')
  })
}

export async function stopAllSignals(): Promise<void> {
  await Promise.all([...running].map(stopChild))
}
