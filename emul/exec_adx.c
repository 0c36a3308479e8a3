/*
 * exec_adx.c - ADX's ADCX (66 0F 38 F6 /r) and ADOX (F3 0F 38 F6 /r)
 * r32/r64, r/m32/r/m64 where the guest's CPUID announces ADX
 * (CPUID.(EAX=07H,ECX=0):EBX.ADX[19], EMUL_FEAT_ADX); #UD without.
 *
 * SDM Vol. 2 ADCX/ADOX: an unsigned add with carry in and out through CF
 * (ADCX) or OF (ADOX) only; no other flag changes. The operand size is
 * 32 bits, 64 with REX.W (in 64-bit mode); the 66 of ADCX is a mandatory
 * prefix, not an operand-size override. A 32-bit result is zero-extended
 * into the 64-bit register.
 */
#include "emul_private.h"

int emul_exec_adcx_adox(struct emul_exec *x)
{
	const struct emul_insn *in = x->insn;
	bool adox = (in->pfx & EMUL_PFX_REP) != 0;
	uint32_t flag = adox ? EMUL_FL_OF : EMUL_FL_CF;
	unsigned size = (in->rex & 8) ? 8 : 4;
	uint64_t mask = emul_size_mask(size), a, b, carry, sum;
	struct emul_opnd src;
	bool carry_out;
	int rc;

	if (!(x->cpu->features & EMUL_FEAT_ADX))
		return emul_raise(x, 6, false, 0);
	emul_opnd_rm(x, &src, size);
	rc = emul_opnd_read(x, &src, 0, &b);
	if (rc)
		return rc;
	a = emul_reg_get(x, in->reg, size);
	carry = (x->cpu->rflags & flag) ? 1 : 0;
	sum = (a + b + carry) & mask;
	carry_out = sum < a || (carry && sum == a);
	emul_reg_set(x, in->reg, size, sum);
	emul_flags_set(x->cpu, flag, carry_out ? flag : 0);
	emul_retire(x);
	return EX_OK;
}
