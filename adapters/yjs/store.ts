/** Moved to adapters/shared so every adapter can use it; re-exported here for existing imports. */
export { memoryRecordStore, type LoadedRecord, type RecordStore, type StoredRecord } from '../shared/store.js'
