/** Settings' Network section and the sync indicator: every adapter offered, `?adapter=` explained, each adapter's servers shown. */
import { render, screen } from '@testing-library/svelte'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import type { Component } from 'svelte'
import { createIdentity, createSpace, localReplica, type Space } from '../../../core/index.js'
import { reactiveSpace } from '../../../adapters/svelte/index.js'
import { defaultConfig, type AppConfig } from '../lib/config.js'
import { TownhallApp } from './app.svelte.js'
import WithApp from './fixtures/WithApp.svelte'
import SettingsScreen from './SettingsScreen.svelte'
import SyncStatus from './SyncStatus.svelte'

const RELAY = '/ip4/127.0.0.1/tcp/4011/ws/p2p/12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'
const spaces: Space[] = []
afterEach(async () => {
  await Promise.all(spaces.splice(0).map((space) => space.close()))
})

function appWith(config: Partial<AppConfig>, adapter: TownhallApp['adapter'] = 'yjs', fromAddress = false): TownhallApp {
  const app = new TownhallApp()
  app.config = { ...defaultConfig(), ...config }
  app.adapter = adapter
  app.adapterFromAddress = fromAddress
  return app
}
const show = (app: TownhallApp, component: unknown, props: Record<string, unknown> = {}) =>
  render(WithApp, { props: { app, component: component as Component<Record<string, unknown>>, props } })

describe('Settings: network', () => {
  it('offers every adapter and saves the choice, showing that adapter’s servers', async () => {
    const app = appWith({ sync: ['ws://127.0.0.1:4445'], syncSource: 'config.json', relays: [RELAY], relaySource: 'query' })
    const user = userEvent.setup()
    show(app, SettingsScreen)
    const select = screen.getByLabelText('Replication adapter') as HTMLSelectElement
    expect([...select.options].map((option) => option.value)).toEqual(['yjs', 'automerge', 'orbitdb'])
    expect(select.value).toBe('yjs')
    expect(screen.getByRole('heading', { name: 'Signaling servers' })).toBeTruthy()
    expect(screen.getByText('ws://127.0.0.1:4444')).toBeTruthy()

    await user.selectOptions(select, 'automerge')
    expect(app.adapter).toBe('automerge')
    expect(app.savedAdapter).toBe('automerge')
    expect(screen.getByRole('heading', { name: 'Sync servers' })).toBeTruthy()
    expect(screen.getByText('ws://127.0.0.1:4445')).toBeTruthy()
    expect(screen.getByText(/^From config\.json\./)).toBeTruthy()

    await user.selectOptions(select, 'orbitdb')
    expect(screen.getByRole('heading', { name: 'Relays' })).toBeTruthy()
    expect(screen.getByText(RELAY)).toBeTruthy()
    expect(screen.getByText(/From the page address \(\?relay=\)/)).toBeTruthy()
  })

  it('says when the page address chose the adapter, and shows config warnings', () => {
    const app = appWith({ warnings: ['Ignored ?adapter=nope in the address: use one of yjs, automerge, orbitdb.'] }, 'automerge', true)
    show(app, SettingsScreen)
    expect((screen.getByLabelText('Replication adapter') as HTMLSelectElement).value).toBe('automerge')
    expect(screen.getByText(/because the page address says/).textContent).toMatch(/\?adapter=automerge[\s\S]*Yjs over WebRTC/)
    expect(screen.getByText(/Ignored \?adapter=nope/)).toBeTruthy()
  })
})

describe('SyncStatus', () => {
  it('names the adapter in data-adapter and its servers in the explanation', async () => {
    const space = await createSpace({ identity: await createIdentity(), name: 'Club', replica: (id) => localReplica(id) })
    spaces.push(space)
    const app = appWith({ sync: [] }, 'automerge')
    show(app, SyncStatus, { live: reactiveSpace(space) })
    const status = screen.getByTestId('sync-status')
    expect(status.dataset.adapter).toBe('automerge')
    expect(status.dataset.peers).toBe('0')
    expect(status.dataset.status).toBe('offline')
    expect(status.title).toBe('No sync server is configured.')
  })
})
