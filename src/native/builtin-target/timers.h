/* A thread's deadlines (builtin-target/timers.c). */
#ifndef PC_TARGET_TIMERS_H
#define PC_TARGET_TIMERS_H
#include "builtin-target/target.h"

void pc_timer_add(pc_target_thread *th, pc_tconn *c, int kind, double deadline_ms);
void pc_timer_remove(pc_target_thread *th, pc_tconn *c);
/* Takes the first connection whose deadline is due by `now` off its list, with its kind; NULL when none is. */
pc_tconn *pc_timer_pop_due(pc_target_thread *th, double now, int *kind);
/* The earliest deadline of any list (+inf: none). */
double pc_timer_next(const pc_target_thread *th);

#endif
