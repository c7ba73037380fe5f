import { rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ResultFileError } from '../errors.js';
import type { AnyResult } from '../result/read-result.js';
import { renderHgrm } from './hgrm.js';
import { asset, renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { renderNginxHtml, renderNginxMarkdown } from './nginx-report.js';

/** Report formats `portchurn report` writes. */
export type ReportFormat = 'md' | 'html' | 'hgrm';
export const REPORT_FORMATS: readonly ReportFormat[] = ['md', 'html', 'hgrm'];

async function writeAtomic(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(temp, text);
    await rename(temp, path);
  } catch (error) {
    throw new ResultFileError(path, `cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Renders the reports of a result next to its JSON file (`X.json` -> `X.md`, `X.html`,
 * `X.stage1-totalUs.hgrm`...) and returns their paths. Reports are derived data: rendering
 * again replaces them.
 */
export async function writeReports(jsonPath: string, result: AnyResult, formats: readonly ReportFormat[]): Promise<string[]> {
  const stem = jsonPath.replace(/\.json$/, '');
  const paths: string[] = [];
  const hgrm = formats.includes('hgrm') ? renderHgrm(result) : [];
  const hgrmPaths = hgrm.map((f) => `${stem}.${f.name}.hgrm`);
  for (const [i, f] of hgrm.entries()) await writeAtomic(hgrmPaths[i]!, f.text);
  const htmlPath = formats.includes('html') ? `${stem}.html` : undefined;
  if (htmlPath) {
    const html =
      result.kind === 'nginx'
        ? renderNginxHtml(result, asset('uplot/dist/uPlot.iife.min.js'), asset('uplot/dist/uPlot.min.css'))
        : renderHtml(result);
    await writeAtomic(htmlPath, html);
  }
  if (formats.includes('md')) {
    const md = `${stem}.md`;
    const files = { ...(htmlPath ? { html: basename(htmlPath) } : {}), hgrm: hgrmPaths.map((p) => basename(p)) };
    await writeAtomic(md, result.kind === 'nginx' ? renderNginxMarkdown(result) : renderMarkdown(result, files));
    paths.push(md);
  }
  if (htmlPath) paths.push(htmlPath);
  return [...paths, ...hgrmPaths];
}
