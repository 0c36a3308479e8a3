/* Reflection of the intercepted #AC and #DB (see core/exc_reflect.h). */
#include "core/exc_reflect.h"
#include "core/guest_mem.h"
#include "core/log.h"
#include "core/vm.h"
#include "arch/x86/cpu.h"
#include "arch/x86/virt.h"

#define TRAP_DB 1
#define TRAP_AC 17
#define LOG_STORMS 4

/*
 * Offset and selector of IDT entry 'vector' (SDM 6.10, 6.14.1: 16-byte
 * gates in IA-32e mode, 8-byte ones in protected mode; the real-mode IVT
 * holds offset:segment). False if the table does not hold it or cannot be
 * read.
 */
static bool idt_target(struct vcpu *v, unsigned vector, uint64_t *offset,
		       uint16_t *selector)
{
	struct vcpu_sregs s;
	uint8_t g[16];

	virt->get_sregs(v, &s);
	bool pm = s.cr0 & CR0_PE, lm = s.efer & EFER_LMA;
	unsigned size = lm ? 16 : pm ? 8 : 4;

	if ((uint64_t)vector * size + size - 1 > s.idt.limit ||
	    guest_read_linear(v, s.cr0, s.cr3, s.cr4, s.efer,
			      s.idt.base + vector * size, g, size) != (int)size)
		return false;
	if (!pm) {
		*offset = g[0] | g[1] << 8;
		*selector = (uint16_t)(g[2] | g[3] << 8);
		return true;
	}
	*offset = g[0] | g[1] << 8 | (uint32_t)g[6] << 16 | (uint32_t)g[7] << 24;
	if (lm)
		*offset |= (uint64_t)(g[8] | g[9] << 8 | g[10] << 16 |
				      (uint32_t)g[11] << 24) << 32;
	*selector = (uint16_t)(g[2] | g[3] << 8);
	return true;
}

/*
 * A #DB raised by the delivery of the #DB reflected at the previous exit,
 * before the handler ran an instruction (RIP is the handler's entry), at
 * the same RIP and RSP as that one: each delivery sets up the next one, and
 * on hardware it would repeat forever (a data breakpoint on an IST stack).
 * A #DB at the same place after the handler ran (a guest stepping its own
 * `jmp .`) is not at the handler's entry.
 */
static bool db_storm(struct vcpu *v)
{
	bool again = v->db_reflect_exits + 1 == v->exits &&
		     v->db_reflect_rip == v->regs.rip &&
		     v->db_reflect_rsp == v->regs.rsp;
	uint64_t offset;
	uint16_t selector;
	struct vcpu_segment cs;

	v->db_reflect_exits = v->exits;
	v->db_reflect_rip = v->regs.rip;
	v->db_reflect_rsp = v->regs.rsp;
	if (!again || !idt_target(v, TRAP_DB, &offset, &selector))
		return false;
	virt->get_segment(v, 1, &cs);
	return offset == v->regs.rip && selector == cs.selector;
}

bool exc_reflect(struct vcpu *v, const struct vexit *e)
{
	uint32_t vector = e->exc.vector;

	if (vector != TRAP_AC && vector != TRAP_DB)
		return false;
	if (vector == TRAP_DB && v->debug.enabled)
		return false;           /* KVM_EXIT_DEBUG */
	if (e->exc.recursed || (vector == TRAP_DB && db_storm(v))) {
		if (v->vm->exc_storms++ < LOG_STORMS)
			printk("vm%u: %s raised again by its own delivery at RIP "
			       "%#lx: stopped with KVM_EXIT_EXCEPTION\n", v->vm->id,
			       vector == TRAP_AC ? "#AC" : "#DB", v->regs.rip);
		return false;
	}
	/* #AC pushes error code 0 (SDM 6.15); #DB none, and its DR6 is
	 * already the guest's (the VMCB on SVM; vmx/exit.c on VMX) */
	virt->inject_exception(v, (uint8_t)vector, vector == TRAP_AC, 0);
	return true;
}
