/**
 * townhall/testing: the in-memory reference replica with a simulated network, the replica
 * conformance suite, and seeded helpers for writing tests against townhall.
 */
export {
  memoryNetwork,
  type MemoryNetwork,
  type MemoryNetworkOptions,
  type MemoryReplica,
  type MemoryReplicaOptions,
} from './memory-network.js'
export {
  checkReplicaConformance,
  conformanceCheckNames,
  runReplicaConformance,
  type ConformanceOptions,
  type ConformanceResult,
  type ReplicaCapability,
  type ReplicaHarness,
} from './conformance.js'
export { memoryHarness } from './memory-harness.js'
export { seededRandom, type Random } from './random.js'
export { eventually } from './eventually.js'
export { causalHistory, foldCausally, type CausalHistory } from './causal-history.js'
export { runStoreConformance, checkStoreConformance, storeCheckNames, type StoreHarness } from './store-conformance.js'
export { type CheckResult } from './suite.js'
