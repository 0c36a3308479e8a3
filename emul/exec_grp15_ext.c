/*
 * exec_grp15_ext.c - the rest of group 15 (0F AE): the XSAVE family,
 * the undefined register forms, and the F3, 66 and F2 register forms
 * (FSGSBASE, PTWRITE, INCSSP, UMONITOR, TPAUSE, UMWAIT). They reach the
 * emulator from code in MMIO, and the XSAVE family with its operand in
 * MMIO too.
 *
 * Which instruction an encoding is (SDM Vol. 2 Table A-6, "Opcode
 * Extensions for One- and Two-byte Opcodes by Group Number", group 15):
 *
 *   mem, no prefix:  /4 XSAVE, /5 XRSTOR, /6 XSAVEOPT (REX.W: the 64
 *                    forms); /0-/3 (FXSAVE, FXRSTOR, LDMXCSR, STMXCSR)
 *                    and /7 CLFLUSH are exec_fxsr.c's, exec_x87.c's,
 *                    exec_fence.c's
 *   mem, F3:         /4 PTWRITE, /6 CLRSSBSY
 *   mod 3, no pfx:   /5 LFENCE, /6 MFENCE, /7 SFENCE (exec_fence.c);
 *                    /0-/4 undefined
 *   mod 3, F3:       /0 RDFSBASE, /1 RDGSBASE, /2 WRFSBASE, /3 WRGSBASE,
 *                    /4 PTWRITE, /5 INCSSP, /6 UMONITOR; /7 undefined
 *   mod 3, 66:       /6 TPAUSE; the others undefined
 *   mod 3, F2:       /6 UMWAIT; the others undefined
 *
 * An undefined encoding is #UD (the table leaves it empty; Bochs, the
 * stricter of the test platforms, raises #UD for each). Each defined one
 * makes its #UD checks first (a decode-time fault, SDM Vol. 3A 6.9
 * priority 9, before the segment and paging faults of priority 10):
 *
 *   XSAVE, XRSTOR, XSAVEOPT: exec_xsave.c (#UD with CR4.OSXSAVE = 0,
 *     which BareKVM's virtual CPU always has).
 *   RDFSBASE ... WRGSBASE: #UD outside 64-bit mode, without CPUID
 *     (7,0) EBX[0], or with CR4.FSGSBASE = 0; WRFSBASE/WRGSBASE of a
 *     non-canonical value #GP(0). Otherwise they read or write the
 *     hidden base of FS or GS: 32 bits (zero-extended) without REX.W,
 *     64 with it (66 does not make them 16-bit).
 *   PTWRITE: #UD without CPUID (14h,0) EBX[4] (Intel PT); with it the
 *     write to the trace is not modelled: refused.
 *   INCSSP, CLRSSBSY: #UD with CR4.CET = 0 (which can be 1 only where
 *     CPUID announces CET); with it, shadow stacks are not modelled.
 *   UMONITOR, TPAUSE, UMWAIT: #UD without CPUID (7,0) ECX[5] (WAITPKG);
 *     with it the wait is not modelled: refused.
 *
 * LOCK on any of these is the decoder's #UD (no group 15 form takes it).
 * The prefixed memory forms other than CLWB, CLFLUSHOPT, PTWRITE and
 * CLRSSBSY (66 FXSAVE and the like: the table leaves them empty, some
 * CPUs may ignore the prefix) stay refused.
 */
#include "emul_private.h"

#define VEC_UD 6
#define CR4_FSGSBASE (1ull << 16)
#define CR4_CET (1ull << 23)

enum { REG_RDFSBASE = 0, REG_RDGSBASE, REG_WRFSBASE, REG_WRGSBASE,
       REG_PTWRITE, REG_INCSSP, REG_UMONITOR };
#define REG_CLRSSBSY 6          /* F3 /6 with a memory operand */

static int undefined(struct emul_exec *x)
{
	return emul_raise(x, VEC_UD, false, 0);
}

/* #UD unless the guest's CPU has feature; with it, refused. */
static int ud_unless_feature(struct emul_exec *x, uint64_t feature)
{
	if (!(x->cpu->features & feature))
		return undefined(x);
	return emul_unsupported(x, EMUL_R_OPCODE);
}

/* #UD unless the CR4 bit is set; with it, refused. */
static int ud_unless_cr4(struct emul_exec *x, uint64_t bit)
{
	if (!(x->cpu->cr4 & bit))
		return undefined(x);
	return emul_unsupported(x, EMUL_R_OPCODE);
}

/* RDFSBASE, RDGSBASE, WRFSBASE, WRGSBASE r32/r64 (SDM Vol. 2, each). */
static int fsgsbase(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	struct emul_cpu *c = x->cpu;
	unsigned reg = in->reg & 7u;
	unsigned sreg = (reg & 1u) ? EMUL_SEG_GS : EMUL_SEG_FS;
	unsigned size = (in->rex & 8u) ? 8 : 4;
	struct emul_seg s;
	uint64_t v;

	if (c->mode != EMUL_MODE_LONG64 || !(c->features & EMUL_FEAT_FSGSBASE) ||
	    !(c->cr4 & CR4_FSGSBASE))
		return undefined(x);
	if (reg <= REG_RDGSBASE) {
		emul_reg_set(x, in->rm, size, emul_seg(x, sreg)->base);
		emul_retire(x);
		return EX_OK;
	}
	v = emul_reg_get(x, in->rm, size);
	if (!emul_canonical(v))
		return emul_gp0(x);
	s = *emul_seg(x, sreg);
	s.base = v;
	emul_seg_commit(x, sreg, &s);
	emul_retire(x);
	return EX_OK;
}

static int f3_form(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned reg = in->reg & 7u;

	if (reg == REG_PTWRITE)
		return ud_unless_feature(x, EMUL_FEAT_PTWRITE);
	if (in->mem)
		return reg == REG_CLRSSBSY ? ud_unless_cr4(x, CR4_CET) :
		       emul_unsupported(x, EMUL_R_OPCODE);
	if (reg <= REG_WRGSBASE)
		return fsgsbase(x);
	if (reg == REG_INCSSP)
		return ud_unless_cr4(x, CR4_CET);
	if (reg == REG_UMONITOR)
		return ud_unless_feature(x, EMUL_FEAT_WAITPKG);
	return undefined(x);
}

int emul_exec_grp15_ext(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	unsigned reg = in->reg & 7u;

	switch (emul_simd_prefix(in)) {
	case SIMD_F3:
		return f3_form(x);
	case SIMD_NP:
		if (!in->mem)           /* the fences are /5-/7 */
			return undefined(x);
		if (reg >= 4 && reg <= 6)       /* XSAVE, XRSTOR, XSAVEOPT */
			return emul_exec_xsave(x);
		break;
	default:                /* 66: TPAUSE; F2: UMWAIT */
		if (!in->mem)
			return reg == 6 ? ud_unless_feature(x, EMUL_FEAT_WAITPKG) :
					  undefined(x);
		break;
	}
	return emul_unsupported(x, EMUL_R_OPCODE);
}
