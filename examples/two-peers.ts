/**
 * The core demo without a browser: two peers on a simulated network create a space, post, reply, react and
 * vote, and end up showing the same feed and the same poll result. Run it with `npm run example`.
 */
import { createIdentity, createSpace, openSpace, parseShareLink } from '../core/index.js'
import { memoryNetwork } from '../testing/index.js'

// Messages are delayed (0-30 ms), sometimes lost (20%, then retransmitted) and duplicated (10%).
const network = memoryNetwork({ seed: 42, latencyMs: [0, 30], loss: 0.2, duplicate: 0.1 })

const alice = await createIdentity()
const bob = await createIdentity()

const aliceSpace = await createSpace({
  identity: alice,
  name: 'Riverside garden club',
  policy: 'invite-only',
  replica: (id) => network.replica(id, { peerId: 'alice' }),
})
const invite = await aliceSpace.createInvite({ maxUses: 1 })
console.log(`alice created "${aliceSpace.getInfo()?.name}" and an invite link:\n  ${invite.link.slice(0, 72)}…\n`)

// Bob opens the link on his own device: same space id, the secret that opens a private space
// (spaces are private unless created public), his own replica, and the invite.
const link = parseShareLink(invite.link)
const bobSpace = await openSpace({
  id: link.space,
  ...(link.secret ? { secret: link.secret } : {}),
  identity: bob,
  replica: network.replica(link.space, { peerId: 'bob' }),
})
await bobSpace.redeemInvite(link.invite!)
await bobSpace.setProfile({ name: 'Bob' })
await aliceSpace.setProfile({ name: 'Alice' })

const post = await aliceSpace.post('Seed swap on Saturday at 10. Who brings tomatoes?')
const poll = await aliceSpace.createPoll({
  question: 'Which day for the next work party?',
  options: ['Saturday', 'Sunday', 'Wednesday evening'],
  method: 'instant-runoff',
})
await network.flush()
await Promise.all([aliceSpace.idle(), bobSpace.idle()])

await bobSpace.reply(post.id, 'I will bring three kinds!')
await bobSpace.react(post.id, '🍅')
await bobSpace.castBallot(poll.id, [1, 0])
await aliceSpace.castBallot(poll.id, [0, 1])
await network.flush()
await Promise.all([aliceSpace.idle(), bobSpace.idle()])
await aliceSpace.closePoll(poll.id)
await network.flush()
await Promise.all([aliceSpace.idle(), bobSpace.idle()])

for (const [name, space] of [
  ['alice', aliceSpace],
  ['bob', bobSpace],
] as const) {
  console.log(`${name} sees:`)
  for (const item of space.getFeed()) {
    const reactions = item.reactions.map((r) => `${r.emoji}×${r.count}`).join(' ')
    console.log(`  ${item.authorName ?? item.author.slice(0, 16)}: ${item.text} ${reactions} (${item.replyCount} reply)`)
    for (const reply of space.getThread(item.id)?.replies ?? []) console.log(`    ↳ ${reply.item.authorName}: ${reply.item.text}`)
  }
  const result = space.getPoll(poll.id)!
  const winner = result.final?.winner
  console.log(
    `  poll "${result.question}": ${result.status}, winner ${winner === null || winner === undefined ? 'none' : result.options[winner]}\n`,
  )
}

const same =
  JSON.stringify(aliceSpace.getFeed()) === JSON.stringify(bobSpace.getFeed()) &&
  JSON.stringify(aliceSpace.getPoll(poll.id)) === JSON.stringify(bobSpace.getPoll(poll.id))
console.log(
  same ? 'Both peers converged on the same feed and the same final result.' : 'The peers disagree: this is a bug, please report it.',
)
await Promise.all([aliceSpace.close(), bobSpace.close()])
process.exitCode = same ? 0 : 1
