/*
 * See core/emul_cr.h. SDM Vol. 2 "MOV-Move to/from Control Registers":
 * outside 64-bit mode the operand is 32 bits (the emulator hands over
 * what it read, already cut). The rules for CR0, CR3 and CR4 are
 * core/cpu_rules.c's, shared with both backends' intercepts; the PAE
 * PDPTE rule is mmu/guest_access.h's, shared with the shadow tables and
 * task switches.
 */
#include "core/emul_cr.h"
#include "core/cpu_rules.h"
#include "core/cpuid.h"
#include "core/guest_mem.h"
#include "core/vm.h"
#include "arch/x86/virt.h"
#include "mmu/guest_access.h"

#define PDPT_MASK 0xffffffe0ULL /* PAE CR3: a 32-byte aligned table below 4 GiB */

/* The CR0 and CR4 bits whose change makes a MOV load the PDPTEs when PAE
 * paging is in use afterwards (SDM Vol. 3 4.4.1). */
#define PDPTE_LOAD_CR0 (RULES_CR0_CD | RULES_CR0_NW | RULES_CR0_PG)
#define PDPTE_LOAD_CR4 (RULES_CR4_PAE | RULES_CR4_PGE | RULES_CR4_PSE | RULES_CR4_SMEP)

static bool pae_paging(const struct vcpu_sregs *s)
{
	return (s->cr0 & RULES_CR0_PG) && (s->cr4 & RULES_CR4_PAE) &&
	       !(s->efer & RULES_EFER_LMA);
}

/* Does this write load the PDPTEs? A MOV to CR3, or to CR0/CR4 changing
 * one of the bits above, with PAE paging afterwards. */
static bool loads_pdptes(unsigned cr, const struct vcpu_sregs *old,
			 const struct vcpu_sregs *s)
{
	if (!pae_paging(s))
		return false;
	return cr == 3 || ((old->cr0 ^ s->cr0) & PDPTE_LOAD_CR0) ||
	       ((old->cr4 ^ s->cr4) & PDPTE_LOAD_CR4);
}

/* The four PDPTEs the new CR3 names: one present with a reserved bit is
 * #GP(0) for the MOV (SDM Vol. 3 4.4.1), where entry would fail (EPT
 * takes them from the VMCS) or the shadow tables would refuse them. A
 * PDPT outside RAM reads as not present, as the shadow tables read it. */
static bool pdptes_valid(struct vcpu *v, uint64_t cr3)
{
	uint64_t pdpte[4] = { 0 }, gpa = cr3 & PDPT_MASK;

	if (guest_read_gpa(v->vm, gpa, pdpte, sizeof(pdpte)))
		return true;
	for (unsigned i = 0; i < 4; i++)
		if (guest_pdpte_reserved(pdpte[i], cpuid_rules()->pa_bits))
			return false;
	return true;
}

bool vcpu_write_cr(struct vcpu *v, unsigned cr, uint64_t value)
{
	struct vcpu_sregs s, old;
	bool long64;

	virt->get_sregs(v, &s);
	old = s;
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
		if (!cpu_rules_cr3_write(cpuid_rules(), value, s.cr4, long64, &s.cr3))
			return false;
		break;
	case 4:
		if (!cpu_rules_cr4_write(cpuid_rules(), s.cr4, value, s.cr3, s.efer))
			return false;
		s.cr4 = value;
		break;
	default:
		return false;
	}
	if (loads_pdptes(cr, &old, &s) && !pdptes_valid(v, s.cr3))
		return false;
	virt->set_sregs(v, &s);
	if (cr == 3)
		virt->load_cr3(v);
	return true;
}
