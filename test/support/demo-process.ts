/**
 * Builds the sample apps once into a temp directory and runs the real `townhall demo` command on
 * them (signaling server plus static server, both on 127.0.0.1 with free ports), as `npm start` does.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '../..')

export async function buildApps(): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'townhall-apps-'))
  const { build } = await import('vite')
  await build({ configFile: join(root, 'apps/vite.config.ts'), logLevel: 'warn', build: { outDir: dir, emptyOutDir: true } })
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export interface DemoProcess {
  readonly url: string
  readonly signalUrl: string
  readonly child: ChildProcess
  stop(): Promise<void>
}

export async function startDemo(dir: string): Promise<DemoProcess> {
  const child = spawn(process.execPath, [join(root, 'bin/townhall.js'), 'demo', '--port', '0', '--signal-port', '0', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const { url, signalUrl } = await new Promise<{ url: string; signalUrl: string }>((done, fail) => {
    let out = ''
    const timer = setTimeout(() => fail(new Error(`townhall demo did not start: ${out}`)), 20_000)
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const signal = /signal listening on (ws:\/\/\S+)/.exec(out)
      const apps = /apps at (http:\/\/\S+)/.exec(out)
      if (signal && apps) {
        clearTimeout(timer)
        done({ url: apps[1]!, signalUrl: signal[1]! })
      }
    })
    child.once('exit', (code) => fail(new Error(`townhall demo exited with ${code}: ${out}`)))
  })
  return {
    url,
    signalUrl,
    child,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done()
        const force = setTimeout(() => child.kill('SIGKILL'), 5000)
        child.once('exit', () => {
          clearTimeout(force)
          done()
        })
        child.kill('SIGINT')
      }),
  }
}
