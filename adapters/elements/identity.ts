/**
 * The identity embedded elements vote with: one per browser profile and origin, created on first
 * use and kept in localStorage in core's `exportIdentity` form (where the sample apps keep theirs
 * in IndexedDB, in the same form), so a reload votes as the same member. Without storage (a
 * sandboxed frame) the identity lasts as long as the page.
 */
import { createIdentity, exportIdentity, importIdentity, type Identity } from '../../core/index.js'

const KEY = 'townhall-embed-identity'
let current: Promise<Identity> | undefined

export function pageIdentity(): Promise<Identity> {
  return (current ??= load())
}

async function load(): Promise<Identity> {
  const storage = (() => {
    try {
      return globalThis.localStorage
    } catch {
      return undefined
    }
  })()
  const stored = storage?.getItem(KEY)
  if (stored) {
    try {
      return await importIdentity(JSON.parse(stored) as unknown)
    } catch {
      // Unreadable: keep it under another key rather than lose a key someone may want back.
      storage?.setItem(`${KEY}-unreadable-${Date.now()}`, stored)
    }
  }
  const identity = await createIdentity()
  storage?.setItem(KEY, JSON.stringify(exportIdentity(identity)))
  return identity
}
