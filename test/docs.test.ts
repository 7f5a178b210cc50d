/**
 * Documentation examples run as tests, so the docs cannot drift from the code. Every ```ts and
 * ```js block in README.md, docs/*.md and docs/adapters/*.md runs as a module (imports of
 * 'townhall' and its subpaths point at the sources), and each line written as
 * `expression // -> value` or `const name = expression // -> value` asserts that the value
 * deep-equals the one written.
 *
 * A block that needs a network or other processes says so in its info string, ```js no-run, and
 * is only counted: NO_RUN lists how many each file may have, and any other opt-out fails.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { testNames } from './support/test-names.js'

const root = resolve(import.meta.dirname, '..')
// One folder per run, so overlapping runs cannot delete each other's files.
const scratch = join(root, 'test', `.docs-examples-${process.pid}`)
const markdownIn = (dir: string) =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `${dir}/${f}`)
const files = ['README.md', ...markdownIn('docs'), ...markdownIn('docs/adapters')]

/** Blocks allowed to opt out with `no-run`, per file: they reach a signaling server, a relay or peers. */
const NO_RUN: Readonly<Record<string, number>> = {
  'docs/adapters/yjs.md': 3,
  'docs/adapters/automerge.md': 2,
  'docs/adapters/orbitdb.md': 2,
  // Calls the conformance suites on the reader's own adapter and store, which do not exist here.
  'docs/extending.md': 1,
}

interface Block {
  readonly line: number
  readonly lang: 'ts' | 'js'
  readonly run: boolean
  readonly code: string
}

function blocks(markdown: string): Block[] {
  const out: Block[] = []
  const pattern = /^```(ts|js)((?:[ \t]+[\w-]+)*)[ \t]*\n([\s\S]*?)^```/gm
  for (let match = pattern.exec(markdown); match; match = pattern.exec(markdown)) {
    const flags = match[2]!.trim().split(/\s+/).filter(Boolean)
    const unknown = flags.filter((flag) => flag !== 'no-run')
    if (unknown.length) throw new Error(`unknown info string ${unknown.join(' ')} on a code block; the only one known is no-run`)
    out.push({
      line: markdown.slice(0, match.index).split('\n').length,
      lang: match[1] as 'ts' | 'js',
      run: !flags.includes('no-run'),
      code: match[3]!,
    })
  }
  return out
}

/** `townhall` and each subpath export, mapped to its source file (`./dist/x/y.d.ts` -> `x/y.ts`). */
const subpaths = Object.entries(
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports as Record<string, { types?: string } | string>,
)
  .filter(([, target]) => typeof target === 'object' && target.types)
  .map(([path, target]) => ({
    specifier: path === '.' ? 'townhall' : `townhall/${path.slice(2)}`,
    source: pathToFileURL(join(root, (target as { types: string }).types.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts'))).href,
  }))

function instrument(code: string): string {
  let out = code
  for (const { specifier, source } of subpaths) out = out.replaceAll(`from '${specifier}'`, `from '${source}'`)
  return out
    .split('\n')
    .map((line, index) => {
      const match = /^(\s*)([^/].*?)\s*\/\/ -> (.+)$/.exec(line)
      if (!match) return line
      const [, indent, statement, expected] = match as unknown as [string, string, string, string]
      const at = index + 1
      if (/^(import|export)\b/.test(statement)) throw new Error(`line ${at}: // -> on an import or export asserts nothing`)
      const declaration = /^(const|let|var)\s+(.+?)\s*=\s*(.+)$/.exec(statement)
      if (!declaration) return `${indent}globalThis.__docExpect(${statement}, ${expected}, ${at})`
      // `const x = expr // -> v`: the value given to the declaration is what is asserted.
      const [, keyword, pattern, value] = declaration as unknown as [string, string, string, string]
      const temp = `__docValue${at}`
      return `${indent}const ${temp} = (${value.replace(/;$/, '')}); globalThis.__docExpect(${temp}, ${expected}, ${at}); ${keyword} ${pattern} = ${temp}`
    })
    .join('\n')
}

mkdirSync(scratch, { recursive: true })
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('documentation examples', () => {
  const optedOut: Record<string, number> = {}
  for (const file of files) {
    for (const [index, block] of blocks(readFileSync(join(root, file), 'utf8')).entries()) {
      if (!block.run) {
        optedOut[file] = (optedOut[file] ?? 0) + 1
        continue
      }
      it(`${file}:${block.line} runs and its // -> results hold`, async () => {
        const assertions: number[] = []
        ;(globalThis as Record<string, unknown>).__docExpect = (actual: unknown, expected: unknown, line: number) => {
          expect(actual, `${file}:${block.line + line}`).toEqual(expected)
          assertions.push(line)
        }
        const path = join(scratch, `${file.replaceAll('/', '_')}-${index}.${block.lang}`)
        writeFileSync(path, `${instrument(block.code)}\nexport {}\n`)
        await import(pathToFileURL(path).href)
        expect(assertions.length, `${file}:${block.line} has no // -> assertion`).toBeGreaterThan(0)
      })
    }
  }

  it('lets only the listed blocks opt out with no-run', () => {
    expect(optedOut).toEqual(NO_RUN)
  })
})

// The threat model cites a test for every claim; a renamed or deleted test must fail here, not
// leave the claim pointing at nothing. Names are read from the test files (describe/it/test
// calls, and the suites registered by runReplicaConformance) and must match exactly.
describe('threat model references', () => {
  const text = readFileSync(join(root, 'docs/THREAT_MODEL.md'), 'utf8')
  const references = [...text.matchAll(/^\s*- `([^`]+\.test\.ts) › ([^`]+)`$/gm)].map((match) => ({
    file: match[1]!,
    name: match[2]!,
  }))
  it('cites at least one test per claim', () => expect(references.length).toBeGreaterThan(20))
  for (const { file, name } of references) {
    it(`${file} has "${name}"`, async () => {
      const names = await testNames(join(root, file))
      expect(names, `${file} has no test named exactly "${name}"`).toContain(name)
    })
  }
})
