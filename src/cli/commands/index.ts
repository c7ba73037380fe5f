import type { Command } from '../command.js';
import { DOCTOR_COMMAND } from './doctor.js';
import { LAB_COMMAND } from './lab.js';
import { LIMITS_COMMAND } from './limits.js';
import { MERGE_COMMAND } from './merge.js';
import { NGINX_COMMAND, PROXY_COMMAND } from './proxy.js';
import { NAT_COMMAND } from './nat.js';
import { COMPARE_COMMAND, REPORT_COMMAND } from './report.js';
import { RUN_COMMAND } from './run.js';
import { SERVE_COMMAND } from './serve.js';
import { SWEEP_COMMAND } from './sweep.js';
import { WATCH_COMMAND } from './watch.js';

/** Every command of the CLI, in the order help lists them. */
export const COMMANDS: readonly Command[] = [
  RUN_COMMAND,
  SWEEP_COMMAND,
  LAB_COMMAND,
  LIMITS_COMMAND,
  PROXY_COMMAND,
  NGINX_COMMAND,
  NAT_COMMAND,
  WATCH_COMMAND,
  DOCTOR_COMMAND,
  REPORT_COMMAND,
  COMPARE_COMMAND,
  MERGE_COMMAND,
  SERVE_COMMAND,
];
