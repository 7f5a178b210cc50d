/**
 * Runs the `townhall` command in a child process, as users do, every run bounded by a timeout.
 * `startCli` is for servers: the caller stops them (SIGTERM), and `stopAllCli` kills any left.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'

export const BIN = resolve(import.meta.dirname, '../../bin/townhall.js')

export interface CliResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export interface CliOptions {
  /** The script to run (default: this checkout's bin/townhall.js). */
  readonly bin?: string
  /** Extra variables; the rest of the environment is inherited. */
  readonly env?: Readonly<Record<string, string>>
  /** Arguments to node before the script, such as `--import`. */
  readonly nodeArgs?: readonly string[]
  readonly cwd?: string
  /** The Node binary (default: the one running the tests). */
  readonly node?: string
  readonly timeoutMs?: number
}

export interface CliProcess {
  readonly child: ChildProcess
  /** What it printed so far. */
  output(): CliResult
  /** Settles once it exits and its output is read; rejects after `timeoutMs`, having killed it. */
  readonly exited: Promise<CliResult>
}

const running = new Set<ChildProcess>()

export function startCli(args: readonly string[], options: CliOptions = {}): CliProcess {
  const timeoutMs = options.timeoutMs ?? 15_000
  const child = spawn(options.node ?? process.execPath, [...(options.nodeArgs ?? []), options.bin ?? BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
    ...(options.cwd ? { cwd: options.cwd } : {}),
  })
  running.add(child)
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const output = (): CliResult => ({ code: child.exitCode, signal: child.signalCode, stdout, stderr })
  const exited = new Promise<CliResult>((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      fail(new Error(`townhall ${args.join(' ')} did not exit within ${timeoutMs} ms: ${JSON.stringify(output())}`))
    }, timeoutMs)
    child.once('error', (error) => {
      clearTimeout(timer)
      running.delete(child)
      fail(error)
    })
    // 'close', not 'exit': by then stdout and stderr have been read to the end.
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      running.delete(child)
      done({ code, signal, stdout, stderr })
    })
  })
  return { child, output, exited }
}

export const runCli = (args: readonly string[], options?: CliOptions): Promise<CliResult> => startCli(args, options).exited

/** Kills every child still running (for afterEach). */
export function stopAllCli(): void {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  running.clear()
}
