#!/usr/bin/env node
// Import-boundary checks, run by `npm run lint` (and so by `npm test`):
//
//   1. No import cycles among the modules reachable from core/, testing/ and adapters/ (dpdm,
//      type-only imports ignored because they vanish at runtime).
//   2. core/ stays platform-neutral and self-contained: every non-test file under core/ may import
//      only other files inside core/ and the packages in CORE_ALLOWED_PACKAGES. No Node built-ins
//      (`node:*` or bare names like `fs`), no relative path that leaves core/, no other package.
//      Static imports, `import type`, `export ... from`, `import x = require()`, `require()`,
//      dynamic `import()` and `import('x').T` type queries are all checked. core/**/*.test.ts
//      files are exempt.
//   3. adapters/ reach core only through its public entries, as a third-party adapter must:
//      `townhall` (core/index.ts) and `townhall/adapter` (core/adapter/index.ts), by package name or
//      by a relative path to those two files. Every import form of rule 2 is checked.
//
// Prints one `file:line: message` per violation and exits 1, or a one-line OK summary.
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { builtinModules } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseCircular, parseDependencyTree } from 'dpdm'
import ts from 'typescript'
import { CORE_ALLOWED_PACKAGES } from './core-allowed-packages.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const coreDir = path.join(root, 'core')
const adaptersDir = path.join(root, 'adapters')
/** What adapters/ may import of core/ (rule 3): the entry files, by path without extension, and by package name. */
const PUBLIC_CORE_ENTRIES = new Map([
  ['core/index', 'townhall'],
  ['core/adapter/index', 'townhall/adapter'],
])
const PUBLIC_CORE_NAMES = new Set(PUBLIC_CORE_ENTRIES.values())
const packageJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'))
const SOURCE_EXT = /\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/
const TEST_FILE = /\.test\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/
const builtins = new Set(builtinModules)

const rel = (file) => path.relative(root, file).split(path.sep).join('/')

/** Every source file under `dir` (recursively), skipping node_modules and dot-directories. */
function walk(dir) {
  if (!existsSync(dir)) return []
  const out = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...walk(full))
    else if (entry.isFile() && SOURCE_EXT.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(full)
  }
  return out.sort()
}

// ---------------------------------------------------------------------------------------------
// 1. Import cycles

async function checkCycles() {
  const entries = ['core/index.ts', 'testing/index.ts']
  const adaptersDir = path.join(root, 'adapters')
  if (existsSync(adaptersDir)) {
    for (const entry of readdirSync(adaptersDir, { withFileTypes: true })) {
      if (entry.isDirectory() && existsSync(path.join(adaptersDir, entry.name, 'index.ts'))) {
        entries.push(`adapters/${entry.name}/index.ts`)
      }
    }
  }
  // Every source file in the three trees is an entry too, so a cycle among files that no index
  // reaches (yet) is still caught.
  const all = new Set(entries.filter((e) => existsSync(path.join(root, e))))
  for (const dir of ['core', 'testing', 'adapters']) for (const file of walk(path.join(root, dir))) all.add(rel(file))

  const tree = await parseDependencyTree([...all], {
    context: root,
    transform: true, // ignore type-only imports (dpdm -T)
    exclude: /node_modules/,
    onProgress: () => {},
  })
  const cycles = parseCircular(tree)
  const violations = cycles.map((cycle) => {
    const [first] = cycle
    const issuer = tree[first]?.find((dep) => dep.id === cycle[1 % cycle.length])
    const line = issuer ? findLine(path.join(root, first), issuer.request) : 1
    return `${first}:${line}: import cycle: ${[...cycle, first].join(' -> ')}`
  })
  return { violations, modules: Object.keys(tree).filter((id) => !id.includes('node_modules')).length, entries: entries.length }
}

/** Line (1-based) of the first import of `specifier` in `file`, for pointing at a cycle edge. */
function findLine(file, specifier) {
  try {
    const lines = readFileSync(file, 'utf8').split('\n')
    const i = lines.findIndex((l) => l.includes(`'${specifier}'`) || l.includes(`"${specifier}"`))
    return i >= 0 ? i + 1 : 1
  } catch {
    return 1
  }
}

// ---------------------------------------------------------------------------------------------
// 2. The core/ boundary

/** Every module specifier in a source file, with its line, found on the TypeScript AST. */
function importsOf(file) {
  const text = readFileSync(file, 'utf8')
  const kind = /\.[cm]?jsx?$/.test(file) ? ts.ScriptKind.JS : file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind)
  const found = []
  const add = (node, spec) => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1
    found.push({ line, spec })
  }
  const literal = (node) => (node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined)

  // `/// <reference types="node" />` and `/// <reference path="../x.ts" />` pull things in too.
  for (const ref of source.typeReferenceDirectives) found.push({ line: lineAt(source, ref.pos), spec: ref.fileName, typeReference: true })
  for (const ref of source.referencedFiles)
    found.push({ line: lineAt(source, ref.pos), spec: ref.fileName.startsWith('.') ? ref.fileName : `./${ref.fileName}` })

  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      // import x from 'a' / import type { T } from 'a' / import 'a' / export { x } from 'a' / export * from 'a'
      add(node, literal(node.moduleSpecifier) ?? null)
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      // import x = require('a')
      add(node, literal(node.moduleReference.expression) ?? null)
    } else if (ts.isImportTypeNode(node)) {
      // type T = import('a').T
      const arg = node.argument
      add(node, ts.isLiteralTypeNode(arg) ? (literal(arg.literal) ?? null) : null)
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression
      const isDynamicImport = callee.kind === ts.SyntaxKind.ImportKeyword
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require' && node.arguments.length === 1
      if (isDynamicImport || isRequire) add(node, literal(node.arguments[0]) ?? null) // import('a') / require('a')
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

function lineAt(source, pos) {
  return source.getLineAndCharacterOfPosition(pos).line + 1
}

const packageName = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0])

/** Why `spec`, imported from core file `file`, breaks the boundary; undefined when it is fine. */
function coreViolation(file, { spec, typeReference }) {
  if (spec === null) return 'dynamic import/require with a non-literal specifier cannot be checked (use a string literal)'
  if (typeReference) {
    return builtins.has(spec) || spec === 'node' || spec.startsWith('node:')
      ? `type reference "${spec}": core/ must not depend on Node types`
      : CORE_ALLOWED_PACKAGES.includes(packageName(spec))
        ? undefined
        : `type reference "${spec}": only ${CORE_ALLOWED_PACKAGES.join(', ')} are allowed in core/`
  }
  if (spec.startsWith('node:')) return `"${spec}": Node built-ins are not allowed in core/ (core must stay platform-neutral)`
  if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('file:')) {
    const target = spec.startsWith('file:') ? fileURLToPath(spec) : path.resolve(path.dirname(file), spec)
    const inside = path.relative(coreDir, target)
    if (inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)) {
      return `"${spec}" resolves to ${rel(target) || '.'}, outside core/ (core/ must not import from outside core/)`
    }
    return undefined
  }
  if (spec.startsWith('#')) return `"${spec}": package.json subpath imports are not allowed in core/`
  if (/^[a-z][a-z0-9+.-]*:/i.test(spec)) return `"${spec}": URL/scheme imports are not allowed in core/`
  const name = packageName(spec)
  if (builtins.has(spec) || builtins.has(name))
    return `"${spec}": Node built-in "${name}" is not allowed in core/ (core must stay platform-neutral)`
  if (!CORE_ALLOWED_PACKAGES.includes(name))
    return `"${spec}": package "${name}" is not in the core/ allow-list (${CORE_ALLOWED_PACKAGES.join(', ')})`
  return undefined
}

function checkCore() {
  const files = walk(coreDir).filter((file) => !TEST_FILE.test(file))
  const violations = []
  let imports = 0
  for (const file of files) {
    for (const imp of importsOf(file)) {
      imports++
      const message = coreViolation(file, imp)
      if (message) violations.push(`${rel(file)}:${imp.line}: ${message}`)
    }
  }
  return { violations, files: files.length, imports }
}

// ---------------------------------------------------------------------------------------------
// 3. adapters/ use core's public entries only

/** Why `spec`, imported from adapter file `file`, reaches into core/ past its public entries; undefined when it does not. */
function adapterViolation(file, { spec, typeReference }) {
  if (spec === null) return 'dynamic import/require with a non-literal specifier cannot be checked (use a string literal)'
  if (typeReference) return undefined
  const allowed = [...PUBLIC_CORE_NAMES].join("' or '")
  if (spec === packageJson.name || spec.startsWith(`${packageJson.name}/`)) {
    return PUBLIC_CORE_NAMES.has(spec) ? undefined : `"${spec}": adapters may import only '${allowed}' of this package`
  }
  if (!(spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('file:'))) return undefined
  const target = spec.startsWith('file:') ? fileURLToPath(spec) : path.resolve(path.dirname(file), spec)
  const inside = path.relative(coreDir, target)
  if (inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)) return undefined
  const entry = rel(target)
    .replace(/\.(?:[cm]?[jt]s|tsx|jsx)$/, '')
    .replace(/\/$/, '')
  if (PUBLIC_CORE_ENTRIES.has(entry)) return undefined
  return `"${spec}" reaches ${rel(target)}, a private module of core/: adapters may import core only through '${allowed}' (core/index.ts, core/adapter/index.ts)`
}

function checkAdapters() {
  const files = walk(adaptersDir).filter((file) => !TEST_FILE.test(file))
  const violations = []
  let imports = 0
  for (const file of files) {
    for (const imp of importsOf(file)) {
      imports++
      const message = adapterViolation(file, imp)
      if (message) violations.push(`${rel(file)}:${imp.line}: ${message}`)
    }
  }
  return { violations, files: files.length, imports }
}

// ---------------------------------------------------------------------------------------------

const boundary = checkCore()
const adapterBoundary = checkAdapters()
const cycles = await checkCycles()
const violations = [...boundary.violations, ...adapterBoundary.violations, ...cycles.violations]
if (violations.length > 0) {
  for (const v of violations) console.error(v)
  console.error(`check-imports: ${violations.length} violation(s)`)
  process.exit(1)
}
console.log(
  `check-imports: OK (no import cycles among ${cycles.modules} modules from ${cycles.entries} entry points; ` +
    `${boundary.imports} imports in ${boundary.files} core/ files stay inside the boundary; ` +
    `${adapterBoundary.files} adapters/ files reach core only through its public entries)`,
)
