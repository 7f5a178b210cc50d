/**
 * What the figures mean and why the missed targets are missed: findings from profiling
 * (node --cpu-prof, heap snapshots) on the machine above. Appended to docs/benchmarks.md. The
 * tables above are regenerated on every run; the figures quoted here are from the profiling
 * sessions and say so.
 */
export const NOTES = `
## Notes

### Noise

The machine has 2 cores and was shared with other work (test runs, browsers) during the runs; the
load averages at the start and end are in the machine table. Rates that use both cores (WebCrypto,
ingest, sync) suffer most from it: runs of the 100k ingest measured from 2.5k/s to 5.6k/s as the
load changed. Ratios measured in the same process are steadier than absolute figures.

### Changed while benchmarking (core/, adapters/)

Each was found by profiling, keeps every result the same, and is covered by the existing tests
plus two added for it (\`core/public-key.test.ts\`, \`core/cid-string.test.ts\`).

- **Public-key check without point decompression** (\`core/ed25519.ts\`): the small-order/canonical
  check ran @noble/curves' \`Point.fromBytes\` (~110 µs, as much as a verification) for every new
  key, and ballots come from distinct voters. Now: \`y < p\` and not one of the five \`y\` values of
  the 8 small-order points, by byte comparison; a canonical key that is not on the curve fails inside
  either backend's verification, as before. Checked against the old check on 200,000 random keys and
  every small-order and non-canonical encoding (no disagreement).
- **Signed bytes cut from the record** (\`core/record.ts\`): the bytes that are signed were made by
  encoding the record a second time; in canonical dag-cbor they are the record minus its last 68
  bytes with the map header one entry shorter (falls back to encoding for any other shape).
- **At most 32 validations in flight** (\`core/space.ts\`): a batch used to start every entry's
  validation at once: all decoding first, then all signature checks, and the garbage of the whole
  batch alive together. Bounded, decoding overlaps the checks running on other threads (a small
  gain: ~5% at 10k ballots, within the noise of a busy machine).
- **CID strings without multiformats' \`toString\`** (\`core/cid-string.ts\`, used in validation,
  the poll view, the close digest, the schema's duplicate check and the three adapters):
  \`CID.toString()\` builds the string one character at a time and caches it per CID: ~10 µs, and ~1.7 KB
  of heap kept per CID it was called on (a rope of 59 pieces plus a cache Map).
- **did:key strings flattened** (\`core/did.ts\`): the base58 encoder's result was kept as a rope of
  ~48 pieces, 1.2 KB per record (81 bytes flat).
- **Close digest and final result** (\`core/commitment.ts\`, \`core/poll.ts\`): \`ballotSetDigest\`
  spread every id's bytes as function arguments, which **threw RangeError above ~120k ballots**:
  a poll with more voters could neither be closed nor show a result. It also computed each id's
  string twice per comparison. Now: one buffer, one string per id shared by the duplicate check,
  the digest and the final count, and a close found complete and consistent is not re-checked.

Before and after, on this machine: ingest of 10k ballots 2.5k–3.8k/s (21–31% of node:crypto)
before, about 50% after (see the table); final result of 100k ballots 0.87–1.45 s before (slowest
method 1.36 s in the first full run), 0.43–0.86 s after; memory of a space alone 7.7 KB per ballot
before, 4.8 KB after; the Yjs replica and space of 10k ballots 92.6 MB before, 62.4 MB after.

### Library limits found

- **Yjs over y-webrtc and @roamhq/wrtc drops any message over 256 KiB** (the data channel's maximum
  message size; y-webrtc sends each update and the whole initial state as one message). Measured
  with plain y-webrtc and with the townhall replica alike: a peer joining a space of 700 ballots
  (~240 KB) got them in 0.4 s; of 800 ballots (~275 KB) got nothing in 40 s; a live \`add\` of 1000
  records (~340 KB) never arrived. So **a newcomer cannot sync a Yjs space of more than ~750
  ballots over WebRTC**. The sync workload writes 100 records per update for every adapter and
  library for this reason. A fix has to split messages on the data channel (in the adapter, which
  already wraps every peer's \`data\` listener, or upstream in y-webrtc).
- **Automerge 3.5.0 cannot load its own saved document once it is large**: a snapshot plus an
  incremental chunk, both written by Automerge, make \`loadIncremental\` (and \`load\` of the two
  concatenated) run out of WebAssembly memory (\`RuntimeError: unreachable\` from Rust's
  \`rust_oom\`: the 4 GiB wasm32 heap is exhausted loading a 12 MB snapshot and 8 MB of increments), after which every call into
  the module throws "Module terminated". automerge-repo 2.5.6 stores a document exactly so (a snapshot plus the
  incremental chunks written after it), so **reopening an Automerge space of tens of thousands of
  records can kill Automerge in that process**: that is the failure at N=100,000 in the errors
  above (it happened in every run; the adapter catches the failed load of its document, "only a
  cache", but Automerge is unusable in that process from then on). Reproduced
  without townhall or automerge-repo:

  \`\`\`js
  let n = 0
  const put = (d) => { for (let i = 0; i < 20000; i++) d.records['k' + n++] = new Uint8Array(274) }
  let doc = A.change(A.from({ records: {} }), put)
  const snapshot = A.save(doc), heads = A.getHeads(doc)
  doc = A.change(doc, put)
  A.loadIncremental(A.load(snapshot), A.saveSince(doc, heads)) // RuntimeError: unreachable
  \`\`\`

  With 10,000 entries on each side it loads; with 20,000 it fails, written as one change or as 20
  changes of 1,000 alike. Keys of the second part that sort between the first part's keys seem to
  matter ('a…' then 'b…' loads), and record ids are random, so they always do.
- **automerge-repo is itself at the sync target**: plain automerge-repo needs ~3 s for 10k records
  through the same sync server (see the sync table), before townhall verifies anything; the
  townhall reader then validates the records as they arrive (and its adapter parses each record
  once more to decide whether to keep it).
- **Plain OrbitDB** writes ~190 entries/s here and a second peer catches up at ~60 entries/s, so
  plain OrbitDB is measured on fewer records and compared by rate; townhall batches the records of
  one \`add\` into one log entry.

### Why the other missed targets are missed (ours)

- **Ingest** (profiled at 10k): per ballot the main thread spends ~90 µs of JavaScript (dag-cbor
  decode 13 µs, the canonical re-encode 6 µs, hashing and ids ~8 µs, did 3 µs, schema, fold, promise
  hops, ~15–20% garbage collection), plus ~30 µs importing the voter's key into WebCrypto and ~16 µs
  of per-call overhead for the verification, which itself (~80 µs) runs on libuv's thread pool. On 2
  cores the pool's threads and the main thread compete, so the ingest rate is bounded by ~120 µs of
  main-thread work per ballot plus contention, about half the single-core node:crypto rate.
  Reaching 70% needs roughly half the JavaScript per record: decoding without the canonical
  re-encode (a decoder that checks canonical form itself), no second parse in the adapters (each
  adapter parses a record to decide whether to keep it, then the space parses it again), and fewer
  objects per record (see memory).
- **Cold open** re-validates every record, signature included, on every open: the adapters keep
  record bytes, not what the space derived from them. Profiled for Yjs at 100k: the replica loads,
  hashes and indexes the file in ~1.7 s, then the space validates at its ingest rate (~17 s). Under
  1 s needs two changes, neither small: persist which record ids this device already verified (the
  id is the hash of the signed bytes, so a verified id never needs its signature checked again;
  skips ~60% of the time), and persist the decoded records or the views (or decode lazily), since
  decoding and folding 100k records alone takes seconds.
- **Automerge storage** keeps two copies by design: the record store (the device's copy of the
  records, which heals what peers delete from the shared document) and the Automerge document (the
  transport's state). The document alone, compacted, is ~0.7x the raw records (keys and values
  deflated); with the record store the floor is ~1.7x, and automerge-repo also leaves the
  incremental chunks written after its last snapshot on disk (1.6x–2.9x across runs, depending on
  when it last compacted). 1.5x needs
  healing from the document's own history (Automerge keeps deleted values) instead of a second copy.
- **Memory**: a validated record is a decoded object: four CIDs (record, space, ref, poll), each a
  CID plus a Digest plus byte views, the author's key and the signature copied into their own
  buffers (cborg copies every byte string: ~12 separate ArrayBuffers per ballot), ids and did
  strings, plus the adapter's copy of the bytes and a WebCrypto key per voter in a 50k-entry cache:
  ~5 KB per ballot against ~0.8 KB for the record in a Y.Map. Sharing the space's CID and the
  referenced records' CIDs and viewing the key and signature inside the record bytes would save
  ~2 KB; 2x the raw library needs keeping only the bytes plus small indices and decoding on demand.
  Automerge's figures include its WebAssembly memory, which grows to its peak (for the replica: the
  merge of the stored document at open) and is never returned.
- **Live instant-runoff** (not a target): the live result recounts every round on each read, and
  with partial random rankings nearly every ballot is a distinct ranking, so reading the live result
  of a 100k-ballot IRV poll costs tens of milliseconds (the "one more" column); plurality and the
  other methods are incremental.

### Sizes

1M: only the pure tally (all methods, table above). Ingest, storage, open and memory at 1M would
take 3–4 minutes per run at the ingest rate (and 2 minutes and 274 MB to make the fixture), and the
per-ballot figures are flat from 10k to 100k; sync is specified at 10k.
`
