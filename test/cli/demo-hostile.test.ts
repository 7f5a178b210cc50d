/**
 * Issue 22 for the demo's web server (`townhall demo`, run as a process on stub apps): paths that
 * do not decode, garbage instead of HTTP, and one address opening more than its share of
 * connections. Each is refused with a status the client sees; the server keeps serving.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ATTACKER = '127.0.0.2'
let child: ChildProcess
let web: URL
let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'townhall-demo-hostile-'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>stub</title>')
  child = spawn(
    process.execPath,
    [
      resolve(import.meta.dirname, '../../bin/townhall.js'),
      'demo',
      '--no-relay',
      '--dir',
      dir,
      '--data',
      join(dir, 'data'),
      '--port',
      '0',
      '--signal-port',
      '0',
      '--sync-port',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  web = await new Promise<URL>((done, fail) => {
    let out = ''
    const timer = setTimeout(() => fail(new Error(`townhall demo did not start: ${out}`)), 20_000)
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const apps = /apps at (http:\/\/\S+)/.exec(out)
      if (apps) {
        clearTimeout(timer)
        done(new URL(apps[1]!))
      }
    })
    child.once('exit', (code) => fail(new Error(`townhall demo exited with ${code}: ${out}`)))
  })
}, 30_000)

afterAll(async () => {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((done) => child.once('exit', done))
    child.kill('SIGTERM')
    await exited
  }
  rmSync(dir, { recursive: true, force: true })
})

/** Writes `request` on a raw connection and resolves with the status line of the answer ('' if none). */
function raw(request: string, localAddress = '127.0.0.1', holdMs = 0): Promise<string> {
  return new Promise((done) => {
    const socket = connect({ host: web.hostname, port: Number(web.port), localAddress })
    let answer = ''
    const finish = () => {
      clearTimeout(timer)
      socket.destroy()
      done(answer.split('\r\n')[0] ?? '')
    }
    const timer = setTimeout(finish, 3000)
    socket.on('data', (chunk) => {
      answer += chunk.toString()
      if (!holdMs) finish()
    })
    socket.on('error', finish)
    socket.on('close', finish)
    socket.on('connect', () => socket.write(request))
  })
}

const get = (path: string) => raw(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)

describe('townhall demo web server under hostile input', () => {
  it('answers a path that does not decode with 400 and serves the next request', async () => {
    expect(await get('/%')).toBe('HTTP/1.1 400 Bad Request')
    expect(await get('/%E0%A4%A')).toBe('HTTP/1.1 400 Bad Request')
    expect(await get('/')).toBe('HTTP/1.1 200 OK')
    expect(child.exitCode).toBeNull()
  })

  it('answers garbage instead of HTTP with 400', async () => {
    expect(await raw('\x00\xff garbage\r\n\r\n')).toBe('HTTP/1.1 400 Bad Request')
    expect(await get('/')).toBe('HTTP/1.1 200 OK')
  })

  it('gives one address 64 connections, then 429, while another address is served', async () => {
    const held = Array.from({ length: 64 }, () => {
      const socket = connect({ host: web.hostname, port: Number(web.port), localAddress: ATTACKER })
      socket.on('error', () => {})
      return socket
    })
    await Promise.all(held.map((socket) => new Promise((done) => socket.once('connect', done))))
    expect(await raw('GET / HTTP/1.1\r\nHost: x\r\n\r\n', ATTACKER)).toBe('HTTP/1.1 429 Too Many Requests')
    expect(await get('/')).toBe('HTTP/1.1 200 OK')
    held.forEach((socket) => socket.destroy())
    expect(child.exitCode).toBeNull()
  })
})
