/**
 * axe-core in a Playwright page: the WCAG 2.0/2.1 A and AA rules (colour contrast among them),
 * with the violations that axe rates serious or critical, each with a few of its nodes. The
 * colour scheme is switched with `emulateMedia`, so one page is scanned light and dark as it is.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

export interface Violation {
  readonly rule: string
  readonly impact: string
  readonly help: string
  readonly nodes: readonly string[]
}

export type Scheme = 'light' | 'dark'

/** The serious and critical violations on the page as it is now, in `scheme`. */
export async function axeScan(page: Page, scheme: Scheme): Promise<Violation[]> {
  await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' })
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE })
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: unknown): Promise<{ violations: AxeViolation[] }> } }).axe
    interface AxeViolation {
      id: string
      impact: string | null
      help: string
      nodes: Array<{ target: string[]; failureSummary?: string }>
    }
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    })
    return result.violations.map((violation) => ({
      rule: violation.id,
      impact: violation.impact ?? 'unknown',
      help: violation.help,
      nodes: violation.nodes.slice(0, 4).map((node) => `${node.target.join(' ')}: ${(node.failureSummary ?? '').replace(/\s+/g, ' ')}`),
    }))
  })
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
}

/** Scans the page light and dark; returns "screen (scheme): rule — help — nodes" lines for each violation. */
export async function scanBothSchemes(page: Page, screen: string): Promise<string[]> {
  const found: string[] = []
  for (const scheme of ['light', 'dark'] as const) {
    for (const violation of await axeScan(page, scheme)) {
      found.push(`${screen} (${scheme}): ${violation.rule} [${violation.impact}] ${violation.help}\n    ${violation.nodes.join('\n    ')}`)
    }
  }
  await page.emulateMedia({ colorScheme: 'light' })
  return found
}
