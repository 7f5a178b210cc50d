/**
 * townhall's own package.json, found by walking up from this module: it is one level up in a
 * source checkout (cli/) and two in the published package (dist/cli/).
 */
import { existsSync, readFileSync } from 'node:fs'

export interface PackageInfo {
  readonly name: string
  readonly version: string
  readonly peerDependencies: Readonly<Record<string, string>>
  /** The directory that holds package.json, as a file URL ending in `/`. */
  readonly root: URL
}

let cached: PackageInfo | undefined

export function packageInfo(): PackageInfo {
  if (cached) return cached
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    const file = new URL('package.json', dir)
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as Partial<PackageInfo>
      if (pkg.name === 'townhall') {
        cached = { name: pkg.name, version: pkg.version ?? '0.0.0', peerDependencies: pkg.peerDependencies ?? {}, root: dir }
        return cached
      }
    }
    if (new URL('../', dir).href === dir.href) throw new Error(`townhall's package.json not found above ${import.meta.url}`)
  }
}
