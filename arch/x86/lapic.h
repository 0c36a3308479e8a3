/*
 * The local APIC, used for one thing so far: a periodic preemption tick, so
 * a guest that never exits still gives the CPU back (KVM_RUN then returns
 * -EINTR when the control partition's console has input).
 */
#ifndef ARCH_X86_LAPIC_H
#define ARCH_X86_LAPIC_H

#include <stdint.h>

#define LAPIC_TIMER_VECTOR    0x20
#define LAPIC_SPURIOUS_VECTOR 0xff

/* Maps the APIC uncached, enables it and starts the periodic timer. */
void lapic_init(void);
uint64_t lapic_ticks(void);
/* Lets a pending physical interrupt (held while GIF/IF were clear) be taken
 * through the IDT now, then masks again. */
void cpu_take_pending_interrupts(void);

#endif
