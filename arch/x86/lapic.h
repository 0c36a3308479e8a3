/*
 * The local APIC, used for one thing: a regular preemption tick, so a
 * guest that never exits still gives the CPU back (KVM_RUN then returns
 * -EINTR when the control partition's console has input or its alarm is
 * due), shortened to meet an alarm's deadline.
 */
#ifndef ARCH_X86_LAPIC_H
#define ARCH_X86_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_TIMER_VECTOR    0x20
#define LAPIC_SPURIOUS_VECTOR 0xff

/* Maps the APIC uncached, enables it and starts the tick (one-shot,
 * re-armed by each tick). */
void lapic_init(void);
uint64_t lapic_ticks(void);
/* A tick no later than TSC `deadline` (KVM_BAREKVM_ALARM); the tick after
 * it comes at the usual period again. */
void lapic_alarm_arm(uint64_t deadline);
/* Lets a pending physical interrupt (held while GIF/IF were clear) be taken
 * through the IDT now, then masks again. */
void cpu_take_pending_interrupts(void);
/* Is the tick running, with its rate against the TSC measured (so that
 * lapic_alarm_arm works)? Without it nothing wakes a halted CPU. */
bool lapic_timer_running(void);
/* Halts until the next physical interrupt, takes it, masks again. */
void cpu_wait_for_interrupt(void);

#endif
