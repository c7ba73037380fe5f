import { basename } from 'node:path';
import { renderNatMarkdown } from '../report/nat-report.js';
import { verdictMarkdown } from '../report/verdict-text.js';
import { readChartAssets } from '../env/chart-assets.js';
import { ResultFileError } from '../errors.js';
import type { AnyResult } from '../result/read-result.js';
import { writeFileAtomically } from '../result/write-result.js';
import { renderHgrm } from '../report/hgrm.js';
import { renderHlog } from '../report/hlog.js';
import { renderHtml } from '../report/html.js';
import { renderMarkdown } from '../report/markdown.js';
import { renderProxyHtml, renderProxyMarkdown } from '../report/proxy-report.js';

/** Report formats `portchurn report` writes. */
export type ReportFormat = 'md' | 'html' | 'hgrm' | 'hlog';
export const REPORT_FORMATS: readonly ReportFormat[] = ['md', 'html', 'hgrm', 'hlog'];

async function writeReport(path: string, text: string): Promise<void> {
  try {
    await writeFileAtomically(path, text, true);
  } catch (error) {
    throw new ResultFileError(path, `cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Renders the reports of a result next to its JSON file (`X.json` -> `X.md`, `X.html`,
 * `X.stage1-totalUs.hgrm`, `X.stage1.hlog`...) and returns their paths. Reports are derived data: rendering
 * again replaces them. The renderers only render; the files they need and write are handled here.
 */
export async function writeReports(jsonPath: string, result: AnyResult, formats: readonly ReportFormat[]): Promise<string[]> {
  const stem = jsonPath.replace(/\.json$/, '');
  // A NAT result has its Markdown report; its stages' histograms are in the JSON (each stage's client is a run).
  if (result.kind === 'nat') {
    if (!formats.includes('md')) return [];
    await writeReport(`${stem}.md`, renderNatMarkdown(result, verdictMarkdown(result)));
    return [`${stem}.md`];
  }
  const paths: string[] = [];
  const hgrm = formats.includes('hgrm') ? renderHgrm(result) : [];
  const hgrmPaths = hgrm.map((f) => `${stem}.${f.name}.hgrm`);
  for (const [i, f] of hgrm.entries()) await writeReport(hgrmPaths[i]!, f.text);
  const hlog = formats.includes('hlog') ? renderHlog(result) : [];
  const hlogPaths = hlog.map((f) => `${stem}.${f.name}.hlog`);
  for (const [i, f] of hlog.entries()) await writeReport(hlogPaths[i]!, f.text);
  const htmlPath = formats.includes('html') ? `${stem}.html` : undefined;
  if (htmlPath) {
    const assets = readChartAssets();
    await writeReport(htmlPath, result.kind === 'proxy' ? renderProxyHtml(result, assets) : renderHtml(result, assets));
  }
  if (formats.includes('md')) {
    const md = `${stem}.md`;
    const files = { ...(htmlPath ? { html: basename(htmlPath) } : {}), histograms: [...hgrmPaths, ...hlogPaths].map((p) => basename(p)) };
    await writeReport(md, result.kind === 'proxy' ? renderProxyMarkdown(result) : renderMarkdown(result, files));
    paths.push(md);
  }
  if (htmlPath) paths.push(htmlPath);
  return [...paths, ...hgrmPaths, ...hlogPaths];
}
