/**
 * Runs one convergence scenario on a manual memory network and returns the spaces, settled, for
 * the property to compare. Counts what it exercised in a `RunCoverage`.
 */
import { createIdentity, Space, type Identity, type SignedRecord } from '../../../core/index.js'
import { memoryNetwork, seededRandom, type MemoryNetwork, type Random } from '../../../testing/index.js'
import { bump, emptyRun, type RunCoverage } from './coverage.js'
import { forge, garbage, oversized, type Foreign } from './hostile.js'
import { sealFrame } from '../../../core/private/frame.js'
import { epochZeroKey } from '../../../core/private/keyring.js'
import type { Scenario, Step } from './scenario.js'

export interface Device {
  readonly space: Space
  readonly identity: Identity
  readonly peerId: string
}

export interface Outcome {
  readonly network: MemoryNetwork
  readonly devices: readonly Device[]
  readonly coverage: RunCoverage
  readonly random: Random
}

// Identities are expensive-ish to derive and irrelevant to the property: share a pool across runs.
const pool: Identity[] = []
export async function identities(n: number): Promise<Identity[]> {
  while (pool.length < n) pool.push(await createIdentity())
  return pool.slice(0, n)
}

/** Refusals a peer acting beyond its current rights may meet; anything else is a bug. */
const EXPECTED = /^(NotAuthorizedError|InvalidRecordError|InvalidArgumentError|UnknownRecordError)$/
const EMOJI = ['👍', '🎉', '❤️'] as const

export async function runScenario(scenario: Scenario, foreign: Foreign): Promise<Outcome> {
  const network = memoryNetwork({ mode: 'manual', seed: scenario.seed, loss: scenario.loss, duplicate: scenario.duplicate })
  const random = seededRandom(scenario.seed)
  const coverage = emptyRun()
  const people = await identities(1 + scenario.members + scenario.newcomers)
  const secret = Uint8Array.from({ length: 32 }, () => random.int(0, 255))
  const founder = await Space.create({
    identity: people[0]!,
    name: 'prop',
    policy: scenario.policy,
    visibility: scenario.visibility,
    secret,
    keyRotationDelayMs: 0,
    replica: (id) => network.replica(id, { peerId: 'p0' }),
  })
  const devices: Device[] = [{ space: founder, identity: people[0]!, peerId: 'p0' }]
  const open = async (identity: Identity, peerId: string) => {
    const space = await Space.open({
      id: founder.id,
      identity,
      secret,
      keyRotationDelayMs: 0,
      replica: network.replica(founder.id, { peerId }),
    })
    devices.push({ space, identity, peerId })
  }
  for (const [i, identity] of people.slice(1).entries()) await open(identity, `p${i + 1}`)
  if (scenario.twin && scenario.members >= 1) await open(people[1]!, 'p1-twin')

  const settle = async () => {
    for (let i = 0; i < 50 && (network.inFlight > 0 || i === 0); i++) {
      await network.flush()
      await Promise.all(devices.map((d) => d.space.idle()))
    }
  }
  await settle()
  // Members join before the steps: by joining an open space, or each with an invite of their own.
  const members = devices.slice(1, 1 + scenario.members)
  if (scenario.policy === 'open') {
    for (const member of members) await member.space.join()
  } else {
    const invites = []
    for (let i = 0; i < members.length; i++) invites.push(await founder.createInvite({ maxUses: 1 }))
    await settle()
    for (const [i, member] of members.entries()) await member.space.redeemInvite(invites[i]!)
  }
  await settle()
  // A second admin and a moderator, so that moderation and role changes can race.
  if (members[0]) await founder.grantRole(members[0].identity.did, 'admin')
  if (members[1]) await founder.grantRole(members[1].identity.did, 'moderator')
  // Something for every device to edit, react to and moderate from the first step.
  await founder.post('welcome')
  await settle()

  const hostile = network.replica(founder.id, { peerId: 'hostile' })
  const writers = new Set<string>()
  const made: Array<{ bytes: Uint8Array; did: string }> = []
  const device = (n: number) => devices[n % devices.length]!
  const feed = (d: Device) => d.space.getFeed({ includeHidden: true, order: 'oldest' })
  const postOn = (d: Device, pick: number, own = false) => {
    const items = feed(d).filter((item) => !own || item.author === d.identity.did)
    return items.length ? items[pick % items.length] : undefined
  }
  /** Runs one API call; a refusal is counted and returns false, a success records its writer. */
  const attempt = async (d: Device, call: (space: Space) => Promise<SignedRecord | unknown>): Promise<boolean> => {
    try {
      const result = await call(d.space)
      writers.add(d.identity.did)
      const record = result as Partial<SignedRecord> | undefined
      if (record?.bytes instanceof Uint8Array) made.push({ bytes: record.bytes, did: d.identity.did })
      return true
    } catch (error) {
      if (!(error instanceof Error) || !EXPECTED.test(error.name)) throw error
      const reason = (error as { reason?: unknown }).reason
      bump(coverage.refused, typeof reason === 'string' ? `${error.name}:${reason}` : error.name)
      return false
    }
  }

  const steps: Record<Step['type'], (step: never) => Promise<void>> = {
    async write(step: Extract<Step, { type: 'write' }>) {
      const d = device(step.peer)
      const post = postOn(d, step.pick, step.action === 'edit' || step.action === 'retract')
      const emoji = EMOJI[step.pick % 3]!
      if (step.action === 'post') await attempt(d, (s) => s.post(`post ${step.pick}`))
      else if (step.action === 'profile') await attempt(d, (s) => s.setProfile({ name: `name ${step.pick}` }))
      else if (!post) return
      else if (step.action === 'reply') await attempt(d, (s) => s.reply(post.id, `reply ${step.pick}`))
      else if (step.action === 'edit') await attempt(d, (s) => s.editPost(post.id, `edit ${step.pick}`))
      else if (step.action === 'retract') await attempt(d, (s) => s.retractPost(post.id))
      else if (step.action === 'react') await attempt(d, (s) => s.react(post.id, emoji))
      else await attempt(d, (s) => s.unreact(post.id, emoji))
    },
    async clash(step: Extract<Step, { type: 'clash' }>) {
      const [first, ...rest] = step.peers.map(device)
      const emoji = EMOJI[step.pick % 3]!
      let writes = 0
      if (step.target === 'edit') {
        // The author edits twice (and from a second device, if any) while others react to the post.
        const post = postOn(first!, step.pick, true)
        if (!post) return void (await attempt(first!, (s) => s.post(`post ${step.pick}`)))
        const devicesOfAuthor = devices.filter((d) => d.identity.did === post.author && d.space.hasRecord(post.id))
        for (const [i, d] of [...devicesOfAuthor, first!].entries())
          if (await attempt(d, (s) => s.editPost(post.id, `edit ${step.pick}.${i}`))) writes++
        for (const d of rest) if (d.space.hasRecord(post.id) && (await attempt(d, (s) => s.react(post.id, emoji)))) writes++
      } else if (step.target === 'react') {
        // Everyone reacts with the same emoji; the first toggles it off and on again.
        const post = postOn(first!, step.pick)
        if (!post) return
        if (await attempt(first!, (s) => s.react(post.id, emoji))) writes++
        if (await attempt(first!, (s) => s.unreact(post.id, emoji))) writes++
        for (const d of rest) if (d.space.hasRecord(post.id) && (await attempt(d, (s) => s.react(post.id, emoji)))) writes++
        if (step.pick % 2 === 0 && (await attempt(first!, (s) => s.react(post.id, emoji)))) writes++
      } else if (step.target === 'moderation') {
        // The founder and others hide and unhide one post while its author edits it.
        const post = postOn(first!, step.pick)
        if (!post) return
        let hides = 0
        // The founder, the second admin and the moderator (devices 0 to 2, unless roles changed since), and the peers picked.
        const moderators = [...new Set([devices[0]!, devices[1]!, devices[2]!, first!, ...rest].filter(Boolean))]
        for (const [i, d] of moderators.entries()) {
          if (d.space.hasRecord(post.id) && (await attempt(d, (s) => s.hidePost(post.id, { hidden: (i + step.pick) % 2 === 0 })))) hides++
        }
        const author = devices.find((d) => d.identity.did === post.author)
        if (author && (await attempt(author, (s) => s.editPost(post.id, `edited while moderated ${step.pick}`)))) writes++
        if (hides >= 2) coverage.moderationRaces++
        writes += hides
      } else {
        // An admin changes someone's role while that person acts on it, and another admin does too.
        const target = first!.identity.did === founder.identity.did ? rest[0] : first
        if (!target) return
        const role = target.space.getRole()
        const changed =
          role === 'member'
            ? await attempt(devices[0]!, (s) => s.grantRole(target.identity.did, 'moderator'))
            : await attempt(devices[0]!, (s) => s.revokeRole(target.identity.did))
        const other = rest.find((d) => d !== target)
        if (other)
          await attempt(other, (s) => s.grantRole(target.identity.did, (['admin', 'moderator', 'member'] as const)[step.pick % 3]!))
        const post = postOn(target, step.pick)
        let acted = await attempt(target, (s) => s.post(`acting ${step.pick}`))
        if (post) acted = (await attempt(target, (s) => s.hidePost(post.id, { hidden: true }))) || acted
        if (changed && acted) coverage.roleRaces++
        writes += Number(changed) + Number(acted)
      }
      if (writes >= 2) coverage.conflicts++
    },
    async invite(step: Extract<Step, { type: 'invite' }>) {
      const inviter = device(step.pick).space.getRole() === 'admin' ? device(step.pick) : devices[0]!
      let invite: { id: string; secret: Uint8Array } | undefined
      await attempt(inviter, async (s) => (invite = await s.createInvite({ maxUses: step.uses })))
      if (!invite) return
      await settle()
      // Everyone outside, and one member, redeem at once: more than the invite allows.
      const outside = devices.filter((d) => d.space.getRole() === null)
      let redeemed = 0
      for (const d of [...outside, device(step.pick + 1)]) {
        const link = invite
        if (d.space.hasRecord(link.id) && (await attempt(d, (s) => s.redeemInvite(link)))) redeemed++
      }
      if (redeemed > step.uses) coverage.overRedeemed++
    },
    async poll(step: Extract<Step, { type: 'poll' }>) {
      const [creator, ...voters] = step.peers.map(device)
      let poll: SignedRecord | undefined
      await attempt(
        creator!,
        async (s) => (poll = await s.createPoll({ question: `q ${step.pick}`, options: ['a', 'b', 'c'], method: 'plurality' })),
      )
      if (!poll) return
      await settle()
      const id = poll.id
      let ballots = 0
      for (const [i, d] of [creator!, ...voters].entries()) {
        if (d.space.hasRecord(id) && (await attempt(d, (s) => s.castBallot(id, (step.pick + i) % 3)))) ballots++
      }
      if (await attempt(creator!, (s) => s.castBallot(id, (step.pick + 1) % 3))) ballots++
      if (step.close) await attempt(creator!, (s) => s.closePoll(id))
      // A ballot concurrent with the close: late wherever the close arrives first.
      const late = voters[0]
      if (late?.space.hasRecord(id) && (await attempt(late, (s) => s.castBallot(id, step.pick % 3)))) ballots++
      if (ballots >= 2) coverage.conflicts++
    },
    async hostile(step: Extract<Step, { type: 'hostile' }>) {
      const values: Uint8Array[] = []
      for (const kind of step.kinds) {
        let sent: Uint8Array[] = []
        if (kind === 'forged' && made.length) {
          const { bytes, did } = made[step.pick % made.length]!
          const victim = devices.find((d) => d.identity.did !== did)?.identity.did ?? did
          sent = [forge(bytes, did, victim, random), forge(bytes, did, did, random)]
        } else if (kind === 'replayed') sent = random.shuffle([...foreign.records]).slice(0, 3)
        else if (kind === 'oversized') sent = oversized(foreign, random)
        else if (kind === 'garbage') {
          const junk = garbage(made.length ? made[step.pick % made.length]!.bytes : undefined, random)
          // Values that are not bytes go straight to one honest peer; bytes spread through the network.
          network.inject(device(step.pick).peerId, junk, 'hostile')
          sent = junk.filter((value): value is Uint8Array => value instanceof Uint8Array)
        }
        if (sent.length) bump(coverage.hostile, kind, sent.length)
        values.push(...sent)
      }
      // In a private space the hostile peer is an insider holding the share link: what it sends is
      // sealed under epoch 0, so it reaches the checks behind the seal; a plain copy of each comes too.
      const key = epochZeroKey(secret)
      const sealed = scenario.visibility === 'private' ? values.map((value) => sealFrame(key, 0, value)) : []
      if (values.length) await hostile.add([...values, ...sealed])
    },
    async partition(step: Extract<Step, { type: 'partition' }>) {
      const ids = random.shuffle([...network.peers])
      const cut = 1 + (step.pick % Math.max(1, ids.length - 1))
      const third = step.pick % 3 === 0 ? Math.ceil((cut + ids.length) / 2) : ids.length
      network.partition([ids.slice(0, cut), ids.slice(cut, third), ids.slice(third)].filter((g) => g.length))
      coverage.partitions++
    },
    async heal() {
      network.heal()
    },
    async deliver() {
      await settle()
    },
  }
  for (const step of scenario.steps) await steps[step.type](step as never)

  network.heal()
  await settle()
  await hostile.close()
  coverage.writers = writers.size
  coverage.private = scenario.visibility === 'private'
  coverage.rotations = founder.getRecords().filter((record) => record.kind === 'epoch').length
  for (const d of devices) {
    for (const [reason, n] of Object.entries(d.space.getRejections().byReason)) bump(coverage.rejected, reason, n ?? 0)
    for (const held of d.space.getHeld().values()) bump(coverage.rejected, `held:${held.reason}`)
  }
  return { network, devices, coverage, random }
}
