/** The adapter kit's replica skeleton: lifecycle states, durability before add resolves, close. */
import { describe, expect, it } from 'vitest'
import { idOf, lifecycle, memoryRecordStore, openReplicaBase, type RecordStore, type ReplicaState } from '../../core/adapter/index.js'
import { ClosedError, createIdentity, InvalidArgumentError, signRecord } from '../../core/index.js'

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

describe('replica skeleton: receive', () => {
  it('adopts records of its space, hands junk over unadopted, and counts a store failure without throwing', async () => {
    // A record with no space field is a genesis: its id is the space id.
    const genesis = await signRecord(await createIdentity(), { kind: 'post', space: null, hlc: [1, 0], refs: [], body: { text: 'x' } })
    const spaceId = await idOf(genesis.bytes)
    let failing = false
    const store = memoryRecordStore()
    const base = await openReplicaBase({
      spaceId,
      store: { ...store, append: async (records) => (failing ? Promise.reject(new Error('disk full')) : store.append(records)) },
    })
    const replica = base.open(transport())
    const got: unknown[] = []
    replica.subscribe((entries) => got.push(...entries.map((entry) => entry.bytes)))
    await base.receive(['a string', new Uint8Array([1, 2])], 'peer')
    // Neither is a record of the space: delivered for the space to reject, not held.
    expect(got).toEqual(['a string', new Uint8Array([1, 2])])
    expect(base.held.size).toBe(0)
    failing = true
    await base.receive([genesis.bytes], 'peer')
    expect(base.failures).toBe(1)
    expect(base.held.size).toBe(0)
    await expect(replica.getAll()).rejects.toThrow('disk full')
    failing = false
    await base.receive([genesis.bytes, genesis.bytes], 'peer')
    expect([...base.held.keys()]).toEqual([spaceId])
    expect((await replica.getAll()).map((entry) => entry.claimedId)).toEqual([spaceId])
    await replica.close()
  })
})
