/**
 * townhall/svelte: a space's views (feed, threads, polls and results, members, presence, sync
 * state, rejections) as Svelte stores (`spaceStores`, for `$store` in Svelte 4 and 5) and as a
 * rune-friendly reactive object (`reactiveSpace`, Svelte 5). Both attach to the space only while
 * something reads them.
 */
export { spaceStores, type SpaceStores } from './stores.js'
export { reactiveSpace, type ReactiveSpace } from './reactive.js'
export type { Member, Me } from './views.js'
