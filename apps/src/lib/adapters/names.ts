/**
 * The IndexedDB databases each adapter keeps for a space, so that a space can be forgotten without
 * loading the adapter's code (and its WebAssembly).
 */
import { indexedDbName } from '../../../../adapters/shared/indexeddb-store.js'

/** Yjs: the record store (the Y.Doc itself is not persisted). */
export const yjsDatabases = (spaceId: string): string[] => [indexedDbName(spaceId)]

/** Name of the Automerge adapter's record store (`townhall-records-automerge-<spaceId>`). */
export const automergeRecordStoreName = (spaceId: string): string => `automerge-${spaceId}`
/** The automerge-repo storage (the Automerge document), one database per space. */
export const automergeDocumentDatabase = (spaceId: string): string => `townhall-automerge-${spaceId}`
export const automergeDatabases = (spaceId: string): string[] => [
  indexedDbName(automergeRecordStoreName(spaceId)),
  automergeDocumentDatabase(spaceId),
]

/** Name of the OrbitDB adapter's record store (`townhall-records-orbitdb-<spaceId>`); the log itself lives in memory. */
export const orbitdbRecordStoreName = (spaceId: string): string => `orbitdb-${spaceId}`
export const orbitdbDatabases = (spaceId: string): string[] => [indexedDbName(orbitdbRecordStoreName(spaceId))]
