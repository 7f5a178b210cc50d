/**
 * The command line with townhall's own dependencies only: every optional peer dependency is made
 * unresolvable (test/support/hide-packages.mjs), as for a user who installed none of them.
 * `--help`, `--version`, `signal` and `recount` work; commands that need an adapter's packages
 * exit 3 naming the `npm install` line; `yjsNodeReplica` without @roamhq/wrtc throws a typed error.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createIdentity, createSpace, exportSpace } from '../../core/index.js'
import { memoryNetwork, eventually } from '../../testing/index.js'
import { runCli, startCli, stopAllCli, type CliOptions } from '../support/cli-run.js'

const root = resolve(import.meta.dirname, '../..')
const HIDE = join(root, 'test/support/hide-packages.mjs')
const SPACE = 'bafyreigdmqpykrgxyaxtlafqpqhzrb7qy2rh75nldvfd4tucqmqqme5yje'
const bare: CliOptions = { nodeArgs: ['--import', HIDE], env: { TOWNHALL_HIDE_PACKAGES: 'optional-peers' } }
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'townhall-optional-'))
})
afterEach(() => stopAllCli())
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('townhall without optional packages', () => {
  it("prints --help, --version and each command's help", async () => {
    const help = await runCli(['--help'], bare)
    expect(help).toMatchObject({ code: 0, stderr: '' })
    expect(help.stdout).toMatch(/^\s+relay\s+\S/m)
    expect(await runCli(['--version'], bare)).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' })
    for (const command of ['signal', 'recount', 'sync-server', 'relay', 'demo']) {
      const result = await runCli([command, '--help'], bare)
      expect(result, command).toMatchObject({ code: 0, stderr: '' })
      expect(result.stdout, command).toMatch(new RegExp(`^Usage: townhall ${command}`))
    }
  })

  it('runs a signaling server until SIGTERM', async () => {
    const server = startCli(['signal', '--port', '0'], bare)
    await eventually(() => expect(server.output().stdout).toMatch(/^townhall signal listening on ws:\/\/127\.0\.0\.1:\d+$/m), 15_000)
    server.child.kill('SIGTERM')
    expect(await server.exited).toMatchObject({ code: 0, signal: null })
  })

  it('recounts an export', async () => {
    const network = memoryNetwork()
    const space = await createSpace({
      visibility: 'public',
      identity: await createIdentity(),
      name: 'Bare',
      replica: (id) => network.replica(id),
    })
    const poll = await space.createPoll({ question: 'Which?', options: ['a', 'b'], method: 'plurality' })
    await space.castBallot(poll.id, 1)
    await space.closePoll(poll.id)
    const file = join(dir, 'bare.json')
    await writeFile(file, JSON.stringify(exportSpace(space)))
    await space.close()
    const result = await runCli(['recount', file], bare)
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toMatch(/^\s+winner: b$/m)
  })

  it('exits 3 from sync-server, relay and demo, naming the npm install line with the majors townhall works with', async () => {
    const sync = await runCli(['sync-server', '--port', '0', '--dir', join(dir, 'sync')], bare)
    expect(sync.code).toBe(3)
    expect(sync.stderr).toContain('townhall sync-server needs @automerge/automerge, @automerge/automerge-repo')
    expect(sync.stderr).toContain('Install with: npm install @automerge/automerge@3 @automerge/automerge-repo@2')
    expect(sync.stdout).toBe('')

    const relay = await runCli(['relay', '--space', SPACE, '--dir', join(dir, 'relay')], bare)
    expect(relay.code).toBe(3)
    expect(relay.stderr).toMatch(
      /^townhall relay needs @orbitdb\/core, libp2p, .*which are not installed\. Install with: npm install @orbitdb\/core@4 libp2p@3 /,
    )
    expect(relay.stderr).toContain('blockstore-core@6')
    expect(relay.stderr).not.toMatch(/\n\s+at /)

    await writeFile(join(dir, 'index.html'), '<!doctype html>') // the demo serves dir as its built apps
    const demo = await runCli(['demo', '--no-relay', '--port', '0', '--signal-port', '0', '--sync-port', '0', '--dir', dir], bare)
    expect(demo.code).toBe(3)
    expect(demo.stderr).toContain('townhall demo needs @automerge/automerge')
  })

  it('names only what is missing: relay with OrbitDB alone hidden', async () => {
    const result = await runCli(['relay', '--space', SPACE, '--dir', join(dir, 'relay-2')], {
      nodeArgs: ['--import', HIDE],
      env: { TOWNHALL_HIDE_PACKAGES: '@orbitdb/core' },
    })
    expect(result.code).toBe(3)
    expect(result.stderr).toBe('townhall relay needs @orbitdb/core, which is not installed. Install with: npm install @orbitdb/core@4\n')
  })
})

describe('yjsNodeReplica without @roamhq/wrtc', () => {
  it('throws a MissingDependencyError with the install line', async () => {
    const script = join(dir, 'wrtc.mts')
    await writeFile(
      script,
      `import { yjsNodeReplica } from ${JSON.stringify(join(root, 'adapters/yjs/node.ts'))}
      try {
        await yjsNodeReplica({ spaceId: ${JSON.stringify(SPACE)}, signaling: [] })
        console.log('opened')
      } catch (error) {
        console.log(JSON.stringify({ name: error.name, code: error.code, packages: error.packages, install: error.install, message: error.message }))
      }`,
    )
    const result = await runCli([], {
      bin: script,
      nodeArgs: ['--import', 'tsx', '--import', HIDE],
      env: { TOWNHALL_HIDE_PACKAGES: '@roamhq/wrtc' },
      cwd: root,
    })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(result.stdout)).toEqual({
      name: 'MissingDependencyError',
      code: 'MISSING_DEPENDENCY',
      packages: ['@roamhq/wrtc'],
      install: 'npm install @roamhq/wrtc@0.10',
      message: expect.stringContaining('yjsNodeReplica (townhall/yjs/node) needs @roamhq/wrtc'),
    })
  })
})
