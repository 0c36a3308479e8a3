/*
 * Guests that run in software (core/vcpu_run.c, VEXIT_SOFTWARE: VMX
 * without unrestricted guest in real mode or unpaged protected mode) meet
 * instructions the hardware would have made exit: the emulator refuses
 * them, and this file says which exit the CPU would have made, so that
 * they take the same path as on hardware (CPUID to the VMM, MSRs through
 * core/msr.c, ...). Host-testable: it looks only at the decoded
 * instruction and the registers.
 */
#ifndef CORE_SOFT_EXIT_H
#define CORE_SOFT_EXIT_H

#include <stdbool.h>
#include "core/vcpu.h"
#include "emul/emul.h"

enum soft_exit {
	SOFT_NONE,      /* not one of them: the emulator's refusal stands */
	SOFT_EXIT,      /* *e is the exit the CPU would have made */
	SOFT_GP,        /* privileged above CPL 0: #GP(0) */
	SOFT_UD,        /* hidden from the guest's CPUID: #UD */
};

enum soft_exit soft_exit_of(const struct emul_insn *in, const struct vcpu_regs *r,
			    unsigned cpl, uint64_t cr4, struct vexit *e);

#endif
