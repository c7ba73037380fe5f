import { spawnSync } from 'node:child_process';
import { IS_ROOT } from './prereq.js';

/** True when this process can make a private network namespace with `unshare -n` (root). */
export const CAN_UNSHARE = IS_ROOT && spawnSync('unshare', ['-n', 'true']).status === 0;
