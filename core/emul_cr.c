/*
 * See core/emul_cr.h. SDM Vol. 2 "MOV-Move to/from Control Registers":
 * outside 64-bit mode the operand is 32 bits (the emulator hands over
 * what it read, already cut); with CR4.PCIDE, bit 63 of a CR3 value is
 * "no flush" and not stored. The rules for CR0 and CR4 are
 * core/cpu_rules.c's, shared with both backends' intercepts.
 */
#include "core/emul_cr.h"
#include "core/cpu_rules.h"
#include "core/cpuid.h"
#include "core/vm.h"
#include "arch/x86/virt.h"

#define CR3_PCID_NOFLUSH (1ULL << 63)

bool vcpu_write_cr(struct vcpu *v, unsigned cr, uint64_t value)
{
	struct vcpu_sregs s;
	bool long64;

	virt->get_sregs(v, &s);
	long64 = (s.efer & RULES_EFER_LMA) && s.cs.l;
	switch (cr) {
	case 0:
		if (!cpu_rules_cr0_write(s.cr0, value, s.cr4, s.efer, long64,
					 &s.cr0, &s.efer))
			return false;
		break;
	case 2:
		s.cr2 = value;
		break;
	case 3:
		s.cr3 = value & ~CR3_PCID_NOFLUSH;
		break;
	case 4:
		if (!cpu_rules_cr4_write(cpuid_rules(), s.cr4, value, s.cr3, s.efer))
			return false;
		s.cr4 = value;
		break;
	default:
		return false;
	}
	virt->set_sregs(v, &s);
	return true;
}
