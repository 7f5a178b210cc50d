/**
 * Ed25519 verification on worker threads, for Node.
 *
 * Ballots come from distinct voters, so every verification needs a new key, and node:crypto does
 * much of a verification's work on the calling thread even when it is given a callback (measured:
 * ~47 µs of ~90 µs per ballot stayed on the main thread). That left the main thread, which also
 * decodes and folds every record, as the bottleneck of ingest. Here verifications are batched
 * (one message per batch, all bytes in one transferred buffer) and run synchronously on workers,
 * so the main thread only packs and unpacks.
 *
 * The workers run the same OpenSSL verification as the in-thread backend, so verdicts are the
 * same. If a worker fails, what it had in hand and everything after is verified in-thread.
 * Workers are unreferenced while idle, so they never keep a process alive.
 */
import type { NodeWorker as Worker, NodeWorkerThreads as WorkerThreads } from './node-builtins.js'

/** Verifies one signature on this thread (the fallback); resolves to the verdict. */
export type InThreadVerify = (publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array) => Promise<boolean>

export interface VerifyPool {
  verify(publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): Promise<boolean>
  /** Stops the workers; later verifications run in-thread. For tests. */
  close(): Promise<void>
  /** Whether verifications still go to workers. */
  readonly active: boolean
}

interface Pending {
  readonly publicKey: Uint8Array
  readonly signature: Uint8Array
  readonly message: Uint8Array
  readonly resolve: (valid: boolean) => void
}

interface Slot {
  readonly worker: Worker
  /** The verifications of each batch this worker has in hand, by batch id. */
  readonly batches: Map<number, readonly Pending[]>
}

/** Large enough that one message carries real work; small enough that the first results come back early. */
const BATCH = 64

// Plain CommonJS, evaluated in the worker: it must not depend on how the main program was loaded.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const crypto = require('node:crypto')
parentPort.on('message', ({ id, count, data, offsets }) => {
  const bytes = new Uint8Array(data)
  const results = new Uint8Array(count)
  for (let i = 0; i < count; i++) {
    try {
      const x = Buffer.from(data, i * 32, 32).toString('base64url')
      const key = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' })
      const signature = bytes.subarray(count * 32 + i * 64, count * 32 + i * 64 + 64)
      results[i] = crypto.verify(null, bytes.subarray(offsets[i], offsets[i + 1]), key, signature) ? 1 : 0
    } catch {
      results[i] = 0
    }
  }
  parentPort.postMessage({ id, results }, [results.buffer])
})
`

export function verifyPool(threads: WorkerThreads, size: number, inThread: InThreadVerify): VerifyPool {
  let slots: Slot[] = []
  let queue: Pending[] = []
  let scheduled = false
  let nextId = 0
  let turn = 0

  const fallBack = (items: readonly Pending[]) => {
    for (const item of items) void inThread(item.publicKey, item.signature, item.message).then(item.resolve, () => item.resolve(false))
  }
  const retire = (slot: Slot) => {
    if (!slots.includes(slot)) return
    slots = slots.filter((other) => other !== slot)
    const orphans = [...slot.batches.values()].flat()
    slot.batches.clear()
    void slot.worker.terminate().catch(() => {})
    fallBack(orphans)
  }
  const settle = (slot: Slot, id: number, results: Uint8Array) => {
    const items = slot.batches.get(id)
    if (!items) return
    slot.batches.delete(id)
    if (slot.batches.size === 0) slot.worker.unref()
    items.forEach((item, i) => item.resolve(results[i] === 1))
  }

  for (let i = 0; i < size; i++) {
    let worker: Worker
    try {
      // No inherited flags: the worker is plain CommonJS whatever loaded the main program (tsx, --input-type).
      worker = new threads.Worker(WORKER_SOURCE, { eval: true, execArgv: [] })
    } catch {
      break
    }
    const slot: Slot = { worker, batches: new Map() }
    worker.on('message', (message: { id: number; results: Uint8Array }) => settle(slot, message.id, message.results))
    worker.on('error', () => retire(slot))
    worker.on('exit', () => retire(slot))
    // After the listeners: adding a 'message' listener references the worker's port again.
    worker.unref()
    slots.push(slot)
  }

  const send = (items: Pending[]) => {
    const slot = slots[turn++ % slots.length]
    if (!slot) return fallBack(items)
    const count = items.length
    let length = count * 96
    for (const item of items) length += item.message.length
    const data = new ArrayBuffer(length)
    const bytes = new Uint8Array(data)
    const offsets = new Uint32Array(count + 1)
    let offset = count * 96
    items.forEach((item, i) => {
      bytes.set(item.publicKey, i * 32)
      bytes.set(item.signature, count * 32 + i * 64)
      offsets[i] = offset
      bytes.set(item.message, offset)
      offset += item.message.length
    })
    offsets[count] = offset
    const id = nextId++
    slot.batches.set(id, items)
    // Referenced while it has work: a program awaiting a verdict must not exit under it.
    slot.worker.ref()
    try {
      slot.worker.postMessage({ id, count, data, offsets }, [data, offsets.buffer])
    } catch {
      retire(slot)
    }
  }
  const flush = () => {
    scheduled = false
    while (queue.length > 0) send(queue.splice(0, BATCH))
  }

  return {
    get active() {
      return slots.length > 0
    },
    verify(publicKey, signature, message) {
      if (slots.length === 0) return inThread(publicKey, signature, message)
      return new Promise<boolean>((resolve) => {
        queue.push({ publicKey, signature, message, resolve })
        if (queue.length >= BATCH) send(queue.splice(0, BATCH))
        else if (!scheduled) {
          scheduled = true
          // After the current burst of calls (a batch being validated) has queued its work.
          setImmediate(flush)
        }
      })
    },
    async close() {
      const closing = slots
      slots = []
      await Promise.all(
        closing.map(async (slot) => {
          const orphans = [...slot.batches.values()].flat()
          slot.batches.clear()
          await slot.worker.terminate()
          fallBack(orphans)
        }),
      )
      const waiting = queue
      queue = []
      fallBack(waiting)
    },
  }
}
