/*
 * simd_forms.c - the MMX, SSE and 3DNow! forms emul/exec_simd.c runs: for
 * each mandatory prefix (none, 66, F3, F2) and opcode of the 0F, 0F 38
 * and 0F 3A maps, the size of the memory operand, its direction and alignment, what
 * ModRM.reg names and the CPUID feature the instruction needs.
 *
 * Sources: Intel SDM Vol. 2D Appendix A, Tables A-3 (0F), A-4 (0F 38) and A-5 (0F 3A),
 * each instruction's page in Vol. 2 for the operand's size ("m32", "m64",
 * "m128") and its exception table in Vol. 3 chapter 23 for the 16-byte
 * alignment (legacy SSE: #GP(0) unless the instruction is one of the
 * unaligned moves MOVUPS, MOVUPD, MOVDQU, LDDQU, or its operand is
 * smaller); AMD APM Vol. 5 for 3DNow!. The register-only MOVMSKPS/PD,
 * PMOVMSKB and PEXTRW r32 are here (SF_REGONLY: their memory forms are
 * #UD), EMMS and FEMMS (SF_NO_OPERAND), and SF_RM_GPR marks the forms
 * whose register form has a general register for ModRM.rm (SF_W64: REX.W
 * widens that operand to 64 bits); the shift groups 0F 71-73
 * (shift_group_form()).
 * PCLMULQDQ, AES-NI and SHA are here with features
 * of their own (CPUID 1 ECX[1], ECX[25], (7,0) EBX[29]; SDM Vol. 2 each
 * instruction: 16-byte aligned m128, exception type 4).
 * AMD's SSE4a MOVNTSS m32, xmm and MOVNTSD m64, xmm (F3/F2 0F 2B; APM
 * Vol. 4, each instruction: CPUID 8000_0001h ECX[6], no alignment
 * requirement, the register form #UD) are here.
 * SSE4.2's PCMPESTRM, PCMPESTRI, PCMPISTRM, PCMPISTRI (66 0F 3A 60-63;
 * SDM Vol. 2B each instruction and 4.1 "Imm8 Control Byte Operation for
 * PCMPESTRI / PCMPESTRM / PCMPISTRI / PCMPISTRM") are here with SF_STRCMP:
 * implicit inputs EAX and EDX (RAX and RDX with REX.W: SF_W64) for the
 * explicit lengths, outputs ECX or XMM0 and the arithmetic flags; their
 * m128 needs no alignment ("this instruction does not cause #GP if the
 * memory operand is not aligned to 16 Byte boundary", each exception
 * section).
 * Not here: MASKMOVQ/MASKMOVDQU (an implicit [rDI] operand, written
 * byte by byte: exec_maskmov.c), SSE4a's EXTRQ and INSERTQ (register
 * only, computed in C: exec_sse4a.c). Not emulated: CRC32/MOVBE/POPCNT
 * (general-purpose instructions).
 */
#include "emul_private.h"

#define S(size, flags, feat) { size, flags, feat }

/* xmm, m (read) and m, xmm (write); A: 16-byte alignment */
#define XR(n, f) S(n, SF_XMM, f)
#define XA(f) S(16, SF_XMM | SF_A16, f)
#define XW(n, f) S(n, SF_XMM | SF_WRITE, f)
#define XWA(f) S(16, SF_XMM | SF_WRITE | SF_A16, f)
/* M: memory only, the register form is #UD */
#define XRM(n, f) S(n, SF_XMM | SF_MEMONLY, f)
#define XWM(n, f) S(n, SF_XMM | SF_WRITE | SF_MEMONLY, f)
#define XWAM(f) S(16, SF_XMM | SF_WRITE | SF_A16 | SF_MEMONLY, f)
/* mm, m and m, mm */
#define MR(n, f) S(n, SF_MMX, f)
#define MW(n, f) S(n, SF_MMX | SF_WRITE, f)

/* Rows of 16-byte aligned xmm, m128 forms (66-prefixed integer SSE2). */
#define XA_ROW(lo, hi, f) [lo ... hi] = XA(f)
#define MR_ROW(lo, hi, f) [lo ... hi] = MR(8, f)

static const struct emul_simd_form map0f[4][256] = {
	[SIMD_NP] = {
		[0x10] = XR(16, FT_SSE), [0x11] = XW(16, FT_SSE),       /* MOVUPS */
		[0x12] = XR(8, FT_SSE), [0x13] = XWM(8, FT_SSE),        /* MOVLPS */
		[0x14] = XA(FT_SSE), [0x15] = XA(FT_SSE),               /* UNPCKxPS */
		[0x16] = XR(8, FT_SSE), [0x17] = XWM(8, FT_SSE),        /* MOVHPS */
		[0x28] = XA(FT_SSE), [0x29] = XWA(FT_SSE),              /* MOVAPS */
		/* CVTPI2PS xmm, m64: whether it takes a pending x87
		 * exception is not documented the same way everywhere */
		[0x2A] = S(8, SF_XMM | SF_X87_UNSURE, FT_SSE),
		[0x2B] = XWAM(FT_SSE),                                  /* MOVNTPS */
		[0x2C] = S(8, SF_MMX | SF_XMM, FT_SSE),                 /* CVTTPS2PI */
		[0x2D] = S(8, SF_MMX | SF_XMM, FT_SSE),                 /* CVTPS2PI */
		[0x2E] = S(4, SF_XMM | SF_FLAGS, FT_SSE),               /* UCOMISS */
		[0x2F] = S(4, SF_XMM | SF_FLAGS, FT_SSE),               /* COMISS */
		[0x51 ... 0x59] = XA(FT_SSE),   /* SQRT RSQRT RCP AND ANDN OR XOR ADD MUL */
		[0x5A] = XR(8, FT_SSE2),                                /* CVTPS2PD */
		[0x5B] = XA(FT_SSE2),                                   /* CVTDQ2PS */
		[0x5C ... 0x5F] = XA(FT_SSE),                           /* SUB MIN DIV MAX */
		[0x60 ... 0x62] = MR(4, FT_MMX),                      /* PUNPCKLxx */
		MR_ROW(0x63, 0x6B, FT_MMX),
		/* FEMMS (3DNow!, APM Vol. 5) and EMMS: the x87 tag word
		 * empty; only without a mandatory prefix (with one, no
		 * instruction is defined: refused) */
		[0x0E] = S(0, SF_MMX | SF_NO_OPERAND, FT_3DNOW),
		[0x77] = S(0, SF_MMX | SF_NO_OPERAND, FT_MMX),
		[0x50] = S(16, SF_XMM | SF_GPR | SF_REGONLY, FT_SSE),     /* MOVMSKPS */
		[0x6E] = S(4, SF_MMX | SF_W64 | SF_RM_GPR, FT_MMX),   /* MOVD mm, r/m32 */
		[0x6F] = MR(8, FT_MMX),                               /* MOVQ */
		[0x70] = S(8, SF_MMX | SF_IMM, FT_MMXEXT),              /* PSHUFW */
		MR_ROW(0x74, 0x76, FT_MMX),                           /* PCMPEQx */
		[0x7E] = S(4, SF_MMX | SF_WRITE | SF_W64 | SF_RM_GPR, FT_MMX), /* MOVD r/m32, mm */
		[0x7F] = MW(8, FT_MMX),                               /* MOVQ */
		[0xC2] = S(16, SF_XMM | SF_A16 | SF_IMM, FT_SSE),       /* CMPPS */
		[0xC4] = S(2, SF_MMX | SF_IMM | SF_RM_GPR, FT_MMXEXT),  /* PINSRW mm, r32/m16 */
		[0xC5] = S(8, SF_MMX | SF_GPR | SF_IMM | SF_REGONLY, FT_MMXEXT), /* PEXTRW r32, mm */
		[0xC6] = S(16, SF_XMM | SF_A16 | SF_IMM, FT_SSE),       /* SHUFPS */
		MR_ROW(0xD1, 0xD3, FT_MMX),                           /* PSRLx */
		[0xD4] = MR(8, FT_SSE2),                                /* PADDQ */
		[0xD5] = MR(8, FT_MMX),                               /* PMULLW */
		[0xD7] = S(8, SF_MMX | SF_GPR | SF_REGONLY, FT_MMXEXT), /* PMOVMSKB r32, mm */
		[0xD8] = MR(8, FT_MMX), [0xD9] = MR(8, FT_MMX),     /* PSUBUSx */
		[0xDA] = MR(8, FT_MMXEXT),                              /* PMINUB */
		[0xDB ... 0xDD] = MR(8, FT_MMX),      /* PAND PADDUSB PADDUSW */
		[0xDE] = MR(8, FT_MMXEXT),                              /* PMAXUB */
		[0xDF] = MR(8, FT_MMX),                               /* PANDN */
		[0xE0] = MR(8, FT_MMXEXT),                              /* PAVGB */
		[0xE1] = MR(8, FT_MMX), [0xE2] = MR(8, FT_MMX),     /* PSRAx */
		[0xE3] = MR(8, FT_MMXEXT), [0xE4] = MR(8, FT_MMXEXT),   /* PAVGW PMULHUW */
		[0xE5] = MR(8, FT_MMX),                               /* PMULHW */
		[0xE7] = S(8, SF_MMX | SF_WRITE | SF_MEMONLY, FT_MMXEXT), /* MOVNTQ */
		[0xE8] = MR(8, FT_MMX), [0xE9] = MR(8, FT_MMX),     /* PSUBSx */
		[0xEA] = MR(8, FT_MMXEXT),                              /* PMINSW */
		MR_ROW(0xEB, 0xED, FT_MMX),           /* POR PADDSB PADDSW */
		[0xEE] = MR(8, FT_MMXEXT),                              /* PMAXSW */
		[0xEF] = MR(8, FT_MMX),                               /* PXOR */
		MR_ROW(0xF1, 0xF3, FT_MMX),                           /* PSLLx */
		[0xF4] = MR(8, FT_SSE2),                                /* PMULUDQ */
		[0xF5] = MR(8, FT_MMX),                               /* PMADDWD */
		[0xF6] = MR(8, FT_MMXEXT),                              /* PSADBW */
		MR_ROW(0xF8, 0xFA, FT_MMX),                           /* PSUBx */
		[0xFB] = MR(8, FT_SSE2),                                /* PSUBQ */
		MR_ROW(0xFC, 0xFE, FT_MMX),                           /* PADDx */
	},
	[SIMD_66] = {
		[0x10] = XR(16, FT_SSE2), [0x11] = XW(16, FT_SSE2),     /* MOVUPD */
		[0x12] = XRM(8, FT_SSE2), [0x13] = XWM(8, FT_SSE2),     /* MOVLPD */
		[0x14] = XA(FT_SSE2), [0x15] = XA(FT_SSE2),             /* UNPCKxPD */
		[0x16] = XRM(8, FT_SSE2), [0x17] = XWM(8, FT_SSE2),     /* MOVHPD */
		[0x28] = XA(FT_SSE2), [0x29] = XWA(FT_SSE2),            /* MOVAPD */
		[0x50] = S(16, SF_XMM | SF_GPR | SF_REGONLY, FT_SSE2),  /* MOVMSKPD */
		/* CVTPI2PD xmm, m64: no MMX transition (SDM, CVTPI2PD) */
		[0x2A] = S(8, SF_XMM | SF_X87_UNSURE, FT_SSE2),
		[0x2B] = XWAM(FT_SSE2),                                 /* MOVNTPD */
		[0x2C] = S(16, SF_MMX | SF_XMM | SF_A16, FT_SSE2),      /* CVTTPD2PI */
		[0x2D] = S(16, SF_MMX | SF_XMM | SF_A16, FT_SSE2),      /* CVTPD2PI */
		[0x2E] = S(8, SF_XMM | SF_FLAGS, FT_SSE2),              /* UCOMISD */
		[0x2F] = S(8, SF_XMM | SF_FLAGS, FT_SSE2),              /* COMISD */
		[0x51] = XA(FT_SSE2),                                   /* SQRTPD */
		XA_ROW(0x54, 0x5F, FT_SSE2),    /* AND ANDN OR XOR ADD MUL CVT CVT SUB MIN DIV MAX */
		XA_ROW(0x60, 0x6D, FT_SSE2),    /* PUNPCK PACK PCMPGT */
		[0x6E] = S(4, SF_XMM | SF_W64 | SF_RM_GPR, FT_SSE2),    /* MOVD xmm, r/m32 */
		[0x6F] = XA(FT_SSE2),                                   /* MOVDQA */
		[0x70] = S(16, SF_XMM | SF_A16 | SF_IMM, FT_SSE2),      /* PSHUFD */
		XA_ROW(0x74, 0x76, FT_SSE2),                            /* PCMPEQx */
		[0x7C] = XA(FT_SSE3), [0x7D] = XA(FT_SSE3),             /* HADDPD HSUBPD */
		[0x7E] = S(4, SF_XMM | SF_WRITE | SF_W64 | SF_RM_GPR, FT_SSE2), /* MOVD r/m32, xmm */
		[0x7F] = XWA(FT_SSE2),                                  /* MOVDQA */
		[0xC2] = S(16, SF_XMM | SF_A16 | SF_IMM, FT_SSE2),      /* CMPPD */
		[0xC4] = S(2, SF_XMM | SF_IMM | SF_RM_GPR, FT_SSE2),    /* PINSRW xmm, r32/m16 */
		[0xC5] = S(16, SF_XMM | SF_GPR | SF_IMM | SF_REGONLY, FT_SSE2), /* PEXTRW r32, xmm */
		[0xC6] = S(16, SF_XMM | SF_A16 | SF_IMM, FT_SSE2),      /* SHUFPD */
		[0xD0] = XA(FT_SSE3),                                   /* ADDSUBPD */
		XA_ROW(0xD1, 0xD5, FT_SSE2),
		[0xD6] = XW(8, FT_SSE2),                                /* MOVQ m64, xmm */
		[0xD7] = S(16, SF_XMM | SF_GPR | SF_REGONLY, FT_SSE2),  /* PMOVMSKB r32, xmm */
		XA_ROW(0xD8, 0xE5, FT_SSE2),
		[0xE6] = XA(FT_SSE2),                                   /* CVTTPD2DQ */
		[0xE7] = XWAM(FT_SSE2),                                 /* MOVNTDQ */
		XA_ROW(0xE8, 0xEF, FT_SSE2),
		XA_ROW(0xF1, 0xF6, FT_SSE2),
		XA_ROW(0xF8, 0xFE, FT_SSE2),
	},
	[SIMD_F3] = {
		[0x10] = XR(4, FT_SSE), [0x11] = XW(4, FT_SSE),         /* MOVSS */
		[0x12] = XA(FT_SSE3), [0x16] = XA(FT_SSE3),     /* MOVSLDUP MOVSHDUP */
		[0x2A] = S(4, SF_XMM | SF_W64 | SF_RM_GPR, FT_SSE),     /* CVTSI2SS */
		[0x2B] = XWM(4, FT_SSE4A),                              /* MOVNTSS */
		[0x2C] = S(4, SF_XMM | SF_GPR | SF_W64, FT_SSE),        /* CVTTSS2SI */
		[0x2D] = S(4, SF_XMM | SF_GPR | SF_W64, FT_SSE),        /* CVTSS2SI */
		[0x51 ... 0x53] = XR(4, FT_SSE),        /* SQRTSS RSQRTSS RCPSS */
		[0x58] = XR(4, FT_SSE), [0x59] = XR(4, FT_SSE),         /* ADDSS MULSS */
		[0x5A] = XR(4, FT_SSE2),                                /* CVTSS2SD */
		[0x5B] = XA(FT_SSE2),                                   /* CVTTPS2DQ */
		[0x5C ... 0x5F] = XR(4, FT_SSE),        /* SUBSS MINSS DIVSS MAXSS */
		[0x6F] = XR(16, FT_SSE2),                               /* MOVDQU */
		[0x70] = S(16, SF_XMM | SF_A16 | SF_IMM, FT_SSE2),      /* PSHUFHW */
		[0x7E] = XR(8, FT_SSE2),                                /* MOVQ xmm, m64 */
		[0x7F] = XW(16, FT_SSE2),                               /* MOVDQU */
		[0xC2] = S(4, SF_XMM | SF_IMM, FT_SSE),                 /* CMPSS */
		[0xD6] = S(8, SF_XMM | SF_REGONLY, FT_SSE2),            /* MOVQ2DQ xmm, mm */
		[0xE6] = XR(8, FT_SSE2),                                /* CVTDQ2PD */
	},
	[SIMD_F2] = {
		[0x10] = XR(8, FT_SSE2), [0x11] = XW(8, FT_SSE2),       /* MOVSD */
		[0x12] = XR(8, FT_SSE3),                                /* MOVDDUP */
		[0x2A] = S(4, SF_XMM | SF_W64 | SF_RM_GPR, FT_SSE2),    /* CVTSI2SD */
		[0x2B] = XWM(8, FT_SSE4A),                              /* MOVNTSD */
		[0x2C] = S(8, SF_XMM | SF_GPR | SF_W64, FT_SSE2),       /* CVTTSD2SI */
		[0x2D] = S(8, SF_XMM | SF_GPR | SF_W64, FT_SSE2),       /* CVTSD2SI */
		[0x51] = XR(8, FT_SSE2),                                /* SQRTSD */
		[0x58 ... 0x5A] = XR(8, FT_SSE2),       /* ADDSD MULSD CVTSD2SS */
		[0x5C ... 0x5F] = XR(8, FT_SSE2),       /* SUBSD MINSD DIVSD MAXSD */
		[0x70] = S(16, SF_XMM | SF_A16 | SF_IMM, FT_SSE2),      /* PSHUFLW */
		[0x7C] = XA(FT_SSE3), [0x7D] = XA(FT_SSE3),             /* HADDPS HSUBPS */
		[0xC2] = S(8, SF_XMM | SF_IMM, FT_SSE2),                /* CMPSD */
		[0xD0] = XA(FT_SSE3),                                   /* ADDSUBPS */
		[0xD6] = S(8, SF_MMX | SF_XMM | SF_REGONLY, FT_SSE2),   /* MOVDQ2Q mm, xmm */
		[0xE6] = XA(FT_SSE2),                                   /* CVTPD2DQ */
		[0xF0] = XRM(16, FT_SSE3),                              /* LDDQU */
	},
};

/* 0F 38: SSSE3 on MMX (no prefix) and XMM registers (66), SSE4.1, SSE4.2's
 * PCMPGTQ, SHA (no prefix) and AES-NI (66). */
static const struct emul_simd_form map0f38[2][256] = {
	[SIMD_NP] = {
		MR_ROW(0x00, 0x0B, FT_SSSE3),   /* PSHUFB PHADDx PMADDUBSW PHSUBx PSIGNx PMULHRSW */
		MR_ROW(0x1C, 0x1E, FT_SSSE3),   /* PABSx */
		/* SHA1NEXTE SHA1MSG1 SHA1MSG2 SHA256RNDS2 (its third source
		 * XMM0, which core/simd_proxy.c keeps in place) SHA256MSG1
		 * SHA256MSG2 */
		XA_ROW(0xC8, 0xCD, FT_SHA),
	},
	[SIMD_66] = {
		XA_ROW(0x00, 0x0B, FT_SSSE3),
		/* PBLENDVB BLENDVPS BLENDVPD: XMM0 their implicit mask, which
		 * core/simd_proxy.c keeps in place */
		[0x10] = XA(FT_SSE41), [0x14] = XA(FT_SSE41), [0x15] = XA(FT_SSE41),
		[0x17] = S(16, SF_XMM | SF_A16 | SF_FLAGS, FT_SSE41),   /* PTEST */
		XA_ROW(0x1C, 0x1E, FT_SSSE3),
		/* PMOVSX/PMOVZX: BW, BD, BQ, WD, WQ, DQ read m64 m32 m16 m64 m32 m64 */
		[0x20] = XR(8, FT_SSE41), [0x21] = XR(4, FT_SSE41),
		[0x22] = XR(2, FT_SSE41), [0x23] = XR(8, FT_SSE41),
		[0x24] = XR(4, FT_SSE41), [0x25] = XR(8, FT_SSE41),
		[0x28] = XA(FT_SSE41), [0x29] = XA(FT_SSE41),   /* PMULDQ PCMPEQQ */
		[0x2A] = S(16, SF_XMM | SF_A16 | SF_MEMONLY, FT_SSE41), /* MOVNTDQA */
		[0x2B] = XA(FT_SSE41),                                  /* PACKUSDW */
		[0x30] = XR(8, FT_SSE41), [0x31] = XR(4, FT_SSE41),
		[0x32] = XR(2, FT_SSE41), [0x33] = XR(8, FT_SSE41),
		[0x34] = XR(4, FT_SSE41), [0x35] = XR(8, FT_SSE41),
		[0x37] = XA(FT_SSE42),                                  /* PCMPGTQ */
		XA_ROW(0x38, 0x41, FT_SSE41),   /* PMIN/PMAX, PMULLD, PHMINPOSUW */
		/* AESIMC AESENC AESENCLAST AESDEC AESDECLAST */
		XA_ROW(0xDB, 0xDF, FT_AES),
	},
};

/* 0F 3A: the imm8 forms of SSSE3 (PALIGNR, MMX and XMM), SSE4.1,
 * SSE4.2's string compares, PCLMULQDQ, AESKEYGENASSIST and SHA1RNDS4. */
#define XI(n, f) S(n, SF_XMM | SF_IMM, f)
#define XIA(f) S(16, SF_XMM | SF_A16 | SF_IMM, f)
#define XIWG(n, f) S(n, SF_XMM | SF_IMM | SF_WRITE | SF_RM_GPR, f)
static const struct emul_simd_form map0f3a[2][256] = {
	[SIMD_NP] = {
		[0x0F] = S(8, SF_MMX | SF_IMM, FT_SSSE3),               /* PALIGNR mm */
		[0xCC] = XIA(FT_SHA),                                   /* SHA1RNDS4 */
	},
	[SIMD_66] = {
		[0x08] = XIA(FT_SSE41), [0x09] = XIA(FT_SSE41),         /* ROUNDPS/PD */
		[0x0A] = XI(4, FT_SSE41), [0x0B] = XI(8, FT_SSE41),     /* ROUNDSS/SD */
		[0x0C] = XIA(FT_SSE41), [0x0D] = XIA(FT_SSE41),         /* BLENDPS/PD */
		[0x0E] = XIA(FT_SSE41),                                 /* PBLENDW */
		[0x0F] = XIA(FT_SSSE3),                                 /* PALIGNR */
		/* PEXTRB r/m8, PEXTRW r/m16, PEXTRD r/m32 (REX.W: PEXTRQ),
		 * EXTRACTPS r/m32 */
		[0x14] = XIWG(1, FT_SSE41), [0x15] = XIWG(2, FT_SSE41),
		[0x16] = S(4, SF_XMM | SF_IMM | SF_WRITE | SF_W64 | SF_RM_GPR, FT_SSE41),
		[0x17] = XIWG(4, FT_SSE41),
		/* PINSRB r32/m8, INSERTPS xmm/m32, PINSRD r/m32 (REX.W: PINSRQ) */
		[0x20] = S(1, SF_XMM | SF_IMM | SF_RM_GPR, FT_SSE41), [0x21] = XI(4, FT_SSE41),
		[0x22] = S(4, SF_XMM | SF_IMM | SF_W64 | SF_RM_GPR, FT_SSE41),
		[0x40] = XIA(FT_SSE41), [0x41] = XIA(FT_SSE41),         /* DPPS DPPD */
		[0x42] = XIA(FT_SSE41),                                 /* MPSADBW */
		[0x44] = XIA(FT_PCLMUL),                                /* PCLMULQDQ */
		/* PCMPESTRM PCMPESTRI (REX.W: RAX, RDX), PCMPISTRM PCMPISTRI */
		[0x60 ... 0x61] = S(16, SF_XMM | SF_IMM | SF_STRCMP | SF_W64, FT_SSE42),
		[0x62 ... 0x63] = S(16, SF_XMM | SF_IMM | SF_STRCMP, FT_SSE42),
		[0xDF] = XIA(FT_AES),                                   /* AESKEYGENASSIST */
	},
};

/* 3DNow! (0F 0F /r ib, the ib selecting the operation; AMD APM Vol. 5):
 * the defined suffixes, each needing 3DNow! or the extensions. */
static unsigned amd3dnow_feature(uint8_t suffix)
{
	switch (suffix) {
	case 0x0D: case 0x1D: case 0x90: case 0x94: case 0x96: case 0x97:
	case 0x9A: case 0x9E: case 0xA0: case 0xA4: case 0xA6: case 0xA7:
	case 0xAA: case 0xAE: case 0xB0: case 0xB4: case 0xB6: case 0xB7:
	case 0xBF:
		return FT_3DNOW;
	case 0x0C: case 0x1C: case 0x8A: case 0x8E: case 0xBB:
		return FT_3DNOWEXT;     /* PI2FW PF2IW PFNACC PFPNACC PSWAPD */
	default:
		return 0;
	}
}

/* Groups 12-14 (0F 71-73 /r ib; SDM Vol. 2D Table A-6): the shifts of
 * ModRM.rm's MMX (no prefix) or XMM (66) register by an imm8, and the
 * shift by a count operand that does the same (D1-D3, E1-E2, F1-F3: PSRLW
 * PSRAW PSLLW, PSRLD PSRAD PSLLD, PSRLQ PSLLQ), whose count is the 64-bit
 * operand where these have the imm8 zero-extended: a count above the
 * element's width gives 0 (or the sign) in both (SDM PSRLW/PSRAW/PSLLW
 * "Operation"). 0 for the undefined ModRM.reg values (#UD) and 66 0F 73
 * /3 and /7, PSRLDQ/PSLLDQ, which shift bytes and have no such twin
 * (core/simd_proxy.c has stubs of their own). */
uint8_t emul_simd_shift_by_count(const struct emul_insn *insn)
{
	static const uint8_t by_count[3][8] = {
		{ [2] = 0xD1, [4] = 0xE1, [6] = 0xF1 },
		{ [2] = 0xD2, [4] = 0xE2, [6] = 0xF2 },
		{ [2] = 0xD3, [6] = 0xF3 },
	};

	if (insn->map != EMUL_MAP_0F || insn->opcode < 0x71 || insn->opcode > 0x73)
		return 0;
	return by_count[insn->opcode - 0x71][(insn->modrm >> 3) & 7];
}

/* PSRLDQ/PSLLDQ (66 0F 73 /3, /7): byte shifts of an XMM register. */
bool emul_simd_byte_shift(const struct emul_insn *insn)
{
	unsigned reg = (insn->modrm >> 3) & 7;

	return insn->map == EMUL_MAP_0F && insn->opcode == 0x73 &&
	       emul_simd_prefix(insn) == SIMD_66 && (reg == 3 || reg == 7);
}

/* The group 12-14 forms: register only, an imm8, the feature of the
 * count form or SSE2 for PSRLDQ/PSLLDQ (FT_NONE: an undefined ModRM.reg,
 * #UD); NULL with F2/F3. */
static const struct emul_simd_form *shift_group_form(const struct emul_insn *insn,
						     unsigned p, struct emul_simd_form *tmp)
{
	bool xmm = p == SIMD_66;

	if (p > SIMD_66)
		return NULL;
	*tmp = (struct emul_simd_form)S(xmm ? 16 : 8,
					(xmm ? SF_XMM : SF_MMX) | SF_IMM | SF_REGONLY |
					SF_SHIFT_IMM,
					emul_simd_byte_shift(insn) ? FT_SSE2 :
					!emul_simd_shift_by_count(insn) ? FT_NONE :
					xmm ? FT_SSE2 : FT_MMX);
	return tmp;
}

/* The mandatory prefix: the last of F2/F3, else 66 (SDM Vol. 2 2.1.2:
 * 66 is then ignored). */
unsigned emul_simd_prefix(const struct emul_insn *insn)
{
	if (insn->pfx & EMUL_PFX_REPNE)
		return SIMD_F2;
	if (insn->pfx & EMUL_PFX_REP)
		return SIMD_F3;
	return (insn->pfx & EMUL_PFX_OPSZ) ? SIMD_66 : SIMD_NP;
}

/* insn's form, or NULL if it is none of the forms above (a 3DNow! form
 * with an undefined suffix is one: that is #UD, which exec_simd.c raises
 * in the CPU's order). */
const struct emul_simd_form *emul_simd_form(const struct emul_insn *insn,
					    struct emul_simd_form *tmp)
{
	unsigned p = emul_simd_prefix(insn);
	const struct emul_simd_form *f = NULL;

	if (insn->vex != EMUL_VEX_NONE)
		return NULL;
	if (insn->map == EMUL_MAP_0F && insn->opcode == 0x0F) {
		if (p != SIMD_NP)
			return NULL;
		*tmp = (struct emul_simd_form)S(8, SF_MMX | SF_IMM,
						amd3dnow_feature((uint8_t)insn->imm));
		return tmp;
	}
	if (insn->map == EMUL_MAP_0F && insn->opcode >= 0x71 && insn->opcode <= 0x73)
		return shift_group_form(insn, p, tmp);
	if (insn->map == EMUL_MAP_0F)
		f = &map0f[p][insn->opcode];
	else if (insn->map == EMUL_MAP_0F38 && p <= SIMD_66)
		f = &map0f38[p][insn->opcode];
	else if (insn->map == EMUL_MAP_0F3A && p <= SIMD_66)
		f = &map0f3a[p][insn->opcode];
	return f && (f->size || (f->flags & SF_NO_OPERAND)) ? f : NULL;
}
