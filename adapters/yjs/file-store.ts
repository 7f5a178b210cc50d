/** Moved to adapters/shared so every adapter can use it; re-exported here for existing imports. */
export { fileRecordStore } from '../shared/file-store.js'
