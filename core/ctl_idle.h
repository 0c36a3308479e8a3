/*
 * HC_IDLE: the control partition waits in the hypervisor, with the CPU
 * halted, instead of spinning on its console's LSR.
 */
#ifndef CORE_CTL_IDLE_H
#define CORE_CTL_IDLE_H

#include <stdint.h>

/* Returns once the console has input or the TSC reaches `deadline` (0: no
 * deadline): 0. -EOPNOTSUPP without a running APIC timer, the only thing
 * that could wake the CPU (the caller then polls as before). */
int64_t ctl_idle(uint64_t deadline);

#endif
