/*
 * The time-stamp counter's frequency, measured once at boot, so that the
 * control partition can turn TSC values into time (its VMM's clocks: PIT,
 * RTC, local APIC) and ask for a KVM_RUN to end at a TSC deadline
 * (KVM_BAREKVM_ALARM). The hypervisor itself needs no wall-clock time.
 */
#ifndef ARCH_X86_TSC_H
#define ARCH_X86_TSC_H

#include <stdint.h>

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Measures the frequency: CPUID leaf 0x15 when it gives the crystal's
 * frequency and the ratio, else 10 ms of the 8254's counter 2. Prints it. */
void tsc_calibrate(void);
/* Hz; 0 before tsc_calibrate() or if no measurement was possible. */
uint64_t tsc_hz(void);
/* IA32_TSC_AUX = 0 where the CPU has it (RDTSCP or RDPID). Guests never
 * see TSC_AUX (CPUID hides RDTSCP and RDPID), but SVM has no intercept for
 * RDPID, which a guest can still execute: it then reads 0, never a value
 * the firmware left (docs/virtual-cpu.md). */
void tsc_aux_clear(void);

#endif
