/** Moved to adapters/shared so every adapter can use it; re-exported here for existing imports. */
export { indexedDbName, indexedDbRecordStore } from '../shared/indexeddb-store.js'
