#!/usr/bin/env node
// The vitest part of `npm test`: the 'io' project (sockets, browsers, other processes; one file at
// a time) in one vitest process, and the 'unit' and 'components' projects (CPU only) in another,
// side by side. On two cores the io tests mostly wait on peers, browsers and timers, so the CPU
// tests fill that time instead of adding their own minutes after it. Each line is prefixed with
// its process's name; both always run to the end, and the exit code is the first failure's.
// The CPU tests run at a lower scheduling priority (nice 15, inherited by vitest's workers), so
// they take only what the io tests leave: the io tests' timeouts were set for a machine of their own.
// Extra arguments go to both (a file filter, say).
import { spawn } from 'node:child_process'
import { setPriority } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

const vitest = join(import.meta.dirname, '..', 'node_modules', 'vitest', 'vitest.mjs')
const extra = process.argv.slice(2)
const runs = [
  { name: 'io', args: ['--project', 'io'], priority: 0 },
  { name: 'unit', args: ['--project', 'unit', '--project', 'components'], priority: 15 },
]

const children = runs.map(({ name, args, priority }) => {
  const child = spawn(process.execPath, [vitest, 'run', ...args, ...extra, '--passWithNoTests'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  try {
    // Set before vitest starts its workers (it first loads its config), which inherit it.
    if (priority && child.pid) setPriority(child.pid, priority)
  } catch {
    // Not allowed here (some containers): both run at the same priority.
  }
  for (const [stream, out] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ]) {
    createInterface({ input: stream }).on('line', (line) => out.write(`[${name}] ${line}\n`))
  }
  const done = new Promise((resolve) => child.once('close', (code, signal) => resolve({ name, code: code ?? (signal ? 1 : 0) })))
  return { child, done }
})

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    for (const { child } of children) child.kill(signal)
  })
}

const results = await Promise.all(children.map(({ done }) => done))
for (const { name, code } of results) console.log(`test-suite: vitest ${name} ${code === 0 ? 'passed' : `failed (exit code ${code})`}`)
process.exit(results.find(({ code }) => code !== 0)?.code ?? 0)
