import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { nobleBackend } from './ed25519.js'
import { builtin } from './node-builtins.js'
import { verifyPool } from './verify-workers.js'

const threads = builtin('node:worker_threads')!

async function signed(count: number) {
  const out: Array<{ publicKey: Uint8Array; signature: Uint8Array; message: Uint8Array }> = []
  for (let i = 0; i < count; i++) {
    const seed = new Uint8Array(32).fill(i % 251)
    seed[0] = i >> 8
    const message = new Uint8Array(10 + (i % 300)).fill(i % 256)
    out.push({ publicKey: await nobleBackend.publicKey(seed), signature: await nobleBackend.sign(seed, message), message })
  }
  return out
}

const inThread = (publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array) => nobleBackend.verify(publicKey, signature, message)

describe('verification on worker threads', () => {
  it('gives each of many concurrent calls its own verdict, across batches and workers', async () => {
    const pool = verifyPool(threads, 2, inThread)
    const items = await signed(300)
    // Every third one tampered: a verdict delivered to the wrong caller would show.
    const tampered = items.map((item, i) => (i % 3 === 0 ? { ...item, message: new Uint8Array([...item.message, 1]) } : item))
    const verdicts = await Promise.all(tampered.map((item) => pool.verify(item.publicKey, item.signature, item.message)))
    expect(verdicts).toEqual(tampered.map((_, i) => i % 3 !== 0))
    expect(pool.active).toBe(true)
    await pool.close()
  })

  it('verifies in-thread what a failed worker had in hand, and everything after', async () => {
    const pool = verifyPool(threads, 1, inThread)
    const items = await signed(200)
    const pending = items.map((item) => pool.verify(item.publicKey, item.signature, item.message))
    await pool.close() // as if the worker died with batches in flight
    const later = await pool.verify(items[0]!.publicKey, items[0]!.signature, items[0]!.message)
    expect(await Promise.all(pending)).toEqual(items.map(() => true))
    expect(later).toBe(true)
    expect(pool.active).toBe(false)
  })

  it('lets a process that verified exit by itself (idle workers do not keep it alive)', () => {
    const script = `
      import * as threads from 'node:worker_threads'
      import { verifyPool } from ${JSON.stringify(new URL('./verify-workers.ts', import.meta.url).href)}
      const pool = verifyPool(threads, 2, async () => false)
      const { publicKey, privateKey } = (await import('node:crypto')).generateKeyPairSync('ed25519')
      const raw = new Uint8Array(publicKey.export({ format: 'jwk' }).x ? Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url') : [])
      const message = new Uint8Array([1, 2, 3])
      const signature = new Uint8Array((await import('node:crypto')).sign(null, message, privateKey))
      console.log(await pool.verify(raw, signature, message))
    `
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      timeout: 20_000,
      encoding: 'utf8',
    })
    expect(result.error).toBeUndefined()
    expect(result.stdout.trim()).toBe('true')
    expect(result.status).toBe(0)
  })
})
