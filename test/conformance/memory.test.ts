import { memoryHarness, runReplicaConformance } from '../../testing/index.js'

await runReplicaConformance('memory', async () => memoryHarness({ seed: 7 }))
await runReplicaConformance('memory, lossy and duplicating', async () =>
  memoryHarness({ seed: 11, loss: 0.2, duplicate: 0.3, latencyMs: [0, 20] }),
)
