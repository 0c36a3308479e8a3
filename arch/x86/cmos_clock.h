/*
 * The machine's battery-backed clock (the MC146818-compatible RTC every PC
 * has at ports 0x70/0x71), read once at boot so that VMMs can start their
 * VMs' clocks at the wall-clock time (CPUID leaf 0x40000011).
 */
#ifndef ARCH_X86_CMOS_CLOCK_H
#define ARCH_X86_CMOS_CLOCK_H

#include <stdint.h>

/* Reads the date and time (taken as UTC, as Linux's default is) and the
 * TSC at that moment; prints them. */
void cmos_clock_read(void);
/* Seconds since 1970-01-01 00:00 UTC at boot_tsc; 0 if unreadable. */
uint64_t cmos_clock_unix_at_boot(void);
uint64_t cmos_clock_boot_tsc(void);

#endif
