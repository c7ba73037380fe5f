/* The load's clock: CLOCK_MONOTONIC in milliseconds, the clock of process.hrtime(). */
#ifndef PC_CLOCK_H
#define PC_CLOCK_H
#include <stdint.h>
#include <time.h>

static inline double pc_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The same clock in nanoseconds, for timing one system call (a vDSO read, ~20 ns, no syscall). */
static inline uint64_t pc_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
#endif
