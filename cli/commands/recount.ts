/** `townhall recount FILE`: verifies an export and recomputes every poll from it alone. */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { CID } from 'multiformats/cid'
import { recount, type PollView } from '../../core/index.js'
import { UsageError } from '../args.js'

export const recountHelp = `Usage: townhall recount FILE [--json]

Reads a townhall export (JSON, as written by exportSpace or the apps' export button), verifies the
signature, id and authority of every record, and recomputes every poll's result from those records
alone. Nothing is fetched from the network.

Options:
  --json       print the full recount as JSON
  -h, --help   show this help

Exit codes: 0 recounted; 1 the file is not a valid export; 2 wrong usage.
`

export async function recountCommand(argv: readonly string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) {
    process.stdout.write(recountHelp)
    return
  }
  if (positionals.length !== 1) throw new UsageError('recount takes exactly one FILE: the export to verify.')
  const file = positionals[0]!
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`Cannot read ${file}: ${error.code ?? error.message}.`)
  })
  const result = await recount(text)
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result, jsonBytes, 2)}\n`)
    return
  }
  const lines = [
    `space ${result.name ?? '(no genesis in export)'} ${result.space}`,
    `records: ${result.records.valid} valid of ${result.records.total}; ${result.rejections.total} rejected`,
  ]
  for (const [reason, count] of Object.entries(result.rejections.byReason)) if (count) lines.push(`  rejected as ${reason}: ${count}`)
  for (const poll of result.polls) lines.push(...describePoll(poll))
  process.stdout.write(`${lines.join('\n')}\n`)
}

function describePoll(poll: PollView): string[] {
  const tally = poll.final ?? poll.live
  const state = poll.status
  const winner = tally?.winner
  const options = poll.options
  const quorum = poll.quorumStatus
  return [
    `poll "${poll.question}" (${poll.method}, ${state}) ${poll.id}`,
    `  ballots counted: ${tally?.ballots ?? 0}`,
    `  winner: ${winner === undefined || winner === null ? 'none' : `${options[winner] ?? winner}`}`,
    ...(quorum ? [`  quorum: ${quorum.met ? 'met' : 'not met'} (${quorum.ballots} of ${quorum.required} ballots)`] : []),
  ]
}

/** CIDs and byte arrays print as strings, not as their internal structure. */
function jsonBytes(this: unknown, key: string, value: unknown): unknown {
  // JSON.stringify applies toJSON before the replacer (a CID would arrive as {"/": "..."}, a Buffer
  // as {type, data}), so look at the holder's own value.
  const original = (this as Record<string, unknown>)[key]
  const cid = CID.asCID(original)
  if (cid) return cid.toString()
  if (original instanceof Uint8Array) return Buffer.from(original).toString('base64url')
  return value
}
