/**
 * Runs a benchmark script in a fresh Node process and returns what it reports. A fresh process per
 * measurement keeps caches (imported keys, JIT state, heap) from one measurement out of the next,
 * and lets memory be measured from a clean heap. The child reports with `report(value)` and must
 * then exit by itself; the parent kills it (by its own pid) only if it overstays `timeoutMs`.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'

const running = new Set<ChildProcess>()

export interface ChildOptions {
  readonly timeoutMs?: number
  /** Extra Node flags (for example --expose-gc, --cpu-prof). */
  readonly nodeFlags?: readonly string[]
  /** Print the child's stderr as it arrives (default: only when it fails). */
  readonly verbose?: boolean
}

export async function runChild<T>(script: string, args: unknown, options: ChildOptions = {}): Promise<T> {
  const path = resolve(import.meta.dirname, '..', script)
  const child = fork(path, [JSON.stringify(args)], {
    execArgv: ['--import', 'tsx', '--expose-gc', ...(options.nodeFlags ?? [])],
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  running.add(child)
  let output = ''
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000)
    if (options.verbose) process.stderr.write(chunk)
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  let result: { value?: T; error?: string } | undefined
  child.on('message', (message: { value?: T; error?: string }) => (result = message))
  const timeoutMs = options.timeoutMs ?? 600_000
  const code = await new Promise<number | string>((done) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      done(`timeout after ${timeoutMs} ms`)
    }, timeoutMs)
    child.once('exit', (exitCode, signal) => {
      clearTimeout(timer)
      running.delete(child)
      done(exitCode ?? String(signal))
    })
  })
  if (/still running 20 s after reporting/.test(output)) console.warn(`warning: ${script} did not exit by itself (ended after 20 s)`)
  if (result?.error) throw new Error(`${script}: ${result.error}\n${output}`)
  if (!result || !('value' in result)) throw new Error(`${script} exited (${code}) without a result:\n${output}`)
  if (code !== 0) throw new Error(`${script} reported but exited with ${code}:\n${output}`)
  return result.value as T
}

/** Kills children still running (after an error in the parent). */
export function killChildren(): void {
  for (const child of running) child.kill('SIGKILL')
}

/** In a child: sends the result to the parent. The child must still exit by itself. */
export function report(value: unknown): void {
  process.send?.({ value })
  process.disconnect?.()
}

/** In a child: runs `main`, reports its result or error, and sets the exit code. */
export async function childMain<A, T>(main: (args: A) => Promise<T>): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as A
  try {
    report(await main(args))
  } catch (error) {
    process.send?.({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) })
    process.disconnect?.()
    process.exitCode = 1
  }
  // Everything is closed by now and the process should end on its own; if a library left a handle
  // open, say so and end anyway rather than hang the run.
  setTimeout(() => {
    console.error(`bench child ${process.argv[1]}: still running 20 s after reporting; exiting`)
    process.exit(process.exitCode ?? 0)
  }, 20_000).unref()
}
