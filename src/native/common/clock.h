/* The load's clock: CLOCK_MONOTONIC in milliseconds, the clock of process.hrtime(). */
#ifndef PC_CLOCK_H
#define PC_CLOCK_H
#include <time.h>

static inline double pc_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}
#endif
