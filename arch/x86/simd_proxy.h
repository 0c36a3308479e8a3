/*
 * The MMX/SSE/3DNow! stubs and the call that runs one of them
 * (arch/x86/simd_proxy.S; used by core/simd_proxy.c).
 */
#ifndef ARCH_X86_SIMD_PROXY_H
#define ARCH_X86_SIMD_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/trap.h"

/* 8-byte slots: (prefix index p, opcode) at simd_0f_stubs + 8 * (p * 256
 * + opcode), p = 0 none, 1 66, 2 F3, 3 F2; simd_0f38_stubs likewise with
 * p 0 or 1; the _reg_ tables the same for the register forms; a 3DNow! suffix at simd_3dnow_stubs + 8 * suffix; imm8 forms
 * at simd_imm_stubs + 8 * (form * 256 + imm). */
extern const uint8_t simd_stubs_begin[], simd_stubs_end[];
extern const uint8_t simd_0f_stubs[], simd_0f38_stubs[];
extern const uint8_t simd_0f_reg_stubs[], simd_0f38_reg_stubs[];    /* ModRM C1 */
extern const uint8_t simd_3dnow_stubs[], simd_imm_stubs[];
/* PEXTRW r32, mm/xmm, imm8 (0F C5 C1 ib, register only): (p 0 or 1,
 * imm) at simd_pextrw_stubs + 8 * (p * 256 + imm). */
extern const uint8_t simd_pextrw_stubs[];
/* PSRLDQ (0) and PSLLDQ (1) xmm1, imm8 (66 0F 73 /3, /7): at
 * simd_byte_shift_stubs + 8 * (which * 256 + imm). */
extern const uint8_t simd_byte_shift_stubs[];
/* The REX.W forms (core/simd_proxy.c's wide_forms[]): at simd_wide_stubs
 * + 8 * form; PEXTRQ (0) and PINSRQ (1) at simd_wide_imm_stubs + 8 *
 * (which * 256 + imm). */
extern const uint8_t simd_wide_stubs[], simd_wide_imm_stubs[];
/* PBLENDVB (0), BLENDVPS (1), BLENDVPD (2), SHA256RNDS2 (3) xmm1, [rdi]
 * at simd_blendv_stubs + 8 * which, xmm1, xmm2 at + 8 * (4 + which). */
extern const uint8_t simd_blendv_stubs[];
/* PCMPESTRM (0), PCMPESTRI (1), PCMPISTRM (2), PCMPISTRI (3) xmm1, [rdi]
 * or (regform 1) xmm1, xmm2, with REX.W (w 1) or without (0), imm8: at
 * simd_strcmp_stubs + 8 * (((regform * 4 + which) * 2 + w) * 256 + imm). */
extern const uint8_t simd_strcmp_stubs[];
/* EMMS (0) and FEMMS (1) at simd_emms_stubs + 8 * which. */
extern const uint8_t simd_emms_stubs[];

/* Offsets used by simd_proxy_call: keep in step with the .S file. The
 * general registers are the stub's before (0 for the stubs that take
 * none: a zeroed struct) and after it: the forms with a general-register
 * result write EAX (RAX), PCMPxSTRx read EAX/RAX and EDX/RDX and write
 * ECX. */
struct simd_call {
	const void *stub;       /* 0 */
	void *buf;              /* 8: RDI for the stub */
	uint64_t rax;           /* 16: RAX before and after it */
	uint64_t rflags;        /* 24: RFLAGS after it */
	uint64_t rcx;           /* 32: RCX before and after it */
	uint64_t rdx;           /* 40: RDX before and after it */
};
_Static_assert(offsetof(struct simd_call, rflags) == 24 &&
	       offsetof(struct simd_call, rdx) == 40, "simd_proxy.S's offsets");

/* simd_proxy_call's results. */
enum { SIMD_CALL_DONE = 0, SIMD_CALL_XM = 1, SIMD_CALL_REFUSED = 2 };

int simd_proxy_call(struct simd_call *c);
void simd_fxsave(void *area);
void simd_fxrstor(const void *area);

/* From trap_dispatch(): a #UD, #MF or #XM in a stub ends simd_proxy_call
 * with SIMD_CALL_REFUSED (#UD, #MF: the checks before it should have
 * kept it from running) or SIMD_CALL_XM. True if tf was such a fault. */
bool simd_proxy_fixup(struct trap_frame *tf);

#endif
