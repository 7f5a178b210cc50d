/** Role ranks as core's membership rules use them, for deciding which controls to show. */
import type { GrantableRole, Role } from '../../../core/index.js'

const RANK: Record<Role, number> = { founder: 4, admin: 3, moderator: 2, member: 1 }

export const rank = (role: Role | null | undefined): number => (role ? RANK[role] : 0)

export const ROLE_LABELS: Record<Role, string> = { founder: 'Founder', admin: 'Admin', moderator: 'Moderator', member: 'Member' }

/** Admins and the founder create invites and manage roles. */
export const canManage = (me: Role | null | undefined): boolean => rank(me) >= RANK.admin

/** Whether `me` may change or revoke `target`'s role (core: the target must rank below the author). */
export const canChangeRole = (me: Role | null | undefined, target: Role): boolean => canManage(me) && rank(target) < rank(me)

/** The roles `me` may grant (never above its own; founder is never granted). */
export function grantableBy(me: Role | null | undefined): GrantableRole[] {
  return (['member', 'moderator', 'admin'] as const).filter((role) => canManage(me) && RANK[role] <= rank(me))
}
