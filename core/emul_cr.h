/*
 * MOV to a control register run by the emulator (emul_ops.write_cr): the
 * checks of core/cpu_rules.c, then the new value through the backend's
 * set_sregs, as the hardware's intercepts do for a guest in hardware.
 */
#ifndef CORE_EMUL_CR_H
#define CORE_EMUL_CR_H

#include <stdbool.h>
#include <stdint.h>
#include "core/vcpu.h"

/* CR0, CR2, CR3 or CR4 <- value; false: #GP(0), nothing changed. */
bool vcpu_write_cr(struct vcpu *v, unsigned cr, uint64_t value);

#endif
