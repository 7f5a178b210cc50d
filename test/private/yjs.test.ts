/**
 * A private space on the Yjs adapter over real WebRTC between peer processes, signaling through a
 * `townhall signal` process on 127.0.0.1: nothing a peer without the secret, the signaling server or
 * any peer's disk holds shows a text, name, option or member; a removed member reads nothing after
 * the removal. Scenarios in scenario.ts. One world for both scenarios: 25 s on a two-core machine at
 * load 18; the timeout is twice the 60 s budget so that load alone does not fail it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { webcrypto } from 'node:crypto'
import * as decoding from 'lib0/decoding'
import WebSocket from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import type { Space } from '../../core/index.js'
import { roomName, roomPassword } from '../../adapters/yjs/replica.js'
import { killAllPeers, processReplica } from '../support/process-replica.js'
import { startSignal, stopAllSignals } from '../support/signal-process.js'
import { roomKey } from '../support/y-webrtc-crypto.js'
import { heldOnDisk, heldValues, probeRecordFile, search, summary, type Haystack } from '../support/held-bytes.js'
import { needlesOfWorld, postPollVote, privateSpaces, privateWorld, removeBob, TEXT } from './scenario.js'

const opened: Space[] = []
const dirs: string[] = []
const taps: WebSocket[] = []
afterEach(async () => {
  for (const space of opened.splice(0)) await space.close().catch(() => {})
  for (const tap of taps.splice(0)) tap.terminate()
  await killAllPeers()
  await stopAllSignals()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'townhall-private-yjs-'))
  dirs.push(dir)
  return dir
}

/**
 * Everything the signaling server relays in the space's room, as a subscriber to it receives it:
 * the raw messages, and their content decrypted with the room password (derived from the space id,
 * as these replicas have no transport secret), as anyone who knows the id can.
 */
async function tapRoom(url: string, spaceId: string): Promise<() => Promise<Haystack[]>> {
  const room = roomName(spaceId)
  const tap = new WebSocket(url)
  taps.push(tap)
  const messages: Buffer[] = []
  tap.on('message', (data: Buffer) => messages.push(Buffer.from(data)))
  await new Promise<void>((resolve, reject) => {
    tap.once('open', () => resolve())
    tap.once('error', reject)
  })
  tap.send(JSON.stringify({ type: 'subscribe', topics: [room] }))
  const key = await roomKey(roomPassword(spaceId), room)
  return async () => {
    const out: Haystack[] = messages.map((bytes, i) => ({ where: `signaling:message ${i}`, bytes }))
    for (const [i, raw] of messages.entries()) {
      const message = JSON.parse(raw.toString()) as { type?: string; data?: string }
      if (message.type !== 'publish' || typeof message.data !== 'string') continue
      const outer = decoding.createDecoder(Buffer.from(message.data, 'base64'))
      expect(decoding.readVarString(outer)).toBe('AES-GCM')
      const iv = decoding.readVarUint8Array(outer)
      const cipher = decoding.readVarUint8Array(outer)
      out.push({
        where: `signaling:message ${i} (decrypted)`,
        bytes: new Uint8Array(await webcrypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, cipher)),
      })
    }
    return out
  }
}

describe('private spaces on yjs over WebRTC', () => {
  it('members read, a removed member reads nothing after the removal, and no byte the signaling server, a peer without the secret or any disk holds shows a text, name, option or member', async () => {
    const signal = await startSignal()
    let tapped: (() => Promise<Haystack[]>) | undefined
    const spaces = privateSpaces(async (spaceId, directory) => {
      tapped ??= await tapRoom(signal.url, spaceId)
      return processReplica('yjs-peer.ts', { spaceId, signaling: [signal.url], ...(directory ? { directory } : {}) })
    }, opened)
    const directories = { founder: scratch(), alice: scratch(), bob: scratch(), hostile: scratch() }
    const world = await privateWorld(spaces, directories)
    await postPollVote(world)
    await removeBob(world)
    const needles = needlesOfWorld(world)

    const relayed = await tapped!()
    // y-webrtc signals through the room: offers and answers went through it.
    expect(relayed.filter((h) => h.where.endsWith('(decrypted)')).length).toBeGreaterThan(0)
    const live = [...relayed, ...heldValues('hostile replica', await world.hostile.replica.getAll())]
    // Every process ends, so the stores are complete and closed before they are read.
    for (const space of opened.splice(0)) await space.close()
    await signal.stop()
    const disks = []
    for (const [party, dir] of Object.entries(directories)) disks.push(...(await heldOnDisk(party, dir)))
    // The Yjs stores are record files: their records were read back inflated.
    expect(disks.filter((h) => h.where.endsWith('(records)')).length).toBe(4)
    const all = [...live, ...disks]
    const hits = search(all, needles)
    console.log(`yjs searched: ${summary(all)}; hits: ${hits.length}`)
    expect(hits).toEqual([])
    // The same search finds a text in a record file, where it is stored deflated.
    expect(await probeRecordFile(scratch(), TEXT.post)).toEqual({ raw: 0, decoded: 3 })
  }, 120_000)
})
