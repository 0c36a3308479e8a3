/* Hardware task switches (see core/task_switch.h). */
#include "core/task_switch.h"
#include "arch/x86/trap.h"
#include "mmu/guest_access.h"

#define VEC_DF  8
#define VEC_TS  10
#define VEC_NP  11
#define VEC_SS  12
#define VEC_GP  13
#define VEC_PF  14

#define CR0_PE_BIT   (1ULL << 0)
#define CR0_TS_BIT   (1ULL << 3)
#define CR0_PG_BIT   (1ULL << 31)
#define EFER_LMA_BIT (1ULL << 10)
#define RFLAGS_NT    (1ULL << 14)
#define RFLAGS_VM    (1ULL << 17)
/* the EFLAGS bits a TSS can load (SDM Vol. 1 3.4.3); bit 1 is always 1 */
#define RFLAGS_LOADABLE 0x3f7fd5ULL
#define RFLAGS_FIXED    0x2ULL

/* System descriptor types (SDM Vol. 3 Table 3-2). */
#define TYPE_TSS16_AVAIL 1
#define TYPE_LDT         2
#define TYPE_TSS16_BUSY  3
#define TYPE_TASK_GATE   5
#define TYPE_TSS32_AVAIL 9
#define TYPE_TSS32_BUSY  11
#define TYPE_BUSY_BIT    2      /* in the type: available -> busy */
/* Code/data types: bit 3 code, bit 2 conforming (code) or expand-down
 * (data), bit 1 readable (code) or writable (data), bit 0 accessed. */
#define TYPE_CODE        8
#define TYPE_CONFORMING  4
#define TYPE_EXPAND_DOWN 4
#define TYPE_RW          2
#define TYPE_ACCESSED    1

#define SEL_TI  4u
#define SEL_RPL 3u

/*
 * TSS layouts (SDM Vol. 3 Figures 7-2 and 7-11): where each dynamic field
 * lives, the smallest limit the CPU accepts for a new TSS (0x67 / 0x2b),
 * and the span the old task's state is written to (EIP/IP up to GS / DS),
 * whose end the old TSS's limit must cover.
 */
struct tss_layout {
	uint8_t size;           /* bytes read from a new TSS: limit + 1 */
	uint8_t ip, flags, gpr, gpr_step, sel, sel_step, ldt;
	uint8_t nsel;           /* ES CS SS DS [FS GS] */
	uint8_t save_end;       /* last byte written when saving */
	bool has_cr3;
};

static const struct tss_layout tss32 = {
	.size = 0x68, .ip = 0x20, .flags = 0x24, .gpr = 0x28, .gpr_step = 4,
	.sel = 0x48, .sel_step = 4, .ldt = 0x60, .nsel = 6, .save_end = 0x5f,
	.has_cr3 = true,
};
static const struct tss_layout tss16 = {
	.size = 0x2c, .ip = 14, .flags = 16, .gpr = 18, .gpr_step = 2,
	.sel = 34, .sel_step = 2, .ldt = 42, .nsel = 4, .save_end = 0x29,
	.has_cr3 = false,
};
#define TSS_CR3 0x1c
#define TSS_T   0x64            /* bit 0: the debug trap flag (32-bit TSS) */

#define CR4_PAE_BIT  (1ULL << 5)

/* The dynamic fields of a TSS, whatever its size. */
struct tss_image {
	uint32_t cr3, eip, eflags;
	uint32_t gpr[8];        /* EAX ECX EDX EBX ESP EBP ESI EDI */
	uint16_t sel[6];        /* ES CS SS DS FS GS */
	uint16_t ldt;
	bool debug_trap;        /* T */
};

/* One switch in progress. */
struct ts_ctx {
	const struct task_switch *ts;
	const struct task_mem *mem;
	struct vcpu_sregs *s;           /* working copy: committed at the end */
	struct task_outcome *out;
	uint32_t ext;                   /* EXT bit of the faults' error codes */
};

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

void task_desc_decode(const uint8_t d[8], struct vcpu_segment *seg)
{
	uint32_t limit = le16(d) | (uint32_t)(d[6] & 0xf) << 16;

	seg->base = le16(d + 2) | (uint32_t)d[4] << 16 | (uint32_t)d[7] << 24;
	seg->type = d[5] & 0xf;
	seg->s = (d[5] >> 4) & 1;
	seg->dpl = (d[5] >> 5) & 3;
	seg->present = d[5] >> 7;
	seg->avl = (d[6] >> 4) & 1;
	seg->l = (d[6] >> 5) & 1;
	seg->db = (d[6] >> 6) & 1;
	seg->g = d[6] >> 7;
	seg->limit = seg->g ? (limit << 12) | 0xfff : limit;
	seg->unusable = !seg->present;
}

int task_fault_combine(unsigned first, unsigned second)
{
	return trap_combine(first, second);
}

/* Records a fault with an error code; always false, for "return fail()". */
static bool fail(struct ts_ctx *c, uint8_t vector, uint32_t error_code)
{
	c->out->result = TASK_FAULT;
	c->out->fault = (struct task_fault){ .vector = vector,
		.has_error_code = true, .error_code = error_code };
	return false;
}

/* The error code naming a selector (SDM Vol. 3 6.13). */
static uint32_t sel_error(const struct ts_ctx *c, uint16_t sel)
{
	return (sel & 0xfffcu) | c->ext;
}

/* Guest linear memory; 32-bit addresses (no switch in IA-32e mode). */
static bool mem_rw(struct ts_ctx *c, uint64_t la, void *buf, unsigned len,
		   bool write)
{
	struct task_fault f = { 0 };

	la &= 0xffffffffULL;
	switch (c->mem->access(c->mem->ctx, c->s, la, buf, len, write, &f)) {
	case TASK_MEM_OK:
		return true;
	case TASK_MEM_FAULT:
		c->out->result = TASK_FAULT;
		c->out->fault = f;
		return false;
	case TASK_MEM_PENDING:
		c->out->result = TASK_MMIO;
		return false;
	default:
		c->out->result = TASK_BAD_MEMORY;
		c->out->bad_la = la;
		return false;
	}
}

/* The linear address of sel's descriptor, if its table holds it. */
static bool desc_addr(const struct ts_ctx *c, uint16_t sel, uint64_t *la)
{
	const struct vcpu_sregs *s = c->s;
	uint64_t base = s->gdt.base;
	uint32_t limit = s->gdt.limit;

	if (sel & SEL_TI) {
		if (s->ldt.unusable || !s->ldt.present)
			return false;
		base = s->ldt.base;
		limit = s->ldt.limit;
	}
	if ((uint32_t)(sel | 7u) > limit)
		return false;
	*la = base + (sel & ~7u);
	return true;
}

/* INT n, INT3, INTO through a task gate: the gate's DPL must allow the
 * current privilege level (SDM Vol. 3 6.12.1.1). */
static bool soft_gate_allowed(struct ts_ctx *c, const struct vcpu_regs *r)
{
	const struct vcpu_sregs *s = c->s;
	uint32_t err = c->ts->vector * 8u + 2u;
	unsigned cpl = (r->rflags & RFLAGS_VM) ? 3 : s->ss.dpl;
	uint8_t g[8];

	if (c->ts->vector * 8u + 7u > s->idt.limit)
		return fail(c, VEC_GP, err);
	if (!mem_rw(c, s->idt.base + c->ts->vector * 8u, g, 8, false))
		return false;
	if (((g[5] >> 5) & 3) < cpl)
		return fail(c, VEC_GP, err);
	return true;
}

/*
 * The new TSS's descriptor (SDM Vol. 3 7.3 steps 2-3 and the CALL, JMP,
 * IRET and INT pseudo-code): in the GDT, a TSS, available (busy for
 * IRET), present, with a limit that holds a whole TSS. *gdt_la: where it
 * is, for the busy bit.
 */
static bool new_tss_desc(struct ts_ctx *c, uint8_t d[8], struct vcpu_segment *tss,
			 uint64_t *gdt_la)
{
	uint16_t sel = c->ts->selector;
	bool iret = c->ts->source == TASK_FROM_IRET;
	uint8_t bad_vec = iret ? VEC_TS : VEC_GP;
	uint32_t err = sel_error(c, sel);

	if (!iret && (sel & 0xfffcu) == 0)
		return fail(c, VEC_GP, c->ext);
	if ((sel & SEL_TI) || !desc_addr(c, sel, gdt_la))
		return fail(c, bad_vec, err);
	if (!mem_rw(c, *gdt_la, d, 8, false))
		return false;
	task_desc_decode(d, tss);
	bool tss_type = !tss->s && (tss->type == TYPE_TSS16_AVAIL ||
				    tss->type == TYPE_TSS16_BUSY ||
				    tss->type == TYPE_TSS32_AVAIL ||
				    tss->type == TYPE_TSS32_BUSY);
	bool busy = tss->type & TYPE_BUSY_BIT;
	if (!tss_type || busy != iret)
		return fail(c, bad_vec, err);
	if (!tss->present)
		return fail(c, VEC_NP, err);
	const struct tss_layout *l = (tss->type & 8) ? &tss32 : &tss16;
	if (tss->limit < l->size - 1u)
		return fail(c, VEC_TS, err);
	return true;
}

static const struct tss_layout *layout_of(const struct vcpu_segment *tss)
{
	return (tss->type & 8) ? &tss32 : &tss16;
}

static void image_parse(const struct tss_layout *l, const uint8_t *b,
			struct tss_image *t)
{
	bool wide = l->gpr_step == 4;

	t->cr3 = l->has_cr3 ? le32(b + TSS_CR3) : 0;
	t->debug_trap = l->has_cr3 && (b[TSS_T] & 1);
	t->eip = wide ? le32(b + l->ip) : le16(b + l->ip);
	t->eflags = wide ? le32(b + l->flags) : le16(b + l->flags);
	for (unsigned i = 0; i < 8; i++)
		t->gpr[i] = wide ? le32(b + l->gpr + i * 4) : le16(b + l->gpr + i * 2);
	for (unsigned i = 0; i < 6; i++)
		t->sel[i] = i < l->nsel ? le16(b + l->sel + i * l->sel_step) : 0;
	t->ldt = le16(b + l->ldt);
}

/* The old task's dynamic state into its TSS (SDM Vol. 3 7.3 step 7):
 * EIP/IP, EFLAGS and the general registers as one contiguous piece, then
 * each selector alone, so that the reserved halves above the 16-bit
 * selectors of a 32-bit TSS keep what the guest had there without being
 * read (with the TSS in MMIO, a device sees only the stores). */
static bool save_image(struct ts_ctx *c, const struct tss_layout *l,
		       const struct tss_image *t)
{
	bool wide = l->gpr_step == 4;
	uint64_t base = c->s->tr.base;
	uint8_t b[0x28];
	unsigned span = l->sel - l->ip;

	(wide ? put32 : put16)(b, t->eip);
	(wide ? put32 : put16)(b + l->flags - l->ip, t->eflags);
	for (unsigned i = 0; i < 8; i++)
		(wide ? put32 : put16)(b + l->gpr - l->ip + i * l->gpr_step, t->gpr[i]);
	if (!mem_rw(c, base + l->ip, b, span, true))
		return false;
	for (unsigned i = 0; i < l->nsel; i++) {
		uint8_t sel[2];
		put16(sel, t->sel[i]);
		if (!mem_rw(c, base + l->sel + i * l->sel_step, sel, 2, true))
			return false;
	}
	return true;
}

/* struct vcpu_regs order of the TSS's EAX..EDI. */
static uint64_t *gpr_slot(struct vcpu_regs *r, unsigned i)
{
	uint64_t *slots[8] = { &r->rax, &r->rcx, &r->rdx, &r->rbx,
			       &r->rsp, &r->rbp, &r->rsi, &r->rdi };
	return slots[i];
}

static struct vcpu_segment *sreg_slot(struct vcpu_sregs *s, unsigned i)
{
	struct vcpu_segment *slots[6] = { &s->es, &s->cs, &s->ss,
					  &s->ds, &s->fs, &s->gs };
	return slots[i];
}

/* The state the old task resumes with. */
static void image_of_current(struct ts_ctx *c, struct vcpu_regs *r,
			     struct tss_image *t)
{
	t->eip = (uint32_t)(r->rip + c->ts->insn_len);
	t->eflags = (uint32_t)r->rflags;
	/* IRET leaves the old task with NT clear (SDM Vol. 3 7.4) */
	if (c->ts->source == TASK_FROM_IRET)
		t->eflags &= ~(uint32_t)RFLAGS_NT;
	for (unsigned i = 0; i < 8; i++)
		t->gpr[i] = (uint32_t)*gpr_slot(r, i);
	for (unsigned i = 0; i < 6; i++)
		t->sel[i] = sreg_slot(c->s, i)->selector;
}

/* Sets or clears the busy bit of the TSS descriptor at la (byte 5). */
static bool set_busy(struct ts_ctx *c, uint64_t la, bool busy)
{
	uint8_t access;

	if (!mem_rw(c, la + 5, &access, 1, false))
		return false;
	access = busy ? access | TYPE_BUSY_BIT : access & ~TYPE_BUSY_BIT;
	return mem_rw(c, la + 5, &access, 1, true);
}

/* Everything the switch writes before its commit point, checked first
 * (Bochs and the SDM's step 4: no partial switch on a #PF). */
static bool probe_writes(struct ts_ctx *c, const struct vcpu_segment *otss,
			 const struct tss_layout *ol, uint64_t old_gdt_la,
			 const struct vcpu_segment *ntss, uint64_t new_gdt_la)
{
	uint8_t src = c->ts->source;

	if (!mem_rw(c, otss->base + ol->ip, 0, ol->save_end - ol->ip + 1u, true))
		return false;
	if ((src == TASK_FROM_JMP || src == TASK_FROM_IRET) &&
	    !mem_rw(c, old_gdt_la + 5, 0, 1, true))
		return false;
	if ((src == TASK_FROM_CALL || src == TASK_FROM_GATE) &&
	    !mem_rw(c, ntss->base, 0, 2, true))
		return false;
	return src == TASK_FROM_IRET || mem_rw(c, new_gdt_la + 5, 0, 1, true);
}

/* ---- after the commit point: the new task's segments -------------------- */

/* A segment register holding only a selector (its descriptor not loaded,
 * or a null selector): what a fault part way through leaves behind. */
static void sel_only(struct vcpu_segment *seg, uint16_t sel)
{
	seg->selector = sel;
}

/* Reads sel's descriptor for a segment load; the table and limit check
 * fail with #TS(sel) (SDM Vol. 3 Table 7-1). Sets the accessed bit. */
static bool load_desc(struct ts_ctx *c, uint16_t sel, struct vcpu_segment *seg,
		      uint64_t *la)
{
	uint8_t d[8];

	if (!desc_addr(c, sel, la))
		return fail(c, VEC_TS, sel_error(c, sel));
	if (!mem_rw(c, *la, d, 8, false))
		return false;
	task_desc_decode(d, seg);
	seg->selector = sel;
	return true;
}

static bool mark_accessed(struct ts_ctx *c, uint64_t la, struct vcpu_segment *seg)
{
	uint8_t access;

	if (seg->type & TYPE_ACCESSED)
		return true;
	seg->type |= TYPE_ACCESSED;
	access = (uint8_t)(seg->type | seg->s << 4 | seg->dpl << 5 |
			   seg->present << 7);
	return mem_rw(c, la + 5, &access, 1, true);
}

static bool load_ldtr(struct ts_ctx *c, uint16_t sel)
{
	struct vcpu_segment ldt = { 0 };
	uint64_t la;

	if ((sel & 0xfffcu) == 0) {
		c->s->ldt = (struct vcpu_segment){ .selector = sel, .unusable = 1 };
		return true;
	}
	if (sel & SEL_TI)
		return fail(c, VEC_TS, sel_error(c, sel));
	if (!load_desc(c, sel, &ldt, &la))
		return false;
	if (ldt.s || ldt.type != TYPE_LDT || !ldt.present)
		return fail(c, VEC_TS, sel_error(c, sel));
	c->s->ldt = ldt;
	return true;
}

/* CS: a code segment whose DPL fits its RPL, which is the new CPL. */
static bool load_cs(struct ts_ctx *c, uint16_t sel)
{
	struct vcpu_segment cs;
	uint64_t la;
	unsigned rpl = sel & SEL_RPL;

	if ((sel & 0xfffcu) == 0)
		return fail(c, VEC_TS, c->ext);
	if (!load_desc(c, sel, &cs, &la))
		return false;
	if (!cs.s || !(cs.type & TYPE_CODE) ||
	    ((cs.type & TYPE_CONFORMING) ? cs.dpl > rpl : cs.dpl != rpl))
		return fail(c, VEC_TS, sel_error(c, sel));
	if (!cs.present)
		return fail(c, VEC_NP, sel_error(c, sel));
	if (!mark_accessed(c, la, &cs))
		return false;
	c->s->cs = cs;
	return true;
}

/* SS: a writable data segment with RPL = DPL = CPL. */
static bool load_ss(struct ts_ctx *c, uint16_t sel, unsigned cpl)
{
	struct vcpu_segment ss;
	uint64_t la;

	if ((sel & 0xfffcu) == 0 || (sel & SEL_RPL) != cpl)
		return fail(c, VEC_TS, sel_error(c, sel));
	if (!load_desc(c, sel, &ss, &la))
		return false;
	if (!ss.s || (ss.type & (TYPE_CODE | TYPE_RW)) != TYPE_RW || ss.dpl != cpl)
		return fail(c, VEC_TS, sel_error(c, sel));
	if (!ss.present)
		return fail(c, VEC_SS, sel_error(c, sel));
	if (!mark_accessed(c, la, &ss))
		return false;
	c->s->ss = ss;
	return true;
}

/* DS, ES, FS, GS: null, or data / readable code the CPL and RPL may use. */
static bool load_data(struct ts_ctx *c, struct vcpu_segment *dst, uint16_t sel,
		      unsigned cpl)
{
	struct vcpu_segment seg;
	uint64_t la;
	unsigned rpl = sel & SEL_RPL;

	if ((sel & 0xfffcu) == 0) {
		*dst = (struct vcpu_segment){ .selector = sel, .unusable = 1 };
		return true;
	}
	if (!load_desc(c, sel, &seg, &la))
		return false;
	bool code = seg.type & TYPE_CODE;
	bool conforming_code = code && (seg.type & TYPE_CONFORMING);
	if (!seg.s || (code && !(seg.type & TYPE_RW)) ||
	    (!conforming_code && (seg.dpl < cpl || seg.dpl < rpl)))
		return fail(c, VEC_TS, sel_error(c, sel));
	if (!seg.present)
		return fail(c, VEC_NP, sel_error(c, sel));
	if (!mark_accessed(c, la, &seg))
		return false;
	*dst = seg;
	return true;
}

/* Virtual-8086 mode: every segment is selector * 16 with a 64 KiB limit,
 * DPL 3 (SDM Vol. 3 20.2.1), read/write accessed data even CS, which is
 * what VMX requires of a virtual-8086 guest (SDM Vol. 3 27.3.1.2: access
 * rights 0xf3) and what SVM ignores. */
static void load_v86(struct ts_ctx *c, const struct tss_image *t)
{
	for (unsigned i = 0; i < 6; i++) {
		*sreg_slot(c->s, i) = (struct vcpu_segment){
			.base = (uint64_t)t->sel[i] << 4, .limit = 0xffff,
			.selector = t->sel[i], .type = 0x3,
			.s = 1, .dpl = 3, .present = 1 };
	}
}

/* Step 11 of SDM Vol. 3 7.3: LDTR, then the segment registers; each
 * selector is in place first, so a fault leaves the new task's selectors
 * (Table 7-1: the faults belong to the new task). */
static bool load_segments(struct ts_ctx *c, const struct tss_image *t,
			  uint64_t eflags)
{
	static const uint8_t data_order[4] = { 3, 0, 4, 5 };  /* DS ES FS GS */

	for (unsigned i = 0; i < 6; i++)
		sel_only(sreg_slot(c->s, i), t->sel[i]);
	sel_only(&c->s->ldt, t->ldt);
	if (!load_ldtr(c, t->ldt))
		return false;
	if (eflags & RFLAGS_VM) {
		load_v86(c, t);
		return true;
	}
	unsigned cpl = t->sel[1] & SEL_RPL;
	if (!load_cs(c, t->sel[1]) || !load_ss(c, t->sel[2], cpl))
		return false;
	for (unsigned i = 0; i < 4; i++) {
		unsigned n = data_order[i];
		if (!load_data(c, sreg_slot(c->s, n), t->sel[n], cpl))
			return false;
	}
	return true;
}

/* An exception's error code on the new task's stack (SDM Vol. 3 6.12.2,
 * and the INT pseudo-code's TASK-GATE path): 4 bytes in a 32-bit task. */
static bool push_error_code(struct ts_ctx *c, struct vcpu_regs *r, unsigned size)
{
	const struct vcpu_segment *ss = &c->s->ss;
	uint64_t mask = ss->db ? 0xffffffffULL : 0xffffULL;
	uint64_t sp = ((r->rsp & mask) - size) & mask;
	uint8_t buf[4];
	bool ok = (ss->type & TYPE_EXPAND_DOWN) ?
		  sp > ss->limit : sp + size - 1 <= ss->limit;

	if (!ok)
		return fail(c, VEC_SS, c->ext);
	put32(buf, c->ts->error_code);
	if (!mem_rw(c, ss->base + sp, buf, size, true))
		return false;
	r->rsp = (r->rsp & ~mask) | sp;
	return true;
}

/* The new task's registers from its TSS image (after the commit point). */
static void load_registers(struct ts_ctx *c, const struct tss_layout *l,
			   const struct tss_image *t, struct vcpu_regs *r)
{
	bool wide = l == &tss32;
	uint64_t eflags = (t->eflags & RFLAGS_LOADABLE) | RFLAGS_FIXED;
	uint8_t src = c->ts->source;

	if (src == TASK_FROM_CALL || src == TASK_FROM_GATE)
		eflags |= RFLAGS_NT;    /* nested: IRET returns (SDM Vol. 3 7.4) */
	r->rflags = eflags;
	r->rip = t->eip;
	/* a 16-bit TSS holds the low halves; the upper ones read as ones,
	 * as Bochs models the 286-TSS load */
	for (unsigned i = 0; i < 8; i++)
		*gpr_slot(r, i) = wide ? t->gpr[i] : 0xffff0000u | t->gpr[i];
}

static void commit_tr(struct ts_ctx *c, const struct vcpu_segment *ntss)
{
	c->s->tr = *ntss;
	c->s->tr.selector = c->ts->selector;
	c->s->tr.type |= TYPE_BUSY_BIT;
	c->s->tr.unusable = 0;
	c->s->cr0 |= CR0_TS_BIT;        /* SDM Vol. 3 7.3 step 10; 2.5 CR0.TS */
}

/* With PAE paging, loading CR3 loads the four PDPTEs it points to (a PDPT
 * outside RAM reads as not present: read_phys gives zeros); one
 * that is present with a reserved bit set is a #GP(0) (SDM Vol. 3 4.4.1),
 * here in the new task, as Bochs and KVM raise it. Unchecked, VM entry
 * would fail on the PDPTEs instead (VMX) or the guest would run on them. */
static bool pdptes_valid(struct ts_ctx *c)
{
	uint64_t pdpte[4];
	uint64_t gpa = c->s->cr3 & 0xffffffe0ULL;

	if (c->mem->read_phys(c->mem->ctx, gpa, pdpte, sizeof(pdpte))) {
		c->out->result = TASK_BAD_MEMORY;
		c->out->bad_la = gpa;
		return false;
	}
	for (unsigned i = 0; i < 4; i++)
		if (guest_pdpte_reserved(pdpte[i], c->mem->maxphyaddr))
			return fail(c, VEC_GP, 0);
	return true;
}

/* After the commit point: the new task's state, its checks, the error code
 * and the EIP limit check. Faults here belong to the new task. */
static void enter_new_task(struct ts_ctx *c, const struct tss_layout *nl,
			   const struct tss_image *t, struct vcpu_regs *r)
{
	bool paging = c->s->cr0 & CR0_PG_BIT;

	if (nl->has_cr3 && paging) {
		c->s->cr3 = t->cr3;
		c->out->cr3_loaded = true;
	}
	load_registers(c, nl, t, r);
	if (nl->has_cr3 && paging && (c->s->cr4 & CR4_PAE_BIT) && !pdptes_valid(c))
		return;
	if (!load_segments(c, t, r->rflags))
		return;
	if (c->ts->has_error_code &&
	    !push_error_code(c, r, nl == &tss32 ? 4 : 2))
		return;
	if (r->rip > c->s->cs.limit) {
		fail(c, VEC_GP, c->ext);
		return;
	}
	c->out->debug_trap = t->debug_trap;
}

/* The checks and reads before the commit point; on success the old
 * task's descriptor and layout, the new TSS's, and the new task's image. */
struct switch_plan {
	struct vcpu_segment ntss;
	uint64_t new_gdt_la, old_gdt_la;
	const struct tss_layout *nl, *ol;
	struct tss_image next;
};

static bool plan_switch(struct ts_ctx *c, struct vcpu_regs *r, struct switch_plan *p)
{
	uint8_t d[8], buf[0x68];
	const struct vcpu_segment *otss = &c->s->tr;

	if (c->ts->source == TASK_FROM_GATE && c->ts->soft &&
	    !c->ts->gate_checked && !soft_gate_allowed(c, r))
		return false;
	if (!new_tss_desc(c, d, &p->ntss, &p->new_gdt_la))
		return false;
	p->nl = layout_of(&p->ntss);
	p->ol = layout_of(otss);
	/* the old TSS must hold what is saved (Bochs: #TS(old TR)) and be
	 * found in the GDT for its busy bit */
	if (otss->limit < p->ol->save_end ||
	    !desc_addr(c, otss->selector & ~SEL_TI, &p->old_gdt_la))
		return fail(c, VEC_TS, sel_error(c, otss->selector));
	if (!mem_rw(c, p->ntss.base, buf, p->nl->size, false))
		return false;
	image_parse(p->nl, buf, &p->next);
	return probe_writes(c, otss, p->ol, p->old_gdt_la, &p->ntss, p->new_gdt_la);
}

/* Steps 5-9 of SDM Vol. 3 7.3: busy bits, the old task's state, the back
 * link. Every page was probed, so these cannot fault; an access to MMIO
 * stops the attempt (TASK_MMIO), and the replay that follows finds the
 * same (core/task_replay.h). */
static bool write_before_commit(struct ts_ctx *c, struct vcpu_regs *r,
				const struct switch_plan *p)
{
	uint8_t src = c->ts->source;
	struct tss_image cur;

	if ((src == TASK_FROM_JMP || src == TASK_FROM_IRET) &&
	    !set_busy(c, p->old_gdt_la, false))
		return false;
	image_of_current(c, r, &cur);
	if (!save_image(c, p->ol, &cur))
		return false;
	if (src == TASK_FROM_CALL || src == TASK_FROM_GATE) {
		uint8_t link[2];
		put16(link, c->s->tr.selector);
		if (!mem_rw(c, p->ntss.base, link, 2, true))
			return false;
	}
	return src == TASK_FROM_IRET || set_busy(c, p->new_gdt_la, true);
}

void task_switch_run(const struct task_switch *ts, struct vcpu_regs *regs,
		     struct vcpu_sregs *sregs, const struct task_mem *mem,
		     struct task_outcome *out)
{
	struct vcpu_sregs s = *sregs;
	struct vcpu_regs r = *regs;
	struct ts_ctx c = { .ts = ts, .mem = mem, .s = &s, .out = out,
			    .ext = (ts->source == TASK_FROM_GATE && ts->external) };
	struct switch_plan p;

	*out = (struct task_outcome){ .result = TASK_DONE };
	if ((s.efer & EFER_LMA_BIT) || !(s.cr0 & CR0_PE_BIT)) {
		out->result = TASK_UNSUPPORTED;
		return;
	}
	if (!plan_switch(&c, &r, &p) || !write_before_commit(&c, &r, &p))
		return;
	/* the commit point (SDM Vol. 3 7.3 step 10) */
	out->committed = true;
	commit_tr(&c, &p.ntss);
	enter_new_task(&c, p.nl, &p.next, &r);
	if (out->result == TASK_MMIO) {
		/* the attempt stops here: nothing of the vCPU is loaded yet */
		out->committed = false;
		out->cr3_loaded = false;
		return;
	}
	*regs = r;
	*sregs = s;
}
