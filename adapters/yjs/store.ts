/** Moved to townhall/adapter (core/adapter/) so every adapter can use it; re-exported here for existing imports. */
export { memoryRecordStore, type LoadedRecord, type RecordStore, type StoredRecord } from '../../core/adapter/index.js'
