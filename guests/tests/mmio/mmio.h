/*
 * mmio.h - what mmio.bin's check files share (main.c): the device's
 * address, and the bracketing of a check by its number and the device's
 * READS/WRITES counters.
 */
#ifndef MMIO_GUEST_H
#define MMIO_GUEST_H

#include "guest.h"

#define DEV ((volatile uint8_t *)MMIOTEST_GPA)
#define REG64(off) (*(volatile uint64_t *)(MMIOTEST_GPA + (off)))

/* Labels the case for the trace, then remembers the counters. */
void begin(unsigned int n);
/* True if exactly r reads and w writes happened since begin(). */
bool exits(uint64_t r, uint64_t w);

/* gpr_forms.c: checks 55-59 */
void check_gpr_forms(void);
/* grp15_forms.c: checks 60-65 */
void check_grp15_forms(void);

#endif
