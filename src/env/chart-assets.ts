import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** uPlot's script and stylesheet as installed beside portchurn, for the HTML reports to inline (report/html.ts's ChartAssets). */
export function readChartAssets(): { readonly uplotJs: string; readonly uplotCss: string } {
  const read = (path: string): string => readFileSync(require.resolve(path), 'utf8');
  return { uplotJs: read('uplot/dist/uPlot.iife.min.js'), uplotCss: read('uplot/dist/uPlot.min.css') };
}
