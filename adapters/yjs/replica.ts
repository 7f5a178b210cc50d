/**
 * The Yjs replica: a space's records live in a Y.Map keyed by record id, synced over y-webrtc.
 *
 * Yjs lets any peer delete or overwrite any entry, so the map is treated as a transport, not as the
 * truth: every record this device has held under its true id is kept in a local store and written
 * back whenever a remote update removes or replaces it. Peer messages are size-checked before
 * they reach the Yjs decoder, and decoder errors become counted rejections instead of crashes.
 */
import * as Y from 'yjs'
import type { Awareness } from 'y-protocols/awareness'
import { sha256 } from '@noble/hashes/sha2.js'
import type { Identity } from '../../core/index.js'
import {
  adoptedEntry,
  equalBytes,
  isRecordOfSpaceUnder,
  openReplicaBase,
  toBase64Url,
  utf8,
  type ReplicaEntry,
  type SkeletonReplica,
  type StoredRecord,
} from '../../core/adapter/index.js'
import { admission } from './admission.js'
import { clearForeignRoots, foreignEntries, RECORDS_ROOT, touchedRoots } from './junk.js'
import { isFragment, outbox, reassembler, type ChannelLike, type Outbox } from './fragments.js'
import { checkPeerMessage } from './message-guard.js'
import { claimRoom } from './rooms.js'
import { guardSignaling } from './signaling-guard.js'
import { signedPresence, type SignedPresence } from './presence.js'
import type { RecordStore } from './store.js'

export interface YjsReplicaOptions {
  readonly spaceId: string
  /** y-webrtc signaling servers (`townhall signal`); several may be given, any one suffices. */
  readonly signaling: readonly string[]
  /** The space secret from the share link: it keys the room password, so signaling sees only ciphertext. */
  readonly secret?: Uint8Array | undefined
  /** Durable local copy of the records (default: memory only). */
  readonly store?: RecordStore
  /** Signs this device's presence entries. */
  readonly identity?: Identity
  /** simple-peer options, e.g. `{ wrtc }` in Node and `{ config: { iceServers } }` for TURN. */
  readonly peerOpts?: Record<string, unknown>
  /** Largest peer message passed to the Yjs decoder (default 32 MiB). */
  readonly maxMessageBytes?: number
  /**
   * A connection that has not synced after this long is dropped and re-established (default 8 s).
   * Also how long stored records wait for a first WebRTC peer to sync before they go into the
   * document anyway (for other tabs, or a peer that is slow to sync).
   */
  readonly syncTimeoutMs?: number
  readonly maxConns?: number
  /**
   * A WebRTC connection that has not connected after this long is closed, freeing its slot (default
   * 5 s): an announced peer id that never answers would otherwise hold one of `maxConns` for ever.
   */
  readonly connectTimeoutMs?: number
  /**
   * Connections not yet connected that one address (as tagged by townhall's signaling server) may
   * make this peer open at once (default 8, the server's default room share per address).
   */
  readonly maxPendingPerSender?: number
}

export interface YjsReplica extends SkeletonReplica {
  /**
   * The shared document, a transport: what this device writes goes in at once, the stored records
   * it lacks once a first WebRTC peer has synced (or `syncTimeoutMs` after a first peer appeared).
   * Read records with `getAll`, not from here.
   */
  readonly doc: Y.Doc
  readonly presence: SignedPresence
  /** Peer messages dropped before decoding (too large, or fragments that do not reassemble) or that the decoder rejected. */
  readonly rejectedMessages: number
  /**
   * Signaling messages refused for opening a connection beyond the sender's share (see
   * admission.ts); those y-webrtc could not read are counted in `rejectedMessages`.
   */
  readonly refusedSignaling: number
  /** Records restored after a peer deleted or overwrote them. */
  readonly healed: number
  /**
   * Entries deleted from the shared document after the space was handed them: values under the
   * records map that are not a record of this space under its id, and every entry of any other
   * root type (see junk.ts). Each was also handed to the space, which counted it as a rejection.
   */
  readonly junkDeleted: number
  /** The underlying y-webrtc provider, for diagnostics and tests; not part of the replica contract. */
  readonly provider: unknown
}

const LOCAL = 'townhall-local'
const HEAL = 'townhall-heal'
/** This replica deleting junk (see junk.ts). */
const COMPACT = 'townhall-compact'

/**
 * Room names are hashes, so the signaling server cannot link a room to a space id. With the space
 * secret (private spaces' share links carry it) the name derives from the secret too: an outsider
 * who learned only the space id can then neither find the room at the signaling server nor fill it
 * with subscriptions to keep members apart (issue 22). Without a secret, anyone who knows the space
 * id can compute the room, as they can compute its password: the signaling server's per-address
 * limits are then what stands between them and the room.
 */
export const roomName = (spaceId: string, secret?: Uint8Array): string =>
  `townhall-${toBase64Url(
    sha256(secret ? new Uint8Array([...utf8(`townhall/room/v2\n${spaceId}\n`), ...secret]) : utf8(`townhall/room/v1\n${spaceId}`)),
  ).slice(0, 32)}`
/** The y-webrtc room password: from the secret when there is one, else from the space id (so anyone who knows the id has it). */
export const roomPassword = (spaceId: string, secret?: Uint8Array): string =>
  toBase64Url(sha256(secret ? new Uint8Array([...utf8('townhall/room-key/v1\n'), ...secret]) : utf8(`townhall/room-key/v1\n${spaceId}`)))

interface Conn {
  readonly peer: {
    connected?: boolean
    destroy(): void
    listeners(event: string): Array<(data: Uint8Array) => void>
    removeAllListeners(event: string): void
    on(event: string, listener: (data: Uint8Array) => void): void
    send(data: Uint8Array): void
    /** simple-peer's RTCDataChannel: read for its send buffer. */
    readonly _channel?: ChannelLike | null
  }
  synced: boolean
  connected: boolean
}
interface Room {
  readonly peerId: string
  webrtcConns: Map<string, Conn>
  bcConns: Set<string>
}
interface Provider {
  readonly room: Room | null
  readonly awareness: Awareness
  readonly key: PromiseLike<CryptoKey | null>
  /** y-webrtc appends the connections of each connect() and never removes them. */
  readonly signalingConns: Array<{ emit(name: string, args: unknown[]): void }>
  on(event: string, listener: (...args: unknown[]) => void): void
  connect(): void
  disconnect(): void
  destroy(): void
}

export async function yjsReplica(options: YjsReplicaOptions): Promise<YjsReplica> {
  // Loaded lazily so that Node can install its WebSocket and BroadcastChannel shims first (see node.ts).
  const { WebrtcProvider } = await import('y-webrtc')
  const room = roomName(options.spaceId, options.secret)
  const releaseRoom = claimRoom(room, options.spaceId)
  try {
    return await openReplica(options, WebrtcProvider, room, releaseRoom)
  } catch (error) {
    releaseRoom()
    throw error
  }
}

async function openReplica(
  options: YjsReplicaOptions,
  WebrtcProvider: typeof import('y-webrtc').WebrtcProvider,
  room: string,
  releaseRoom: () => void,
): Promise<YjsReplica> {
  const maxMessageBytes = options.maxMessageBytes ?? 32 * 1024 * 1024
  const base = await openReplicaBase({ spaceId: options.spaceId, store: options.store })
  try {
    return openTransport(options, base, WebrtcProvider, room, releaseRoom, maxMessageBytes)
  } catch (error) {
    return base.fail(error)
  }
}

function openTransport(
  options: YjsReplicaOptions,
  base: Awaited<ReturnType<typeof openReplicaBase>>,
  WebrtcProvider: typeof import('y-webrtc').WebrtcProvider,
  room: string,
  releaseRoom: () => void,
  maxMessageBytes: number,
): YjsReplica {
  const doc = new Y.Doc()
  const records = doc.getMap<unknown>(RECORDS_ROOT)
  /** Records held under their true id: the set this replica heals from. */
  const { held, store } = base
  /** Once close() began: nothing is delivered, healed or written into the document. */
  const stopped = () => base.stopped
  let rejectedMessages = 0
  let healed = 0
  let junkDeleted = 0
  let everSynced = false

  /**
   * The Y.Doc is only the way to peers, and each session's starts empty. Stored records go into it
   * once the first WebRTC peer has synced with this device, and only those the document then
   * lacks: written earlier (as soon as a peer appeared), every record went to every peer again as
   * a new item of this session, 3.2 MB each way for 10k records at each reopening, leaving ~44
   * bytes a record of deleted items in every peer's document. A device that opens alone never
   * builds the document, and y-webrtc's connect-time broadcast of it has nothing to encode. Other
   * tabs read the same store; they get the records after `syncTimeoutMs` if no WebRTC peer synced.
   */
  const syncTimeout = options.syncTimeoutMs ?? 8000
  let filled = false
  let fillTimer: ReturnType<typeof setTimeout> | undefined
  const fill = () => {
    if (filled || stopped()) return
    filled = true
    clearTimeout(fillTimer)
    doc.transact(() => {
      for (const [id, bytes] of held) if (!records.has(id)) records.set(id, bytes)
    }, LOCAL)
  }

  const provider = new WebrtcProvider(room, doc, {
    signaling: [...options.signaling],
    password: roomPassword(options.spaceId, options.secret),
    peerOpts: options.peerOpts ?? {},
    ...(options.maxConns ? { maxConns: options.maxConns } : {}),
  }) as unknown as Provider
  let refusedSignaling = 0
  const admit = admission({
    roomName: room,
    key: provider.key,
    peerId: () => provider.room?.peerId,
    conns: () => provider.room?.webrtcConns,
    maxPendingPerSender: options.maxPendingPerSender ?? 8,
    onRefused: () => refusedSignaling++,
  })
  /**
   * Puts both checks on the provider's signaling connections: first what y-webrtc could not read
   * (signaling-guard.ts), then each address's share of unanswered connections (admission.ts).
   * Called before the event loop turns, here and after each reconnect (which may create new
   * connections), so no message reaches y-webrtc unchecked. Returns what removes the first.
   */
  const guardConnections = () => {
    const unguard = guardSignaling(
      provider.signalingConns,
      room,
      provider.key,
      // y-webrtc reads the connection an answer to it is for without looking whether it has one
      // (messages for other peers, and its own echoed back, it ignores).
      (data) =>
        (data.signal as { type?: unknown } | undefined)?.type !== 'answer' ||
        data.to !== provider.room?.peerId ||
        provider.room?.webrtcConns.has(data.from as string) === true,
      () => void rejectedMessages++,
    )
    admit.install(provider.signalingConns)
    return unguard
  }
  let unguard = guardConnections()
  const connectTimeout = options.connectTimeoutMs ?? 5000

  const presence = signedPresence({
    awareness: provider.awareness,
    spaceId: options.spaceId,
    ...(options.identity ? { identity: options.identity } : {}),
  })

  const sync = () => {
    const room = provider.room
    const peers = room ? [...room.webrtcConns.values()].filter((conn) => conn.connected).length + room.bcConns.size : 0
    return { peers, synced: everSynced }
  }
  const notifySync = () => base.notifySync()

  // Guard every peer connection's inbound messages before y-webrtc decodes them, and fragment its
  // large outbound ones (see fragments.ts). 'peers' fires as y-webrtc creates a connection, before
  // it connects, so the wrapped send is in place before y-webrtc's first message on it.
  const guarded = new WeakSet<object>()
  const outboxes = new Set<Outbox>()
  const guard = () => {
    for (const conn of provider.room?.webrtcConns.values() ?? []) {
      if (guarded.has(conn.peer)) continue
      guarded.add(conn.peer)
      const peer = conn.peer
      const send = peer.send.bind(peer)
      const out = outbox({
        send,
        channel: () => peer._channel,
        // A peer that cannot keep up is dropped; on reconnecting it is resynced from its state vector.
        onOverflow: () => peer.destroy(),
        maxQueuedBytes: 2 * maxMessageBytes,
      })
      outboxes.add(out)
      peer.send = (data: Uint8Array) => out.send(data)
      const inbound = reassembler(maxMessageBytes)
      peer.on('close', () => {
        out.close()
        outboxes.delete(out)
        inbound.reset()
      })
      const original = conn.peer.listeners('data')
      conn.peer.removeAllListeners('data')
      conn.peer.on('data', (frame: Uint8Array) => {
        if (stopped()) return
        let data = frame
        if (isFragment(frame)) {
          const result = inbound.push(frame)
          if (result.rejected !== undefined) rejectedMessages++
          if (!result.message) return
          data = result.message
        }
        if (checkPeerMessage(data, maxMessageBytes) !== undefined) {
          rejectedMessages++
          return
        }
        try {
          for (const listener of original) listener(data)
        } catch {
          // A message that parsed but still threw while applied (an observer's error): count it, keep the connection.
          rejectedMessages++
        }
        // y-webrtc marks the connection synced when the peer's state (its sync step 2) is applied.
        if (conn.synced) fill()
      })
    }
  }
  provider.on('peers', (event: unknown) => {
    guard()
    if (!filled && fillTimer === undefined && (event as { added?: unknown[] }).added?.length) {
      fillTimer = setTimeout(fill, syncTimeout)
      ;(fillTimer as { unref?: () => void }).unref?.()
    }
    notifySync()
  })
  provider.on('synced', (event: unknown) => {
    if ((event as { synced?: boolean }).synced) everSynced = true
    notifySync()
  })

  // Connections that connect but never sync (y-webrtc's simultaneous-initiator race) are rebuilt;
  // connections that never connect (a peer id announced by someone who will not answer) are closed.
  const connectedSince = new WeakMap<object, number>()
  const openedSince = new WeakMap<object, number>()
  const watchdog = setInterval(() => {
    for (const conn of provider.room?.webrtcConns.values() ?? []) {
      if (conn.synced) everSynced = true
      if (!conn.connected && !conn.synced) {
        const opened = openedSince.get(conn) ?? Date.now()
        openedSince.set(conn, opened)
        // y-webrtc drops the connection on 'close' and announces again, so the slot is offered anew.
        if (Date.now() - opened > connectTimeout) conn.peer.destroy()
        continue
      }
      if (!conn.connected || conn.synced) continue
      const since = connectedSince.get(conn) ?? Date.now()
      connectedSince.set(conn, since)
      if (Date.now() - since > syncTimeout) {
        connectedSince.delete(conn)
        provider.disconnect()
        provider.connect()
        // connect() makes a new signaling connection where disconnect() closed the last user's.
        unguard()
        unguard = guardConnections()
        return
      }
    }
  }, 1000)
  ;(watchdog as { unref?: () => void }).unref?.()

  // The browser says it went offline: withdraw this device's presence (peers drop it at once)
  // and announce it again once the browser is back. Peer connections on loopback can outlive the
  // network, and this device would go on being listed online by its peers while the person is told
  // they are offline. (Leaving the room instead loses y-webrtc's awareness state and, with a peer
  // whose connection to us had not closed yet, the way back.) Node has no such events.
  const browserNetwork = globalThis as {
    addEventListener?: (type: string, listener: () => void) => void
    removeEventListener?: (type: string, listener: () => void) => void
  }
  const onOffline = () => presence.withdraw()
  const onOnline = () => presence.restore()
  browserNetwork.addEventListener?.('offline', onOffline)
  browserNetwork.addEventListener?.('online', onOnline)

  const incoming = async (changes: Array<{ key: string; value: unknown }>, source: string) => {
    const entries: ReplicaEntry[] = []
    const fresh: StoredRecord[] = []
    const junk: Array<{ key: string; value: unknown }> = []
    for (const change of changes) {
      const { key, value } = change
      if (held.has(key)) continue
      if (value instanceof Uint8Array && (await isRecordOfSpaceUnder(value, key, options.spaceId))) {
        held.set(key, value)
        fresh.push({ id: key, bytes: value })
        // Hashed and parsed there: the key is its id.
        entries.push(adoptedEntry(value, key, source))
      } else {
        entries.push({ bytes: value, claimedId: key, source })
        junk.push(change)
      }
    }
    // Durable before anyone sees it, so what the space accepted survives a crash.
    if (fresh.length) await store.append(fresh)
    if (stopped() || entries.length === 0) return
    base.deliver(entries)
    // Handed over once, then out of the document: no honest peer adopts what is not a record of
    // this space under its own id, and Yjs frees a deleted value's content (see junk.ts). Only
    // the value seen here is deleted, not one written under the key since.
    if (junk.length)
      doc.transact(() => {
        for (const { key, value } of junk)
          if (records.has(key) && records.get(key) === value) {
            records.delete(key)
            junkDeleted++
          }
      }, COMPACT)
  }
  /**
   * Any other root type is junk by construction (this replica uses only `records`): each of its
   * entries is handed to the space as a non-record, then the whole root type is cleared. Looked
   * for after every transaction a peer made, in the root types it touched.
   */
  doc.on('afterTransaction', (transaction: Y.Transaction) => {
    const origin = transaction.origin
    if (stopped() || origin === LOCAL || origin === HEAL || origin === COMPACT) return
    const touched = touchedRoots(transaction)
    touched.delete(records)
    if (touched.size === 0) return
    const found = foreignEntries(doc, touched)
    if (found.length === 0) return
    // After this transaction: Yjs applies a new one only once this one is cleaned up.
    queueMicrotask(() => {
      if (stopped()) return
      doc.transact((tr) => clearForeignRoots(doc, tr), COMPACT)
      junkDeleted += found.length
      base.deliver(found.map((entry) => ({ bytes: entry, source: 'peer' })))
    })
  })

  records.observe((event) => {
    const origin = event.transaction.origin
    if (origin === LOCAL || origin === HEAL || origin === COMPACT) return
    const changes: Array<{ key: string; value: unknown }> = []
    const heal: string[] = []
    for (const [key, change] of event.changes.keys) {
      const ours = held.get(key)
      const now = records.get(key)
      if (ours) {
        if (change.action === 'delete' || !(now instanceof Uint8Array) || !equalBytes(now, ours)) heal.push(key)
      } else if (change.action !== 'delete') changes.push({ key, value: now })
    }
    if (heal.length) {
      healed += heal.length
      // Written back after this event: a peer cannot take away a record this device holds.
      queueMicrotask(() => {
        if (!stopped()) doc.transact(() => heal.forEach((key) => records.set(key, held.get(key)!)), HEAL)
      })
    }
    if (changes.length) void base.enqueue(() => incoming(changes, 'peer')).catch(() => {})
  })

  return base.open(
    {
      publish(fresh) {
        doc.transact(() => fresh.forEach((bytes, id) => records.set(id, bytes)), LOCAL)
      },
      unheld() {
        const out: ReplicaEntry[] = []
        for (const [key, value] of records) if (!held.has(key)) out.push({ bytes: value, claimedId: key, source: 'peer' })
        return out
      },
      sync,
      async stop() {
        clearInterval(watchdog)
        browserNetwork.removeEventListener?.('offline', onOffline)
        browserNetwork.removeEventListener?.('online', onOnline)
        clearTimeout(fillTimer)
        for (const out of outboxes) out.close()
        outboxes.clear()
        presence.close()
        admit.uninstall()
        // Order measured to let Node exit promptly: disconnect (closes signaling), destroy, then the doc.
        provider.disconnect()
        provider.destroy()
        unguard()
        doc.destroy()
        // y-webrtc frees the room once its key is derived: a replica opened before that would clash.
        await Promise.resolve(provider.key).catch(() => {})
        releaseRoom()
      },
    },
    {
      doc,
      presence,
      provider,
      get rejectedMessages() {
        return rejectedMessages
      },
      get refusedSignaling() {
        return refusedSignaling
      },
      get healed() {
        return healed
      },
      get junkDeleted() {
        return junkDeleted
      },
    },
  )
}
