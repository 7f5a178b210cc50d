/**
 * The published shape of the package: `npm run build` compiles, and a consumer importing
 * 'townhall' and 'townhall/testing' through package.json `exports` gets a working API with types.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '..')

describe('package', () => {
  it('builds and resolves its subpath exports, types first', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
    expect(pkg.type).toBe('module')
    expect(pkg.engines.node).toBe('>=20.19')
    for (const [subpath, target] of Object.entries(pkg.exports as Record<string, unknown>)) {
      if (typeof target === 'string') continue
      expect(Object.keys(target as object)[0], `${subpath} lists types first`).toBe('types')
    }
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
      cwd: root,
      stdio: 'pipe',
    })
    for (const target of Object.values(pkg.exports as Record<string, { types?: string; import?: string }>)) {
      if (typeof target === 'object') {
        expect(existsSync(join(root, target.types!))).toBe(true)
        expect(existsSync(join(root, target.import!))).toBe(true)
      }
    }
    // A consumer script resolved through the package's own name (Node's self-reference), as users import it.
    const script = `
      import { createIdentity, createSpace } from 'townhall'
      import { memoryNetwork, runReplicaConformance } from 'townhall/testing'
      const network = memoryNetwork()
      const space = await createSpace({ identity: await createIdentity(), name: 'pkg', replica: (id) => network.replica(id) })
      await space.post('from the built package')
      console.log(JSON.stringify([space.getFeed()[0].text, typeof runReplicaConformance]))
      await space.close()
    `
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' })
    expect(JSON.parse(out)).toEqual(['from the built package', 'function'])
  }, 120_000)
})
