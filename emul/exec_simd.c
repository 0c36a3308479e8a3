/*
 * exec_simd.c - MMX, SSE (to SSE4.2) and 3DNow! instructions in their
 * legacy encodings whose memory operand is MMIO (the forms: simd_forms.c).
 *
 * As with x87 (exec_x87.c) the emulator computes nothing itself: the
 * vCPU's MMX/XMM registers and MXCSR are live in the CPU while the
 * hypervisor handles the exit, so emul_ops.simd runs the instruction on
 * them with the memory operand in a buffer. Here: the checks that come
 * before the access, in the CPU's order (SDM Vol. 3A 6.15 classes 8 and
 * 9; Vol. 3B chapter 23's exception tables; Vol. 3A 2.5 for CR0.EM,
 * CR0.TS and CR4.OSFXSR): #UD for CR0.EM, for an instruction on XMM
 * registers without CR4.OSFXSR, for a feature the guest's CPUID lacks;
 * #NM for CR0.TS; #MF for a pending x87 exception before an instruction
 * on MMX registers (SDM Vol. 1 9.6.3: they wait like x87 instructions);
 * then the segment checks, the 16-byte alignment (#GP(0)), the read (or
 * the probe of the write), the one run, the write. An unmasked SIMD
 * floating-point exception the run finds is #XM, or #UD without
 * CR4.OSXMMEXCPT (SDM Vol. 3A 6.15, interrupt 19). PCMPxSTRx
 * (SF_STRCMP) pass RAX and RDX to the callback and take ECX or XMM0 and
 * the flags from it.
 */
#include "emul_private.h"

#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_NE (1ull << 5)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define VEC_UD 6
#define VEC_NM 7
#define VEC_MF 16
#define VEC_XM 19
#define REX_W 0x08
/* the arithmetic flags COMISS & co. and PCMPxSTRx write (SDM Vol. 2) */
#define RESULT_FLAGS (EMUL_FL_ZF | EMUL_FL_PF | EMUL_FL_CF | EMUL_FL_OF | \
		      EMUL_FL_SF | EMUL_FL_AF)
#define REG_RAX 0
#define REG_RCX 1
#define REG_RDX 2

static const uint8_t prefix_byte[4] = { 0, 0x66, 0xF3, 0xF2 };

/* A general register operand: r64 with REX.W (SF_WIDE), else r32, whose
 * write clears bits 63:32 in 64-bit mode (SDM Vol. 1 3.4.1.1). */
static unsigned gpr_size(const struct emul_simd_form *f)
{
	return (f->flags & SF_WIDE) ? 8 : 4;
}

/*
 * REX.W on an SF_W64 form (REX exists in 64-bit mode only, so this is
 * 64-bit mode) widens its general-register or memory operand to 64 bits
 * (SDM Vol. 2: MOVD/MOVQ "r/m64", PINSRQ/PEXTRQ, CVTSI2SS/SD "r/m64",
 * CVT(T)SS2SI/SD2SI "r64"): the forms with a general register for
 * ModRM.rm read or write 8 bytes; CVT(T)xx2SI keep their xmm/m32 or m64
 * source and write r64. Everything else about the form stays.
 */
static const struct emul_simd_form *widen(const struct emul_insn *in,
					  const struct emul_simd_form *f,
					  struct emul_simd_form *wide)
{
	if (!(f->flags & SF_W64) || !(in->rex & REX_W))
		return f;
	*wide = *f;
	wide->flags |= SF_WIDE;
	if (f->flags & SF_RM_GPR)
		wide->size = 8;
	return wide;
}

/* The guest's CPUID has what the instruction needs. The SSE instructions
 * on MMX registers are AMD's MMX extensions too (APM Vol. 5). */
static bool has_feature(const struct emul_cpu *c, unsigned ft)
{
	static const uint32_t bit[] = {
		[FT_MMX] = EMUL_FEAT_MMX, [FT_SSE] = EMUL_FEAT_SSE,
		[FT_SSE2] = EMUL_FEAT_SSE2, [FT_SSE3] = EMUL_FEAT_SSE3,
		[FT_SSSE3] = EMUL_FEAT_SSSE3, [FT_SSE41] = EMUL_FEAT_SSE41,
		[FT_SSE42] = EMUL_FEAT_SSE42,
		[FT_MMXEXT] = EMUL_FEAT_SSE | EMUL_FEAT_MMXEXT,
		[FT_3DNOW] = EMUL_FEAT_3DNOW, [FT_3DNOWEXT] = EMUL_FEAT_3DNOWEXT,
		[FT_PCLMUL] = EMUL_FEAT_PCLMUL, [FT_AES] = EMUL_FEAT_AES,
		[FT_SHA] = EMUL_FEAT_SHA, [FT_SSE4A] = EMUL_FEAT_SSE4A,
	};

	return ft != FT_NONE && ft < sizeof(bit) / sizeof(bit[0]) &&
	       (c->features & bit[ft]);
}

/* #UD and #NM, which come before any access. */
int emul_simd_check_state(struct emul_exec *x, const struct emul_simd_form *f)
{
	const struct emul_cpu *c = x->cpu;

	if ((c->cr0 & CR0_EM) || ((f->flags & SF_XMM) && !(c->cr4 & CR4_OSFXSR)) ||
	    !has_feature(c, f->feat))
		return emul_raise(x, VEC_UD, false, 0);
	if (c->cr0 & CR0_TS)
		return emul_raise(x, VEC_NM, false, 0);
	return EX_OK;
}

/* What ModRM.rm names in a register form: the other register file for
 * the conversions and moves between MMX and XMM registers (CVTPI2PS/PD
 * xmm, mm; CVT(T)PS2PI/PD2PI mm, xmm; MOVQ2DQ xmm, mm and MOVDQ2Q mm,
 * xmm, F3/F2 0F D6), else the same as ModRM.reg. */
static unsigned rm_kind(const struct emul_insn *in, const struct emul_simd_form *f)
{
	if (in->map == EMUL_MAP_0F && in->opcode >= 0x2A && in->opcode <= 0x2D)
		return in->opcode == 0x2A ? EMUL_SIMD_MMX : EMUL_SIMD_XMM;
	if (in->map == EMUL_MAP_0F && in->opcode == 0xD6 &&
	    (in->pfx & (EMUL_PFX_REP | EMUL_PFX_REPNE)))
		return emul_simd_prefix(in) == SIMD_F3 ? EMUL_SIMD_MMX : EMUL_SIMD_XMM;
	return (f->flags & SF_MMX) ? EMUL_SIMD_MMX : EMUL_SIMD_XMM;
}

static void describe(const struct emul_exec *x, const struct emul_simd_form *f,
		     struct emul_simd *op)
{
	const struct emul_insn *in = x->insn;

	*op = (struct emul_simd){
		.map = in->map, .prefix = prefix_byte[emul_simd_prefix(in)],
		.opcode = in->opcode, .imm = (uint8_t)in->imm,
		.kind = (f->flags & SF_GPR) ? EMUL_SIMD_GPR :
			(f->flags & SF_MMX) ? EMUL_SIMD_MMX : EMUL_SIMD_XMM,
		.reg = (f->flags & (SF_MMX | SF_GPR)) == SF_MMX ? (in->reg & 7u) :
		       in->reg,
		.buf = x->ctx->x87_buf,
		.wide = !!(f->flags & SF_WIDE),
	};
	/* PCMPESTRx: the lengths, all 64 bits (without REX.W the instruction
	 * itself takes EAX and EDX; PCMPISTRx ignores both) */
	if (f->flags & SF_STRCMP) {
		op->rax = emul_reg_get(x, REG_RAX, 8);
		op->rdx = emul_reg_get(x, REG_RDX, 8);
	}
	/* with a general register for ModRM.rm the callback sees the memory
	 * form, the register's value in buf (exec_gpr_rm_form) */
	if (!in->mem && !(f->flags & SF_RM_GPR)) {
		op->regform = 1;
		op->rm_kind = (uint8_t)rm_kind(in, f);
		op->rm = op->rm_kind == EMUL_SIMD_MMX ? (in->rm & 7u) : in->rm;
		op->rm_dest = !!(f->flags & SF_WRITE);
	}
}

/* A pending unmasked x87 exception: #MF before an instruction on MMX
 * registers (with CR0.NE = 0 it would be the FERR# pin and an external
 * interrupt: not modelled). CVTPI2PS/PD with a memory source: the SDM
 * says both that they wait and (newer editions) that they do not. */
int emul_simd_check_pending(struct emul_exec *x, const struct emul_simd_form *f)
{
	struct emul_ctx *ctx = x->ctx;
	struct emul_simd op;

	if (!(f->flags & (SF_MMX | SF_MMX_RM | SF_X87_UNSURE)))
		return EX_OK;
	describe(x, f, &op);
	op.query = 1;
	switch (ctx->ops->simd(ctx->opaque, &op)) {
	case EMUL_SIMD_DONE:
		return EX_OK;
	case EMUL_SIMD_PENDING:
		if ((f->flags & (SF_MMX | SF_MMX_RM)) && (x->cpu->cr0 & CR0_NE))
			return emul_raise(x, VEC_MF, false, 0);
		return emul_unsupported(x, EMUL_R_OPCODE);
	default:
		return emul_unsupported(x, EMUL_R_OPCODE);
	}
}

/* The segment checks of the whole operand, then its alignment (Bochs and
 * the SDM's tables agree on #GP(0) "regardless of segment"; which of a
 * limit violation and a misalignment comes first is not documented: the
 * limit here). AMD's misaligned SSE mode (MXCSR.MM) is not modelled. */
static int check_address(struct emul_exec *x, const struct emul_simd_form *f,
			 uint64_t ea)
{
	uint64_t la;
	int rc;

	if ((rc = emul_linear(x, x->insn->seg, ea, f->size, f->flags & SF_WRITE, &la)))
		return rc;
	if (!(f->flags & SF_A16) || !(la & 15))
		return EX_OK;
	if (x->cpu->features & EMUL_FEAT_MISALIGNSSE)
		return emul_unsupported(x, EMUL_R_OPCODE);
	return emul_gp0(x);
}

static int probe_operand(struct emul_exec *x, unsigned size, uint64_t ea)
{
	uint64_t mask = emul_addr_mask(x->insn->addrsize);

	for (unsigned i = 0; i < size; i += 8) {
		int rc = emul_probe_write(x, x->insn->seg, (ea + i) & mask,
					  size - i < 8 ? size - i : 8);

		if (rc)
			return rc;
	}
	return EX_OK;
}

/* The one run of op; its memory result stays in ctx->x87_buf for the
 * replays that issue the writes. */
static int run_op(struct emul_exec *x, const struct emul_simd_form *f,
		  struct emul_simd *op)
{
	struct emul_ctx *ctx = x->ctx;

	switch (ctx->ops->simd(ctx->opaque, op)) {
	case EMUL_SIMD_DONE:
		break;
	case EMUL_SIMD_XM:
		if (x->cpu->cr4 & CR4_OSXMMEXCPT)
			return emul_raise(x, VEC_XM, false, 0);
		return emul_raise(x, VEC_UD, false, 0);
	default:
		return emul_unsupported(x, EMUL_R_OPCODE);
	}
	if (f->flags & SF_GPR)
		emul_reg_set(x, x->insn->reg, gpr_size(f), op->gpr);
	/* PCMPESTRI/PCMPISTRI: the index in ECX, a 32-bit write (zero-
	 * extended in 64-bit mode, SDM Vol. 1 3.4.1.1; REX.W widens only the
	 * lengths: the index is at most 16 either way) */
	if ((f->flags & SF_STRCMP) && (x->insn->opcode & 1))
		emul_reg_set(x, REG_RCX, 4, (uint32_t)op->gpr);
	if (f->flags & (SF_FLAGS | SF_STRCMP))
		emul_flags_set(x->cpu, RESULT_FLAGS, (uint32_t)op->rflags & RESULT_FLAGS);
	ctx->x87_done = 1;
	return EX_OK;
}

static int run_once(struct emul_exec *x, const struct emul_simd_form *f)
{
	struct emul_simd op;

	describe(x, f, &op);
	return run_op(x, f, &op);
}

/* Groups 12-14 (0F 71-73 /r ib, register only): the shift of ModRM.rm's
 * register by the imm8 runs as the shift by a count operand
 * (emul_simd_shift_by_count()), its memory form on buf holding the imm8
 * zero-extended, ModRM.rm's register as the destination. PSRLDQ and
 * PSLLDQ run as register forms: ModRM.reg their opcode extension (3, 7),
 * ModRM.rm the destination. */
static int exec_shift_imm_form(struct emul_exec *x, const struct emul_simd_form *f)
{
	const struct emul_insn *in = x->insn;
	struct emul_simd op;
	int rc;

	if ((rc = emul_simd_check_state(x, f)) || (rc = emul_simd_check_pending(x, f)))
		return rc;
	if (!x->ctx->x87_done) {
		describe(x, f, &op);
		if (emul_simd_byte_shift(in)) {
			op.reg = (in->modrm >> 3) & 7;
			op.rm_dest = 1;
		} else {
			memset(x->ctx->x87_buf, 0, 16);
			x->ctx->x87_buf[0] = (uint8_t)in->imm;
			op.opcode = emul_simd_shift_by_count(in);
			op.imm = 0;
			op.reg = (f->flags & SF_MMX) ? (in->rm & 7u) : in->rm;
			op.regform = 0;
		}
		if ((rc = run_op(x, f, &op)))
			return rc;
	}
	emul_retire(x);
	return EX_OK;
}

/*
 * A register form whose ModRM.rm is a general register (SF_RM_GPR): MOVD
 * to and from one, CVTSI2SS/SD, PINSRW/PINSRB/PINSRD, PEXTRB/PEXTRW/
 * PEXTRD/EXTRACTPS. The instruction treats the register as the memory
 * form treats its operand (its low f->size bytes; SDM Vol. 2, each
 * instruction's "r32/m16" and similar operands), so the callback runs
 * the memory form on buf: holding the register's value before, and
 * giving it its new value after, zero-extended (SDM: "zero-extended",
 * "the upper bits of the destination are cleared": also in 64-bit
 * mode, where a 32-bit register write clears bits 63:32).
 */
static int exec_gpr_rm_form(struct emul_exec *x, const struct emul_simd_form *f)
{
	struct emul_ctx *ctx = x->ctx;
	unsigned rm = x->insn->rm;
	uint64_t v = 0;
	int rc;

	if ((rc = emul_simd_check_state(x, f)) || (rc = emul_simd_check_pending(x, f)))
		return rc;
	if (!ctx->x87_done) {
		memset(ctx->x87_buf, 0, 16);
		if (!(f->flags & SF_WRITE)) {
			v = emul_reg_get(x, rm, gpr_size(f));
			memcpy(ctx->x87_buf, &v, f->size);
		}
		if ((rc = run_once(x, f)))
			return rc;
	}
	if (f->flags & SF_WRITE) {
		memcpy(&v, ctx->x87_buf, f->size);
		emul_reg_set(x, rm, gpr_size(f), v);
	}
	emul_retire(x);
	return EX_OK;
}

/*
 * A register form: its bytes came from MMIO (the fetch is the only MMIO
 * access). Both operands MMX or XMM registers (an imm8 and 3DNow!'s
 * suffix included: core/simd_proxy.c runs those as the memory form with
 * ModRM.rm's value for the operand), or ModRM.reg a general register
 * (CVT(T)SS2SI/SD2SI, MOVMSKPS/PD, PMOVMSKB, PEXTRW), or ModRM.rm one
 * (above). The same checks as
 * the memory form, #MF when either operand is an MMX register, one run.
 */
static int exec_reg_form(struct emul_exec *x, const struct emul_simd_form *f)
{
	const struct emul_insn *in = x->insn;
	struct emul_simd_form fr = *f;
	int rc;

	if (f->flags & SF_RM_GPR)
		return exec_gpr_rm_form(x, f);
	if (f->flags & SF_SHIFT_IMM)
		return exec_shift_imm_form(x, f);
	/* with an MMX source CVTPI2PS/PD wait for x87 exceptions (SDM) */
	if (rm_kind(in, f) == EMUL_SIMD_MMX)
		fr.flags = (fr.flags & ~(uint32_t)SF_X87_UNSURE) | SF_MMX_RM;
	if ((rc = emul_simd_check_state(x, &fr)) || (rc = emul_simd_check_pending(x, &fr)))
		return rc;
	if (!x->ctx->x87_done && (rc = run_once(x, &fr)))
		return rc;
	emul_retire(x);
	return EX_OK;
}

/*
 * EMMS (0F 77) and FEMMS (0F 0E, 3DNow!): no operand (they reach the
 * emulator from code in MMIO); they set the x87 tag word to empty (SDM
 * Vol. 2A EMMS; APM Vol. 5 FEMMS). #UD for CR0.EM or without MMX
 * (3DNow! for FEMMS), #NM for CR0.TS, #MF for a pending unmasked x87
 * exception (both manuals list all three), as an MMX form; the callback
 * runs the instruction itself on the vCPU's x87 state.
 */
static int exec_no_operand(struct emul_exec *x, const struct emul_simd_form *f)
{
	struct emul_simd op;
	int rc;

	if ((rc = emul_simd_check_state(x, f)) || (rc = emul_simd_check_pending(x, f)))
		return rc;
	if (!x->ctx->x87_done) {
		op = (struct emul_simd){
			.map = x->insn->map, .opcode = x->insn->opcode,
			.kind = EMUL_SIMD_MMX, .buf = x->ctx->x87_buf,
		};
		if ((rc = run_op(x, f, &op)))
			return rc;
	}
	emul_retire(x);
	return EX_OK;
}

int emul_exec_simd(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	struct emul_simd_form tmp, wide;
	const struct emul_simd_form *f = emul_simd_form(in, &tmp);
	uint64_t ea;
	int rc;

	/* the register forms of the memory-only instructions are #UD, and
	 * the memory forms of the register-only ones */
	if (f && !in->mem && (f->flags & SF_MEMONLY))
		return emul_raise(x, VEC_UD, false, 0);
	if (f && in->mem && (f->flags & SF_REGONLY))
		return emul_raise(x, VEC_UD, false, 0);
	if (!f || !x->ctx->ops->simd)
		return emul_unsupported(x, EMUL_R_OPCODE);
	f = widen(in, f, &wide);
	if (f->flags & SF_NO_OPERAND)
		return exec_no_operand(x, f);
	if (!in->mem)
		return exec_reg_form(x, f);
	if ((rc = emul_simd_check_state(x, f)) || (rc = emul_simd_check_pending(x, f)))
		return rc;
	ea = emul_ea(x);
	if ((rc = check_address(x, f, ea)))
		return rc;
	if (f->flags & SF_WRITE)
		rc = probe_operand(x, f->size, ea);
	else
		rc = emul_x87_read_buf(x, in->seg, ea, f->size);
	if (rc)
		return rc;
	/* a GPR or RFLAGS result is in the working copy of this pass only:
	 * those forms write no memory, so there is no replay after it */
	if (!x->ctx->x87_done && (rc = run_once(x, f)))
		return rc;
	if ((f->flags & SF_WRITE) && (rc = emul_x87_write_buf(x, in->seg, ea, f->size)))
		return rc;
	emul_retire(x);
	return EX_OK;
}
