/** Waits for a `townhall signal` / `townhall sync-server` process to print the address it listens on. */
import type { ChildProcess } from 'node:child_process'

/**
 * Resolves with the `ws://` URL from the process's "listening on" line; rejects if the process
 * exits first or says nothing within `timeoutMs`. `context()` adds what the process logged
 * elsewhere (stderr) to the error.
 */
export function listeningUrl(child: ChildProcess, name: string, timeoutMs: number, context: () => string = () => ''): Promise<string> {
  return new Promise<string>((done, fail) => {
    let out = ''
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      const match = /listening on (ws:\/\/\S+)/.exec(out)
      if (match) finish(() => done(match[1]!))
    }
    const onExit = (code: number | null) => finish(() => fail(new Error(`${name} exited with ${code}: ${out} ${context()}`)))
    const timer = setTimeout(
      () => finish(() => fail(new Error(`${name} did not start within ${timeoutMs} ms: ${out} ${context()}`))),
      timeoutMs,
    )
    const finish = (settle: () => void) => {
      clearTimeout(timer)
      child.stdout!.off('data', onData)
      child.off('exit', onExit)
      settle()
    }
    child.stdout!.on('data', onData)
    child.once('exit', onExit)
  })
}
