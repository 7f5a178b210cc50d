/**
 * Raw WebSocket frames over `node:net`, for tests that send what no WebSocket library would: a
 * valid upgrade, then bytes that break the protocol (RFC 6455). Loopback only, bounded in time.
 */
import { randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'

/** A client frame with the mask bit set unless `masked` is false. */
export function frame(options: { opcode: number; payload?: Uint8Array; rsv?: number; fin?: boolean; masked?: boolean }): Buffer {
  const payload = Buffer.from(options.payload ?? new Uint8Array())
  const masked = options.masked ?? true
  const head = [((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | options.opcode]
  const maskBit = masked ? 0x80 : 0
  if (payload.length < 126) head.push(maskBit | payload.length)
  else if (payload.length < 65536) head.push(maskBit | 126, payload.length >> 8, payload.length & 0xff)
  else {
    head.push(maskBit | 127, 0, 0, 0, 0)
    head.push((payload.length >>> 24) & 0xff, (payload.length >>> 16) & 0xff, (payload.length >>> 8) & 0xff, payload.length & 0xff)
  }
  if (!masked) return Buffer.concat([Buffer.from(head), payload])
  const mask = randomBytes(4)
  const body = Buffer.from(payload.map((byte, index) => byte ^ mask[index % 4]!))
  return Buffer.concat([Buffer.from(head), mask, body])
}

/** The five malformed frames of issue 22, each of which ended `townhall relay`. */
export const MALFORMED_FRAMES: ReadonlyArray<readonly [string, Buffer]> = [
  ['RSV2 set', frame({ opcode: 0x1, rsv: 0b010, payload: Buffer.from('hi') })],
  ['unmasked client frame', frame({ opcode: 0x2, masked: false, payload: Buffer.from('hello') })],
  ['reserved opcode 0x3', frame({ opcode: 0x3 })],
  ['close code 999', frame({ opcode: 0x8, payload: Buffer.from([0x03, 0xe7]) })],
  ['126-byte ping', frame({ opcode: 0x9, payload: new Uint8Array(126) })],
]

/** What the server did with a connection: the close code it sent, if any, and whether it ended the TCP connection. */
export interface RawOutcome {
  readonly upgraded: boolean
  readonly status: string
  readonly closeCode?: number
  readonly ended: boolean
}

/** What else a caller of `sendRaw` may want. */
export interface RawOptions {
  /** Ends the connection from this side (the outcome then has `ended: false`). */
  readonly signal?: AbortSignal
  /** Called once the server has answered the upgrade with 101, before `bytes` are written. */
  readonly onUpgrade?: () => void
}

/**
 * Opens a TCP connection to `url` (ws://127.0.0.1:port/path), upgrades it, writes `bytes`, and
 * reports how the server answered within `timeoutMs` (or until `signal` aborts). The socket is
 * always destroyed. `localAddress` (such as 127.0.0.2) makes it come from another loopback address
 * than honest clients.
 */
export function sendRaw(
  url: string,
  bytes: Uint8Array | undefined,
  timeoutMs = 3000,
  localAddress?: string,
  options: RawOptions = {},
): Promise<RawOutcome> {
  const { hostname, port, pathname } = new URL(url)
  return new Promise((done) => {
    const socket: Socket = connect({
      host: hostname.replace(/^\[|\]$/g, ''),
      port: Number(port),
      ...(localAddress ? { localAddress } : {}),
    })
    let received = Buffer.alloc(0)
    let upgraded = false
    let status = ''
    let closeCode: number | undefined
    const abort = () => finish(false)
    const finish = (ended: boolean) => {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', abort)
      socket.destroy()
      done({ upgraded, status, ended, ...(closeCode !== undefined ? { closeCode } : {}) })
    }
    const timer = setTimeout(() => finish(false), timeoutMs)
    if (options.signal?.aborted) return finish(false)
    options.signal?.addEventListener('abort', abort, { once: true })
    socket.on('error', () => finish(true))
    socket.on('close', () => finish(true))
    socket.on('connect', () => {
      socket.write(
        `GET ${pathname || '/'} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      )
    })
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      if (!upgraded) {
        const end = received.indexOf('\r\n\r\n')
        if (end < 0) return
        status = received.subarray(0, received.indexOf('\r\n')).toString()
        received = received.subarray(end + 4)
        if (!status.includes(' 101 ')) return finish(false)
        upgraded = true
        options.onUpgrade?.()
        if (bytes) socket.write(bytes)
      }
      // Server frames are unmasked; look for a close frame (opcode 0x8) and read its code.
      while (received.length >= 2) {
        const opcode = received[0]! & 0x0f
        let length = received[1]! & 0x7f
        let offset = 2
        if (length === 126) {
          if (received.length < 4) return
          length = received.readUInt16BE(2)
          offset = 4
        } else if (length === 127) {
          if (received.length < 10) return
          length = Number(received.readBigUInt64BE(2))
          offset = 10
        }
        if (received.length < offset + length) return
        if (opcode === 0x8) closeCode = length >= 2 ? received.readUInt16BE(offset) : 1005
        received = received.subarray(offset + length)
      }
    })
  })
}
