/*
 * Guest segment registers in the VMCS: the access-rights format (Intel SDM
 * Vol. 3 24.4.1, Table 24-2) and the few adjustments VM entry needs that a
 * VMM's kvm_segment does not spell out (SDM 26.3.1.2). Pure conversion,
 * compiled and tested on the host (tests/unit/test_vmx_seg.c).
 */
#ifndef ARCH_X86_VMX_SEG_H
#define ARCH_X86_VMX_SEG_H

#include <stdbool.h>
#include <stdint.h>
#include "core/vcpu.h"

#define VMX_AR_TYPE_MASK      0xfu
#define VMX_AR_S              (1u << 4)
#define VMX_AR_DPL_SHIFT      5
#define VMX_AR_P              (1u << 7)
#define VMX_AR_AVL            (1u << 12)
#define VMX_AR_L              (1u << 13)
#define VMX_AR_DB             (1u << 14)
#define VMX_AR_G              (1u << 15)
#define VMX_AR_UNUSABLE       (1u << 16)

#define VMX_TSS16_AVAIL       1
#define VMX_TSS16_BUSY        3
#define VMX_TSS_AVAIL         9
#define VMX_TSS_BUSY          11        /* 32-bit, and 64-bit in IA-32e */

/* Which register a segment is, for vmx_seg_for_entry(). */
enum vmx_seg_kind { VMX_SEG_KIND_CS, VMX_SEG_KIND_SS, VMX_SEG_KIND_DATA,
		    VMX_SEG_KIND_LDTR, VMX_SEG_KIND_TR };

/* Access rights for a segment; a segment that is unusable or not present
 * is unusable (bit 16) with only its DPL kept (SS.DPL is the CPL). */
uint32_t vmx_ar_pack(const struct vcpu_segment *s);
/* The descriptor bits of 'ar' into *s (base, limit, selector untouched).
 * An unusable segment reads as not present. */
void vmx_ar_unpack(uint32_t ar, struct vcpu_segment *s);

/*
 * Adjusts a segment the VMM gave so that VM entry accepts what the
 * architecture would (all documented in seg.c): accessed bit on code/data,
 * DPL 0 in real mode, real-mode CS with a non-zero selector RPL as a data
 * segment, a null LDTR as unusable, TR as a busy TSS.
 * 'real_mode' is CR0.PE = 0; 'ia32e' is EFER.LMA.
 */
void vmx_seg_for_entry(struct vcpu_segment *s, enum vmx_seg_kind kind,
		       bool real_mode, bool ia32e);

#endif
