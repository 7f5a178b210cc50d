/**
 * Where a record store puts bytes it cannot read back (`<name>.quarantine`, next to the records):
 * moved there, never deleted, so that a damaged disk costs what it damaged and nothing a person
 * could still recover. Each entry is one line of JSON saying where the bytes came from, then the
 * bytes, then a newline; the file is fsynced before the store drops the bytes from its own file.
 */
import { open } from 'node:fs/promises'
import type { StorageDamage } from '../../core/index.js'

export async function quarantine(path: string, file: string, data: Uint8Array, damage: readonly StorageDamage[]): Promise<void> {
  if (damage.length === 0) return
  const handle = await open(path, 'a', 0o600)
  try {
    const at = new Date().toISOString()
    for (const { offset, length, reason } of damage) {
      const header = JSON.stringify({ at, file, offset, length, reason })
      await handle.appendFile(`${header}\n`)
      await handle.appendFile(data.subarray(offset, offset + length))
      await handle.appendFile('\n')
    }
    await handle.datasync()
  } finally {
    await handle.close()
  }
}
