/** The kernel from which an active open resends its SYN at linear timeouts first (tcp_syn_linear_timeouts, default 4). */
export const SYN_LINEAR_SINCE: readonly [number, number] = [6, 7];

function atLeast(release: string, [major, minor]: readonly [number, number]): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) return false;
  return Number(m[1]) > major || (Number(m[1]) === major && Number(m[2]) >= minor);
}

/**
 * When an unanswered SYN is sent again, in seconds from the first, for tcp_syn_retries (6) resends.
 * tcp_retransmit_timer() doubles the RTO from TCP_TIMEOUT_INIT (1 s): 1, 3, 7, 15, 31, 63 s. From
 * Linux 6.7, tcp_syn_linear_timeouts (default 4) keeps the RTO at 1 s that many times more, then
 * doubles: RTOs 1, 1, 1, 1, 1, 2, 4 (Documentation/networking/ip-sysctl.rst), so resends at 1, 2, 3,
 * 4, 5, 7 s. A NAT that drops SYNs shows as connect times at these steps, and in no errno.
 */
export function synResendsAtSec(kernel: string, retries = 6, linear = 4): number[] {
  const rtos: number[] = [];
  if (atLeast(kernel, SYN_LINEAR_SINCE)) {
    for (let i = 0; i <= linear && rtos.length < retries; i++) rtos.push(1);
    for (let rto = 2; rtos.length < retries; rto *= 2) rtos.push(rto);
  } else for (let rto = 1; rtos.length < retries; rto *= 2) rtos.push(rto);
  let t = 0;
  return rtos.map((rto) => (t += rto));
}
