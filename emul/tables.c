/*
 * tables.c - the opcode tables: for each opcode its decoding attributes
 * (ModRM, immediate kind, operand size rules, LOCK legality, #UD cases)
 * next to the handler that executes it.
 *
 * Sources: Intel SDM Vol. 2D Appendix A (opcode maps, Tables and
 * A-6 for the groups), AMD APM Vol. 3 Appendix A. A NULL handler means "valid
 * instruction, not emulated": emul_decode() still gives its length and
 * emul_execute() answers EMUL_UNSUPPORTED. A_UD entries are undefined
 * opcodes and decode to EMUL_E_UD.
 */
#include "emul_private.h"

#define M A_MODRM
#define B A_BYTE
#define L A_LOCK
#define I8 A_IMM(IMM_8)
#define I16 A_IMM(IMM_16)
#define IZ A_IMM(IMM_Z)
#define G(n) (A_GRP | M | ((uint32_t)(n) << A_GRPNUM_SHIFT))
#define UD { A_UD, NULL }

/* The eight classic ALU rows 00-3F: Eb,Gb Ev,Gv Gb,Eb Gv,Ev AL,Ib eAX,Iz. */
#define ALU_ROW(op, lk)                                                 \
	[(op) + 0] = { M | B | (lk), emul_exec_alu },                   \
	[(op) + 1] = { M | (lk), emul_exec_alu },                       \
	[(op) + 2] = { M | B, emul_exec_alu },                          \
	[(op) + 3] = { M, emul_exec_alu },                              \
	[(op) + 4] = { B | I8, emul_exec_alu },                         \
	[(op) + 5] = { IZ, emul_exec_alu }

const struct emul_opdesc emul_map_1b[256] = {
	ALU_ROW(0x00, L), ALU_ROW(0x08, L), ALU_ROW(0x10, L), ALU_ROW(0x18, L),
	ALU_ROW(0x20, L), ALU_ROW(0x28, L), ALU_ROW(0x30, L), ALU_ROW(0x38, 0),
	[0x06] = { A_INV64, emul_exec_push_sreg },      /* PUSH ES */
	[0x07] = { A_INV64, emul_exec_pop_sreg },       /* POP ES */
	[0x0E] = { A_INV64, emul_exec_push_sreg },      /* PUSH CS */
	[0x16] = { A_INV64, emul_exec_push_sreg },      /* PUSH SS */
	[0x17] = { A_INV64, emul_exec_pop_sreg },       /* POP SS */
	[0x1E] = { A_INV64, emul_exec_push_sreg },      /* PUSH DS */
	[0x1F] = { A_INV64, emul_exec_pop_sreg },       /* POP DS */
	[0x27] = { A_INV64, emul_exec_bcd },            /* DAA */
	[0x2F] = { A_INV64, emul_exec_bcd },            /* DAS */
	[0x37] = { A_INV64, emul_exec_bcd },            /* AAA */
	[0x3F] = { A_INV64, emul_exec_bcd },            /* AAS */
	/* 40-4F: INC/DEC r (REX prefixes in 64-bit mode, see decode.c) */
	[0x40 ... 0x4F] = { A_INV64, emul_exec_incdec_reg },
	[0x50 ... 0x57] = { A_DEF64, emul_exec_push_reg },
	[0x58 ... 0x5F] = { A_DEF64, emul_exec_pop_reg },
	[0x60] = { A_INV64, emul_exec_pusha },
	[0x61] = { A_INV64, emul_exec_popa },
	[0x62] = { A_INV64 | M | A_MEMONLY, emul_exec_bound }, /* (EVEX) */
	[0x63] = { M, emul_exec_movsxd },               /* ARPL / MOVSXD */
	[0x68] = { A_DEF64 | IZ, emul_exec_push_imm },
	[0x69] = { M | IZ, emul_exec_imul },
	[0x6A] = { A_DEF64 | I8, emul_exec_push_imm },
	[0x6B] = { M | I8, emul_exec_imul },
	[0x6C] = { B | A_STRING, emul_exec_string },    /* INSB */
	[0x6D] = { A_STRING, emul_exec_string },        /* INSW/D */
	[0x6E] = { B | A_STRING, emul_exec_string },    /* OUTSB */
	[0x6F] = { A_STRING, emul_exec_string },        /* OUTSW/D */
	[0x70 ... 0x7F] = { A_F64 | A_IMM(IMM_REL8), emul_exec_jcc },
	[0x80] = { G(GRP_1) | B | I8, NULL },
	[0x81] = { G(GRP_1) | IZ, NULL },
	[0x82] = { G(GRP_1) | B | I8 | A_INV64, NULL },
	[0x83] = { G(GRP_1) | I8, NULL },
	[0x84] = { M | B, emul_exec_test },
	[0x85] = { M, emul_exec_test },
	[0x86] = { M | B | L, emul_exec_xchg },
	[0x87] = { M | L, emul_exec_xchg },
	[0x88] = { M | B, emul_exec_mov },
	[0x89] = { M, emul_exec_mov },
	[0x8A] = { M | B, emul_exec_mov },
	[0x8B] = { M, emul_exec_mov },
	[0x8C] = { M, emul_exec_mov_sreg },             /* MOV Ev, Sw */
	[0x8D] = { M | A_MEMONLY, emul_exec_lea },
	[0x8E] = { M, emul_exec_mov_to_sreg },          /* MOV Sw, Ew */
	[0x8F] = { G(GRP_1A) | A_DEF64, NULL },
	[0x90 ... 0x97] = { 0, emul_exec_xchg_ax },
	[0x98] = { 0, emul_exec_cbw_cwd },              /* CBW/CWDE/CDQE */
	[0x99] = { 0, emul_exec_cbw_cwd },              /* CWD/CDQ/CQO */
	[0x9A] = { A_INV64 | A_IMM(IMM_FAR), emul_exec_call_far }, /* CALLF ptr */
	[0x9B] = { 0, emul_exec_fwait },                /* FWAIT */
	[0x9C] = { A_DEF64, emul_exec_pushf },
	[0x9D] = { A_DEF64, emul_exec_popf },
	[0x9E] = { 0, emul_exec_sahf_lahf },
	[0x9F] = { 0, emul_exec_sahf_lahf },
	[0xA0] = { B | A_IMM(IMM_MOFFS), emul_exec_mov_moffs },
	[0xA1] = { A_IMM(IMM_MOFFS), emul_exec_mov_moffs },
	[0xA2] = { B | A_IMM(IMM_MOFFS), emul_exec_mov_moffs },
	[0xA3] = { A_IMM(IMM_MOFFS), emul_exec_mov_moffs },
	[0xA4] = { B | A_STRING, emul_exec_string },    /* MOVSB */
	[0xA5] = { A_STRING, emul_exec_string },
	[0xA6] = { B | A_STRING, emul_exec_string },    /* CMPSB */
	[0xA7] = { A_STRING, emul_exec_string },
	[0xA8] = { B | I8, emul_exec_test },
	[0xA9] = { IZ, emul_exec_test },
	[0xAA] = { B | A_STRING, emul_exec_string },    /* STOSB */
	[0xAB] = { A_STRING, emul_exec_string },
	[0xAC] = { B | A_STRING, emul_exec_string },    /* LODSB */
	[0xAD] = { A_STRING, emul_exec_string },
	[0xAE] = { B | A_STRING, emul_exec_string },    /* SCASB */
	[0xAF] = { A_STRING, emul_exec_string },
	[0xB0 ... 0xB7] = { B | I8, emul_exec_mov_reg_imm },
	[0xB8 ... 0xBF] = { A_IMM(IMM_V), emul_exec_mov_reg_imm },
	[0xC0] = { G(GRP_2) | B | I8, NULL },
	[0xC1] = { G(GRP_2) | I8, NULL },
	[0xC2] = { A_F64 | I16, emul_exec_ret },
	[0xC3] = { A_F64, emul_exec_ret },
	[0xC4] = { A_INV64 | M | A_MEMONLY, emul_exec_load_far_ptr }, /* LES */
	[0xC5] = { A_INV64 | M | A_MEMONLY, emul_exec_load_far_ptr }, /* LDS */
	[0xC6] = { G(GRP_11) | B | I8, NULL },
	[0xC7] = { G(GRP_11) | IZ, NULL },
	[0xC8] = { A_DEF64 | A_IMM(IMM_ENTER), emul_exec_enter },
	[0xC9] = { A_DEF64, emul_exec_leave },
	[0xCA] = { I16, emul_exec_retf },               /* RETF iw */
	[0xCB] = { 0, emul_exec_retf },                 /* RETF */
	[0xCC] = { 0, emul_exec_int },                  /* INT3 */
	[0xCD] = { I8, emul_exec_int },                 /* INT ib */
	[0xCE] = { A_INV64, emul_exec_int },            /* INTO */
	[0xCF] = { 0, emul_exec_iret },                 /* IRET */
	[0xD0] = { G(GRP_2) | B, NULL },
	[0xD1] = { G(GRP_2), NULL },
	[0xD2] = { G(GRP_2) | B, NULL },
	[0xD3] = { G(GRP_2), NULL },
	[0xD4] = { A_INV64 | I8, emul_exec_bcd },       /* AAM */
	[0xD5] = { A_INV64 | I8, emul_exec_bcd },       /* AAD */
	[0xD6] = { A_INV64, emul_exec_bcd },            /* SALC (undocumented) */
	[0xD7] = { B, emul_exec_xlat },
	[0xD8 ... 0xDF] = { M, emul_exec_x87 },         /* x87 */
	[0xE0 ... 0xE2] = { A_F64 | A_IMM(IMM_REL8), emul_exec_loop },
	[0xE3] = { A_F64 | A_IMM(IMM_REL8), emul_exec_loop }, /* JrCXZ */
	[0xE4] = { B | I8, emul_exec_inout },
	[0xE5] = { I8, emul_exec_inout },
	[0xE6] = { B | I8, emul_exec_inout },
	[0xE7] = { I8, emul_exec_inout },
	[0xE8] = { A_F64 | A_IMM(IMM_RELZ), emul_exec_call },
	[0xE9] = { A_F64 | A_IMM(IMM_RELZ), emul_exec_jmp },
	[0xEA] = { A_INV64 | A_IMM(IMM_FAR), emul_exec_jmp_far }, /* JMPF ptr */
	[0xEB] = { A_F64 | A_IMM(IMM_REL8), emul_exec_jmp },
	[0xEC] = { B, emul_exec_inout },
	[0xED] = { 0, emul_exec_inout },
	[0xEE] = { B, emul_exec_inout },
	[0xEF] = { 0, emul_exec_inout },
	[0xF1] = { 0, emul_exec_int },                  /* INT1 */
	[0xF4] = { 0, emul_exec_hlt },                  /* HLT */
	[0xF5] = { 0, emul_exec_flagop },               /* CMC */
	[0xF6] = { G(GRP_3) | B, NULL },
	[0xF7] = { G(GRP_3), NULL },
	[0xF8] = { 0, emul_exec_flagop },               /* CLC */
	[0xF9] = { 0, emul_exec_flagop },               /* STC */
	[0xFA] = { 0, emul_exec_cli_sti },              /* CLI */
	[0xFB] = { 0, emul_exec_cli_sti },              /* STI */
	[0xFC] = { 0, emul_exec_flagop },               /* CLD */
	[0xFD] = { 0, emul_exec_flagop },               /* STD */
	[0xFE] = { G(GRP_4) | B, NULL },
	[0xFF] = { G(GRP_5), NULL },
};

const struct emul_opdesc emul_map_0f[256] = {
	[0x00] = { G(GRP_6), NULL },
	[0x01] = { G(GRP_7), NULL },
	[0x02] = { M, emul_exec_lar_lsl },              /* LAR */
	[0x03] = { M, emul_exec_lar_lsl },              /* LSL */
	[0x04] = UD,
	[0x05] = { 0, NULL },                           /* SYSCALL */
	[0x06] = { 0, emul_exec_clts },                 /* CLTS */
	[0x07] = { 0, NULL },                           /* SYSRET */
	[0x08] = { 0, NULL },                           /* INVD */
	[0x09] = { 0, NULL },                           /* WBINVD */
	[0x0A] = UD,
	[0x0B] = UD,                                    /* UD2 */
	[0x0C] = UD,
	[0x0D] = { M, emul_exec_prefetchw },            /* PREFETCHW group */
	[0x0E] = { 0, NULL },                           /* FEMMS (AMD) */
	[0x0F] = { M | I8, NULL },                      /* 3DNow! (AMD) */
	[0x10 ... 0x17] = { M, NULL },                  /* SSE moves */
	[0x18 ... 0x1F] = { M, emul_exec_nop },         /* hint NOPs */
	[0x20] = { M | A_CRDR, emul_exec_mov_from_cr }, /* MOV r, CRn */
	[0x21] = { M | A_CRDR, NULL },                  /* MOV r, DRn */
	[0x22] = { M | A_CRDR, emul_exec_mov_to_cr },   /* MOV CRn, r */
	[0x23] = { M | A_CRDR, NULL },                  /* MOV DRn, r */
	[0x24 ... 0x27] = UD,                           /* MOV TR (pre-P6) */
	[0x28 ... 0x2F] = { M, NULL },
	[0x30] = { 0, NULL },                           /* WRMSR */
	[0x31] = { 0, NULL },                           /* RDTSC */
	[0x32] = { 0, NULL },                           /* RDMSR */
	[0x33] = { 0, NULL },                           /* RDPMC */
	[0x34] = { 0, NULL },                           /* SYSENTER */
	[0x35] = { 0, NULL },                           /* SYSEXIT */
	[0x36] = UD,
	[0x37] = { 0, NULL },                           /* GETSEC */
	[0x39] = UD,
	[0x3B ... 0x3F] = UD,
	[0x40 ... 0x4F] = { M, emul_exec_cmov },
	[0x50 ... 0x6F] = { M, NULL },
	[0x70 ... 0x73] = { M | I8, NULL },             /* PSHUF*, groups 12-14 */
	[0x74 ... 0x76] = { M, NULL },
	[0x77] = { 0, NULL },                           /* EMMS */
	[0x78] = { M, NULL },                           /* VMREAD, EXTRQ */
	[0x79] = { M, NULL },                           /* VMWRITE, INSERTQ */
	[0x7A ... 0x7B] = UD,
	[0x7C ... 0x7F] = { M, NULL },
	[0x80 ... 0x8F] = { A_F64 | A_IMM(IMM_RELZ), emul_exec_jcc },
	[0x90 ... 0x9F] = { M | B, emul_exec_setcc },
	[0xA0] = { A_DEF64, emul_exec_push_sreg },      /* PUSH FS */
	[0xA1] = { A_DEF64, emul_exec_pop_sreg },       /* POP FS */
	[0xA2] = { 0, NULL },                           /* CPUID */
	[0xA3] = { M, emul_exec_bt },
	[0xA4] = { M | I8, emul_exec_shld },
	[0xA5] = { M, emul_exec_shld },
	[0xA6 ... 0xA7] = { M, NULL },                  /* VIA PadLock */
	[0xA8] = { A_DEF64, emul_exec_push_sreg },      /* PUSH GS */
	[0xA9] = { A_DEF64, emul_exec_pop_sreg },       /* POP GS */
	[0xAA] = { 0, emul_exec_rsm },                  /* RSM: #UD */
	[0xAB] = { M | L, emul_exec_bt },
	[0xAC] = { M | I8, emul_exec_shld },
	[0xAD] = { M, emul_exec_shld },
	[0xAE] = { M, emul_exec_grp15 },                /* group 15 */
	[0xAF] = { M, emul_exec_imul },
	[0xB0] = { M | B | L, emul_exec_cmpxchg },
	[0xB1] = { M | L, emul_exec_cmpxchg },
	[0xB2] = { M | A_MEMONLY, emul_exec_load_far_ptr }, /* LSS */
	[0xB3] = { M | L, emul_exec_bt },
	[0xB4] = { M | A_MEMONLY, emul_exec_load_far_ptr }, /* LFS */
	[0xB5] = { M | A_MEMONLY, emul_exec_load_far_ptr }, /* LGS */
	[0xB6 ... 0xB7] = { M, emul_exec_movx },
	[0xB8] = { M, NULL },                           /* POPCNT (F3 only) */
	[0xB9] = { M | A_UD, NULL },                    /* UD1 */
	[0xBA] = { G(GRP_8) | I8, NULL },
	[0xBB] = { M | L, emul_exec_bt },
	[0xBC ... 0xBD] = { M, emul_exec_bsf_bsr },
	[0xBE ... 0xBF] = { M, emul_exec_movx },
	[0xC0] = { M | B | L, emul_exec_xadd },
	[0xC1] = { M | L, emul_exec_xadd },
	[0xC2] = { M | I8, NULL },                      /* CMPPS */
	[0xC3] = { M | A_MEMONLY, emul_exec_movnti },
	[0xC4 ... 0xC6] = { M | I8, NULL },             /* PINSRW PEXTRW SHUFPS */
	[0xC7] = { G(GRP_9), NULL },
	[0xC8 ... 0xCF] = { 0, emul_exec_bswap },
	[0xD0 ... 0xF6] = { M, NULL },
	[0xF7] = { M | A_REGONLY, emul_exec_maskmov },  /* MASKMOVQ/DQU */
	[0xF8 ... 0xFE] = { M, NULL },
	[0xFF] = { M | A_UD, NULL },                    /* UD0 */
};

/* Group entries: their attributes are or-ed over the opcode's (with the
 * opcode's A_LOCK dropped: LOCK legality is per group member). */
const struct emul_opdesc emul_groups[GRP_COUNT][8] = {
	[GRP_1] = {
		{ L, emul_exec_alu_grp1 }, { L, emul_exec_alu_grp1 },
		{ L, emul_exec_alu_grp1 }, { L, emul_exec_alu_grp1 },
		{ L, emul_exec_alu_grp1 }, { L, emul_exec_alu_grp1 },
		{ L, emul_exec_alu_grp1 }, { 0, emul_exec_alu_grp1 },
	},
	[GRP_1A] = { { 0, emul_exec_pop_rm }, UD, UD, UD, UD, UD, UD, UD },
	[GRP_2] = {
		{ 0, emul_exec_shift }, { 0, emul_exec_shift },
		{ 0, emul_exec_shift }, { 0, emul_exec_shift },
		{ 0, emul_exec_shift }, { 0, emul_exec_shift },
		{ 0, emul_exec_shift }, { 0, emul_exec_shift },
	},
	[GRP_3] = {
		{ IZ, emul_exec_test }, { IZ, emul_exec_test },
		{ L, emul_exec_not }, { L, emul_exec_neg },
		{ 0, emul_exec_muldiv }, { 0, emul_exec_muldiv },
		{ 0, emul_exec_muldiv }, { 0, emul_exec_muldiv },
	},
	[GRP_4] = {
		{ L, emul_exec_incdec }, { L, emul_exec_incdec },
		UD, UD, UD, UD, UD, UD,
	},
	[GRP_5] = {
		{ L, emul_exec_incdec }, { L, emul_exec_incdec },
		{ A_F64, emul_exec_call_rm },
		{ A_MEMONLY, emul_exec_call_far },       /* CALLF m16:xx */
		{ A_F64, emul_exec_jmp_rm },
		{ A_MEMONLY, emul_exec_jmp_far },        /* JMPF m16:xx */
		{ A_DEF64, emul_exec_push_rm },
		UD,
	},
	[GRP_11] = {
		{ 0, emul_exec_mov_imm }, UD, UD, UD, UD, UD, UD,
		{ A_REGONLY, emul_exec_rtm },            /* XABORT / XBEGIN */
	},
	[GRP_6] = {
		{ 0, emul_exec_sldt_str }, { 0, emul_exec_sldt_str },
		{ 0, emul_exec_lldt }, { 0, emul_exec_ltr },
		{ 0, emul_exec_verr_verw }, { 0, emul_exec_verr_verw }, UD, UD,
	},
	/* SGDT SIDT LGDT LIDT SMSW (RSTORSSP...) LMSW INVLPG; with mod 3
	 * the other encodings (VMCALL, SWAPGS, ...): SGDT, SIDT, LGDT,
	 * LIDT, SMSW and LMSW are emulated */
	[GRP_7] = {
		{ 0, emul_exec_sgdt_sidt }, { 0, emul_exec_sgdt_sidt },
		{ 0, emul_exec_lgdt_lidt }, { 0, emul_exec_lgdt_lidt },
		{ 0, emul_exec_smsw }, { 0, NULL }, { 0, emul_exec_lmsw },
		{ 0, emul_exec_grp7_7 },
	},
	[GRP_8] = {
		UD, UD, UD, UD,
		{ 0, emul_exec_bt_imm }, { L, emul_exec_bt_imm },
		{ L, emul_exec_bt_imm }, { L, emul_exec_bt_imm },
	},
	[GRP_9] = {
		UD, { A_MEMONLY | L, emul_exec_cmpxchg8b }, UD,
		{ 0, emul_exec_grp9 }, { 0, emul_exec_grp9 },
		{ 0, emul_exec_grp9 }, { 0, emul_exec_grp9 },
		{ 0, emul_exec_grp9 },
	},
};

/* Group 7's memory forms SGDT, SIDT, LGDT, LIDT, SMSW and LMSW ignore
 * F2/F3: no instruction is encoded with them there (SDM Vol. 2 Table
 * A-6; F3 /5 is RSTORSSP). */
static bool rep_ignored(const struct emul_insn *insn)
{
	unsigned reg = insn->modrm >> 3 & 7;

	return insn->opcode == 0x01 && insn->mod != 3 && reg != 5 && reg != 7;
}

/* The 0F-map instructions F2/F3 select (without LOCK, which makes them
 * XACQUIRE/XRELEASE hints on the plain opcode; not the group 7 forms
 * rep_ignored() lets through), each gated on the guest's CPUID in its
 * handler; NULL for the others (not emulated). */
static emul_handler_fn rep_form_0f(const struct emul_insn *insn)
{
	switch (insn->opcode) {
	case 0x0D:                      /* the prefix selects nothing */
		return emul_exec_prefetchw;
	case 0xAE:                      /* F3/F2 group 15 forms */
		return emul_exec_grp15;
	case 0xC7:                      /* RDPID, SENDUIPI, VMXON, ... */
		return (insn->modrm >> 3 & 7) >= 3 ? emul_exec_grp9 : NULL;
	default:
		break;
	}
	if (!(insn->pfx & EMUL_PFX_REP))
		return NULL;                    /* F2: no other emulated */
	switch (insn->opcode) {
	case 0xB8:
		return emul_exec_popcnt;
	case 0xBC: case 0xBD:
		return emul_exec_tzcnt_lzcnt;
	case 0x1E:
		/* ENDBR32/ENDBR64 (F3 0F 1E FB/FA), RDSSPD/Q (F3 0F 1E /1,
		 * mod 3) and the rest of the reserved-NOP row: NOPs on a
		 * CPU without CET enabled (SDM Vol. 1 17.3.1, Vol. 2 ENDBR
		 * and RDSSP), and the virtual CPU hides CET (CR4.CET is
		 * #GP, docs/virtual-cpu.md). No memory access. */
		return emul_exec_nop;
	default:
		return NULL;
	}
}

/* The 0F 38 general-purpose forms with mandatory prefixes. */
static emul_handler_fn form_0f38(const struct emul_insn *insn)
{
	uint8_t rep = insn->pfx & (EMUL_PFX_REP | EMUL_PFX_REPNE);
	bool opsz = (insn->pfx & EMUL_PFX_OPSZ) != 0;

	switch (insn->opcode) {
	case 0xF0: case 0xF1:
		/* MOVBE without F2/F3 (its memory forms), CRC32 with F2 */
		if (!rep)
			return insn->mem ? emul_exec_movbe : NULL;
		return rep == EMUL_PFX_REPNE ? emul_exec_crc32 : NULL;
	case 0xF6:
		/* ADCX is 66 0F 38 F6, ADOX F3 0F 38 F6 */
		if ((opsz && !rep) || (!opsz && rep == EMUL_PFX_REP))
			return emul_exec_adcx_adox;
		return NULL;
	case 0x82:                      /* INVPCID (its #UDs too) */
		return emul_exec_invpcid;
	default:
		return NULL;
	}
}

emul_handler_fn emul_handler_of(const struct emul_insn *insn)
{
	const struct emul_opdesc *d;

	if (insn->vex != EMUL_VEX_NONE)
		return insn->vex == EMUL_VEX_XOP ? emul_exec_xop : emul_exec_vex;
	/* (the one-byte map has none: the common MMIO MOVs skip the look-up) */
	if (insn->map != EMUL_MAP_1B &&
	    emul_simd_form(insn, &(struct emul_simd_form){ 0 }))
		return emul_exec_simd;          /* MMX, SSE, 3DNow! */
	if (insn->map == EMUL_MAP_0F38)
		return form_0f38(insn);
	if (insn->map == EMUL_MAP_0F3A)
		return NULL;
	if (insn->map == EMUL_MAP_0F) {
		if (emul_sse4a_form(insn))      /* EXTRQ, INSERTQ */
			return emul_exec_sse4a;
		/* In the 0F map F2/F3 select other instructions (F3 0F BC
		 * is TZCNT, F3 0F B8 POPCNT, ...), feature by feature,
		 * unless they are LOCK's XACQUIRE/XRELEASE hints. */
		if ((insn->pfx & (EMUL_PFX_REP | EMUL_PFX_REPNE)) &&
		    !(insn->pfx & EMUL_PFX_LOCK) && !rep_ignored(insn))
			return rep_form_0f(insn);
		d = &emul_map_0f[insn->opcode];
	} else {
		d = &emul_map_1b[insn->opcode];
		/* F3 90 is PAUSE: a NOP for us; 90 with REX.B is XCHG r8. */
		if (insn->opcode == 0x63 && insn->mode != EMUL_MODE_LONG64)
			return emul_exec_arpl;
	}
	if (d->attr & A_GRP)
		d = &emul_groups[A_GRPNUM(d->attr)][insn->modrm >> 3 & 7];
	/* 0F 01 /0 /1 with mod 3 are VMCALL, MONITOR, ..., not SGDT/SIDT */
	if (d->fn == emul_exec_sgdt_sidt && insn->mod == 3)
		return NULL;
	/* 0F 01 D0, D1 are XGETBV, XSETBV, not LGDT */
	if (d->fn == emul_exec_lgdt_lidt && (insn->modrm == 0xD0 ||
					     insn->modrm == 0xD1))
		return emul_exec_xsave;
	return d->fn;
}
