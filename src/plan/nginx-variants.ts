import type { RunOptions } from './build-plan.js';
import type { NamespaceSpec } from './namespace.js';

/** The nginx variants: the failure and its fixes. */
export type NginxVariant = 'plain' | 'split' | 'keepalive' | 'wide' | 'reuse';

export const NGINX_VARIANTS: readonly NginxVariant[] = ['plain', 'split', 'keepalive', 'wide', 'reuse'];

/** One variant to run, as the parent sends it to the namespace child. */
export interface NginxVariantSpec {
  readonly variant: NginxVariant;
  readonly nginxBin: string;
  readonly splitSources: readonly string[];
  readonly splitKey: string;
  /** How the built-in upstream ends connections: `client` (default) keeps them open, so nginx closes first. */
  readonly upstreamClose: 'client' | 'server';
  readonly keepaliveConnections: number;
  /** The client side's load: connections or rate, duration or requests, timeout, sample interval. */
  readonly load: RunOptions;
  /** The namespace's settings, recorded in the result. */
  readonly namespace: NamespaceSpec;
}
