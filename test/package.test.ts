/**
 * The published package as a user gets it: `npm pack` (whose prepack builds dist/), then
 * `npm install` of the tarball into an empty project, from the npm cache when it has the
 * dependencies (as on a machine that ran `npm ci` here). The project type-checks a program with
 * moduleResolution nodenext, strict and exactOptionalPropertyTypes, compiles and runs it in Node,
 * and runs the `townhall` command from the install, which holds townhall's own dependencies
 * and none of its optional peers.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, normalize, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { eventually } from '../testing/index.js'
import { runCli, startCli, stopAllCli } from './support/cli-run.js'

const root = resolve(import.meta.dirname, '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string
  exports: Record<string, string | { types: string; import: string }>
}
const run = promisify(execFile)
const npm = (args: string[], cwd: string) =>
  run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, maxBuffer: 64 << 20 })
const tsc = join(root, 'node_modules/typescript/bin/tsc')

/** The consumer program: core on the in-memory replica, a poll, a ballot, the result, and an export. */
const program = `
import { writeFileSync } from 'node:fs'
import { createIdentity, createSpace, exportSpace, MissingDependencyError, type PollView } from 'townhall'
import { memoryNetwork } from 'townhall/testing'

const network = memoryNetwork()
const space = await createSpace({ identity: await createIdentity(), name: 'Packed', replica: (id) => network.replica(id) })
await space.post('from the packed tarball')
const poll = await space.createPoll({ question: 'Which day?', options: ['Tuesday', 'Saturday'], method: 'plurality' })
await space.castBallot(poll.id, 1)
await space.closePoll(poll.id)
const view: PollView | undefined = space.getPoll(poll.id)
writeFileSync(process.argv[2]!, JSON.stringify(exportSpace(space)))
console.log(JSON.stringify({ post: space.getFeed()[0]?.text, status: view?.status, winner: view?.final?.winner, error: MissingDependencyError.name }))
await space.close()
`

/** The documented replica factories, type-checked only (their libraries are not installed here). */
const documented = `
import { createIdentity, createSpace } from 'townhall'
import { yjsReplica } from 'townhall/yjs'
import { automergeReplica } from 'townhall/automerge'

export async function open(): Promise<void> {
  const identity = await createIdentity()
  await createSpace({
    identity,
    name: 'Garden club',
    replica: (spaceId, { secret }) => yjsReplica({ spaceId, secret, identity, signaling: ['wss://signal.example.org'] }),
  })
  await createSpace({
    identity,
    name: 'Garden club',
    replica: async (spaceId, { secret }) => automergeReplica({ spaceId, secret, identity, network: [] }),
  })
}
`

const tsconfig = {
  compilerOptions: {
    target: 'ES2022',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    // The adapters' .d.ts files import their libraries (yjs, automerge-repo), which this project
    // does not install; TypeScript's own default for new projects.
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [join(root, 'node_modules/@types')],
    outDir: 'out',
  },
  files: ['main.ts', 'documented.ts'],
}

let dir: string
let files: string[]
let tarballBytes: number
let project: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'townhall-package-'))
  const { stdout } = await npm(['pack', '--json', '--pack-destination', dir], root)
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as [{ filename: string; size: number; files: { path: string }[] }]
  files = packed.files.map((file) => file.path)
  tarballBytes = packed.size
  project = join(dir, 'consumer')
  await mkdir(project)
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
  await writeFile(join(project, 'tsconfig.json'), JSON.stringify(tsconfig))
  await writeFile(join(project, 'main.ts'), program)
  await writeFile(join(project, 'documented.ts'), documented)
  await npm(['install', '--prefer-offline', join(dir, packed.filename)], project)
}, 180_000)

afterEach(() => stopAllCli())
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('the packed tarball', () => {
  it('holds the compiled library with types, the command line, docs and licence; no tests, no sample apps', () => {
    for (const target of Object.values(pkg.exports)) {
      if (typeof target === 'string') continue
      expect(files).toContain(normalize(target.types))
      expect(files).toContain(normalize(target.import))
    }
    expect(files).toEqual(expect.arrayContaining(['bin/townhall.js', 'dist/cli/main.js', 'README.md', 'LICENSE', 'docs/errors.md']))
    expect(files.filter((file) => /\.test\.|^test\/|^dist\/apps\/|^apps\//.test(file))).toEqual([])
    expect(files).not.toContain('tsconfig.json') // bin/townhall.js would take the package for a checkout
    // About 1.04 MB at the last count, 0.2 MB of it the one-script elements bundle (dist/townhall-elements.js).
    expect(tarballBytes).toBeLessThan(1_300_000)
  })

  it('has source maps whose every source is in the package', () => {
    const maps = files.filter((file) => file.endsWith('.map'))
    expect(maps).toEqual(expect.arrayContaining(['dist/cli/main.js.map', 'dist/core/index.d.ts.map']))
    const installed = join(project, 'node_modules/townhall')
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(join(installed, map), 'utf8')) as { sources: string[] }
      for (const source of sources) expect(files, `${map} -> ${source}`).toContain(normalize(join(dirname(map), source)))
    }
  })
})

describe('a project that installs the tarball', () => {
  it('type-checks with nodenext, strict and exactOptionalPropertyTypes, and runs a poll in Node', async () => {
    await run(process.execPath, [tsc, '-p', project], { cwd: project }).catch((error: { stdout?: string }) => {
      throw new Error(`tsc failed:\n${error.stdout}`)
    })
    const { stdout } = await run(process.execPath, [join(project, 'out/main.js'), join(project, 'export.json')], { cwd: project })
    expect(JSON.parse(stdout)).toEqual({ post: 'from the packed tarball', status: 'final', winner: 1, error: 'MissingDependencyError' })
    // Only townhall's own dependencies came with it: no adapter library.
    const installed = await readdir(join(project, 'node_modules'))
    for (const optional of ['yjs', 'libp2p', 'svelte', 'vitest']) expect(installed).not.toContain(optional)
  })

  it('runs townhall --help, --version, signal and recount, and names the packages relay needs', async () => {
    const bin = join(project, 'node_modules/.bin/townhall')
    const at = { bin, cwd: project }
    expect(await runCli(['--help'], at)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: townhall <command>/) })
    expect(await runCli(['--version'], at)).toMatchObject({ code: 0, stdout: `${pkg.version}\n` })

    const signal = startCli(['signal', '--port', '0'], at)
    await eventually(() => expect(signal.output().stdout).toMatch(/^townhall signal listening on ws:\/\/127\.0\.0\.1:\d+$/m), 15_000)
    signal.child.kill('SIGTERM')
    expect(await signal.exited).toMatchObject({ code: 0, signal: null })

    const recount = await runCli(['recount', join(project, 'export.json')], at)
    expect(recount).toMatchObject({ code: 0, stderr: '' })
    expect(recount.stdout).toMatch(/^\s+winner: Saturday$/m)

    const relay = await runCli(
      ['relay', '--space', 'bafyreigdmqpykrgxyaxtlafqpqhzrb7qy2rh75nldvfd4tucqmqqme5yje', '--dir', join(dir, 'relay')],
      at,
    )
    expect(relay.code).toBe(3)
    expect(relay.stderr).toMatch(/^townhall relay needs @orbitdb\/core, .* Install with: npm install @orbitdb\/core@4 /)

    const demo = await runCli(['demo'], at)
    expect(demo.code).toBe(2)
    expect(demo.stderr).toContain('The npm package does not include the sample apps')
  })
})
