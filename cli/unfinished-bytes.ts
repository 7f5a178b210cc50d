/**
 * Accounting of unfinished WebSocket messages for the sync server. ws keeps the fragments of a
 * message until it completes, up to `maxPayload` per connection, so 24 connections each holding an
 * unfinished 31 MiB message took the server from 109 to 882 MB (issue 22). Here the raw bytes a
 * connection receives between complete messages are counted, in total and per address, and a
 * connection whose bytes would cross a bound is named for closing.
 *
 * It is the connection whose bytes just arrived that is named, not the one holding the most:
 * closing another would let this one read on, and bytes once read stay in the process's memory
 * (RSS) long after they are freed. The caller keeps a closing connection's bytes counted until its
 * socket is gone, so the total held is the bound plus one socket chunk per connection being closed.
 */

export interface UnfinishedBytesOptions {
  /** Bytes held across all connections. */
  readonly max: number
  /** Bytes held by the connections of one address (default a quarter of `max`). */
  readonly maxPerAddress?: number
}

export interface UnfinishedBytes {
  /** Counts `bytes` received by `connection`; returns why it must be closed, or undefined. */
  arrived(connection: object, address: string, bytes: number): string | undefined
  /** Its message completed, or it closed: what it held is released. */
  forget(connection: object): void
  /** Bytes held across all connections. */
  held(): number
  /** The most bytes held across all connections at any time since the start. */
  peak(): number
  /** Connections holding an unfinished message that got no byte for `ms`. */
  stalled(ms: number, now?: number): object[]
}

export function unfinishedBytes(options: UnfinishedBytesOptions): UnfinishedBytes {
  const maxPerAddress = options.maxPerAddress ?? options.max / 4
  const connections = new Map<object, { address: string; bytes: number; lastByte: number }>()
  const byAddress = new Map<string, number>()
  let total = 0
  let peak = 0

  return {
    arrived(connection, address, bytes) {
      const entry = connections.get(connection) ?? { address, bytes: 0, lastByte: 0 }
      entry.bytes += bytes
      entry.lastByte = Date.now()
      connections.set(connection, entry)
      total += bytes
      peak = Math.max(peak, total)
      const fromAddress = (byAddress.get(address) ?? 0) + bytes
      byAddress.set(address, fromAddress)
      if (total > options.max) return `over ${options.max} bytes of unfinished messages in all`
      if (fromAddress > maxPerAddress) return `its address holds over ${maxPerAddress} bytes of unfinished messages`
      return undefined
    },
    forget(connection) {
      const entry = connections.get(connection)
      if (!entry) return
      connections.delete(connection)
      total -= entry.bytes
      const left = (byAddress.get(entry.address) ?? 0) - entry.bytes
      if (left > 0) byAddress.set(entry.address, left)
      else byAddress.delete(entry.address)
    },
    held: () => total,
    peak: () => peak,
    stalled(ms, now = Date.now()) {
      return [...connections].filter(([, entry]) => entry.bytes > 0 && now - entry.lastByte > ms).map(([connection]) => connection)
    },
  }
}
