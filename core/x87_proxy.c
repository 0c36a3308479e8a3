/* x87 instructions run for the emulator on a vCPU's FPU (see core/x87_proxy.h). */
#include "core/x87_proxy.h"
#include "core/fpu.h"
#include "core/lib.h"
#include "arch/x86/cpu.h"
#include "arch/x86/x87_proxy.h"

#define FSW_ES          (1u << 7)       /* an unmasked exception is pending */
#define ENV_FIP         12              /* offsets in the 28-byte image */
#define ENV_FCS_FOP     16              /* FCS in bits 15:0, FOP in 26:16 */
#define ENV_FDP         20
#define ENV_FDS         24
#define FOP_MASK        0x7ffu
/* CPUID.(7,0):EBX[13]: the FPU stores 0 for FCS and FDS (SDM Vol. 1 8.1.8) */
#define CPUID7_EBX_FCS_FDS_DEPRECATED (1u << 13)

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* Read once: a CPUID per proxied instruction would exit to the outer
 * hypervisor when BareKVM itself runs nested. */
static bool fcs_fds_deprecated(void)
{
	static int deprecated = -1;

	if (deprecated < 0)
		deprecated = !!(cpuid_count(7, 0).ebx & CPUID7_EBX_FCS_FDS_DEPRECATED);
	return deprecated;
}

/* FLDENV, FNSTENV, FRSTOR, FNSAVE: their images depend on the operand size. */
static int env16_slot(const struct emul_x87 *op)
{
	unsigned reg = (op->modrm >> 3) & 7;

	if (op->opcode != 0xD9 && op->opcode != 0xDD)
		return -1;
	if (reg != 4 && reg != 6)
		return -1;
	return (op->opcode == 0xDD) * 2 + (reg == 6);
}

/*
 * The stub left its own address in FIP (and the host's CS in FCS, its
 * ModRM in FOP, the buffer in FDP) wherever the CPU records them for this
 * instruction; put the guest's there instead. Fields the CPU did not
 * write (control instructions, FOP or FDP recorded only on exceptions,
 * FCS/FDS deprecated) keep what they held: the guest's.
 */
static void own_pointers(uint8_t *env, const struct x87_call *c, const struct emul_x87 *op,
			 unsigned stub_modrm)
{
	uint32_t fcs_fop = get32(env + ENV_FCS_FOP);
	unsigned fop = (fcs_fop >> 16) & FOP_MASK;
	unsigned esc = op->opcode & 7u;
	bool sels = !fcs_fds_deprecated();

	if (get32(env + ENV_FIP) == (uint32_t)(uintptr_t)c->stub) {
		put32(env + ENV_FIP, (uint32_t)op->fip);
		if (sels)
			fcs_fop = (fcs_fop & ~0xffffu) | op->fcs;
	}
	if (fop == ((esc << 8) | stub_modrm))
		fcs_fop = (fcs_fop & ~(FOP_MASK << 16)) | ((esc << 8 | op->modrm) << 16);
	put32(env + ENV_FCS_FOP, fcs_fop);
	if (c->buf && get32(env + ENV_FDP) == (uint32_t)(uintptr_t)c->buf) {
		put32(env + ENV_FDP, (uint32_t)op->fdp);
		if (sels)
			put32(env + ENV_FDS, (get32(env + ENV_FDS) & ~0xffffu) | op->fds);
	}
}

/* The stub for op: a register form as it is; a memory form against
 * [RDI] (mod 0, r/m 7, the same reg), the 16-bit images apart. */
static const void *stub_of(const struct emul_x87 *op, unsigned *stub_modrm)
{
	unsigned esc = op->opcode - 0xD8u;
	int env16 = op->env16 ? env16_slot(op) : -1;

	if ((op->modrm >> 6) == 3) {
		*stub_modrm = op->modrm;
		if (emul_x87_reg_kind(op->opcode, op->modrm) == EMUL_X87_REG_FNSTSW_AX)
			return x87_fnstsw_ax_stub;
		return x87_reg_stubs + 8 * (esc * 64u + op->modrm - 0xC0u);
	}
	*stub_modrm = (op->modrm & 0x38u) | 7u;
	if (env16 >= 0)
		return x87_env16_stubs + 8 * env16;
	return x87_stubs + 8 * (esc * 8u + ((op->modrm >> 3) & 7u));
}

static int run_x87(struct vcpu *v, struct emul_x87 *op);

/* A register form's stub would raise #UD here, in the hypervisor, for a
 * reserved cell (the emulator raises it for the guest and never asks, nor
 * for the FNENI/FNDISI/FNSETPM no-ops); FNSTSW AX needs its buffer. */
static bool runs_here(const struct emul_x87 *op)
{
	enum emul_x87_reg_kind k;

	if ((op->modrm >> 6) != 3)
		return true;
	k = emul_x87_reg_kind(op->opcode, op->modrm);
	return k != EMUL_X87_REG_UD && k != EMUL_X87_REG_NOP &&
	       (k != EMUL_X87_REG_FNSTSW_AX || op->buf);
}

/* The MXCSR bits this CPU has (FXSAVE's MXCSR_MASK; 0 means 0xFFBF, SDM
 * Vol. 1 11.6.6): LDMXCSR of any other is #GP(0). */
static uint32_t mxcsr_mask(void)
{
	static uint8_t area[512] __attribute__((aligned(16)));
	static uint32_t mask;
	uint32_t m;

	if (!mask) {
		x87_fxsave(area);
		memcpy(&m, area + 28, sizeof(m));
		mask = m ? m : 0xFFBF;
	}
	return mask;
}

/* LDMXCSR (0F AE /2) or STMXCSR (/3) on the vCPU's MXCSR, the 4 bytes in
 * op->buf. */
static int run_mxcsr(const struct emul_x87 *op)
{
	uint32_t v;

	memcpy(&v, op->buf, sizeof(v));
	if (((op->modrm >> 3) & 7) == 3) {
		x87_stmxcsr(&v);
		memcpy(op->buf, &v, sizeof(v));
		return EMUL_X87_DONE;
	}
	if (v & ~mxcsr_mask())
		return EMUL_X87_GP;
	x87_ldmxcsr(&v);
	return EMUL_X87_DONE;
}

#define FXSAVE_MXCSR 24          /* offset in the image */
#define FXSAVE_MXCSR_END 32      /* MXCSR and MXCSR_MASK */
#define FXSAVE_SIZE 512

/*
 * FXSAVE (0F AE /0) or FXRSTOR (/1) of the guest's state, op->len bytes
 * of the image in op->buf. FXRSTOR starts from the state as it is, so the
 * bytes a legacy-mode image does not hold (XMM8-XMM15) keep their values,
 * as on a CPU, where they cannot be touched outside 64-bit mode. An MXCSR
 * with bits beyond MXCSR_MASK would be #GP(0) here, in the hypervisor:
 * checked first. op->x87_only: FXRSTOR keeps the vCPU's MXCSR (and, as
 * len is 160, its XMM registers); FXSAVE hands back the whole image and
 * the emulator writes only the x87 and MMX bytes.
 */
static int run_fxsr(const struct emul_x87 *op)
{
	static uint8_t area[FXSAVE_SIZE] __attribute__((aligned(16)));
	bool restore = ((op->modrm >> 3) & 7) == 1;
	uint32_t mxcsr;

	if (op->len > FXSAVE_SIZE || (op->x87_only && op->len < FXSAVE_MXCSR_END))
		return EMUL_X87_REFUSED;
	if (!restore) {
		if (op->wide)
			x87_fxsave64(area);
		else
			x87_fxsave(area);
		memcpy(op->buf, area, op->len);
		return EMUL_X87_DONE;
	}
	x87_fxsave64(area);
	if (op->x87_only) {     /* the vCPU's MXCSR stays: not the guest's */
		memcpy(area, op->buf, FXSAVE_MXCSR);
		memcpy(area + FXSAVE_MXCSR_END, op->buf + FXSAVE_MXCSR_END,
		       op->len - FXSAVE_MXCSR_END);
	} else {
		memcpy(&mxcsr, op->buf + FXSAVE_MXCSR, sizeof(mxcsr));
		if (mxcsr & ~mxcsr_mask())
			return EMUL_X87_GP;
		memcpy(area, op->buf, op->len);
	}
	if (op->wide)
		x87_fxrstor64(area);
	else
		x87_fxrstor(area);
	return EMUL_X87_DONE;
}

int x87_proxy_run(struct vcpu *v, struct emul_x87 *op)
{
	if (op->opcode == 0xAE) {
		fpu_switch_to(v);
		return ((op->modrm >> 3) & 7) <= 1 ? run_fxsr(op) : run_mxcsr(op);
	}
	return run_x87(v, op);
}

static int run_x87(struct vcpu *v, struct emul_x87 *op)
{
	unsigned modrm;
	struct x87_call c = { .buf = op->buf };

	if (op->opcode != 0x9B && (op->opcode < 0xD8 || op->opcode > 0xDF))
		return EMUL_X87_REFUSED;
	fpu_switch_to(v);       /* an MMIO completion runs before the entry's */
	if (op->waits && (x87_status() & FSW_ES))
		return EMUL_X87_PENDING;
	if (op->opcode == 0x9B)
		return EMUL_X87_DONE;   /* FWAIT: nothing more to do */
	if (!runs_here(op))
		return EMUL_X87_REFUSED;
	c.stub = stub_of(op, &modrm);
	if ((op->modrm >> 6) == 3)
		op->rflags = x87_proxy_call_flags(&c, op->rflags);
	else
		x87_proxy_call(&c);
	own_pointers(c.env, &c, op, modrm);
	x87_load_env(c.env);
	return EMUL_X87_DONE;
}
