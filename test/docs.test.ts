/**
 * Documentation examples run as tests, so the docs cannot drift from the code. Every ```ts block in
 * README.md and docs/*.md runs as a module (imports of 'townhall' point at the sources), and each
 * line written as `expression // -> value` asserts that the expression deep-equals the value.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '..')
// One folder per run, so overlapping runs cannot delete each other's files.
const scratch = join(root, 'test', `.docs-examples-${process.pid}`)
const files = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
]

function blocks(markdown: string): Array<{ line: number; code: string }> {
  const out: Array<{ line: number; code: string }> = []
  const pattern = /^```ts\n([\s\S]*?)^```/gm
  for (let match = pattern.exec(markdown); match; match = pattern.exec(markdown)) {
    out.push({ line: markdown.slice(0, match.index).split('\n').length, code: match[1]! })
  }
  return out
}

function instrument(code: string): string {
  return code
    .replaceAll(/from 'townhall'/g, `from '${pathToFileURL(join(root, 'core/index.ts')).href}'`)
    .replaceAll(/from 'townhall\/testing'/g, `from '${pathToFileURL(join(root, 'testing/index.ts')).href}'`)
    .split('\n')
    .map((line, index) => {
      const match = /^(\s*)([^/].*?)\s*\/\/ -> (.+)$/.exec(line)
      if (!match || /^(const|let|var|import|export)\b/.test(match[2]!)) return line
      return `${match[1]}globalThis.__docExpect(${match[2]}, ${match[3]}, ${index + 1})`
    })
    .join('\n')
}

mkdirSync(scratch, { recursive: true })
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('documentation examples', () => {
  for (const file of files) {
    for (const [index, block] of blocks(readFileSync(join(root, file), 'utf8')).entries()) {
      it(`${file}:${block.line} runs and its // -> results hold`, async () => {
        const assertions: number[] = []
        ;(globalThis as Record<string, unknown>).__docExpect = (actual: unknown, expected: unknown, line: number) => {
          expect(actual, `${file}:${block.line + line}`).toEqual(expected)
          assertions.push(line)
        }
        const path = join(scratch, `${file.replaceAll('/', '_')}-${index}.ts`)
        writeFileSync(path, `${instrument(block.code)}\nexport {}\n`)
        await import(pathToFileURL(path).href)
        expect(assertions.length, `${file}:${block.line} has no // -> assertion`).toBeGreaterThan(0)
      })
    }
  }
})

// The threat model cites a test for every claim; a renamed or deleted test must fail here, not
// leave the claim pointing at nothing.
describe('threat model references', () => {
  const text = readFileSync(join(root, 'docs/THREAT_MODEL.md'), 'utf8')
  const references = [...text.matchAll(/^\s*- `([^`]+\.test\.ts) › ([^`]+)`$/gm)].map((match) => ({
    file: match[1]!,
    path: match[2]!.split(' › '),
  }))
  it('cites at least one test per claim', () => expect(references.length).toBeGreaterThan(20))
  for (const { file, path } of references) {
    it(`${file} has "${path.at(-1)}"`, () => {
      let source = readFileSync(join(root, file), 'utf8')
      // Suites registered by a shared function (the replica conformance suite) are named there.
      if (source.includes('runReplicaConformance(')) source += readFileSync(join(root, 'testing/conformance.ts'), 'utf8')
      for (const name of path.slice(1)) expect(source, `${file} names "${name}"`).toContain(name)
    })
  }
})
