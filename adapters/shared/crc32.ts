/**
 * CRC-32 (the zlib/PNG polynomial), from `node:zlib` where Node has it (20.15+, 22.2+): it runs at
 * several GB/s, where a table in JavaScript manages a few hundred MB/s. The table is the fallback
 * for older Nodes, and gives the same values.
 */
import * as zlib from 'node:zlib'

type Crc32 = (data: Uint8Array, initial?: number) => number

const native = (zlib as unknown as { crc32?: Crc32 }).crc32

let table: Uint32Array | undefined

function tableCrc32(data: Uint8Array, initial = 0): number {
  if (!table) {
    table = new Uint32Array(256)
    for (let n = 0; n < 256; n++) {
      let c = n
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      table[n] = c >>> 0
    }
  }
  let crc = ~initial >>> 0
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8)
  return ~crc >>> 0
}

export const crc32: Crc32 = native ?? tableCrc32

/** Exported for the test that checks the fallback against Node's. */
export { tableCrc32 }
