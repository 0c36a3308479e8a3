/*
 * Segment access rights and entry adjustments (see seg.h). Host-testable.
 *
 * SVM takes any segment state; VM entry checks it (SDM Vol. 3 26.3.1.2).
 * KVM_SET_SREGS validates nothing (docs/hypercall-abi.md, "Requests"), so a
 * state that
 * breaks an architectural rule still fails entry and reaches the VMM as
 * KVM_EXIT_TYPE_FAIL_ENTRY; these adjustments only cover what the checks
 * want spelled differently from what a VMM (or reset) naturally writes:
 *
 * - Code and data segments get the accessed bit: the CPU sets it when it
 *   loads a descriptor, and entry requires it for CS, SS, DS-GS.
 * - Real mode (unrestricted guest, CR0.PE = 0): every DPL is 0 and a CS
 *   whose selector has non-zero low bits (e.g. 0x1003) becomes a
 *   read/write data segment (type 3), the form the CPU itself records for
 *   real-mode CS (docs/platforms.md, "Bochs 2.7"); the RPL = DPL check
 *   for code segments would refuse it otherwise.
 * - LDTR with a null selector is unusable, as LLDT with a null selector
 *   makes it.
 * - TR must be a busy TSS: an available type (1, 9) becomes busy, and
 *   the 16-bit busy type 3 becomes 11 in real mode and IA-32e mode (reset
 *   state gives 3; IA-32e entry accepts only 11; real mode never looks at
 *   the type, so GET_SREGS reporting 11 there is the only visible effect).
 */
#include "arch/x86/vmx/seg.h"

uint32_t vmx_ar_pack(const struct vcpu_segment *s)
{
	if (s->unusable || !s->present)
		return VMX_AR_UNUSABLE | (uint32_t)(s->dpl & 3) << VMX_AR_DPL_SHIFT;
	return (s->type & VMX_AR_TYPE_MASK) | (s->s ? VMX_AR_S : 0) |
	       (uint32_t)(s->dpl & 3) << VMX_AR_DPL_SHIFT | VMX_AR_P |
	       (s->avl ? VMX_AR_AVL : 0) | (s->l ? VMX_AR_L : 0) |
	       (s->db ? VMX_AR_DB : 0) | (s->g ? VMX_AR_G : 0);
}

void vmx_ar_unpack(uint32_t ar, struct vcpu_segment *s)
{
	s->type = ar & VMX_AR_TYPE_MASK;
	s->s = (ar & VMX_AR_S) != 0;
	s->dpl = (ar >> VMX_AR_DPL_SHIFT) & 3;
	s->avl = (ar & VMX_AR_AVL) != 0;
	s->l = (ar & VMX_AR_L) != 0;
	s->db = (ar & VMX_AR_DB) != 0;
	s->g = (ar & VMX_AR_G) != 0;
	s->unusable = (ar & VMX_AR_UNUSABLE) != 0;
	s->present = !s->unusable && (ar & VMX_AR_P);
}

static void fix_tr(struct vcpu_segment *s, bool real_mode, bool ia32e)
{
	if (s->type == VMX_TSS16_AVAIL)
		s->type = VMX_TSS16_BUSY;
	else if (s->type == VMX_TSS_AVAIL)
		s->type = VMX_TSS_BUSY;
	if (s->type == VMX_TSS16_BUSY && (real_mode || ia32e))
		s->type = VMX_TSS_BUSY;
}

void vmx_seg_for_entry(struct vcpu_segment *s, enum vmx_seg_kind kind,
		       bool real_mode, bool ia32e)
{
	bool usable = !s->unusable && s->present;

	switch (kind) {
	case VMX_SEG_KIND_LDTR:
		if (!(s->selector & ~3u))
			s->unusable = 1;
		return;
	case VMX_SEG_KIND_TR:
		if (usable)
			fix_tr(s, real_mode, ia32e);
		return;
	case VMX_SEG_KIND_CS:
	case VMX_SEG_KIND_SS:
	case VMX_SEG_KIND_DATA:
		break;
	}
	if (real_mode)
		s->dpl = 0;
	if (!usable || !s->s)
		return;
	s->type |= 1;                           /* accessed */
	if (kind == VMX_SEG_KIND_CS && real_mode && (s->type & 8) && (s->selector & 3))
		s->type = 3;                    /* read/write data, accessed */
}
