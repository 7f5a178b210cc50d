/** Starts `townhall relay` as a separate process on 127.0.0.1 (free ports) and stops it again. */
import { spawn, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'

export interface RelayProcess {
  readonly peerId: string
  /** The TCP address, for Node peers. */
  readonly tcp: string
  /** The WebSocket address, for browsers (and Node peers with `websockets`). */
  readonly ws: string
  readonly child: ChildProcess
  /** Everything it wrote to stderr so far (progress lines). */
  readonly log: () => string
  /** SIGTERM, then waits for the process to exit by itself (SIGKILL after 10 s). Resolves with its exit code. */
  stop(): Promise<number | null>
}

const running = new Set<ChildProcess>()

export async function startRelay(options: {
  spaces: readonly string[]
  directory: string
  extra?: readonly string[]
  /** How long it may take to print its addresses (default 20 s). */
  startTimeoutMs?: number
}): Promise<RelayProcess> {
  const args = [resolve(import.meta.dirname, '../../bin/townhall.js'), 'relay', '--dir', options.directory, '--port', '0', '--ws-port', '0']
  for (const space of options.spaces) args.push('--space', space)
  const child = spawn(process.execPath, [...args, ...(options.extra ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  child.once('exit', () => running.delete(child))
  let err = ''
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const { peerId, tcp, ws } = await new Promise<{ peerId: string; tcp: string; ws: string }>((done, fail) => {
    let out = ''
    // A relay that did not start in time is killed, not left running behind the failure.
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      fail(new Error(`townhall relay did not start: ${out}${err}`))
    }, options.startTimeoutMs ?? 20_000)
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const id = /townhall relay (\S+) replicating/.exec(out)?.[1]
      const tcpAddress = /^\s+(\/ip4\/\S+\/tcp\/\d+\/p2p\/\S+)$/m.exec(out)?.[1]
      const wsAddress = /^\s+(\/ip4\/\S+\/tcp\/\d+\/ws\/p2p\/\S+)$/m.exec(out)?.[1]
      if (id && tcpAddress && wsAddress) {
        clearTimeout(timer)
        done({ peerId: id, tcp: tcpAddress, ws: wsAddress })
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      fail(new Error(`townhall relay exited with ${code}: ${out}${err}`))
    })
  })
  return { peerId, tcp, ws, child, log: () => err, stop: () => stopChild(child) }
}

function stopChild(child: ChildProcess): Promise<number | null> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done(child.exitCode)
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000)
    child.once('exit', (code) => {
      clearTimeout(force)
      done(code)
    })
    child.kill('SIGTERM')
  })
}

export async function stopAllRelays(): Promise<void> {
  await Promise.all([...running].map(stopChild))
}
