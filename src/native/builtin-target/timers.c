/*
 * A thread's deadlines: one FIFO list per kind (head, delay, idle, write). Each kind has one
 * delay, so a deadline added is never earlier than its list's tail: every list stays in order,
 * adding and removing are O(1), and what is due is always at a head.
 */
#include "builtin-target/timers.h"

#include <math.h>

void pc_timer_remove(pc_target_thread *th, pc_tconn *c) {
  if (c->timer < 0) return;
  pc_timer_list *list = &th->timers[c->timer];
  if (c->prev)
    c->prev->next = c->next;
  else
    list->head = c->next;
  if (c->next)
    c->next->prev = c->prev;
  else
    list->tail = c->prev;
  c->prev = c->next = NULL;
  c->timer = -1;
}

void pc_timer_add(pc_target_thread *th, pc_tconn *c, int kind, double deadline_ms) {
  pc_timer_remove(th, c);
  /* Each kind has one delay, so a new deadline is never earlier than the tail's: the list stays in order. */
  pc_timer_list *list = &th->timers[kind];
  c->timer = kind;
  c->deadline_ms = deadline_ms;
  c->prev = list->tail;
  c->next = NULL;
  if (list->tail)
    list->tail->next = c;
  else
    list->head = c;
  list->tail = c;
}

pc_tconn *pc_timer_pop_due(pc_target_thread *th, double now, int *kind) {
  for (int k = 0; k < PC_TIMER_KINDS; k++) {
    pc_tconn *c = th->timers[k].head;
    if (c && c->deadline_ms <= now) {
      pc_timer_remove(th, c);
      *kind = k;
      return c;
    }
  }
  return NULL;
}

double pc_timer_next(const pc_target_thread *th) {
  double next = INFINITY;
  for (int k = 0; k < PC_TIMER_KINDS; k++)
    if (th->timers[k].head && th->timers[k].head->deadline_ms < next) next = th->timers[k].head->deadline_ms;
  return next;
}
