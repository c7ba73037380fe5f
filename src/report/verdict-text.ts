import type { AnyResult } from '../result/read-result.js';
import { verdictHeadline, verdictLines, verdictOf } from '../result/verdict.js';
import { escapeHtml } from './markup.js';

/** The verdict in a terminal summary: a line, then one per problem. */
export function verdictTerminal(result: AnyResult): string[] {
  const v = verdictOf(result);
  return [`  verdict     ${verdictHeadline(v)}`, ...verdictLines(v).map((l) => `    ${l}`)];
}

/** The verdict at the top of a Markdown report. */
export function verdictMarkdown(result: AnyResult): string[] {
  const v = verdictOf(result);
  const lines = verdictLines(v);
  return [`**Verdict: ${verdictHeadline(v)}**`, '', ...(lines.length ? [...lines.map((l) => `- ${l}`), ''] : [])];
}

/** The verdict at the top of an HTML report (the `.flag` style when it did not pass). */
export function verdictHtml(result: AnyResult): string {
  const v = verdictOf(result);
  const lines = verdictLines(v);
  return `<div class="verdict${v.status === 'passed' ? '' : ' flag'}" data-status="${v.status}"><strong>Verdict: ${escapeHtml(verdictHeadline(v))}</strong>${
    lines.length ? `<ul>${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>` : ''
  }</div>`;
}
