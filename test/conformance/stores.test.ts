/**
 * The record store conformance suite on every store that runs in Node: the memory store of the
 * adapter kit and the file store every adapter uses in Node (adapters/shared/file-store.ts). The
 * IndexedDB store runs only in browsers, where the sample apps' end-to-end test exercises it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { memoryRecordStore, type RecordStore } from '../../core/adapter/index.js'
import { fileRecordStore } from '../../adapters/shared/file-store.js'
import { runStoreConformance } from '../../testing/index.js'

await runStoreConformance('memory', async () => {
  const store = memoryRecordStore()
  return { open: async () => store, durable: false, teardown: async () => {} }
})

await runStoreConformance('file', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'townhall-store-'))
  return {
    open: (): Promise<RecordStore> => fileRecordStore(join(directory, 'space.records')),
    durable: true,
    teardown: async () => rmSync(directory, { recursive: true, force: true }),
  }
})
