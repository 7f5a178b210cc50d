/**
 * A hostile Yjs peer: plain y-webrtc on the space's room, with none of townhall's replica code (no
 * healing, no junk deletion), driven over IPC like the peers of test/support/process-replica.ts.
 * It writes junk into the shared document in transactions under 256 KiB, since plain y-webrtc
 * sends each update whole and data channels drop larger messages.
 */
import WebSocket from 'ws'
import wrtc from '@roamhq/wrtc'
import * as Y from 'yjs'
import { roomName, roomPassword } from '../../adapters/yjs/replica.js'

const options = JSON.parse(process.argv[2]!) as { spaceId: string; signaling: string[] }
;(globalThis as Record<string, unknown>).WebSocket ??= WebSocket
const { WebrtcProvider } = await import('y-webrtc')
const doc = new Y.Doc()
const provider = new WebrtcProvider(roomName(options.spaceId), doc, {
  signaling: options.signaling,
  password: roomPassword(options.spaceId),
  peerOpts: { wrtc, config: { iceServers: [] }, iceCompleteTimeout: 200 },
})
const records = doc.getMap<unknown>('records')
// y-webrtc logs every message it cannot read (the honest peers' fragments): not this test's business.
console.error = () => {}
const send = (message: unknown) => process.connected && process.send!(message)

/** Runs `write` for 0..count-1 in transactions of `per` calls each, yielding between them so they go out one by one. */
async function inSteps(count: number, per: number, write: (i: number) => void): Promise<void> {
  for (let start = 0; start < count; start += per) {
    doc.transact(() => {
      for (let i = start; i < Math.min(count, start + per); i++) write(i)
    })
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

type Command = { id: number; op: string; [key: string]: unknown }
const commands: Record<string, (c: Command) => Promise<unknown>> = {
  // Raw values under keys of their own. IPC hands byte arrays over as Buffers, which Yjs refuses to store.
  raw: async (c) =>
    doc.transact(() =>
      (c.values as unknown[]).forEach((value, i) =>
        records.set(`garbage-${Date.now()}-${i}`, value instanceof Uint8Array ? new Uint8Array(value) : value),
      ),
    ),
  // WebRTC connections to honest peers that are up: what the junk travels over. (It need not sync
  // first: its own updates are independent items that honest peers apply as they arrive.)
  connected: async () => [...provider.room!.webrtcConns.values()].filter((conn) => conn.connected).length,
  getAll: async () => [...records.keys()].map((claimedId) => ({ claimedId, bytes: records.get(claimedId), source: 'peer' })),
  // `count` values of `size` bytes under the records map, each under a key of its own.
  junkEntries: (c) =>
    inSteps(c.count as number, Math.max(1, Math.floor(100_000 / ((c.size as number) + 40))), (i) =>
      records.set(`junk-${c.tag}-${i}`, new Uint8Array(c.size as number).fill(i & 255)),
    ),
  // Root types the replica does not use: a map with many keys, an array of binary items, a text of `bytes` characters.
  foreignRoots: async (c) => {
    const map = doc.getMap<unknown>(`foreign-map-${c.tag}`)
    await inSteps(c.count as number, 2000, (i) => map.set(`k${i}`, i))
    const array = doc.getArray<unknown>(`foreign-array-${c.tag}`)
    await inSteps(c.count as number, 1000, () => array.push([new Uint8Array(64)]))
    const text = doc.getText(`foreign-text-${c.tag}`)
    await inSteps(Math.ceil((c.bytes as number) / 100_000), 1, () => text.insert(text.length, 'x'.repeat(100_000)))
  },
  close: async () => {
    provider.destroy()
    setTimeout(() => process.exit(0), 50)
  },
}

process.on('message', async (command: Command) => {
  try {
    send({ id: command.id, result: await commands[command.op]!(command) })
  } catch (error) {
    send({ id: command.id, error: String(error) })
  }
})
process.on('disconnect', () => process.exit(0))
send({ event: 'ready', did: 'hostile' })
