/*
 * x87_regform.c - what each x87 register form (D8-DF, mod = 3) is.
 *
 * SDM Vol. 2 Appendix A.5 (Tables) leaves cells blank that
 * CPUs still execute: the aliases Sandpile lists as FSTP1 (D9 D8+i), FCOM2
 * (DC D0+i), FCOMP3 (DC D8+i), FXCH4 (DD C8+i), FCOMP5 (DE D0+i), FFREEP
 * (DF C0+i), FXCH7 (DF C8+i), FSTP8 (DF D0+i), FSTP9 (DF D8+i), and the
 * 8087/287 control instructions FNENI (DB E0), FNDISI (DB E1) and FNSETPM
 * (DB E4), which since the 387 "perform no function ... no internal FPU
 * states are affected" (Intel Architecture SDM, 1997, 7.5.13): no wait, FIP
 * and FOP kept (as an AMD EPYC keeps them). Intel's XED decodes
 * exactly these (datafiles/xed-isa.txt: FSTPNCE, FCOM/FCOMP/FXCH/FSTP
 * "UNDOCUMENTED", FFREEP, FENI8087_NOP, FDISI8087_NOP, FSETPM287_NOP), Bochs
 * runs the three no-ops without the pending-exception check, and an AMD
 * EPYC executes the same cells, waits in the same ones and raises #UD in
 * the rest (each of the 512 run in a user program, with and without an
 * unmasked exception pending): no vendor difference. The remaining blank
 * cells, DB E5 (the 287XL's FRSTPM) included, are #UD.
 */
#include "emul_private.h"

static enum emul_x87_reg_kind d9(uint8_t m)
{
	/* D1-D7, E2 E3, E6 E7, EF: #UD; D8-DF: FSTP1 */
	if ((m >= 0xD1 && m <= 0xD7) || m == 0xE2 || m == 0xE3 || m == 0xE6 ||
	    m == 0xE7 || m == 0xEF)
		return EMUL_X87_REG_UD;
	return EMUL_X87_REG_FPU;
}

static enum emul_x87_reg_kind db(uint8_t m)
{
	if (m < 0xE0)
		return EMUL_X87_REG_FCMOV;      /* FCMOVNB, NE, NBE, NU */
	if (m == 0xE2 || m == 0xE3)
		return EMUL_X87_REG_NOWAIT;     /* FNCLEX, FNINIT */
	if (m <= 0xE4)
		return EMUL_X87_REG_NOP;        /* FNENI, FNDISI, FNSETPM */
	if (m >= 0xE8 && m < 0xF8)
		return EMUL_X87_REG_FCOMI;      /* FUCOMI, FCOMI */
	return EMUL_X87_REG_UD;
}

static enum emul_x87_reg_kind df(uint8_t m)
{
	if (m < 0xE0)
		return EMUL_X87_REG_FPU;        /* FFREEP, FXCH7, FSTP8, FSTP9 */
	if (m == 0xE0)
		return EMUL_X87_REG_FNSTSW_AX;
	if (m >= 0xE8 && m < 0xF8)
		return EMUL_X87_REG_FCOMI;      /* FUCOMIP, FCOMIP */
	return EMUL_X87_REG_UD;
}

enum emul_x87_reg_kind emul_x87_reg_kind(uint8_t opcode, uint8_t m)
{
	if (m < 0xC0)
		return EMUL_X87_REG_UD;         /* not a register form */
	switch (opcode) {
	case 0xD8:      /* FADD..FDIVR ST(0), ST(i) */
	case 0xDC:      /* FADD..FDIV ST(i), ST(0); FCOM2, FCOMP3 */
		return EMUL_X87_REG_FPU;
	case 0xD9:
		return d9(m);
	case 0xDA:      /* FCMOVB, E, BE, U; FUCOMPP */
		if (m < 0xE0)
			return EMUL_X87_REG_FCMOV;
		return m == 0xE9 ? EMUL_X87_REG_FPU : EMUL_X87_REG_UD;
	case 0xDB:
		return db(m);
	case 0xDD:      /* FFREE, FXCH4, FST, FSTP, FUCOM, FUCOMP */
		return m < 0xF0 ? EMUL_X87_REG_FPU : EMUL_X87_REG_UD;
	case 0xDE:      /* FADDP, FMULP, FCOMP5, FCOMPP, FSUBRP..FDIVP */
		if (m < 0xD8 || m == 0xD9 || m >= 0xE0)
			return EMUL_X87_REG_FPU;
		return EMUL_X87_REG_UD;
	case 0xDF:
		return df(m);
	default:
		return EMUL_X87_REG_UD;
	}
}
