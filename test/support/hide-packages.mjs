// `node --import ./test/support/hide-packages.mjs …` runs a program as if some packages were not
// installed: a resolve hook fails them with ERR_MODULE_NOT_FOUND, as Node does for a package
// that is absent. TOWNHALL_HIDE_PACKAGES names them, comma-separated; `optional-peers` stands for
// every optional peer dependency in townhall's package.json (a user who installed none).
import { readFileSync } from 'node:fs'
import { register } from 'node:module'

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
const hidden = (process.env.TOWNHALL_HIDE_PACKAGES ?? '')
  .split(',')
  .filter(Boolean)
  .flatMap((name) => (name === 'optional-peers' ? Object.keys(pkg.peerDependenciesMeta ?? {}) : [name]))

register('./hide-packages-hooks.mjs', import.meta.url, { data: { hidden } })
