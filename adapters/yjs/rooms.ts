/**
 * y-webrtc keeps one room per name per JavaScript realm, in a registry it does not export, and a
 * second provider for a taken name throws "room already exists" from a promise nobody awaits: an
 * unhandled rejection that ends a Node process, or (with a global handler hiding it) a replica that
 * silently never syncs. So replicas claim the room here first, and a second replica of one space
 * gets a `RoomInUseError` when it is created.
 */
import { RoomInUseError } from '../../core/index.js'

const claimed = new Set<string>()

export function claimRoom(room: string, spaceId: string): () => void {
  if (claimed.has(room)) throw new RoomInUseError(spaceId)
  claimed.add(room)
  let released = false
  return () => {
    if (released) return
    released = true
    claimed.delete(room)
  }
}
