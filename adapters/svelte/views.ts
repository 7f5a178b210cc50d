/** View shapes shared by the store and rune bindings. */
import type { Did, Profile, Role, Space } from '../../core/index.js'

export interface Member {
  readonly did: Did
  readonly role: Role
  readonly name: string | undefined
  readonly avatar: string | undefined
}

export interface Me {
  readonly did: Did
  readonly role: Role | null
  readonly profile: Profile | undefined
}

export function spaceViews(space: Space) {
  return {
    members: (): Member[] =>
      space.getMembers().map((m) => ({ did: m.did, role: m.role, name: m.profile?.name, avatar: m.profile?.avatar })),
    me: (): Me => ({ did: space.identity.did, role: space.getRole(), profile: space.getProfile() }),
  }
}
