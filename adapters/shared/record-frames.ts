/**
 * Record file v2 framing: a file header, then frames that each stand alone.
 *
 *   file:  MAGIC (8 bytes) frame*
 *   frame: SYNC (4) | length of body (u32, big-endian) | CRC-32 of length and body (u32) | body
 *
 * The checksum makes a damaged frame unreadable instead of misread, and covers the length so that
 * a flipped length is caught too. When a frame does not check out, reading resumes at the next
 * SYNC whose frame does: one damaged byte costs the frame it is in, never the rest of the file (v1
 * read lengths blindly, so one flipped length bit cut everything after it). SYNC is only looked at
 * after damage: a frame whose SYNC alone was hit still reads at its expected place.
 */
import { crc32 } from './crc32.js'

export const MAGIC = new Uint8Array([0x54, 0x48, 0x52, 0x45, 0x43, 0x76, 0x32, 0x0a]) // "THRECv2\n"
export const SYNC = new Uint8Array([0xf5, 0x7a, 0x3c, 0xa9])
export const FRAME_HEADER = 12
/** A longer length is damage (v1 had the same bound). */
export const MAX_BODY = 16 * 1024 * 1024

export function encodeFrame(body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER + body.length)
  out.set(SYNC, 0)
  out.writeUInt32BE(body.length, 4)
  out.set(body, FRAME_HEADER)
  out.writeUInt32BE(frameCrc(out, 0, body.length), 8)
  return out
}

function frameCrc(data: Uint8Array, at: number, length: number): number {
  const lengthBytes = data.subarray(at + 4, at + 8)
  return crc32(data.subarray(at + FRAME_HEADER, at + FRAME_HEADER + length), crc32(lengthBytes))
}

/**
 * Whether `data` starts like a v2 file. Five of the eight magic bytes are enough, so a damaged
 * header is still known as v2 (a v1 file starts with a length under 16 MiB: a zero or a one byte,
 * then bytes that cannot match five).
 */
export function isV2(data: Uint8Array): boolean {
  if (data.length < MAGIC.length) return false
  let same = 0
  for (let i = 0; i < MAGIC.length; i++) if (data[i] === MAGIC[i]) same++
  return same >= 5
}

export interface Frame {
  readonly offset: number
  readonly end: number
  readonly body: Uint8Array
}

/**
 * Bytes that hold nothing readable: between frames that check out (`checksum`), the tail when its
 * header promised more than the file has (`torn`: an append cut short by a crash), or a frame that
 * checks out but cannot be read (`unreadable`).
 */
export interface DamagedRange {
  readonly offset: number
  readonly end: number
  readonly reason: 'checksum' | 'torn' | 'unreadable'
}

function frameAt(data: Uint8Array, view: DataView, at: number): Frame | undefined {
  if (at + FRAME_HEADER > data.length) return undefined
  const length = view.getUint32(at + 4)
  if (length > MAX_BODY || at + FRAME_HEADER + length > data.length) return undefined
  if (view.getUint32(at + 8) !== frameCrc(data, at, length)) return undefined
  return { offset: at, end: at + FRAME_HEADER + length, body: data.subarray(at + FRAME_HEADER, at + FRAME_HEADER + length) }
}

/** A frame header (whole or cut) whose frame runs past the end of the file. */
function isTornTail(data: Uint8Array, view: DataView, at: number): boolean {
  for (let i = 0; i < SYNC.length && at + i < data.length; i++) if (data[at + i] !== SYNC[i]) return false
  return at + FRAME_HEADER > data.length || at + FRAME_HEADER + view.getUint32(at + 4) > data.length
}

/** Every frame from `start` that checks out (views into `data`), and the ranges between them that do not. */
export function scanFrames(data: Uint8Array, start: number): { frames: Frame[]; damaged: DamagedRange[] } {
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const frames: Frame[] = []
  const damaged: DamagedRange[] = []
  let at = start
  while (at < data.length) {
    const frame = frameAt(data, view, at)
    if (frame) {
      frames.push(frame)
      at = frame.end
      continue
    }
    let next = buffer.indexOf(SYNC, at + 1)
    while (next !== -1 && !frameAt(data, view, next)) next = buffer.indexOf(SYNC, next + 1)
    const end = next === -1 ? data.length : next
    damaged.push({ offset: at, end, reason: next === -1 && isTornTail(data, view, at) ? 'torn' : 'checksum' })
    at = end
  }
  return { frames, damaged }
}
