/**
 * `npm run soak -- --minutes N` (default 10): the soak run of test/soak/soak.ts, with progress on
 * stderr and its table on stdout, ready for docs/soak.md. Exits 1 if a write was lost, a process
 * crashed or the honest views differ.
 */
import { execFileSync } from 'node:child_process'
import { runSoak, soakTable } from './soak.js'

const at = process.argv.indexOf('--minutes')
const minutes = at === -1 ? 10 : Number(process.argv[at + 1])
if (!(minutes > 0)) {
  console.error('usage: npm run soak -- [--minutes N]')
  process.exit(2)
}
const seedAt = process.argv.indexOf('--seed')
const started = new Date()
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
})()
const report = await runSoak({
  durationMs: minutes * 60_000,
  ...(seedAt === -1 ? {} : { seed: Number(process.argv[seedAt + 1]) }),
  log: (line) => console.error(`[soak ${new Date().toISOString()}] ${line}`),
})
const lost = Object.values(report.lost).reduce((a, b) => a + b, 0)
const differ = Object.values(report.identical).some((same) => !same)
console.log(
  `Run of ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC at commit ${commit}: ${minutes} minutes of faults, seed ${report.seed}.\n`,
)
console.log(soakTable(report))
process.exit(lost > 0 || report.crashes.length > 0 || differ ? 1 : 0)
