/** The app controller, shared with every shell component through Svelte context. */
import { getContext, setContext } from 'svelte'
import type { TownhallApp } from './app.svelte.js'

const KEY = Symbol('townhall-app')

export const setApp = (app: TownhallApp): TownhallApp => setContext(KEY, app)

export function getApp(): TownhallApp {
  const app = getContext<TownhallApp | undefined>(KEY)
  if (!app) throw new Error('getApp() called outside <App>')
  return app
}
