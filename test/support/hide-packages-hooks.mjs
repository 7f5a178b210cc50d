// Resolve hook for hide-packages.mjs: runs on Node's loader thread.
let hidden = new Set()

export function initialize(data) {
  hidden = new Set(data.hidden)
}

/** `@scope/name/sub/path` -> `@scope/name`, `name/sub` -> `name`; relative and URL specifiers -> undefined. */
function packageName(specifier) {
  if (/^(\.|\/|[a-z]+:)/i.test(specifier)) return undefined
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

export async function resolve(specifier, context, next) {
  const name = packageName(specifier)
  if (name !== undefined && hidden.has(name)) {
    const error = new Error(`Cannot find package '${name}' imported from ${context.parentURL ?? 'the command line'}`)
    error.code = 'ERR_MODULE_NOT_FOUND'
    throw error
  }
  return next(specifier, context)
}
