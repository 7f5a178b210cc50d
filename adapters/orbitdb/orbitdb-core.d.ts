/**
 * The part of @orbitdb/core 4 (plain JavaScript, no types of its own) that this adapter uses.
 * Written from its source; entries and payloads from peers stay `unknown` until checked.
 */
declare module '@orbitdb/core' {
  export interface LogEntry {
    readonly hash: string
    readonly id: string
    readonly payload: unknown
    readonly next: readonly string[]
    readonly refs: readonly string[]
    readonly identity: string
    readonly key: string
    readonly sig: string
    readonly clock: { readonly id: string; readonly time: number }
    readonly v: number
  }

  export interface Storage {
    put(hash: string, data: unknown): Promise<void>
    get(hash: string): Promise<unknown>
    close(): Promise<void>
  }

  export interface Log {
    readonly id: string
    get(hash: string): Promise<LogEntry | undefined>
    heads(): Promise<LogEntry[]>
    append(payload: unknown, options?: { referencesCount?: number }): Promise<LogEntry>
    joinEntry(entry: LogEntry): Promise<boolean>
    close(): Promise<void>
  }
  export function Log(
    identity: unknown,
    options: { logId: string; access: unknown; entryStorage: unknown; headsStorage: unknown; indexStorage: unknown },
  ): Promise<Log>

  export interface OrbitIdentity {
    readonly id: string
    readonly hash: string
    readonly publicKey: string
  }

  export interface Identities {
    getIdentity(hash: string): Promise<OrbitIdentity | undefined>
    verifyIdentity(identity: OrbitIdentity): Promise<boolean>
    readonly keystore: KeyStoreInstance
  }

  export interface KeyStoreInstance {
    close(): Promise<void>
  }

  export interface AccessControllerInstance {
    readonly type: string
    readonly address: string
    readonly write: readonly string[]
    canAppend(entry: LogEntry): Promise<boolean>
    close?(): Promise<void>
  }

  export interface AccessControllerModule {
    (params: {
      orbitdb: { identity: OrbitIdentity; ipfs: unknown }
      identities: Identities
      address?: string
      name?: string
    }): Promise<AccessControllerInstance>
  }

  export interface AccessControllerFactory {
    (): AccessControllerModule
    readonly type: string
  }

  export interface DatabaseEvents {
    on(event: 'update', listener: (entry: LogEntry) => void): void
    on(event: 'join' | 'leave', listener: (peerId: string, heads?: LogEntry[]) => void): void
    on(event: 'error', listener: (error: Error) => void): void
    on(event: 'close', listener: () => void): void
    off(event: string, listener: (...args: never[]) => void): void
    emit(event: string, ...args: unknown[]): boolean
    removeAllListeners(event?: string): void
  }

  export interface EventsDatabase {
    readonly address: string
    readonly name: string
    readonly type: string
    readonly log: Log
    readonly events: DatabaseEvents
    readonly peers: Set<string>
    readonly identity: OrbitIdentity
    /** Publishes an entry of this log (by its hash) on the log's pubsub topic. */
    readonly sync: { add(entry: { readonly hash: string }): Promise<void> }
    add(value: unknown): Promise<string>
    addOperation(op: unknown): Promise<string>
    close(): Promise<void>
  }

  export interface OpenOptions {
    type?: 'events'
    /** A database module: `(params) => Promise<database>`, called with OrbitDB's parameters. */
    Database?: (params: never) => Promise<EventsDatabase>
    AccessController?: AccessControllerModule
    headsStorage?: Storage
    entryStorage?: Storage
    indexStorage?: Storage
    referencesCount?: number
    sync?: boolean
  }

  export interface OrbitDB {
    readonly id: string
    readonly directory: string
    readonly identity: OrbitIdentity
    readonly identities: Identities
    open(address: string, options?: OpenOptions): Promise<EventsDatabase>
    stop(): Promise<void>
  }

  export const Entry: {
    create(
      identity: OrbitIdentity,
      logId: string,
      payload: unknown,
      encrypt?: undefined,
      clock?: unknown,
      next?: string[],
      refs?: string[],
    ): Promise<LogEntry>
    encode(entry: LogEntry): Promise<{ hash: string; bytes: Uint8Array }>
  }

  export function createOrbitDB(options: { ipfs: unknown; id?: string; identities?: Identities; directory?: string }): Promise<OrbitDB>
  export function useAccessController(factory: AccessControllerFactory): void
  export function Identities(options: {
    keystore?: KeyStoreInstance
    ipfs?: unknown
    storage?: Storage
    path?: string
  }): Promise<Identities>
  export function KeyStore(options: { storage?: Storage; path?: string }): Promise<KeyStoreInstance>
  export function MemoryStorage(): Promise<Storage>
  export function LRUStorage(options: { size: number }): Promise<Storage>
  export function IPFSBlockStorage(options: { ipfs: unknown; pin?: boolean; timeout?: number }): Promise<Storage>
  export function ComposedStorage(first: Storage, second: Storage): Promise<Storage>
  export function LevelStorage(options: { path: string }): Promise<Storage>
}

declare module '@orbitdb/core/src/sync.js' {
  import type { LogEntry, Log } from '@orbitdb/core'
  export interface SyncInstance {
    add(entry: { readonly hash: string }): Promise<void>
    stop(): Promise<void>
    start(): Promise<void>
    readonly peers: Set<string>
  }
  export default function Sync(params: {
    ipfs: unknown
    log: Log
    events: unknown
    onSynced: (entry: LogEntry | undefined) => Promise<unknown>
    start?: boolean
    timeout?: number
  }): Promise<SyncInstance>
}
