/*
 * align.c - the alignment check (#AC, vector 17): SDM Vol. 3A 6.15
 * "Interrupt 17 - Alignment Check Exception (#AC)" and its Table 6-7,
 * AMD APM Vol. 2 8.2.18.
 *
 * Armed when CR0.AM = 1, EFLAGS.AC = 1 and CPL = 3 (virtual-8086 mode
 * runs at CPL 3). Every data or stack access that mem.c makes for the
 * guest passes here after its segment checks and before it reaches the
 * callbacks (paging, MMIO): a word must lie at an even address, a
 * doubleword at a multiple of 4, a quadword at a multiple of 8. Larger
 * data are made of such accesses, so Table 6-7 follows from their sizes:
 * an 80-bit x87 value (8 + 2 bytes) needs 8, m16:16 (2 + 2) 2, m16:32
 * (4 + 2) 4, m16:64 (8 + 2) 8, a 16-byte SSE operand (8 + 8) 8, which
 * the SDM allows for MOVUPS/MOVDQU/LDDQU ("may or may not be generated
 * ... when data addresses are not aligned on an 8-byte boundary"). The
 * x87 environment and save images are the exception: the table asks 4 or
 * 2 by operand size for the whole image, whatever pieces it is moved in
 * (x->ac_align). Not checked: instruction fetches, implicit supervisor
 * accesses (descriptor tables, TSS, IDT; "memory references that default
 * to privilege level 0 ... even when caused by a memory reference made
 * from privilege level 3", SDM 6.15), byte accesses.
 *
 * Order: Table 6-2 puts segment faults, #PF and #AC in one class (faults
 * on executing an instruction) without ranking them for one access; we
 * check after the segment limits and before paging, as Bochs does (its
 * access functions test alignment before translating), so a device never
 * sees an MMIO read that then faults.
 *
 * The error code is 0, with EXT (bit 0) set when the #AC is raised while
 * delivering an event other than a software interrupt (SDM 6.13, 6.15).
 */
#include "emul_private.h"

#define VEC_AC 17
#define CR0_AM (1ull << 18)

/* The access's required alignment, 1 when it has none (bytes, and the
 * sizes that are pieces of a larger datum: 3, 5, 6, 7). */
static unsigned required(const struct emul_exec *x, unsigned size)
{
	if (x->ac_align)
		return x->ac_align;
	return size == 2 || size == 4 || size == 8 ? size : 1;
}

/* Virtual-8086 mode is CPL 3 here too: the emulator runs it only so
 * (vm86.c). */
bool emul_ac_armed(const struct emul_cpu *c)
{
	return (c->cr0 & CR0_AM) && (c->rflags & EMUL_FL_AC) && c->cpl == 3;
}

int emul_ac_check_slow(struct emul_exec *x, uint64_t la, unsigned size,
		       unsigned acc)
{
	if (acc & (EMUL_ACC_SYS | EMUL_ACC_FETCH) || !emul_ac_armed(x->cpu))
		return EX_OK;
	if (!(la & (required(x, size) - 1)))
		return EX_OK;
	return emul_raise(x, VEC_AC, true, x->ext);
}
