/*
 * exec_far.c - far control transfers: JMP and CALL far (direct ptr16:xx,
 * EA/9A, and through memory m16:xx, FF /5 and FF /3), RETF (CB, CA iw)
 * and IRET (CF).
 *
 * SDM Vol. 2 JMP, CALL, RET and IRET "Operation"; Vol. 3A 5.8 (privilege
 * checks when transferring program control). Emulated: real mode and,
 * for JMP, CALL and RETF, virtual-8086 mode the same way;
 * protected and IA-32e mode to a code segment at the same privilege
 * level; RETF and IRET to an outer privilege level (new SS:rSP from the
 * stack, data segment registers the new CPL may not use made null); call
 * gates are exec_gate.c's. JMP and CALL to a TSS or task gate are checked
 * as the CPU checks them before a task switch, then handed to the caller
 * (EMUL_UNSUPPORTED, EMUL_R_TASK_SWITCH, nothing changed), which performs
 * the hardware task switch (core/task_switch.c); so is IRET with NT = 1
 * outside IA-32e mode (task return), with the back link read from the
 * current TSS. IRET to virtual-8086
 * mode is vm86_enter.c's.
 *
 * Order inside a handler: all reads (operands, stack, descriptors), then
 * the writes (pushes, accessed bits), then the registers: a run that
 * stops for an MMIO request or a fault has changed nothing.
 */
#include "emul_private.h"

#define FL_NT (1u << 14)
#define FL_VIF (1u << 19)
#define FL_VIP (1u << 20)
#define FL_ID (1u << 21)

/* A code segment the transfer goes to, checked but not loaded. */
struct far_dest {
	struct emul_desc desc;  /* from the table (protected mode) */
	struct emul_seg cs;     /* the new CS hidden part */
	uint64_t rip;
	uint8_t cpl;            /* CPL after the transfer */
	uint8_t has_desc;
	uint8_t gate;           /* desc is a call gate (exec_gate.c) */
	uint8_t task;           /* desc is a TSS or task gate */
};

static int gp_sel(struct emul_exec *x, uint16_t sel)
{
	return emul_raise(x, 13, true, sel & 0xFFFCu);
}

static bool protected_mode(const struct emul_cpu *c)
{
	return c->mode != EMUL_MODE_REAL;
}

/* Far JMP, CALL and RET in virtual-8086 mode follow real mode: no
 * descriptor, CS = selector * 16 (SDM Vol. 2 JMP, CALL, RET: "real-address
 * or virtual-8086 mode"), at CPL 3 with user accesses. */
static bool real_style(const struct emul_cpu *c)
{
	return c->mode == EMUL_MODE_REAL || c->mode == EMUL_MODE_VM86;
}

/* Does the new CS run 64-bit code (IA-32e mode and CS.L)? */
static bool dest_is_64(const struct emul_exec *x, const struct emul_seg *cs)
{
	return emul_ia32e(x->cpu) && cs->l;
}

/* The instruction pointer check of every far transfer: canonical for a
 * 64-bit CS, within the limit otherwise (#GP(0)). */
int emul_far_check_rip(struct emul_exec *x, const struct emul_seg *cs,
		       uint64_t rip)
{
	if (dest_is_64(x, cs))
		return emul_canonical(rip) ? EX_OK : emul_gp0(x);
	return rip <= cs->limit ? EX_OK : emul_gp0(x);
}

static int check_rip(struct emul_exec *x, const struct far_dest *d)
{
	return emul_far_check_rip(x, &d->cs, d->rip);
}

/* Read osz bytes byte_off above rSP (stack address size wrap), as POP
 * would. */
static int stack_slot(struct emul_exec *x, uint64_t byte_off, unsigned osz,
		      uint64_t *v)
{
	uint64_t mask = emul_addr_mask(emul_stack_size(x));

	return emul_read(x, EMUL_SEG_SS, (x->cpu->gpr[EMUL_RSP] + byte_off) &
			 mask, osz, 0, v);
}

/* Real and virtual-8086 mode: the selector times 16; the current CS
 * limit applies; the CPL (0, 3) stays. */
static int real_dest(struct emul_exec *x, uint16_t sel, uint64_t off,
		     struct far_dest *d)
{
	d->cs = *emul_seg(x, EMUL_SEG_CS);
	d->cs.sel = sel;
	d->cs.base = (uint64_t)sel << 4;
	d->rip = off;
	d->cpl = x->cpu->cpl;
	d->has_desc = 0;
	d->gate = 0;
	return check_rip(x, d);
}

/* The new CS, with the accessed bit as the load leaves it. */
static void take_cs(struct far_dest *d, uint16_t sel)
{
	d->cs = d->desc.seg;
	d->cs.sel = (uint16_t)((sel & ~3u) | d->cpl);
	d->cs.type |= 1;
	d->has_desc = 1;
}

static bool call_gate(const struct emul_exec *x, unsigned type)
{
	if (emul_ia32e(x->cpu))
		return type == 0xC;             /* 64-bit call gate */
	return type == 0x4 || type == 0xC;      /* 16- and 32-bit */
}

/* Task gates and available TSSs: task switches (the caller's). */
static bool task_switch(const struct emul_exec *x, unsigned type)
{
	return !emul_ia32e(x->cpu) &&
	       (type == 0x5 || type == 0x1 || type == 0x9);
}

/* SDM JMP/CALL, "CONFORMING-CODE-SEGMENT" and "NONCONFORMING-CODE-
 * SEGMENT": the same privilege level. */
static int jmp_call_dest(struct emul_exec *x, uint16_t sel, uint64_t off,
			 struct far_dest *d)
{
	const struct emul_seg *s = &d->desc.seg;
	unsigned cpl = x->cpu->cpl;
	int rc;

	d->task = 0;
	if (real_style(x->cpu))
		return real_dest(x, sel, off, d);
	if (!(sel & 0xFFFC))
		return emul_gp0(x);
	rc = emul_desc_fetch(x, sel, 13, &d->desc);
	if (rc)
		return rc;
	if (!s->s) {
		if (call_gate(x, s->type)) {
			d->gate = 1;            /* the caller goes on */
			return EX_OK;
		}
		d->task = task_switch(x, s->type);
		if (d->task)
			return EX_OK;
		return gp_sel(x, sel);
	}
	if (!(s->type & 8))
		return gp_sel(x, sel);
	if (emul_ia32e(x->cpu) && s->l && s->db)
		return gp_sel(x, sel);
	if (s->type & 4) {
		if (s->dpl > cpl)
			return gp_sel(x, sel);
	} else if ((sel & 3u) > cpl || s->dpl != cpl) {
		return gp_sel(x, sel);
	}
	if (!s->present)
		return emul_raise(x, 11, true, sel & 0xFFFCu);
	d->cpl = (uint8_t)cpl;
	d->rip = off;
	d->gate = 0;
	take_cs(d, sel);
	return EX_OK;
}

/*
 * SDM Vol. 2 JMP and CALL, "TASK-GATE" and "TASK-STATE-SEGMENT": what the
 * CPU checks before it switches tasks (and before a VM exit for the
 * switch, SDM Vol. 3 26.4.2): the DPL of the TSS or task gate against CPL
 * and RPL, #GP(selector), and its P bit, #NP(selector). A task gate names
 * the TSS in its bits 16-31. The rest (the TSS descriptor, the switch) is
 * the caller's: nothing is changed here.
 */
static int far_task_switch(struct emul_exec *x, const struct emul_desc *d, bool call)
{
	const struct emul_seg *s = &d->seg;
	unsigned cpl = x->cpu->cpl, rpl = d->sel & 3u;

	if (s->dpl < cpl || s->dpl < rpl)
		return gp_sel(x, d->sel);
	if (!s->present)
		return emul_raise(x, 11, true, d->sel & 0xFFFCu);
	x->res->task_gate = (struct emul_task_gate){
		.tss_sel = s->type == 5 ? (uint16_t)(d->raw >> 16) : d->sel,
		.source = call ? EMUL_TASK_CALL : EMUL_TASK_JMP,
		.insn_len = x->insn->len,
	};
	return emul_unsupported(x, EMUL_R_TASK_SWITCH);
}

enum emul_mode emul_far_mode(const struct emul_exec *x,
			     const struct emul_seg *cs)
{
	if (real_style(x->cpu))
		return (enum emul_mode)x->cpu->mode;
	if (dest_is_64(x, cs))
		return EMUL_MODE_LONG64;
	return cs->db ? EMUL_MODE_PROT32 : EMUL_MODE_PROT16;
}

/* The accessed bit of the new CS (a write: after every read). */
static int dest_write(struct emul_exec *x, const struct far_dest *d)
{
	return d->has_desc ? emul_desc_set_accessed(x, &d->desc) : EX_OK;
}

/* Load CS:rIP, CPL and mode. Nothing may fail after this. */
static void dest_commit(struct emul_exec *x, const struct far_dest *d)
{
	struct emul_cpu *c = x->cpu;

	emul_seg_commit(x, EMUL_SEG_CS, &d->cs);
	c->rip = d->rip;
	c->cpl = d->cpl;
	c->mode = (uint8_t)emul_far_mode(x, &d->cs);
}

/* The operand size of a far JMP/CALL through memory: AMD processors
 * ignore REX.W there and read m16:32 (Intel's read m16:64). */
static unsigned far_mem_osz(const struct emul_exec *x)
{
	unsigned osz = x->insn->opsize;

	return osz == 8 && x->cpu->vendor == EMUL_VENDOR_AMD ? 4 : osz;
}

/* The far pointer: ptr16:16/32 in the instruction, or m16:16/32/64. */
static int far_pointer(struct emul_exec *x, unsigned osz, uint16_t *sel,
		       uint64_t *off)
{
	const struct emul_insn *in = x->insn;
	uint64_t ea, s;
	int rc;

	if (in->map == EMUL_MAP_1B && in->opcode != 0xFF) {
		*off = in->imm;
		*sel = (uint16_t)in->imm2;
		return EX_OK;
	}
	ea = emul_ea(x);
	rc = emul_read(x, in->seg, ea, osz, 0, off);
	if (rc)
		return rc;
	rc = emul_read(x, in->seg, (ea + osz) & emul_addr_mask(in->addrsize),
		       2, 0, &s);
	*sel = (uint16_t)s;
	return rc;
}

/* EA ptr16:16/32, FF /5 m16:16/32/64. */
int emul_exec_jmp_far(struct emul_exec *x)
{
	unsigned osz = far_mem_osz(x);
	struct far_dest d;
	uint64_t off;
	uint16_t sel;
	int rc;

	rc = far_pointer(x, osz, &sel, &off);
	if (rc)
		return rc;
	rc = jmp_call_dest(x, sel, off & emul_size_mask(osz), &d);
	if (!rc && d.task)
		return far_task_switch(x, &d.desc, false);
	if (!rc && d.gate)
		return emul_far_gate(x, &d.desc, false);
	if (!rc)
		rc = check_rip(x, &d);
	if (!rc)
		rc = dest_write(x, &d);
	if (rc)
		return rc;
	dest_commit(x, &d);
	return EX_OK;
}

/* 9A ptr16:16/32, FF /3 m16:16/32/64: push CS (zero-extended to the
 * operand size), then the return rIP, then load CS:rIP. The whole
 * return address is checked (limit, paging) before either push. */
int emul_exec_call_far(struct emul_exec *x)
{
	unsigned osz = far_mem_osz(x);
	uint64_t mask = emul_addr_mask(emul_stack_size(x));
	uint64_t sp = x->cpu->gpr[EMUL_RSP], off;
	uint16_t sel, old_cs = emul_seg(x, EMUL_SEG_CS)->sel;
	struct far_dest d;
	int rc;

	rc = far_pointer(x, osz, &sel, &off);
	if (rc)
		return rc;
	rc = jmp_call_dest(x, sel, off & emul_size_mask(osz), &d);
	if (!rc && d.task)
		return far_task_switch(x, &d.desc, true);
	if (!rc && d.gate)
		return emul_far_gate(x, &d.desc, true);
	if (!rc)
		rc = emul_probe_write(x, EMUL_SEG_SS, (sp - 2 * osz) & mask,
				      2 * osz);
	if (!rc)
		rc = check_rip(x, &d);
	if (!rc)
		rc = emul_write(x, EMUL_SEG_SS, (sp - osz) & mask, osz, old_cs);
	if (!rc)
		rc = emul_write(x, EMUL_SEG_SS, (sp - 2 * osz) & mask, osz,
				x->next_rip);
	if (!rc)
		rc = dest_write(x, &d);
	if (rc)
		return rc;
	emul_set_sp(x, (sp - 2 * osz) & mask);
	dest_commit(x, &d);
	return EX_OK;
}

/* SDM RET/IRET "PROTECTED-MODE-RETURN": the return CS. */
static int return_dest(struct emul_exec *x, uint16_t sel, uint64_t off,
		       struct far_dest *d)
{
	const struct emul_seg *s = &d->desc.seg;
	unsigned cpl = x->cpu->cpl, rpl = sel & 3u;
	int rc;

	if (real_style(x->cpu))
		return real_dest(x, sel, off, d);
	if (!(sel & 0xFFFC))
		return emul_gp0(x);
	rc = emul_desc_fetch(x, sel, 13, &d->desc);
	if (rc)
		return rc;
	if (!s->s || !(s->type & 8) || rpl < cpl)
		return gp_sel(x, sel);
	if (emul_ia32e(x->cpu) && s->l && s->db)
		return gp_sel(x, sel);
	if ((s->type & 4) ? s->dpl > rpl : s->dpl != rpl)
		return gp_sel(x, sel);
	if (!s->present)
		return emul_raise(x, 11, true, sel & 0xFFFCu);
	d->cpl = (uint8_t)rpl;
	d->rip = off;
	d->gate = 0;
	take_cs(d, sel);
	return EX_OK;
}

/* The stack of the outer level: SS checks of SDM RET/IRET
 * "RETURN-TO-OUTER-PRIVILEGE-LEVEL". A null SS is allowed only when
 * returning to 64-bit code at CPL < 3. */
static int outer_ss(struct emul_exec *x, uint16_t sel, const struct far_dest *d,
		    struct emul_seg_load *ss)
{
	const struct emul_seg *s = &ss->desc.seg;
	int rc;

	ss->sreg = EMUL_SEG_SS;
	ss->has_desc = 0;
	if (!(sel & 0xFFFC)) {
		if (!dest_is_64(x, &d->cs) || d->cpl == 3)
			return emul_gp0(x);
		emul_seg_null(&ss->seg, sel, d->cpl);
		return EX_OK;
	}
	rc = emul_desc_fetch(x, sel, 13, &ss->desc);
	if (rc)
		return rc;
	if ((sel & 3u) != d->cpl || !s->s || (s->type & 8) ||
	    !(s->type & 2) || s->dpl != d->cpl)
		return gp_sel(x, sel);
	if (!s->present)
		return emul_raise(x, 12, true, sel & 0xFFFCu);
	ss->has_desc = 1;
	ss->seg = *s;
	ss->seg.type |= 1;
	return EX_OK;
}

/* The new rSP, sized by the new stack: all 64 bits for 64-bit code,
 * else ESP or SP by the new SS.B (the rest of RSP kept for SP). */
static uint64_t outer_rsp(const struct emul_exec *x, const struct far_dest *d,
			  const struct emul_seg *ss, uint64_t rsp)
{
	if (dest_is_64(x, &d->cs))
		return rsp;
	if (ss->db)
		return rsp & 0xFFFFFFFFull;
	return (x->cpu->gpr[EMUL_RSP] & ~0xFFFFull) | (rsp & 0xFFFF);
}

static const uint8_t data_regs[] = { EMUL_SEG_ES, EMUL_SEG_DS, EMUL_SEG_FS,
				      EMUL_SEG_GS };

/* SDM RET/IRET: after a return to an outer level, ES, DS, FS and GS that
 * hold a data or non-conforming code segment more privileged than the new
 * CPL are made null. */
static bool made_null(const struct emul_seg *s, unsigned new_cpl)
{
	bool conforming = (s->type & 0xC) == 0xC;

	return !s->unusable && !conforming && s->dpl < new_cpl;
}

/* The SDM nulls only the selector; whether the hidden base of FS or GS
 * survives, which 64-bit code would see, it does not say: such a return
 * is refused rather than guessed. */
static int inner_segments_known(struct emul_exec *x, const struct far_dest *d)
{
	unsigned i;

	if (d->cpl <= x->cpu->cpl || !dest_is_64(x, &d->cs))
		return EX_OK;
	for (i = 0; i < sizeof(data_regs); i++) {
		const struct emul_seg *s = emul_seg(x, data_regs[i]);

		if ((data_regs[i] == EMUL_SEG_FS || data_regs[i] == EMUL_SEG_GS) &&
		    made_null(s, d->cpl) && s->base != 0)
			return emul_unsupported(x, EMUL_R_OPCODE);
	}
	return EX_OK;
}

static void null_inner_segments(struct emul_exec *x, unsigned new_cpl)
{
	const uint8_t *regs = data_regs;
	unsigned i;

	for (i = 0; i < sizeof(data_regs); i++) {
		struct emul_seg s = *emul_seg(x, regs[i]);

		if (!made_null(&s, new_cpl))
			continue;
		s.sel = 0;
		s.unusable = 1;
		s.present = 0;
		emul_seg_commit(x, regs[i], &s);
	}
}

/* A far return's end: accessed bits, then every register. sp_after is
 * the rSP of the same-level return; with *ss the outer level's. */
static int return_commit(struct emul_exec *x, const struct far_dest *d,
			 const struct emul_seg_load *ss, uint64_t new_rsp)
{
	unsigned old_cpl = x->cpu->cpl;
	int rc;

	rc = inner_segments_known(x, d);
	if (!rc)
		rc = dest_write(x, d);
	if (!rc && ss)
		rc = emul_seg_load_write(x, ss);
	if (rc)
		return rc;
	if (ss) {
		emul_reg_set(x, EMUL_RSP, 8, outer_rsp(x, d, &ss->seg, new_rsp));
		emul_seg_commit(x, EMUL_SEG_SS, &ss->seg);
	} else {
		emul_set_sp(x, new_rsp);
	}
	dest_commit(x, d);
	if (d->cpl > old_cpl)
		null_inner_segments(x, d->cpl);
	return EX_OK;
}

/* CB, CA iw. The operand size is 32 by default in 64-bit mode (REX.W:
 * 64). iw is released from the old stack and, going outward, from the
 * new one too. */
int emul_exec_retf(struct emul_exec *x)
{
	unsigned osz = x->insn->opsize;
	uint64_t imm = x->insn->opcode == 0xCA ? x->insn->imm & 0xFFFF : 0;
	uint64_t mask = emul_addr_mask(emul_stack_size(x));
	uint64_t off, csv, rsp, ssv;
	struct emul_seg_load ss;
	struct far_dest d;
	int rc;

	rc = stack_slot(x, 0, osz, &off);
	if (!rc)
		rc = stack_slot(x, osz, osz, &csv);
	if (!rc)
		rc = return_dest(x, (uint16_t)csv, off, &d);
	if (rc)
		return rc;
	if (d.cpl == x->cpu->cpl) {
		rc = check_rip(x, &d);
		if (rc)
			return rc;
		return return_commit(x, &d, NULL, (x->cpu->gpr[EMUL_RSP] +
						   2 * osz + imm) & mask);
	}
	rc = stack_slot(x, 2 * osz + imm, osz, &rsp);
	if (!rc)
		rc = stack_slot(x, 3 * osz + imm, osz, &ssv);
	if (!rc)
		rc = outer_ss(x, (uint16_t)ssv, &d, &ss);
	if (!rc)
		rc = check_rip(x, &d);
	if (rc)
		return rc;
	return return_commit(x, &d, &ss, rsp + imm);
}

/* SDM IRET: the flags a protected-mode IRET may change, by operand size,
 * CPL and IOPL (the CPL before the return). */
static uint64_t iret_flags(uint64_t old, uint64_t popped, unsigned osz,
			   unsigned cpl)
{
	uint64_t mask = EMUL_FL_ARITH | EMUL_FL_TF | EMUL_FL_DF | FL_NT;

	if (osz >= 4)
		mask |= EMUL_FL_RF | EMUL_FL_AC | FL_ID;
	if (cpl <= ((old & EMUL_FL_IOPL) >> 12))
		mask |= EMUL_FL_IF;
	if (cpl == 0) {
		mask |= EMUL_FL_IOPL;
		if (osz >= 4)
			mask |= FL_VIF | FL_VIP;
	}
	return (old & ~mask) | (popped & mask) | 2;
}

/* SDM IRET "REAL-ADDRESS-MODE". */
static int iret_real(struct emul_exec *x, uint64_t off, uint64_t csv,
		     uint64_t fl)
{
	struct emul_cpu *c = x->cpu;
	unsigned osz = x->insn->opsize;
	struct far_dest d;
	int rc;

	rc = real_dest(x, (uint16_t)csv, off, &d);
	if (rc)
		return rc;
	if (osz == 4)
		fl = (fl & 0x257FD5u) | (c->rflags & 0x1A0000u);
	else
		fl = (c->rflags & ~0xFFFFull) | (fl & 0x7FD5u);
	emul_set_sp(x, c->gpr[EMUL_RSP] + 3 * osz);
	dest_commit(x, &d);
	c->rflags = fl | 2;
	x->keep_rf = 1;
	return EX_OK;
}

/* SDM IRET, virtual-8086 mode at IOPL 3 (vm86.c let it through): IP, CS
 * and FLAGS as in real mode (CS = selector * 16, the 64 KiB limit
 * checked), but the pop leaves VM, IOPL, VIP and VIF alone and the mode
 * and CPL 3 stay. */
static int iret_vm86(struct emul_exec *x, uint64_t off, uint64_t csv,
		     uint64_t fl)
{
	struct emul_cpu *c = x->cpu;
	unsigned osz = x->insn->opsize;
	const uint64_t kept = EMUL_FL_VM | EMUL_FL_IOPL | FL_VIF | FL_VIP;
	struct emul_seg cs = *emul_seg(x, EMUL_SEG_CS);

	if (osz == 2)
		off &= 0xFFFF;
	if (off > cs.limit)
		return emul_gp0(x);
	cs.sel = (uint16_t)csv;
	cs.base = (uint64_t)(uint16_t)csv << 4;
	if (osz == 4)
		fl = (fl & 0x257FD5u & ~kept) | (c->rflags & kept);
	else
		fl = (c->rflags & ~0xFFFFull) | (fl & 0x7FD5u & ~kept) |
		     (c->rflags & EMUL_FL_IOPL);
	emul_set_sp(x, c->gpr[EMUL_RSP] + 3 * osz);
	emul_seg_commit(x, EMUL_SEG_CS, &cs);
	c->rip = off;
	c->rflags = fl | 2;
	x->keep_rf = 1;
	return EX_OK;
}

/* SDM IRET "TASK-RETURN" (PE = 1, VM = 0, NT = 1): the previous task link
 * of the current TSS (its first two bytes, an implicit supervisor read)
 * names the task to return to; its checks (TI, GDT limit, a busy TSS:
 * #TS; present: #NP) and the switch are the caller's (EMUL_R_TASK_SWITCH),
 * nothing is changed here. Without get_sysseg: unsupported. */
static int task_return(struct emul_exec *x)
{
	struct emul_seg tr;
	uint64_t link;
	int rc;

	if (!x->ctx->ops->get_sysseg)
		return emul_unsupported(x, EMUL_R_OPCODE);
	x->ctx->ops->get_sysseg(x->ctx->opaque, EMUL_SYSSEG_TR, &tr);
	rc = emul_read_linear(x, tr.base & 0xFFFFFFFFull, 2, EMUL_ACC_SYS, &link);
	if (rc)
		return rc;
	x->res->task_gate = (struct emul_task_gate){
		.tss_sel = (uint16_t)link, .source = EMUL_TASK_IRET,
		.insn_len = x->insn->len,
	};
	return emul_unsupported(x, EMUL_R_TASK_SWITCH);
}

/* CF. In 64-bit mode IRET always pops SS:rSP; elsewhere only when
 * returning to an outer level. */
int emul_exec_iret(struct emul_exec *x)
{
	struct emul_cpu *c = x->cpu;
	unsigned osz = x->insn->opsize, cpl = c->cpl;
	uint64_t off, csv, fl, rsp, ssv;
	struct emul_seg_load ss;
	struct far_dest d;
	int rc;

	if (c->mode != EMUL_MODE_VM86 && protected_mode(c) && (c->rflags & FL_NT)) {
		if (emul_ia32e(c))
			return emul_gp0(x);
		return task_return(x);
	}
	rc = stack_slot(x, 0, osz, &off);
	if (!rc)
		rc = stack_slot(x, osz, osz, &csv);
	if (!rc)
		rc = stack_slot(x, 2 * osz, osz, &fl);
	if (rc)
		return rc;
	if (!protected_mode(c))
		return iret_real(x, off, csv, fl);
	if (c->mode == EMUL_MODE_VM86)
		return iret_vm86(x, off, csv, fl);
	/* to virtual-8086 mode; IA-32e mode has none and ignores VM (APM
	 * Vol. 3 IRET: "temp_RFLAGS.VM=1 && CPL=0 && LMA=0") */
	if ((fl & EMUL_FL_VM) && cpl == 0 && osz >= 4 && !emul_ia32e(c))
		return emul_iret_to_vm86(x, off, csv, fl);
	rc = return_dest(x, (uint16_t)csv, off, &d);
	if (rc)
		return rc;
	fl = iret_flags(c->rflags, fl, osz, cpl);
	if (d.cpl == cpl && c->mode != EMUL_MODE_LONG64) {
		rc = check_rip(x, &d);
		if (!rc)
			rc = return_commit(x, &d, NULL, (c->gpr[EMUL_RSP] +
					   3 * osz) &
					   emul_addr_mask(emul_stack_size(x)));
	} else {
		rc = stack_slot(x, 3 * osz, osz, &rsp);
		if (!rc)
			rc = stack_slot(x, 4 * osz, osz, &ssv);
		if (!rc)
			rc = outer_ss(x, (uint16_t)ssv, &d, &ss);
		if (!rc)
			rc = check_rip(x, &d);
		if (!rc)
			rc = return_commit(x, &d, &ss, rsp);
	}
	if (rc)
		return rc;
	c->rflags = fl;
	x->keep_rf = 1;         /* RF as popped (SDM 18.3.1.1) */
	return EX_OK;
}
