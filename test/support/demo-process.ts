/**
 * Builds the sample apps into a temp directory and runs the real `townhall demo` command on them
 * (signaling server plus static server, both on 127.0.0.1 with free ports), as `npm start` does.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '../..')
/** What the apps' bundle is made from: a change to any of these is a new build. */
const BUILD_INPUTS = ['apps', 'core', 'adapters', 'package-lock.json', 'svelte.config.js', 'tsconfig.json']
const CACHE_PREFIX = 'townhall-apps-build-'

function inputsDigest(): string {
  const hash = createHash('sha256')
  const visit = (path: string): void => {
    const stat = statSync(path)
    if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort()) if (name !== 'node_modules' && name !== 'dist') visit(join(path, name))
      return
    }
    hash.update(relative(root, path)).update('\0').update(readFileSync(path)).update('\0')
  }
  for (const input of BUILD_INPUTS) if (existsSync(join(root, input))) visit(join(root, input))
  return hash.digest('hex').slice(0, 16)
}

/**
 * The built apps, made once per version of their sources: eight browser suites each built them
 * (about 30 s apiece, a few minutes of the suite). The build lands under a name derived from its
 * inputs, written to a temporary directory first and renamed into place, so a suite never serves
 * half a build; the suites only read it, and `remove` leaves it for the next suite. Builds of
 * other versions are removed when a new one lands.
 */
export async function buildApps(): Promise<{ dir: string; remove(): void }> {
  const key = inputsDigest()
  const dir = join(tmpdir(), CACHE_PREFIX + key)
  const kept = { dir, remove: () => {} }
  if (existsSync(join(dir, '.complete'))) return kept
  const fresh = mkdtempSync(join(tmpdir(), 'townhall-apps-'))
  const { build } = await import('vite')
  await build({ configFile: join(root, 'apps/vite.config.ts'), logLevel: 'warn', build: { outDir: fresh, emptyOutDir: true } })
  writeFileSync(join(fresh, '.complete'), key)
  try {
    renameSync(fresh, dir)
  } catch {
    // Another suite landed the same build first: use it.
    rmSync(fresh, { recursive: true, force: true })
    if (!existsSync(join(dir, '.complete'))) throw new Error(`the apps' build ${dir} is incomplete; delete it and run again`)
    return kept
  }
  for (const name of readdirSync(tmpdir())) {
    if (name.startsWith(CACHE_PREFIX) && name !== CACHE_PREFIX + key) rmSync(join(tmpdir(), name), { recursive: true, force: true })
  }
  return kept
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
