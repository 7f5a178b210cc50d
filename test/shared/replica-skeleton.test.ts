/** The adapter kit's replica skeleton: lifecycle states, durability before add resolves, close. */
import { describe, expect, it } from 'vitest'
import { lifecycle, memoryRecordStore, openReplicaBase, type RecordStore, type ReplicaState } from '../../core/adapter/index.js'
import { ClosedError, InvalidArgumentError } from '../../core/index.js'

const transport = (extra: Partial<Parameters<Awaited<ReturnType<typeof openReplicaBase>>['open']>[0]> = {}) => ({
  publish: () => {},
  sync: () => ({ peers: 0, synced: true }),
  stop: () => {},
  ...extra,
})

describe('replica skeleton', () => {
  it('goes opening, open, closing, closed, and tells each move', async () => {
    const base = await openReplicaBase({ spaceId: 'space' })
    expect(base.lifecycle.state).toBe('opening')
    const replica = base.open(transport())
    const seen: ReplicaState[] = []
    replica.subscribeLifecycle((state) => seen.push(state))
    expect(replica.getLifecycle()).toBe('open')
    await Promise.all([replica.close(), replica.close()])
    expect(seen).toEqual(['closing', 'closed'])
    await expect(replica.add([new Uint8Array([1])])).rejects.toBeInstanceOf(ClosedError)
    await expect(replica.getAll()).rejects.toBeInstanceOf(ClosedError)
  })

  it('refuses a move the diagram does not have', () => {
    const states = lifecycle()
    expect(() => states.to('closed')).toThrow(InvalidArgumentError)
    states.to('open')
    expect(() => states.to('opening')).toThrow(InvalidArgumentError)
  })

  it('fails to open when the store cannot be read', async () => {
    const broken: RecordStore = { ...memoryRecordStore(), load: async () => Promise.reject(new Error('disk gone')) }
    await expect(openReplicaBase({ spaceId: 'space', store: broken })).rejects.toThrow('disk gone')
  })

  it('makes records durable before publishing them, publishes each once, and serves them from getAll', async () => {
    const store = memoryRecordStore()
    const order: string[] = []
    const base = await openReplicaBase({
      spaceId: 'space',
      store: { ...store, append: async (r) => (order.push(`store ${r.length}`), store.append(r)) },
    })
    const replica = base.open(transport({ publish: (fresh) => void order.push(`publish ${fresh.size}`) }))
    const a = new Uint8Array([1, 2, 3])
    await replica.add([a, a, new Uint8Array([4])])
    await replica.add([a])
    expect(order).toEqual(['store 2', 'publish 2'])
    expect((await replica.getAll()).map((entry) => Array.from(entry.bytes as Uint8Array))).toEqual([[1, 2, 3], [4]])
    await replica.close()
  })

  it('delivers while the transport drains, not after, and is failed when stopping throws', async () => {
    const base = await openReplicaBase({ spaceId: 'space' })
    let deliveredInDrain = 0
    const replica = base.open(
      transport({
        drain: async () => base.deliver([{ bytes: 'late', source: 'peer' }]),
        stop: () => {
          throw new Error('socket stuck')
        },
      }),
    )
    replica.subscribe((entries) => (deliveredInDrain += entries.length))
    await expect(replica.close()).rejects.toThrow('socket stuck')
    expect(deliveredInDrain).toBe(1)
    base.deliver([{ bytes: 'later', source: 'peer' }])
    expect(deliveredInDrain).toBe(1)
    expect(replica.getLifecycle()).toBe('failed')
  })
})
