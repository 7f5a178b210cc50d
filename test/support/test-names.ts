/**
 * The full names of the tests a test file defines ("outer › inner › test"), read from its syntax
 * tree rather than searched for as text: describe/it/test calls (with .skip, .only, .fails,
 * .sequential, .concurrent, .each-less forms) whose name is a string literal, nested as written,
 * and the suites `runReplicaConformance(name, …)` registers. Names built at run time (template
 * literals with substitutions) cannot be read and are left out.
 */
import { readFileSync } from 'node:fs'
import ts from 'typescript'
import { conformanceCheckNames } from '../../testing/index.js'

const SUITE = new Set(['describe', 'suite'])
const TEST = new Set(['it', 'test'])
const MODIFIERS = new Set(['skip', 'only', 'fails', 'sequential', 'concurrent', 'todo', 'skipIf', 'runIf'])

/** `describe`, `it.skip`, `test.fails`… -> the base name, or undefined for any other call. */
function baseName(callee: ts.Expression): string | undefined {
  if (ts.isIdentifier(callee)) return callee.text
  if (ts.isPropertyAccessExpression(callee) && MODIFIERS.has(callee.name.text)) return baseName(callee.expression)
  // it.skipIf(condition)('name', …)
  if (ts.isCallExpression(callee)) return baseName(callee.expression)
  return undefined
}

const literal = (node: ts.Node | undefined): string | undefined =>
  node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined

export async function testNames(file: string): Promise<string[]> {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
  const names: string[] = []
  const visit = (node: ts.Node, path: readonly string[]) => {
    if (ts.isCallExpression(node)) {
      const base = baseName(node.expression)
      const name = literal(node.arguments[0])
      if (base === 'runReplicaConformance' && name !== undefined) {
        for (const check of conformanceCheckNames()) names.push([...path, `replica conformance: ${name}`, check].join(' › '))
      } else if (base && name !== undefined && (SUITE.has(base) || TEST.has(base))) {
        if (TEST.has(base)) names.push([...path, name].join(' › '))
        for (const argument of node.arguments.slice(1)) visit(argument, SUITE.has(base) ? [...path, name] : path)
        return
      }
    }
    ts.forEachChild(node, (child) => visit(child, path))
  }
  visit(source, [])
  return names
}
