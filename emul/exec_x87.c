/*
 * exec_x87.c - x87 FPU instructions (D8-DF) that touch MMIO, or that run
 * here because their bytes came from MMIO.
 *
 * The emulator has no FPU of its own: the vCPU's x87 registers are live
 * in the CPU while the hypervisor handles an exit, so emul_ops.x87 runs
 * the instruction itself on them, with the memory operand in a buffer.
 * Register forms (they come here from code in MMIO) by their kind
 * (x87_regform.c): #UD, or one run on the FPU, with RFLAGS for FCMOVcc
 * and FCOMI and AX for FNSTSW AX. In real and virtual-8086 mode the
 * environment and state images (FLDENV, FNSTENV, FRSTOR, FNSAVE) are
 * converted to and from the layout the FPU here uses (x87_image.c).
 * Here: the checks that come before the access (#NM, #UD, the pending
 * #MF), the operand's size and direction (SDM Vol. 2 for each
 * instruction; Vol. 1 8.1.10 for the environment and state images), its
 * read through the usual MMIO requests, the one run on the FPU and the
 * write-back, again as MMIO requests.
 */
#include "emul_private.h"

#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_NE (1ull << 5)
#define VEC_UD 6
#define VEC_NM 7
#define VEC_MF 16
/* CF PF AF ZF SF OF: what FCOMI and its kin write (SDM Vol. 2 FCOMI) */
#define X87_ARITH_FLAGS 0x8D5u

enum { X87_NONE, X87_READ, X87_WRITE };

struct x87_form {
	uint8_t dir;            /* X87_* */
	uint8_t size;           /* bytes (32-bit operand size) */
	uint8_t size16;         /* bytes with a 16-bit operand size */
};

#define R(n) { X87_READ, n, n }
#define W(n) { X87_WRITE, n, n }
#define UD { X87_NONE, 0, 0 }

/* Memory forms by opcode and ModRM.reg (SDM Vol. 2, Table ). */
static const struct x87_form mem_forms[8][8] = {
	/* D8: FADD..FDIVR m32fp */
	{ R(4), R(4), R(4), R(4), R(4), R(4), R(4), R(4) },
	/* D9: FLD m32fp, -, FST, FSTP m32fp, FLDENV, FLDCW, FNSTENV, FNSTCW */
	{ R(4), UD, W(4), W(4), { X87_READ, 28, 14 }, R(2),
	  { X87_WRITE, 28, 14 }, W(2) },
	/* DA: FIADD..FIDIVR m32int */
	{ R(4), R(4), R(4), R(4), R(4), R(4), R(4), R(4) },
	/* DB: FILD m32int, FISTTP, FIST, FISTP m32int, -, FLD m80fp, -, FSTP m80fp */
	{ R(4), W(4), W(4), W(4), UD, R(10), UD, W(10) },
	/* DC: FADD..FDIVR m64fp */
	{ R(8), R(8), R(8), R(8), R(8), R(8), R(8), R(8) },
	/* DD: FLD m64fp, FISTTP m64int, FST, FSTP m64fp, FRSTOR, -, FNSAVE, FNSTSW m16 */
	{ R(8), W(8), W(8), W(8), { X87_READ, 108, 94 }, UD,
	  { X87_WRITE, 108, 94 }, W(2) },
	/* DE: FIADD..FIDIVR m16int */
	{ R(2), R(2), R(2), R(2), R(2), R(2), R(2), R(2) },
	/* DF: FILD m16int, FISTTP, FIST, FISTP m16int, FBLD m80bcd, FILD m64int,
	 * FBSTP m80bcd, FISTP m64int */
	{ R(2), W(2), W(2), W(2), R(10), R(8), W(10), W(8) },
};

/* The no-wait memory forms, which do not check for a pending exception
 * first (SDM Vol. 1 8.6.2): FNSTENV, FNSTCW, FNSAVE, FNSTSW m16. */
static bool no_wait(uint8_t op, unsigned reg)
{
	return (op == 0xD9 || op == 0xDD) && (reg == 6 || reg == 7);
}

/* A register form that waits for a pending exception first: all but
 * FNCLEX, FNINIT and FNSTSW AX (and the no-ops, never run). */
static bool reg_form_waits(uint8_t op, uint8_t m)
{
	enum emul_x87_reg_kind k = emul_x87_reg_kind(op, m);

	return k != EMUL_X87_REG_NOWAIT && k != EMUL_X87_REG_FNSTSW_AX;
}

/* Reads the operand into ctx->x87_buf, 8 bytes at a time (the MMIO
 * requests' largest size). */
int emul_x87_read_buf(struct emul_exec *x, unsigned seg, uint64_t off,
		      unsigned size)
{
	uint64_t mask = emul_addr_mask(x->insn->addrsize);

	for (unsigned i = 0; i < size; i += 8) {
		unsigned n = size - i < 8 ? size - i : 8;
		uint64_t v;
		int rc = emul_read(x, seg, (off + i) & mask, n, 0, &v);

		if (rc)
			return rc;
		memcpy(x->ctx->x87_buf + i, &v, n);
	}
	return EX_OK;
}

/* Checks that every piece of a store could be written (segment, #AC,
 * paging), writing nothing. */
static int probe_buf(struct emul_exec *x, unsigned seg, uint64_t off,
		     unsigned size)
{
	uint64_t mask = emul_addr_mask(x->insn->addrsize);

	for (unsigned i = 0; i < size; i += 8) {
		unsigned n = size - i < 8 ? size - i : 8;
		int rc = emul_probe_write(x, seg, (off + i) & mask, n);

		if (rc)
			return rc;
	}
	return EX_OK;
}

/* Writes ctx->x87_buf back; every piece is checked before the first goes
 * out, so a fault leaves guest memory as it was. */
int emul_x87_write_buf(struct emul_exec *x, unsigned seg, uint64_t off,
		       unsigned size)
{
	uint64_t mask = emul_addr_mask(x->insn->addrsize);
	int rc = probe_buf(x, seg, off, size);

	if (rc)
		return rc;
	for (unsigned i = 0; i < size; i += 8) {
		unsigned n = size - i < 8 ? size - i : 8;
		uint64_t v = 0;

		memcpy(&v, x->ctx->x87_buf + i, n);
		rc = emul_write(x, seg, (off + i) & mask, n, v);
		if (rc)
			return rc;
	}
	return EX_OK;
}

/* In real and virtual-8086 mode an AMD FPU records the linear address of
 * the instruction and of its operand, segment base + offset (APM Vol. 1
 * 6.2.5); Intel's the selector and the offset (SDM Vol. 1 8.1.8). */
static bool linear_pointers(const struct emul_exec *x)
{
	return x->cpu->vendor == EMUL_VENDOR_AMD &&
	       (x->cpu->mode == EMUL_MODE_REAL || x->cpu->mode == EMUL_MODE_VM86);
}

/* The one run on the FPU; its results stay in the context for replays
 * (RFLAGS in c->rflags at once: a register form makes no requests).
 * real_image: buf holds the 32-bit protected-mode image whatever the
 * operand size (x87_image.c). */
static int run_on_fpu(struct emul_exec *x, uint64_t ea, bool real_image)
{
	const struct emul_insn *in = x->insn;
	struct emul_ctx *ctx = x->ctx;
	struct emul_cpu *c = x->cpu;
	bool ax = !in->mem &&
		  emul_x87_reg_kind(in->opcode, in->modrm) == EMUL_X87_REG_FNSTSW_AX;
	struct emul_x87 op = {
		.opcode = in->opcode, .modrm = in->modrm,
		.env16 = in->opsize == 2 && !real_image,
		.buf = in->mem || ax ? ctx->x87_buf : NULL,
		.waits = in->mem ? !no_wait(in->opcode, in->reg & 7u) :
			 reg_form_waits(in->opcode, in->modrm),
		.fip = c->rip, .fcs = emul_seg(x, EMUL_SEG_CS)->sel,
		.fdp = ea, .fds = in->mem ? emul_seg(x, in->seg)->sel : 0,
		.rflags = c->rflags,
	};

	if (linear_pointers(x)) {       /* 20- or 32-bit linear addresses */
		op.fip = (uint32_t)(op.fip + emul_seg(x, EMUL_SEG_CS)->base);
		if (in->mem)
			op.fdp = (uint32_t)(op.fdp + emul_seg(x, in->seg)->base);
	}

	switch (ctx->ops->x87(ctx->opaque, &op)) {
	case EMUL_X87_DONE:
		if (!in->mem &&
		    emul_x87_reg_kind(in->opcode, in->modrm) == EMUL_X87_REG_FCOMI)
			emul_flags_set(c, X87_ARITH_FLAGS, (uint32_t)op.rflags);
		break;
	case EMUL_X87_PENDING:
		if (c->cr0 & CR0_NE)
			return emul_raise(x, VEC_MF, false, 0);
		/* CR0.NE = 0: the FERR# pin and an external interrupt */
		return emul_unsupported(x, EMUL_R_OPCODE);
	default:
		return emul_unsupported(x, EMUL_R_OPCODE);
	}
	ctx->x87_done = 1;
	return EX_OK;
}

/* A register form (its bytes came from MMIO): no operand, one run.
 * #NM before #UD, as for the memory forms. */
static int exec_reg_form(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	int rc;

	if (x->cpu->cr0 & (CR0_EM | CR0_TS))
		return emul_raise(x, VEC_NM, false, 0);
	switch (emul_x87_reg_kind(in->opcode, in->modrm)) {
	case EMUL_X87_REG_UD:
		return emul_raise(x, VEC_UD, false, 0);
	case EMUL_X87_REG_NOP:          /* nothing to run, nothing to wait for */
		emul_retire(x);
		return EX_OK;
	default:
		break;
	}
	if ((rc = run_on_fpu(x, 0, false)))
		return rc;
	if (emul_x87_reg_kind(in->opcode, in->modrm) == EMUL_X87_REG_FNSTSW_AX)
		emul_reg_set(x, EMUL_RAX, 2,
			     x->ctx->x87_buf[0] | (uint64_t)x->ctx->x87_buf[1] << 8);
	emul_retire(x);
	return EX_OK;
}

int emul_exec_x87(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	const struct x87_form *f;
	uint64_t ea;
	unsigned size;
	bool real_image;
	int rc;

	if (!x->ctx->ops->x87)
		return emul_unsupported(x, EMUL_R_OPCODE);
	if (!in->mem)
		return exec_reg_form(x);
	/* SDM Vol. 3 2.5 (CR0.EM, CR0.TS): #NM before anything else */
	if (x->cpu->cr0 & (CR0_EM | CR0_TS))
		return emul_raise(x, VEC_NM, false, 0);
	f = &mem_forms[in->opcode - 0xD8][in->reg & 7];
	if (f->dir == X87_NONE)
		return emul_raise(x, VEC_UD, false, 0);
	/* real and virtual-8086 mode hold the environment with linear
	 * pointers (SDM Vol. 1 Figures 8-10, 8-12), which the FPU here,
	 * in 64-bit mode, neither reads nor writes: converted */
	real_image = f->size >= 28 && (x->cpu->mode == EMUL_MODE_REAL ||
				       x->cpu->mode == EMUL_MODE_VM86);
	size = in->opsize == 2 ? f->size16 : f->size;
	ea = emul_ea(x);
	/* SDM Vol. 3A Table 6-7: the FSTENV/FLDENV and FSAVE/FRSTOR areas
	 * need 2 or 4 by operand size, not 8 for their 8-byte pieces */
	if (f->size >= 28)
		x->ac_align = in->opsize == 2 ? 2 : 4;
	if (f->dir == X87_READ && (rc = emul_x87_read_buf(x, in->seg, ea, size)))
		return rc;
	/* a store's faults (#AC, #PF) come before the FPU runs: FSTP pops,
	 * FNSTENV masks, FNSAVE reinitializes, and a fault changes nothing
	 * (SDM Vol. 3A 6.15: "the instruction is not executed") */
	if (f->dir == X87_WRITE && !x->ctx->x87_done &&
	    (rc = probe_buf(x, in->seg, ea, size)))
		return rc;
	if (!x->ctx->x87_done) {
		bool state = f->size == 108, size16 = in->opsize == 2;

		if (real_image && f->dir == X87_READ)
			emul_x87_image_from_real(x->ctx->x87_buf, size16, state);
		if ((rc = run_on_fpu(x, ea, real_image)))
			return rc;
		if (real_image && f->dir == X87_WRITE)
			emul_x87_image_to_real(x->ctx->x87_buf, size16, state,
					       linear_pointers(x));
	}
	if (f->dir == X87_WRITE && (rc = emul_x87_write_buf(x, in->seg, ea, size)))
		return rc;
	emul_retire(x);
	return EX_OK;
}

/* FWAIT (9B): #NM with CR0.MP and CR0.TS both set, #MF for a pending
 * unmasked x87 exception, else nothing (SDM Vol. 2 WAIT/FWAIT). The FPU
 * is asked whether an exception is pending: the callback with opcode
 * 0x9B runs nothing. */
int emul_exec_fwait(struct emul_exec *x)
{
	struct emul_ctx *ctx = x->ctx;
	struct emul_x87 op = { .opcode = 0x9B, .waits = 1 };

	if (!ctx->ops->x87)
		return emul_unsupported(x, EMUL_R_OPCODE);
	if ((x->cpu->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
		return emul_raise(x, VEC_NM, false, 0);
	switch (ctx->ops->x87(ctx->opaque, &op)) {
	case EMUL_X87_DONE:
		emul_retire(x);
		return EX_OK;
	case EMUL_X87_PENDING:
		if (x->cpu->cr0 & CR0_NE)
			return emul_raise(x, VEC_MF, false, 0);
		return emul_unsupported(x, EMUL_R_OPCODE);
	default:
		return emul_unsupported(x, EMUL_R_OPCODE);
	}
}

#define CR4_OSFXSR (1ull << 9)

/* Runs a group 15 form (MXCSR, FXSAVE/FXRSTOR) on the vCPU's state once
 * per instruction: EX_OK, #GP(0) for a value the CPU refuses, or refused. */
int emul_grp15_run(struct emul_exec *x, struct emul_x87 *op)
{
	struct emul_ctx *ctx = x->ctx;

	switch (ctx->ops->x87(ctx->opaque, op)) {
	case EMUL_X87_DONE:
		ctx->x87_done = 1;
		return EX_OK;
	case EMUL_X87_GP:
		return emul_gp0(x);
	default:
		return emul_unsupported(x, EMUL_R_OPCODE);
	}
}

/* 0F AE /2 LDMXCSR, /3 STMXCSR m32 (SDM Vol. 2): #UD with CR0.EM or
 * without CR4.OSFXSR, #NM with CR0.TS, then the access; LDMXCSR of a value
 * with reserved bits set (beyond MXCSR_MASK) is #GP(0). FXSAVE/FXRSTOR:
 * exec_fxsr.c; the fences, CLFLUSH, CLFLUSHOPT and CLWB: exec_fence.c;
 * the rest of group 15 (XSAVE, the register forms with F3, 66 or F2):
 * exec_grp15_ext.c. */
int emul_exec_grp15(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	struct emul_ctx *ctx = x->ctx;
	unsigned reg = in->reg & 7u;
	uint64_t ea, v = 0;
	int rc;

	if (emul_is_fence_or_flush(in))
		return emul_exec_fence_or_flush(x);
	if (!in->mem || emul_simd_prefix(in) != SIMD_NP || reg >= 4)
		return emul_exec_grp15_ext(x);          /* XSAVE, F3 forms, ... */
	if (reg <= 1)
		return emul_exec_fxsr(x);               /* FXSAVE, FXRSTOR */
	if (!ctx->ops->x87)
		return emul_unsupported(x, EMUL_R_OPCODE);
	if ((x->cpu->cr0 & CR0_EM) || !(x->cpu->cr4 & CR4_OSFXSR))
		return emul_raise(x, VEC_UD, false, 0);
	if (x->cpu->cr0 & CR0_TS)
		return emul_raise(x, VEC_NM, false, 0);
	ea = emul_ea(x);
	if (reg == 2 && (rc = emul_read(x, in->seg, ea, 4, 0, &v)))
		return rc;
	if (!ctx->x87_done) {
		struct emul_x87 op = { .opcode = 0xAE, .modrm = in->modrm,
				       .buf = ctx->x87_buf };

		memcpy(ctx->x87_buf, &v, 4);
		if ((rc = emul_grp15_run(x, &op)))
			return rc;
	}
	if (reg == 3) {
		memcpy(&v, ctx->x87_buf, 4);
		if ((rc = emul_write(x, in->seg, ea, 4, v)))
			return rc;
	}
	emul_retire(x);
	return EX_OK;
}
