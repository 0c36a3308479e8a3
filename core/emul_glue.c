/*
 * emul/ callbacks for guest vCPUs (see core/emul_glue.h). A linear address
 * goes through the guest's page tables (mmu/guest_walk.c) with the access
 * rights checked the way the CPU would (SDM Vol. 3 4.6), then to slot RAM
 * or, outside every slot, to MMIO.
 */
#include "core/emul_glue.h"
#include "core/cpuid.h"
#include "core/guest_mem.h"
#include "core/lib.h"
#include "core/vm.h"
#include "core/x87_proxy.h"
#include "core/emul_cr.h"
#include "core/simd_proxy.h"
#include "mmu/guest_walk.h"
#include "abi/errno.h"

#define PF_P    (1u << 0)
#define PF_W    (1u << 1)
#define PF_U    (1u << 2)
#define PF_RSVD (1u << 3)
#define PF_I    (1u << 4)
#define CR0_WP_BIT (1ULL << 16)
#define EFER_NXE_BIT (1ULL << 11)

/* The #PF for an access: its error code is built only when it happens. */
/* cause: 0 (not present), PF_P (rights) or PF_P | PF_RSVD (reserved bit). */
static void page_fault(struct emul_event *f, const struct emul_cpu *c,
		       uint64_t la, unsigned acc, uint32_t cause)
{
	bool write = acc & (EMUL_ACC_WRITE | EMUL_ACC_RMW);
	bool fetch = acc & EMUL_ACC_FETCH;
	uint32_t code = (write ? PF_W : 0) | (acc & EMUL_ACC_USER ? PF_U : 0) |
			(fetch && (c->efer & EFER_NXE_BIT) ? PF_I : 0) | cause;

	*f = (struct emul_event){ .vector = 14, .has_error_code = 1,
				  .error_code = code, .cr2 = la };
}

/* A walk of the guest's page tables, when the remembered translation x
 * does not hold (it is refilled); kept out of line so that the common
 * path's frame stays small. false: #PF (not present, or a reserved bit)
 * in *fault. */
static __attribute__((noinline)) bool walk(struct vcpu_emul *ve,
		struct vcpu_xlat *x, uint64_t la, unsigned acc,
		struct guest_translation *t, struct emul_event *fault)
{
	const struct emul_cpu *c = &ve->cpu;

	int r = guest_translate(ve->v, x, c->cr0, c->cr3, c->cr4, c->efer, la, t);

	if (r) {
		page_fault(fault, c, la, acc, r == -EINVAL ? PF_P | PF_RSVD : 0);
		return false;
	}
	return true;
}

/* Linear → guest-physical with the CPU's permission checks, through the
 * remembered translation x (v->fetch for fetches, v->data otherwise). */
static inline __attribute__((always_inline)) bool
translate(struct vcpu_emul *ve, struct vcpu_xlat *x, uint64_t la,
	  unsigned acc, uint64_t *gpa, struct emul_event *fault)
{
	const struct emul_cpu *c = &ve->cpu;
	struct guest_translation t;
	bool write = acc & (EMUL_ACC_WRITE | EMUL_ACC_RMW);
	bool user = acc & EMUL_ACC_USER;
	bool fetch = acc & EMUL_ACC_FETCH;

	if (guest_xlat_valid(ve->v, x, c->cr0, c->cr3, c->cr4, c->efer, la)) {
		/* the usual case, inline: guest_translate() would do the same */
		t.gpa = x->gpa_page + (la - x->la_page);
		t.writable = x->writable;
		t.user = x->user;
		t.nx = x->nx;
	} else if (!walk(ve, x, la, acc, &t, fault)) {
		return false;
	}
	if ((user && !t.user) ||
	    (write && !t.writable && (user || (c->cr0 & CR0_WP_BIT))) ||
	    (fetch && t.nx && (c->efer & EFER_NXE_BIT))) {
		page_fault(fault, c, la, acc, PF_P);
		return false;
	}
	*gpa = t.gpa;
	return true;
}

/* RAM at the host address the translation remembered (accesses never
 * cross a page: emul/ splits them). */
static enum emul_mem_status access_page(struct vm *vm, const struct vcpu_xlat *c,
					uint64_t la, uint64_t gpa, void *buf,
					unsigned len, bool write)
{
	uint8_t *p = (uint8_t *)c->page + (la & (PAGE_SIZE - 1));

	if (!buf)
		return EMUL_MEM_OK;             /* a probe */
	if (write) {
		memcpy(p, buf, len);
		vm_mark_dirty(vm, gpa);
		vm_guest_wrote(vm, gpa, len);
	} else {
		memcpy(buf, p, len);
	}
	return EMUL_MEM_OK;
}

/* Where the translation does not say RAM or MMIO (its walk read entries
 * outside slot RAM, or the page is in no extent): the slot lookup. */
static __attribute__((noinline)) enum emul_mem_status
access_slot(struct vm *vm, uint64_t gpa, void *buf, unsigned len, bool write)
{
	if (!vm_slot_at(vm, gpa))
		return EMUL_MEM_MMIO;
	if (!buf)
		return EMUL_MEM_OK;             /* a probe */
	int r = write ? guest_write_gpa(vm, gpa, buf, len)
		      : guest_read_gpa(vm, gpa, buf, len);
	if (r == 0 && write)
		vm_mark_dirty(vm, gpa);
	return r ? EMUL_MEM_MMIO : EMUL_MEM_OK;
}

/* One callback's work, inlined into each so that 'write' and the cache
 * are constants there. */
static inline __attribute__((always_inline)) enum emul_mem_status
access(struct vcpu_emul *ve, struct vcpu_xlat *c, uint64_t la, void *buf,
       unsigned len, unsigned acc, uint64_t *gpa, struct emul_event *fault,
       bool write)
{
	struct vm *vm = ve->v->vm;

	if (!translate(ve, c, la, acc, gpa, fault))
		return EMUL_MEM_FAULT;
	/* the access happens (a probe, buf NULL, only asks): accessed and
	 * dirty bits as the CPU sets them */
	if (buf && guest_xlat_holds(c, la) &&
	    !(c->marked & (write ? XLAT_MARKED_DIRTY : XLAT_MARKED_ACCESSED)))
		guest_xlat_mark_used(ve->v, c, write);
	/* the common case: the translation knows RAM from MMIO */
	if (guest_xlat_holds(c, la) && (c->mmio || c->page))
		return c->mmio ? EMUL_MEM_MMIO : access_page(vm, c, la, *gpa, buf,
							     len, write);
	return access_slot(vm, *gpa, buf, len, write);
}

static enum emul_mem_status cb_fetch(void *opaque, uint64_t la, void *buf,
				     unsigned len, unsigned acc, uint64_t *gpa,
				     struct emul_event *fault)
{
	struct vcpu_emul *ve = opaque;

	return access(ve, &ve->v->fetch, la, buf, len, acc, gpa, fault, false);
}

static enum emul_mem_status cb_read(void *opaque, uint64_t la, void *buf,
				    unsigned len, unsigned acc, uint64_t *gpa,
				    struct emul_event *fault)
{
	struct vcpu_emul *ve = opaque;

	return access(ve, &ve->v->data, la, buf, len, acc, gpa, fault, false);
}

static enum emul_mem_status cb_write(void *opaque, uint64_t la, const void *buf,
				     unsigned len, unsigned acc, uint64_t *gpa,
				     struct emul_event *fault)
{
	struct vcpu_emul *ve = opaque;

	return access(ve, &ve->v->data, la, (void *)buf, len, acc, gpa, fault,
		      true);
}

static void seg_to_emul(struct emul_seg *e, const struct vcpu_segment *s)
{
	*e = (struct emul_seg){ .base = s->base, .limit = s->limit,
		.sel = s->selector, .type = s->type, .s = s->s, .dpl = s->dpl,
		.present = s->present, .db = s->db, .l = s->l, .g = s->g,
		.unusable = s->unusable };
}

/* The segments load_cpu() left out, when an instruction needs them. */
static void cb_get_seg(void *opaque, unsigned sreg, struct emul_seg *seg)
{
	struct vcpu_emul *ve = opaque;
	struct vcpu_segment s;

	virt->get_segment(ve->v, sreg, &s);
	seg_to_emul(seg, &s);
}

static void cb_set_dtable(void *opaque, unsigned which, uint64_t base, uint16_t limit)
{
	struct vcpu_emul *ve = opaque;

	virt->set_dtable(ve->v, which, base, limit);
}

static void cb_get_dtable(void *opaque, unsigned which, uint64_t *base,
			  uint16_t *limit)
{
	struct vcpu_emul *ve = opaque;
	struct vcpu_sregs s;

	virt->get_sregs(ve->v, &s);     /* rare: descriptor-table users only */
	const struct vcpu_dtable *d = which == EMUL_DTABLE_IDT ? &s.idt : &s.gdt;
	*base = d->base;
	*limit = d->limit;
}

static void cb_get_sysseg(void *opaque, unsigned which, struct emul_seg *seg)
{
	struct vcpu_emul *ve = opaque;
	struct vcpu_sregs s;

	virt->get_sregs(ve->v, &s);
	seg_to_emul(seg, which == EMUL_SYSSEG_TR ? &s.tr : &s.ldt);
}

static int cb_x87(void *opaque, struct emul_x87 *op)
{
	struct vcpu_emul *ve = opaque;

	return x87_proxy_run(ve->v, op);
}

static int cb_simd(void *opaque, struct emul_simd *op)
{
	struct vcpu_emul *ve = opaque;

	return simd_proxy_run(ve->v, op);
}

static void seg_from_emul(struct vcpu_segment *s, const struct emul_seg *e);

/* LLDT/LTR: rare, through the whole-state get_sregs/set_sregs. */
static void cb_set_sysseg(void *opaque, unsigned which,
			  const struct emul_seg *seg)
{
	struct vcpu_emul *ve = opaque;
	struct vcpu_sregs s;
	struct vcpu_segment *dst;
	uint8_t avl;

	virt->get_sregs(ve->v, &s);
	dst = which == EMUL_SYSSEG_TR ? &s.tr : &s.ldt;
	avl = dst->avl;
	seg_from_emul(dst, seg);
	dst->avl = avl;
	virt->set_sregs(ve->v, &s);
}

/* INVLPG, which a backend hands over only without nested paging (its
 * shadow tables are the guest's TLB); with nested paging (code in MMIO)
 * the guest's whole TLB is flushed, which covers the one address. */
static void cb_invlpg(void *opaque, uint64_t la)
{
	struct vcpu_emul *ve = opaque;
	struct vm *vm = ve->v->vm;

	if (vm->shadow)
		vm_shadow_invlpg(vm, la);
	else
		virt->flush_guest_tlb(ve->v);
}

/* MOV to CRn and CLTS: guests that run in software (real mode on VMX
 * without unrestricted guest) or code in MMIO. */
static bool cb_write_cr(void *opaque, unsigned cr, uint64_t value)
{
	struct vcpu_emul *ve = opaque;

	return vcpu_write_cr(ve->v, cr, value);
}

static void cb_flush_tlb(void *opaque)
{
	struct vcpu_emul *ve = opaque;

	virt->flush_guest_tlb(ve->v);
}

/* RDRAND/RDSEED from MMIO code: the CPU's own generator, which the
 * guest's CPUID announces only where the CPU has it (docs/virtual-cpu.md:
 * RDRAND and RDSEED are "host's", native). CF says whether it gave a
 * number (SDM Vol. 2 RDRAND, RDSEED); the caller retries, as in RAM. */
static bool cb_rdrand(void *opaque, bool seed, uint64_t *value)
{
	bool ok;

	(void)opaque;
	if (seed)
		__asm__ volatile("rdseed %0" : "=r"(*value), "=@ccc"(ok));
	else
		__asm__ volatile("rdrand %0" : "=r"(*value), "=@ccc"(ok));
	return ok;
}

static const struct emul_ops guest_emul_ops = {
	.fetch = cb_fetch,
	.read = cb_read,
	.write = cb_write,
	.get_seg = cb_get_seg,
	.set_dtable = cb_set_dtable,
	.get_dtable = cb_get_dtable,
	.get_sysseg = cb_get_sysseg,
	.x87 = cb_x87,
	.set_sysseg = cb_set_sysseg,
	.invlpg = cb_invlpg,
	.write_cr = cb_write_cr,
	.simd = cb_simd,
	.flush_tlb = cb_flush_tlb,
	.rdrand = cb_rdrand,
};

/* emul's GPR order is the encoding order (RAX RCX RDX RBX RSP RBP RSI RDI);
 * struct vcpu_regs is kvm_regs order. Spelled out: this copy runs on every
 * MMIO exit, and a loop over a table of pointers costs ten times more. */
static void gprs_to_emul(uint64_t *g, const struct vcpu_regs *r)
{
	g[EMUL_RAX] = r->rax; g[EMUL_RCX] = r->rcx;
	g[EMUL_RDX] = r->rdx; g[EMUL_RBX] = r->rbx;
	g[EMUL_RSP] = r->rsp; g[EMUL_RBP] = r->rbp;
	g[EMUL_RSI] = r->rsi; g[EMUL_RDI] = r->rdi;
	g[EMUL_R8] = r->r8;   g[EMUL_R9] = r->r9;
	g[EMUL_R10] = r->r10; g[EMUL_R11] = r->r11;
	g[EMUL_R12] = r->r12; g[EMUL_R13] = r->r13;
	g[EMUL_R14] = r->r14; g[EMUL_R15] = r->r15;
}

/* Where emul's GPR n lives in struct vcpu_regs. */
static const uint8_t vcpu_gpr_offset[16] = {
	[EMUL_RAX] = offsetof(struct vcpu_regs, rax),
	[EMUL_RCX] = offsetof(struct vcpu_regs, rcx),
	[EMUL_RDX] = offsetof(struct vcpu_regs, rdx),
	[EMUL_RBX] = offsetof(struct vcpu_regs, rbx),
	[EMUL_RSP] = offsetof(struct vcpu_regs, rsp),
	[EMUL_RBP] = offsetof(struct vcpu_regs, rbp),
	[EMUL_RSI] = offsetof(struct vcpu_regs, rsi),
	[EMUL_RDI] = offsetof(struct vcpu_regs, rdi),
	[EMUL_R8] = offsetof(struct vcpu_regs, r8),
	[EMUL_R9] = offsetof(struct vcpu_regs, r9),
	[EMUL_R10] = offsetof(struct vcpu_regs, r10),
	[EMUL_R11] = offsetof(struct vcpu_regs, r11),
	[EMUL_R12] = offsetof(struct vcpu_regs, r12),
	[EMUL_R13] = offsetof(struct vcpu_regs, r13),
	[EMUL_R14] = offsetof(struct vcpu_regs, r14),
	[EMUL_R15] = offsetof(struct vcpu_regs, r15),
};

/* Only the GPRs the instruction wrote (emul_cpu.gpr_written): an MMIO
 * load writes one, a store none. */
static void gprs_from_emul(struct vcpu_regs *r, struct emul_cpu *c)
{
	for (unsigned w = c->gpr_written; w; w &= w - 1) {
		unsigned n = (unsigned)__builtin_ctz(w);

		*(uint64_t *)((uint8_t *)r + vcpu_gpr_offset[n]) = c->gpr[n];
	}
	c->gpr_written = 0;
}

/* Only what decides mode and CPL, and paging: segments are converted
 * (on VMX, four VMREADs each) when an instruction needs them, which in
 * 64-bit mode is rarely (cb_get_seg()). */
static inline __attribute__((always_inline)) void load_cpu(struct vcpu_emul *ve)
{
	struct vcpu *v = ve->v;
	struct emul_cpu *c = &ve->cpu;
	struct vcpu_exec_state s;

	virt->get_exec_state(v, &s);
	gprs_to_emul(c->gpr, &v->regs);
	c->rip = v->regs.rip;
	c->rflags = v->regs.rflags;
	c->seg_loaded = 0;
	c->gpr_written = 0;
	c->seg_written = 0;
	c->cr0_written = 0;
	c->cr0 = s.cr0;
	c->cr2 = s.cr2;
	c->cr3 = s.cr3;
	c->cr4 = s.cr4;
	c->efer = s.efer;
	c->cpl = (s.cr0 & 1) ? s.ss_dpl : 0;
	c->mode = emul_mode_of(s.cr0, s.efer, v->regs.rflags, s.cs_l, s.cs_db);
}

static void seg_from_emul(struct vcpu_segment *s, const struct emul_seg *e)
{
	*s = (struct vcpu_segment){ .base = e->base, .limit = e->limit,
		.selector = e->sel, .type = e->type, .s = e->s, .dpl = e->dpl,
		.present = e->present, .db = e->db, .l = e->l, .g = e->g,
		.unusable = e->unusable };
}

/* Segments the instruction loaded (emul_cpu.seg_written) and CR0 it
 * wrote (cr0_written, LMSW): rare (segment loads, far transfers, event
 * delivery), so through the whole-state get_sregs/set_sregs, which also
 * takes the CPL from SS.DPL and, for a new CR0, flushes the guest's
 * translations as a MOV to CR0 does. */
static __attribute__((noinline)) void segs_from_emul(struct vcpu_emul *ve)
{
	struct emul_cpu *c = &ve->cpu;
	struct vcpu_sregs s;
	struct vcpu_segment *dst[6] = { &s.es, &s.cs, &s.ss, &s.ds, &s.fs, &s.gs };

	virt->get_sregs(ve->v, &s);
	if (c->cr0_written)
		s.cr0 = c->cr0;
	for (unsigned n = 0; n < 6; n++)
		if (c->seg_written & (1u << n)) {
			uint8_t avl = dst[n]->avl;      /* emul_seg has no AVL */

			seg_from_emul(dst[n], &c->seg[n]);
			dst[n]->avl = avl;
		}
	virt->set_sregs(ve->v, &s);
	c->seg_written = 0;
	c->cr0_written = 0;
}

static inline __attribute__((always_inline)) void store_cpu(struct vcpu_emul *ve)
{
	struct vcpu *v = ve->v;

	if (ve->cpu.seg_written || ve->cpu.cr0_written)
		segs_from_emul(ve);
	gprs_from_emul(&v->regs, &ve->cpu);
	v->regs.rip = ve->cpu.rip;
	v->regs.rflags = ve->cpu.rflags;
}

/* CPUID 1 ECX/EDX: MMX, SSE to SSE4.2, PCLMULQDQ, AES-NI (emul.h
 * EMUL_FEAT_*). */
static uint32_t simd_features(uint32_t ecx, uint32_t edx)
{
	static const struct { uint8_t reg_edx, bit; uint32_t feat; } map[] = {
		{ 1, 23, EMUL_FEAT_MMX }, { 1, 25, EMUL_FEAT_SSE },
		{ 1, 26, EMUL_FEAT_SSE2 }, { 0, 0, EMUL_FEAT_SSE3 },
		{ 0, 9, EMUL_FEAT_SSSE3 }, { 0, 19, EMUL_FEAT_SSE41 },
		{ 0, 20, EMUL_FEAT_SSE42 }, { 0, 1, EMUL_FEAT_PCLMUL },
		{ 0, 25, EMUL_FEAT_AES },
	};
	uint32_t f = 0;

	for (unsigned i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (((map[i].reg_edx ? edx : ecx) >> map[i].bit) & 1)
			f |= map[i].feat;
	return f;
}

/* CPUID 8000_0001h ECX/EDX: AMD's MMX extensions, 3DNow! and its
 * extensions, SSE4a, misaligned SSE. */
static uint32_t simd_ext_features(uint32_t ecx, uint32_t edx)
{
	return ((edx >> 22) & 1 ? EMUL_FEAT_MMXEXT : 0) |
	       ((ecx >> 6) & 1 ? EMUL_FEAT_SSE4A : 0) |
	       ((edx >> 31) & 1 ? EMUL_FEAT_3DNOW : 0) |
	       ((edx >> 30) & 1 ? EMUL_FEAT_3DNOWEXT : 0) |
	       ((ecx >> 7) & 1 ? EMUL_FEAT_MISALIGNSSE : 0);
}

/* CPUID (7,0) EBX: SHA, CLFLUSHOPT, CLWB, RTM, INVPCID, BMI1 (and
 * TZCNT), BMI2, ADX. */
static uint32_t leaf7_features(uint32_t ebx)
{
	static const struct { uint8_t bit; uint32_t feat; } map[] = {
		{ 29, EMUL_FEAT_SHA }, { 23, EMUL_FEAT_CLFLUSHOPT },
		{ 24, EMUL_FEAT_CLWB }, { 11, EMUL_FEAT_RTM },
		{ 10, EMUL_FEAT_INVPCID }, { 3, EMUL_FEAT_BMI1 },
		{ 8, EMUL_FEAT_BMI2 }, { 19, EMUL_FEAT_ADX },
	};
	uint32_t f = 0;

	for (unsigned i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if ((ebx >> map[i].bit) & 1)
			f |= map[i].feat;
	return f;
}

/* The group 15, group 9 and PREFETCHW forms' features (emul.h): CPUID
 * 1 ECX[30] RDRAND; (7,0) EBX[0] FSGSBASE, EBX[18] RDSEED, ECX[5]
 * WAITPKG, ECX[22] RDPID; (14h,0) EBX[4] PTWRITE (only where the basic
 * maximum reaches 14h: beyond it an Intel CPU answers its highest leaf);
 * 8000_0001h ECX[8] 3DNowPrefetch, EDX[29] LM. */
static uint64_t grp_features(uint32_t leaf1_ecx, const struct vcpu_regs *l7,
			     const struct vcpu_regs *e1)
{
	struct vcpu_regs r = { .rax = 0 };
	uint64_t f = 0;

	f |= (leaf1_ecx >> 30) & 1 ? EMUL_FEAT_RDRAND : 0;
	f |= l7->rbx & 1u ? EMUL_FEAT_FSGSBASE : 0;
	f |= (l7->rbx >> 18) & 1 ? EMUL_FEAT_RDSEED : 0;
	f |= (l7->rcx >> 5) & 1 ? EMUL_FEAT_WAITPKG : 0;
	f |= (l7->rcx >> 22) & 1 ? EMUL_FEAT_RDPID : 0;
	f |= (e1->rcx >> 8) & 1 ? EMUL_FEAT_PRFCHW : 0;
	f |= (e1->rdx >> 29) & 1 ? EMUL_FEAT_LM : 0;
	cpuid_emulate(&r);
	if ((uint32_t)r.rax >= 0x14) {
		r = (struct vcpu_regs){ .rax = 0x14 };
		cpuid_emulate(&r);
		f |= (r.rbx >> 4) & 1 ? EMUL_FEAT_PTWRITE : 0;
	}
	return f;
}

/* The optional instructions the guest's CPUID announces, where having
 * them or not changes what an encoding does (emul.h EMUL_FEAT_*). */
static uint64_t guest_features(void)
{
	struct vcpu_regs r = { .rax = 1 }, l7;
	uint64_t f = 0;
	uint32_t leaf1_ecx;

	cpuid_emulate(&r);
	if (r.rcx & (1u << 13))
		f |= EMUL_FEAT_CX16;
	if (r.rdx & (1u << 19))
		f |= EMUL_FEAT_CLFSH;
	if (r.rcx & (1u << 23))
		f |= EMUL_FEAT_POPCNT;
	f |= simd_features(r.rcx, r.rdx);
	leaf1_ecx = (uint32_t)r.rcx;
	l7 = (struct vcpu_regs){ .rax = 7 };
	cpuid_emulate(&l7);
	f |= leaf7_features((uint32_t)l7.rbx);
	r = (struct vcpu_regs){ .rax = 0x80000001 };
	cpuid_emulate(&r);
	f |= grp_features(leaf1_ecx, &l7, &r);
	if (r.rcx & (1u << 11))
		f |= EMUL_FEAT_XOP;
	if (r.rcx & (1u << 5))
		f |= EMUL_FEAT_LZCNT;
	f |= simd_ext_features(r.rcx, r.rdx);
	r = (struct vcpu_regs){ .rax = 0x80000008 };
	cpuid_emulate(&r);
	if (r.rbx & 1u)
		f |= EMUL_FEAT_CLZERO;
	return f;
}

/* Once per vCPU (the context starts zeroed): cold, out of line. */
static __attribute__((noinline)) void init_context(struct vcpu *v, struct vcpu_emul *ve)
{
	ve->v = v;
	emul_init(&ve->ctx, &guest_emul_ops, ve);
	ve->cpu.vendor = (uint8_t)cpuid_vendor();
	ve->cpu.features = guest_features();
}

static inline void first_use(struct vcpu *v, struct vcpu_emul *ve)
{
	if (__builtin_expect(!ve->v, 0))
		init_context(v, ve);
}

/* A delivery is over unless a request is out with more to come. */
static bool delivery_over(enum emul_status st, const struct emul_result *res)
{
	return st != EMUL_MMIO_READ && !(st == EMUL_MMIO_WRITE && !res->retired);
}

enum emul_status vcpu_deliver(struct vcpu *v, struct vcpu_emul *ve)
{
	first_use(v, ve);
	if (!emul_busy(&ve->ctx))
		load_cpu(ve);
	enum emul_status st = emul_deliver_event(&ve->ctx, &ve->cpu, &ve->event,
						 &ve->res);
	if (delivery_over(st, &ve->res))
		ve->delivering = false;
	if (st == EMUL_DONE || (st == EMUL_MMIO_WRITE && ve->res.retired))
		store_cpu(ve);
	return st;
}

enum emul_status vcpu_emulate(struct vcpu *v, struct vcpu_emul *ve)
{
	if (ve->delivering)
		return vcpu_deliver(v, ve);
	first_use(v, ve);
	if (!emul_busy(&ve->ctx))
		load_cpu(ve);
	enum emul_status st = emul_execute(&ve->ctx, &ve->cpu, &ve->res);
	/* DONE and the write requests have committed state (emul.h) */
	if (st == EMUL_DONE || st == EMUL_MMIO_WRITE || st == EMUL_IO_OUT)
		store_cpu(ve);
	return st;
}
