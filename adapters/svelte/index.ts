/**
 * townhall/svelte: a space's views (feed, threads, polls and results, members, presence, sync
 * state, rejections, and any app-defined read through `view(read)`) as Svelte stores
 * (`spaceStores`, for `$store` in Svelte 4 and 5) and as a rune-friendly reactive object
 * (`reactiveSpace`, Svelte 5). Both are built on core's `select` and attach to the space only while
 * something reads them. Pass `() => space` when the space is a component prop.
 */
export { spaceStores, type SpaceStores } from './stores.js'
export { reactiveSpace, type ReactiveSpace } from './reactive.js'
export type { Member, Me, SpaceSource } from './views.js'
