/*
 * Running one MMX, SSE or 3DNow! instruction for a guest on the registers
 * it owns at that moment (core/simd_proxy.c). The hypervisor has no
 * writable code, so every form exists here, always with ModRM.reg 0
 * (XMM0, MM0 or EAX) and the memory operand at [RDI] (mod 0, r/m 7),
 * followed by a RET, 8 bytes a slot:
 *  - the 0F map: 4 mandatory prefixes (none, 66, F3, F2) x 256 opcodes;
 *  - the 0F 38 map: no prefix and 66, x 256 opcodes;
 *  - both again for the register forms, ModRM.rm 1 (XMM1, MM1);
 *  - 3DNow! (0F 0F /r ib): the 256 suffixes;
 *  - the forms with an imm8 (0F and 0F 3A maps), 256 slots each, in the
 *    order of core/simd_proxy.c's imm_forms[];
 *  - PEXTRW r32, mm/xmm, imm8 (register only: EAX and ModRM.rm 1), 256
 *    slots for each of no prefix and 66;
 *  - PSRLDQ and PSLLDQ xmm1, imm8 (register only), 256 slots each;
 *  - the REX.W forms: MOVQ, CVTSI2SS/SD, CVT(T)SS2SI/SD2SI one slot each,
 *    PEXTRQ and PINSRQ 256 slots each;
 *  - PBLENDVB/BLENDVPS/BLENDVPD on XMM1 (XMM0 their mask), memory and
 *    register forms, one slot each;
 *  - PCMPESTRx/PCMPISTRx on XMM1, memory and register forms, without
 *    and with REX.W, 256 slots each;
 *  - EMMS and FEMMS, one slot each.
 * Each table starts 8-byte aligned (a label before alignment padding
 * would shift every slot), its slots are filled up with INT3 and the
 * assembler checks its size.
 * Slots outside the opcode rows that hold MMX/SSE instructions are UD2;
 * the emulator calls only the forms of emul/simd_forms.c. A #UD, #MF or
 * #XM raised by a stub comes back as simd_proxy_call's result (the
 * fixup in arch/x86/simd_fixup.c) instead of crashing the hypervisor.
 */
	/* the rest of an 8-byte slot of a stub of n bytes after its prefix
	 * (if any): INT3s, so that a wrong slot address traps loudly */
	.macro	PAD pfx, n
	.if	\pfx
	.fill	7 - \n, 1, 0xcc
	.else
	.fill	8 - \n, 1, 0xcc
	.endif
	.endm

	.text
	.balign	8
	.globl	simd_stubs_begin, simd_stubs_end
simd_stubs_begin:

	.macro	MAP_0F modrm
	.irp	pfx, 0, 0x66, 0xf3, 0xf2
	.set	op, 0
	.rept	256
	.if	\pfx
	.byte	\pfx
	.endif
	.if	(op >= 0x10 && op <= 0x17) || (op >= 0x28 && op <= 0x2f) || (op >= 0x50 && op <= 0x76) || (op >= 0x7c && op <= 0x7f) || op == 0xc2 || op == 0xc4 || op == 0xc6 || (op >= 0xd0 && op <= 0xfe)
	.byte	0x0f, op, \modrm, 0xc3
	.else
	.byte	0x0f, 0x0b, 0xcc, 0xcc
	.endif
	PAD	\pfx, 4
	.set	op, op + 1
	.endr
	.endr
	.endm

	.macro	MAP_0F38 modrm
	.irp	pfx, 0, 0x66
	.set	op, 0
	.rept	256
	.if	\pfx
	.byte	\pfx
	.endif
	.if	op <= 0x41 || (op >= 0xc8 && op <= 0xcd) || (op >= 0xdb && op <= 0xdf)
	.byte	0x0f, 0x38, op, \modrm, 0xc3
	.else
	.byte	0x0f, 0x0b, 0xcc, 0xcc, 0xcc
	.endif
	PAD	\pfx, 5
	.set	op, op + 1
	.endr
	.endr
	.endm

	.globl	simd_0f_stubs
simd_0f_stubs:
	MAP_0F	0x07            /* reg 0, [rdi] */
	.if	. - simd_0f_stubs != 4 * 256 * 8
	.error	"simd_0f_stubs: a slot is not 8 bytes"
	.endif

	.globl	simd_0f38_stubs
simd_0f38_stubs:
	MAP_0F38 0x07
	.if	. - simd_0f38_stubs != 2 * 256 * 8
	.error	"simd_0f38_stubs: a slot is not 8 bytes"
	.endif

	.globl	simd_0f_reg_stubs
simd_0f_reg_stubs:
	MAP_0F	0xc1            /* reg 0, rm 1: the register forms */
	.if	. - simd_0f_reg_stubs != 4 * 256 * 8
	.error	"simd_0f_reg_stubs: a slot is not 8 bytes"
	.endif

	.globl	simd_0f38_reg_stubs
simd_0f38_reg_stubs:
	MAP_0F38 0xc1
	.if	. - simd_0f38_reg_stubs != 2 * 256 * 8
	.error	"simd_0f38_reg_stubs: a slot is not 8 bytes"
	.endif
	.balign	8
	.globl	simd_3dnow_stubs
simd_3dnow_stubs:
	.set	sfx, 0
	.rept	256
	.byte	0x0f, 0x0f, 0x07, sfx, 0xc3
	PAD	0, 5
	.set	sfx, sfx + 1
	.endr

	.macro	IMM_FORM pfx, op
	.set	imm, 0
	.rept	256
	.if	\pfx
	.byte	\pfx
	.endif
	.byte	0x0f, \op, 0x07, imm, 0xc3
	PAD	\pfx, 5
	.set	imm, imm + 1
	.endr
	.endm

	.if	. - simd_3dnow_stubs != 256 * 8
	.error	"simd_3dnow_stubs: a slot is not 8 bytes"
	.endif
	.balign	8
	.macro	IMM_FORM_3A pfx, op
	.set	imm, 0
	.rept	256
	.if	\pfx
	.byte	\pfx
	.endif
	.byte	0x0f, 0x3a, \op, 0x07, imm, 0xc3
	PAD	\pfx, 6
	.set	imm, imm + 1
	.endr
	.endm

	.globl	simd_imm_stubs
simd_imm_stubs:
	IMM_FORM 0, 0x70        /* PSHUFW */
	IMM_FORM 0x66, 0x70     /* PSHUFD */
	IMM_FORM 0xf3, 0x70     /* PSHUFHW */
	IMM_FORM 0xf2, 0x70     /* PSHUFLW */
	IMM_FORM 0, 0xc2        /* CMPPS */
	IMM_FORM 0x66, 0xc2     /* CMPPD */
	IMM_FORM 0xf3, 0xc2     /* CMPSS */
	IMM_FORM 0xf2, 0xc2     /* CMPSD */
	IMM_FORM 0, 0xc4        /* PINSRW mm */
	IMM_FORM 0x66, 0xc4     /* PINSRW xmm */
	IMM_FORM 0, 0xc6        /* SHUFPS */
	IMM_FORM 0x66, 0xc6     /* SHUFPD */
	IMM_FORM_3A 0, 0x0f     /* PALIGNR mm */
	.irp	op, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x14, 0x15, 0x16, 0x17, 0x20, 0x21, 0x22, 0x40, 0x41, 0x42
	IMM_FORM_3A 0x66, \op  /* ROUND BLEND PALIGNR PEXTR/EXTRACTPS PINSR/INSERTPS DP MPSADBW */
	.endr
	IMM_FORM_3A 0x66, 0x44  /* PCLMULQDQ */
	IMM_FORM_3A 0x66, 0xdf  /* AESKEYGENASSIST */
	IMM_FORM_3A 0, 0xcc     /* SHA1RNDS4 */
	.if	. - simd_imm_stubs != 34 * 256 * 8
	.error	"simd_imm_stubs: a slot is not 8 bytes"
	.endif

	/* PEXTRW eax, mm1/xmm1, imm8: register only, ModRM C1 */
	.balign	8
	.globl	simd_pextrw_stubs
simd_pextrw_stubs:
	.irp	pfx, 0, 0x66
	.set	imm, 0
	.rept	256
	.if	\pfx
	.byte	\pfx
	.endif
	.byte	0x0f, 0xc5, 0xc1, imm, 0xc3
	PAD	\pfx, 5
	.set	imm, imm + 1
	.endr
	.endr
	.if	. - simd_pextrw_stubs != 2 * 256 * 8
	.error	"simd_pextrw_stubs: a slot is not 8 bytes"
	.endif

	/* PSRLDQ, PSLLDQ xmm1, imm8: register only, ModRM D9 and F9 */
	.balign	8
	.globl	simd_byte_shift_stubs
simd_byte_shift_stubs:
	.irp	modrm, 0xd9, 0xf9
	.set	imm, 0
	.rept	256
	.byte	0x66, 0x0f, 0x73, \modrm, imm, 0xc3
	PAD	0x66, 5
	.set	imm, imm + 1
	.endr
	.endr
	.if	. - simd_byte_shift_stubs != 2 * 256 * 8
	.error	"simd_byte_shift_stubs: a slot is not 8 bytes"
	.endif

	/* The REX.W forms (SDM Vol. 2: operands r/m64, r64), reg 0 or RAX
	 * and [RDI], or ModRM C1 (RAX, XMM1) for the register forms of
	 * CVT(T)SS2SI/SD2SI, in core/simd_proxy.c's wide_forms[] order */
	.macro	WIDE pfx, op, modrm
	.if	\pfx
	.byte	\pfx
	.endif
	.byte	0x48, 0x0f, \op, \modrm, 0xc3
	PAD	\pfx, 5
	.endm

	.balign	8
	.globl	simd_wide_stubs
simd_wide_stubs:
	WIDE	0, 0x6e, 0x07           /* MOVQ mm0, [rdi] */
	WIDE	0, 0x7e, 0x07           /* MOVQ [rdi], mm0 */
	WIDE	0x66, 0x6e, 0x07        /* MOVQ xmm0, [rdi] */
	WIDE	0x66, 0x7e, 0x07        /* MOVQ [rdi], xmm0 */
	WIDE	0xf3, 0x2a, 0x07        /* CVTSI2SS xmm0, qword [rdi] */
	WIDE	0xf2, 0x2a, 0x07        /* CVTSI2SD xmm0, qword [rdi] */
	.irp	modrm, 0x07, 0xc1
	WIDE	0xf3, 0x2c, \modrm      /* CVTTSS2SI rax, [rdi] / xmm1 */
	WIDE	0xf3, 0x2d, \modrm      /* CVTSS2SI */
	WIDE	0xf2, 0x2c, \modrm      /* CVTTSD2SI */
	WIDE	0xf2, 0x2d, \modrm      /* CVTSD2SI */
	.endr
	.if	. - simd_wide_stubs != 14 * 8
	.error	"simd_wide_stubs: a slot is not 8 bytes"
	.endif

	/* PEXTRQ [rdi], xmm0, imm8 and PINSRQ xmm0, [rdi], imm8 */
	.globl	simd_wide_imm_stubs
simd_wide_imm_stubs:
	.irp	op, 0x16, 0x22
	.set	imm, 0
	.rept	256
	.byte	0x66, 0x48, 0x0f, 0x3a, \op, 0x07, imm, 0xc3
	.set	imm, imm + 1
	.endr
	.endr
	.if	. - simd_wide_imm_stubs != 2 * 256 * 8
	.error	"simd_wide_imm_stubs: a slot is not 8 bytes"
	.endif

	/* PBLENDVB, BLENDVPS, BLENDVPD (66 0F 38 10, 14, 15), whose mask is
	 * XMM0 (implicit), and SHA256RNDS2 (0F 38 CB), whose XMM0 is a
	 * source: the destination XMM1, the source [RDI] (ModRM 0F), then
	 * the register forms' XMM2 (ModRM CA) */
	.globl	simd_blendv_stubs
simd_blendv_stubs:
	.irp	modrm, 0x0f, 0xca
	.irp	op, 0x10, 0x14, 0x15
	.byte	0x66, 0x0f, 0x38, \op, \modrm, 0xc3
	PAD	1, 5
	.endr
	.byte	0x0f, 0x38, 0xcb, \modrm, 0xc3
	PAD	0, 5
	.endr
	.if	. - simd_blendv_stubs != 8 * 8
	.error	"simd_blendv_stubs: a slot is not 8 bytes"
	.endif

	/* PCMPESTRM, PCMPESTRI, PCMPISTRM, PCMPISTRI (66 0F 3A 60-63) xmm1,
	 * [rdi] (ModRM 0F), then xmm1, xmm2 (ModRM CA): for each, without
	 * and with REX.W (PCMPESTRx: RAX and RDX, not EAX and EDX, are the
	 * lengths), 256 imm8s. Their implicit operands are the stub's own
	 * registers: EAX/RAX and EDX/RDX in and ECX out, from and to struct
	 * simd_call; XMM0 out (the ...M forms) stays where the guest has it. */
	.globl	simd_strcmp_stubs
simd_strcmp_stubs:
	.irp	modrm, 0x0f, 0xca
	.irp	op, 0x60, 0x61, 0x62, 0x63
	.irp	rexw, 0, 1
	.set	imm, 0
	.rept	256
	.byte	0x66
	.if	\rexw
	.byte	0x48
	.endif
	.byte	0x0f, 0x3a, \op, \modrm, imm, 0xc3
	.if	!\rexw
	.byte	0xcc
	.endif
	.set	imm, imm + 1
	.endr
	.endr
	.endr
	.endr
	.if	. - simd_strcmp_stubs != 2 * 4 * 2 * 256 * 8
	.error	"simd_strcmp_stubs: a slot is not 8 bytes"
	.endif

	/* EMMS and FEMMS: no operand */
	.globl	simd_emms_stubs
simd_emms_stubs:
	.byte	0x0f, 0x77, 0xc3        /* EMMS */
	PAD	0, 3
	.byte	0x0f, 0x0e, 0xc3        /* FEMMS */
	PAD	0, 3
	.if	. - simd_emms_stubs != 2 * 8
	.error	"simd_emms_stubs: a slot is not 8 bytes"
	.endif
	.balign	8
simd_stubs_end:

/*
 * int simd_proxy_call(struct simd_call *c): calls c->stub with RDI =
 * c->buf and RAX, RCX, RDX from c, records RAX, RCX, RDX and RFLAGS after
 * it; returns 0. A fault in the stub lands at simd_proxy_fault with the
 * stack as the stub's RET would have left it and the result (SIMD_CALL_*)
 * in RAX, c's registers as they were. struct simd_call's layout is in
 * arch/x86/simd_proxy.h.
 */
	.globl	simd_proxy_call, simd_proxy_fault
simd_proxy_call:
	push	%rbx
	mov	%rdi, %rbx
	mov	8(%rbx), %rdi
	mov	16(%rbx), %rax
	mov	32(%rbx), %rcx
	mov	40(%rbx), %rdx
	call	*0(%rbx)
	mov	%rax, 16(%rbx)
	mov	%rcx, 32(%rbx)
	mov	%rdx, 40(%rbx)
	pushfq
	popq	24(%rbx)
	xor	%eax, %eax
simd_proxy_fault:
	pop	%rbx
	ret

/* void simd_fxsave(void *area), void simd_fxrstor(const void *area):
 * the 64-bit images (512 bytes, 16-byte aligned). */
	.globl	simd_fxsave, simd_fxrstor
simd_fxsave:
	fxsaveq	(%rdi)
	ret
simd_fxrstor:
	fxrstorq (%rdi)
	ret

	.section .note.GNU-stack, "", @progbits
