/**
 * Typed errors. Errors that townhall's space, identity and export APIs throw are `TownhallError`s with a stable
 * `name` and `code`, so callers can branch on them without parsing messages. The catalogue,
 * with what to do about each, is in docs/errors.md.
 */

export type ErrorCode =
  | 'INVALID_IDENTITY'
  | 'INVALID_RECORD'
  | 'NOT_AUTHORIZED'
  | 'INVALID_ARGUMENT'
  | 'INVALID_SHARE_LINK'
  | 'SPACE_CLOSED'
  | 'REPLICA_CLOSED'
  | 'UNKNOWN_RECORD'
  | 'CRYPTO_UNAVAILABLE'
  | 'INVALID_EXPORT'
  | 'STORE_LOCKED'
  | 'ROOM_IN_USE'
  | 'STORE_DAMAGED'
  | 'MISSING_DEPENDENCY'
  | 'MISSING_KEY'
  | 'UNKNOWN_KIND'
  | 'UNKNOWN_VIEW'
  | 'KIND_CLASH'

export class TownhallError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** Raised when an exported identity cannot be imported (wrong format, wrong length, key mismatch). */
export class InvalidIdentityError extends TownhallError {
  static override readonly name = 'InvalidIdentityError'
  override readonly name = 'InvalidIdentityError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_IDENTITY', message, options)
  }
}

/** Raised when the caller asks to create a record that would itself be rejected (schema, size). */
export class InvalidRecordError extends TownhallError {
  static override readonly name = 'InvalidRecordError'
  override readonly name = 'InvalidRecordError'
  /** The rejection reason code the space would have recorded for this record. */
  readonly reason: string
  constructor(reason: string, message: string) {
    super('INVALID_RECORD', message)
    this.reason = reason
  }
}

/** Raised when the local identity lacks the role an action needs. */
export class NotAuthorizedError extends TownhallError {
  static override readonly name = 'NotAuthorizedError'
  override readonly name = 'NotAuthorizedError'
  constructor(message: string) {
    super('NOT_AUTHORIZED', message)
  }
}

export class InvalidArgumentError extends TownhallError {
  static override readonly name = 'InvalidArgumentError'
  override readonly name = 'InvalidArgumentError'
  constructor(message: string) {
    super('INVALID_ARGUMENT', message)
  }
}

export class InvalidShareLinkError extends TownhallError {
  static override readonly name = 'InvalidShareLinkError'
  override readonly name = 'InvalidShareLinkError'
  constructor(message: string) {
    super('INVALID_SHARE_LINK', message)
  }
}

/** Raised when a closed space or replica is used. Open a new one instead. */
export class ClosedError extends TownhallError {
  static override readonly name = 'ClosedError'
  override readonly name = 'ClosedError'
  constructor(what: 'space' | 'replica') {
    super(what === 'space' ? 'SPACE_CLOSED' : 'REPLICA_CLOSED', `This ${what} has been closed; open it again to keep working with it.`)
  }
}

/** Raised when an action refers to a record this peer does not hold (yet). */
export class UnknownRecordError extends TownhallError {
  static override readonly name = 'UnknownRecordError'
  override readonly name = 'UnknownRecordError'
  constructor(id: string, what: string) {
    super('UNKNOWN_RECORD', `No ${what} with id ${id} is known here; wait for it to sync or check the id.`)
  }
}

export class CryptoUnavailableError extends TownhallError {
  static override readonly name = 'CryptoUnavailableError'
  override readonly name = 'CryptoUnavailableError'
  constructor(message: string) {
    super('CRYPTO_UNAVAILABLE', message)
  }
}

/** Raised by import/recount when an export file is not a townhall export. */
export class InvalidExportError extends TownhallError {
  static override readonly name = 'InvalidExportError'
  override readonly name = 'InvalidExportError'
  constructor(message: string) {
    super('INVALID_EXPORT', message)
  }
}

/**
 * Raised when opening on-disk storage that another replica already has open, in this process or
 * another one on this host (or another host, over a shared filesystem). Close the other one first;
 * if no process holds it, the lock file named in `lockPath` is left from a crash and can be removed.
 */
export class StoreLockedError extends TownhallError {
  static override readonly name = 'StoreLockedError'
  override readonly name = 'StoreLockedError'
  /** The store: a record file or a data directory. */
  readonly store: string
  readonly lockPath: string
  /** The process that holds it, when the lock file says. */
  readonly pid: number | undefined
  readonly host: string | undefined
  constructor(store: string, lockPath: string, pid: number | undefined, host?: string) {
    const holder = pid === undefined ? 'another process' : `process ${pid}${host ? ` on ${host}` : ''}`
    super(
      'STORE_LOCKED',
      `${store} is in use by ${holder} (lock file ${lockPath}). Close the other replica or relay first; if no such process is running, remove the lock file.`,
    )
    this.store = store
    this.lockPath = lockPath
    this.pid = pid
    this.host = host
  }
}

/**
 * Raised when a second Yjs replica of one space is created in one process (or browser tab) while
 * the first is open: y-webrtc allows one connection per room there. Use the open replica (or
 * space), or close it first.
 */
export class RoomInUseError extends TownhallError {
  static override readonly name = 'RoomInUseError'
  override readonly name = 'RoomInUseError'
  readonly spaceId: string
  constructor(spaceId: string) {
    super(
      'ROOM_IN_USE',
      `A Yjs replica of space ${spaceId} is already open in this process; y-webrtc allows one per room. Use the open one, or close it first.`,
    )
    this.spaceId = spaceId
  }
}

/**
 * Raised when a peer's LevelDB stores (OrbitDB's blocks, data, keystore or log indexes) cannot be
 * opened because their files are damaged. They hold nothing the record file and the other peers do
 * not: open again with `onDamagedStore: 'rebuild'` (or move `damaged` aside by hand) and they are
 * rebuilt from the record file, and the rest comes back from peers.
 */
export class StoreDamagedError extends TownhallError {
  static override readonly name = 'StoreDamagedError'
  override readonly name = 'StoreDamagedError'
  /** The data directory. */
  readonly directory: string
  /** Each store that failed to open, with LevelDB's reason. */
  readonly damaged: ReadonlyArray<{ readonly path: string; readonly reason: string }>
  constructor(directory: string, damaged: ReadonlyArray<{ readonly path: string; readonly reason: string }>) {
    super(
      'STORE_DAMAGED',
      `The LevelDB stores under ${directory} are damaged (${damaged.map(({ path, reason }) => `${path}: ${reason}`).join('; ')}). ` +
        `They can be rebuilt: open again with onDamagedStore: 'rebuild' (the command line: --rebuild-damaged-stores), ` +
        `which moves them into ${directory}/damaged/ and rebuilds them from the record file and from peers.`,
    )
    this.directory = directory
    this.damaged = damaged
  }
}

/**
 * Raised when a feature needs an optional package that is not installed: the adapters' libraries
 * are optional peer dependencies, so an app installs only those of the adapter it uses. `install`
 * is the command that adds them.
 */
export class MissingDependencyError extends TownhallError {
  static override readonly name = 'MissingDependencyError'
  override readonly name = 'MissingDependencyError'
  /** What needed them: an entry point, a function or a command, such as `townhall relay`. */
  readonly feature: string
  /** The package names that could not be loaded. */
  readonly packages: readonly string[]
  /** The command that installs them, such as `npm install @roamhq/wrtc@0.10`. */
  readonly install: string
  /** `specs` are what to install, package names with an optional version (default: `packages`). */
  constructor(feature: string, packages: readonly string[], specs: readonly string[] = packages, options?: { cause?: unknown }) {
    const install = `npm install ${specs.join(' ')}`
    const list = packages.length === 1 ? `${packages[0]}, which is` : `${packages.join(', ')}, which are`
    super('MISSING_DEPENDENCY', `${feature} needs ${list} not installed. Install with: ${install}`, options)
    this.feature = feature
    this.packages = [...packages]
    this.install = install
  }
}

/**
 * Thrown when a private space cannot seal or open what was asked: the share link's secret is
 * missing (epoch 0's key derives from it), or this member holds no key of the epoch needed. Open
 * the space with its full share link, or wait for an admin's rotation to reach this member.
 */
export class MissingKeyError extends TownhallError {
  static override readonly name = 'MissingKeyError'
  override readonly name = 'MissingKeyError'
  constructor(message: string) {
    super('MISSING_KEY', message)
  }
}

/** Thrown when a record kind or a view is asked for by a name that this space has not registered. */
export class UnknownKindError extends TownhallError {
  static override readonly name = 'UnknownKindError'
  override readonly name = 'UnknownKindError'
  /** The name asked for. */
  readonly kind: string
  constructor(kind: string, what: 'kind' | 'view' = 'kind') {
    const shown = String(kind).slice(0, 80)
    super(
      what === 'kind' ? 'UNKNOWN_KIND' : 'UNKNOWN_VIEW',
      what === 'kind'
        ? `Unknown record kind "${shown}": define it with defineKind and register it (the space's kinds option, or space.registerKind).`
        : `Unknown view "${shown}": views come with the kinds that declare them; register such a kind first.`,
    )
    this.kind = kind
  }
}

/**
 * Thrown when a kind or a view is registered under a name that is taken: by another definition of
 * that name, or by townhall itself (names without a namespace are reserved for core's kinds).
 */
export class KindClashError extends TownhallError {
  static override readonly name = 'KindClashError'
  override readonly name = 'KindClashError'
  /** The name that clashed. */
  readonly kind: string
  constructor(kind: string, message: string) {
    super('KIND_CLASH', message)
    this.kind = kind
  }
}
