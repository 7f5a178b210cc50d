/**
 * A townhall Automerge peer in its own process, driven over IPC by test/support/process-replica.ts,
 * syncing through a sync server. Byzantine commands let a test make this peer misbehave: write
 * straight into the shared document, forge presence, or open raw WebSocket connections to the sync
 * server and send it malformed, oversized or hostile protocol messages.
 */
import * as A from '@automerge/automerge'
import { cbor, Repo, type DocHandle } from '@automerge/automerge-repo'
import WebSocket from 'ws'
import { genesisBytes, spaceDocumentId } from '../../adapters/automerge/document.js'
import { automergeNodeReplica } from '../../adapters/automerge/node.js'
import type { AutomergeReplica } from '../../adapters/automerge/replica.js'
import { WebSocketClientAdapter } from '../../adapters/automerge/websocket-client.js'
import { createIdentity, recordCid } from '../../core/index.js'

interface Options {
  spaceId: string
  url?: string
  directory?: string
  maxMessageBytes?: number
  closeTimeoutMs?: number
  /** A peer that runs no replica (so nothing heals its attacks), only a Repo holding the space's document. */
  byzantine?: boolean
}

const options = JSON.parse(process.argv[2]!) as Options
const identity = await createIdentity()
const send = (message: unknown) => process.connected && process.send!(message)

interface Peer {
  repo: Repo
  handle: DocHandle<unknown>
  documentId: string
  replica?: AutomergeReplica
  close(): Promise<void>
}

async function honest(): Promise<Peer> {
  const replica = await automergeNodeReplica({
    spaceId: options.spaceId,
    identity,
    retryMs: 200,
    ...(options.url ? { url: options.url } : {}),
    ...(options.directory ? { directory: options.directory } : {}),
    ...(options.maxMessageBytes ? { maxMessageBytes: options.maxMessageBytes } : {}),
    ...(options.closeTimeoutMs !== undefined ? { closeTimeoutMs: options.closeTimeoutMs } : {}),
  })
  replica.subscribe((entries) => send({ event: 'records', entries }))
  return {
    repo: replica.repo,
    handle: replica.handle as DocHandle<unknown>,
    documentId: replica.documentId,
    replica,
    close: () => replica.close(),
  }
}

async function byzantine(): Promise<Peer> {
  const repo = new Repo({
    network: options.url ? [new WebSocketClientAdapter(options.url, { WebSocket, retryMs: 200 })] : [],
    sharePolicy: async () => true,
  })
  const documentId = spaceDocumentId(options.spaceId)
  const handle = repo.import<unknown>(genesisBytes(options.spaceId), { docId: documentId })
  return {
    repo,
    handle,
    documentId,
    async close() {
      // Let the last changes reach the server before leaving.
      await new Promise((resolve) => setTimeout(resolve, 300))
      await repo.shutdown()
    },
  }
}

const peer = options.byzantine ? await byzantine() : await honest()
const replica = peer.replica
const pushState = () =>
  send({
    event: 'state',
    state: replica?.getSyncState() ?? { peers: peer.repo.peers.length, synced: false, bytesInFlight: 0, received: 0 },
    presence: replica?.presence.get() ?? [],
    forged: replica?.presence.forged ?? 0,
    healed: replica?.healed ?? 0,
    rejectedMessages: replica?.rejectedMessages ?? 0,
  })
replica?.subscribeSyncState(pushState)
const ticker = setInterval(pushState, 250)

// IPC hands byte arrays over as Buffers: give Automerge the plain Uint8Array a peer would send.
const plain = (value: unknown) => (value instanceof Uint8Array ? new Uint8Array(value) : value)
type Doc = { records?: Record<string, unknown> | unknown }
const change = (fn: (doc: Doc) => void) => peer.handle.change(fn as (doc: unknown) => void)
/** The records map to write into, made anew if the document no longer has one. */
const map = (doc: Doc) => {
  if (typeof doc.records !== 'object' || doc.records === null || Array.isArray(doc.records)) doc.records = {}
  return doc.records as Record<string, unknown>
}
const records = () => (peer.handle.doc() as Doc).records
const keys = () => Object.keys((records() as object | undefined) ?? {})

/** The last genuine presence entry seen from another peer, for replay attacks. */
let overheard: unknown
peer.handle.on('ephemeral-message', ({ message }) => (overheard = message))

// ---- Raw protocol sessions against the sync server, each on a fresh connection.

const encode = (message: unknown) => new Uint8Array(cbor.encode(message))
const randomId = () => `mallory-${Math.random().toString(36).slice(2, 10)}`

/** A sync message that decodes as one but fails when Automerge applies it (a damaged change). */
function corruptSyncMessage(): Uint8Array {
  let doc = A.change(A.init<{ junk?: number }>(), (d) => {
    d.junk = 1
  })
  const [, ask] = A.generateSyncMessage(A.init(), A.initSyncState())
  let state = A.initSyncState()
  ;[doc, state] = A.receiveSyncMessage(doc, state, ask!)
  const [, message] = A.generateSyncMessage(doc, state)
  for (let i = 0; i < message!.length; i++) {
    const bytes = new Uint8Array(message!)
    bytes[i]! ^= 0xff
    try {
      A.decodeSyncMessage(bytes)
    } catch {
      continue
    }
    try {
      A.receiveSyncMessage(A.init(), A.initSyncState(), bytes)
    } catch {
      // Refused by an empty document; a document with history stores nothing of it either.
      return bytes
    }
  }
  throw new Error('no damaged sync message found')
}

/** Opens a connection, optionally joins, runs `then`, and reports how the server closed it (or 'open'). */
async function session(
  url: string,
  join: Record<string, unknown> | undefined,
  then: (ws: WebSocket, me: string, server: string) => void,
): Promise<{ code: number | 'open' }> {
  const ws = new WebSocket(url)
  ws.on('error', () => {})
  const me = (join?.senderId as string | undefined) ?? randomId()
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('close', () => reject(new Error('could not connect')))
  })
  let server = ''
  if (join) {
    const answered = new Promise<string>((resolve) =>
      ws.on('message', (data: Buffer) => {
        const message = cbor.decode(new Uint8Array(data)) as { type?: string; senderId?: string }
        if (message.type === 'peer') resolve(message.senderId!)
      }),
    )
    ws.send(encode({ type: 'join', senderId: me, peerMetadata: {}, supportedProtocolVersions: ['1'], ...join }))
    server = await Promise.race([answered, closed.then(() => '')])
  }
  if (ws.readyState === WebSocket.OPEN) then(ws, me, server)
  const code = await Promise.race([closed, new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), 1500))])
  if (code === 'open') {
    ws.close()
    await closed
  }
  return { code }
}

const attacks: Record<string, (url: string, args: Record<string, unknown>) => Promise<{ code: number | 'open' }>> = {
  // A CBOR null: the upstream server adapter reads `.type` of it and throws out of the socket listener.
  'cbor-null': (url) => session(url, undefined, (ws) => ws.send(encode(null))),
  garbage: (url) => session(url, undefined, (ws) => ws.send(new Uint8Array([0x9f, 0xff, 0x13, 0x37, 0xbe, 0xef]))),
  'before-join': (url) =>
    session(url, undefined, (ws) =>
      ws.send(encode({ type: 'sync', senderId: randomId(), targetId: 'x', documentId: peer.documentId, data: new Uint8Array([1]) })),
    ),
  // The upstream adapter calls `.includes` on this list.
  'bad-versions': (url) => session(url, { supportedProtocolVersions: 7 }, () => {}),
  'bad-sync': (url) =>
    session(url, {}, (ws, me, server) =>
      ws.send(encode({ type: 'sync', senderId: me, targetId: server, documentId: peer.documentId, data: new Uint8Array([0x42, 1, 2]) })),
    ),
  // Decodes as a sync message, fails when Automerge applies it.
  // (After a first, valid message: automerge-repo applies a new peer's first message once its sync state
  // has loaded, in a callback that swallows errors.)
  'bad-change': (url) =>
    session(url, {}, (ws, me, server) => {
      const [, ask] = A.generateSyncMessage(A.init(), A.initSyncState())
      ws.send(encode({ type: 'request', senderId: me, targetId: server, documentId: peer.documentId, data: ask }))
      setTimeout(
        () => ws.send(encode({ type: 'sync', senderId: me, targetId: server, documentId: peer.documentId, data: corruptSyncMessage() })),
        300,
      )
    }),
  oversized: (url, args) =>
    session(url, {}, (ws, me, server) =>
      ws.send(
        encode({
          type: 'sync',
          senderId: me,
          targetId: server,
          documentId: peer.documentId,
          data: new Uint8Array(Number(args.bytes ?? 2_000_000)),
        }),
      ),
    ),
  // A storage id that would put the server's sync-state file outside its directory.
  'evil-storage': (url) =>
    session(url, { peerMetadata: { storageId: '../../../../escaped-by-mallory', isEphemeral: false } }, (ws, me, server) => {
      const [, ask] = A.generateSyncMessage(A.init(), A.initSyncState())
      ws.send(encode({ type: 'request', senderId: me, targetId: server, documentId: peer.documentId, data: ask }))
    }),
  // Joins under another peer's id, which the upstream server accepts by cutting that peer off.
  takeover: (url, args) => session(url, { senderId: args.peerId }, () => {}),
  flood: (url) =>
    session(url, {}, (ws, me, server) => {
      for (let i = 0; i < 2000; i++)
        ws.send(
          encode({
            type: 'ephemeral',
            senderId: me,
            targetId: server,
            documentId: peer.documentId,
            sessionId: 's',
            count: i,
            data: encode({ hello: i }),
          }),
        )
    }),
}

type Command = { id: number; op: string; [key: string]: unknown }
const commands: Record<string, (command: Command) => Promise<unknown>> = {
  add: async (c) => replica!.add(c.records as Uint8Array[]),
  getAll: async () =>
    replica
      ? replica.getAll()
      : Object.entries((records() as object | undefined) ?? {}).map(([claimedId, bytes]) => ({ bytes, claimedId, source: 'peer' })),
  verifiedLoad: async () => replica?.verified?.load() ?? Promise.reject(new Error('this replica keeps no verified ids')),
  verifiedAdd: async (c) => replica?.verified?.add(c.ids as string[]),
  presence: async (c) => replica!.presence.set(c.state as Record<string, unknown>),
  peerId: async () => peer.repo.peerId,
  documentId: async () => peer.documentId,
  // ---- Byzantine behaviour: write straight into the shared document, bypassing the replica.
  /** A key at the document's root that the replica does not use, holding `bytes` bytes. */
  foreignRoot: async (c) => change((doc) => void ((doc as Record<string, unknown>)[c.key as string] = new Uint8Array(c.bytes as number))),
  raw: async (c) =>
    change((doc) => {
      const records = map(doc)
      ;(c.values as unknown[]).forEach((value, i) => (records[`garbage-${Date.now()}-${i}`] = plain(value) ?? null))
    }),
  // Writes values under their own content id, as an honest peer would: junk that passes the hash check.
  putKeyed: async (c) => {
    const keyed = await Promise.all(
      (c.values as Uint8Array[]).map(async (value) => [(await recordCid(plain(value) as Uint8Array)).toString(), plain(value)] as const),
    )
    change((doc) => keyed.forEach(([key, value]) => (map(doc)[key] = value)))
  },
  deleteAll: async () => change((doc) => keys().forEach((key) => delete (doc.records as Record<string, unknown>)[key])),
  overwriteAll: async () =>
    change((doc) => keys().forEach((key) => ((doc.records as Record<string, unknown>)[key] = new Uint8Array([1, 2, 3])))),
  dropRecordsMap: async () => change((doc) => delete doc.records),
  replaceRecordsMap: async () => change((doc) => (doc.records = 'not a map any more')),
  forgePresence: async (c) =>
    peer.handle.broadcast({
      kind: 'townhall/presence/v1',
      did: c.did,
      state: { name: 'impostor' },
      ts: Date.now(),
      sig: new Uint8Array(64),
    }),
  replayPresence: async () => {
    if (!overheard) throw new Error('no presence entry overheard yet')
    peer.handle.broadcast(overheard)
  },
  attack: async (c) => attacks[c.kind as string]!(options.url!, c),
  close: async () => {
    clearInterval(ticker)
    await peer.close()
    setTimeout(() => process.exit(0), 50)
  },
}

process.on('message', async (command: Command) => {
  try {
    const result = await commands[command.op]!(command)
    send({ id: command.id, result })
  } catch (error) {
    send({ id: command.id, error: String(error) })
  }
})
process.on('disconnect', () => process.exit(0))
send({ event: 'ready', did: identity.did })
