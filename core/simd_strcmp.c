/*
 * PCMPESTRx/PCMPISTRx for the emulator (core/simd_strcmp.h).
 *
 * They have implicit operands (SDM Vol. 2B, each instruction; 4.1 on
 * the imm8): EAX and EDX (RAX and RDX with REX.W) the explicit lengths
 * of PCMPESTRx, ECX the index PCMPxSTRI writes, XMM0 the mask PCMPxSTRM
 * writes, and CF ZF SF OF (AF PF cleared). So the stub (arch/x86/
 * simd_proxy.S, simd_strcmp_stubs) takes its general registers from
 * struct simd_call, and XMM0 stays the guest's: the first source XMMn
 * goes to XMM1 and a register source XMMm to XMM2, by copies (n and m
 * may be 0, 1 or 2), and afterwards XMM1 and XMM2 are the guest's again
 * while XMM0 keeps what the instruction left there (core/simd_image.c).
 *
 * The CPU runs the instruction itself, as for every other SSE form: the
 * guest's CPUID shows SSE4.2 only where the host has it (core/
 * cpuid_filter.c passes the host's bit through), and a host without it
 * would answer the stub's #UD with SIMD_CALL_REFUSED, never a wrong
 * result. No SIMD floating-point exception exists for them.
 */
#include "core/simd_strcmp.h"
#include "core/simd_xmm0.h"

#define SLOT 8          /* bytes per stub */

bool simd_strcmp_form(const struct emul_simd *op)
{
	return op->map == EMUL_MAP_0F3A && op->prefix == 0x66 &&
	       op->opcode >= 0x60 && op->opcode <= 0x63;
}

static const uint8_t *stub_of(const struct emul_simd *op)
{
	unsigned which = op->opcode - 0x60u, form = op->regform ? 1u : 0u;
	unsigned w = op->wide ? 1u : 0u;

	return simd_strcmp_stubs + SLOT * (((form * 4 + which) * 2 + w) * 256u + op->imm);
}

int simd_strcmp_run(struct simd_call *c, const struct emul_simd *op)
{
	c->stub = stub_of(op);
	c->rax = op->rax;
	c->rdx = op->rdx;
	c->rcx = 0;
	return simd_run_keeping_xmm0(c, op, false);
}
