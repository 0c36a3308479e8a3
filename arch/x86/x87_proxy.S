/*
 * Running one x87 instruction for a guest, on the FPU state it owns at
 * that moment (core/x87_proxy.c). The instruction
 * cannot be assembled at run time (the hypervisor has no writable code),
 * so every memory form exists here: for each escape opcode D8-DF and each
 * ModRM.reg an 8-byte slot holding that instruction on [RDI] (mod 0,
 * r/m 7) and a RET; then the 16-bit-operand-size forms of FLDENV,
 * FNSTENV, FRSTOR and FNSAVE, whose memory images are the short ones.
 */
	.text
	.balign	8
	.globl	x87_stubs
x87_stubs:
	.set	x87_op, 0xd8
	.rept	8
	.set	x87_reg, 0
	.rept	8
	.balign	8
	.byte	x87_op, (x87_reg << 3) | 7, 0xc3
	.set	x87_reg, x87_reg + 1
	.endr
	.set	x87_op, x87_op + 1
	.endr

/* The register forms (mod 3): 8 opcodes x 64 ModRM bytes C0-FF, the
 * reserved encodings among them included (core/x87_proxy.c calls only
 * the documented ones the emulator lets through). */
	.balign	8
	.globl	x87_reg_stubs
x87_reg_stubs:
	.set	x87_op, 0xd8
	.rept	8
	.set	x87_modrm, 0xc0
	.rept	64
	.balign	8
	.byte	x87_op, x87_modrm, 0xc3
	.set	x87_modrm, x87_modrm + 1
	.endr
	.set	x87_op, x87_op + 1
	.endr

	.balign	8
	.globl	x87_env16_stubs
x87_env16_stubs:
	.byte	0x66, 0xd9, 0x27, 0xc3          /* fldenv (%rdi), 14 bytes */
	.balign	8
	.byte	0x66, 0xd9, 0x37, 0xc3          /* fnstenv (%rdi) */
	.balign	8
	.byte	0x66, 0xdd, 0x27, 0xc3          /* frstor (%rdi), 94 bytes */
	.balign	8
	.byte	0x66, 0xdd, 0x37, 0xc3          /* fnsave (%rdi) */

/*
 * void x87_proxy_call(struct x87_call *c): calls c->stub with RDI =
 * c->buf, then records the FPU environment (FNSTENV, 28 bytes, which also
 * masks every exception) and clears the exception flags (FNCLEX): the
 * FLDENV that puts the environment back is a waiting instruction (SDM
 * Vol. 3 6.15, interrupt 16, lists the ones that are not), and with an
 * exception pending it would raise #MF here, in the hypervisor. The environment it loads brings the
 * guest's flags back, pending for the guest's next waiting instruction.
 * struct x87_call's layout is in arch/x86/x87_proxy.h.
 */
	.globl	x87_proxy_call
x87_proxy_call:
	push	%rbx
	mov	%rdi, %rbx
	mov	8(%rbx), %rdi
	call	*0(%rbx)
	fnstenv	16(%rbx)
	fnclex
	pop	%rbx
	ret

/* FNSTSW AX (DF E0) with AX then stored at [RDI]: the register form as
 * encoded, so that the FPU records it as the guest's instruction. */
	.balign	8
	.globl	x87_fnstsw_ax_stub
x87_fnstsw_ax_stub:
	fnstsw	%ax
	mov	%ax, (%rdi)
	ret

/*
 * uint64_t x87_proxy_call_flags(struct x87_call *c, uint64_t rflags): as
 * x87_proxy_call, with the stub run on the arithmetic flags (CF PF AF ZF
 * SF OF, 0x8D5) of rflags, which FCMOVcc reads and FCOMI/FUCOMI(P) write;
 * returns RFLAGS as the stub left it. The hypervisor's own flags (IF, DF,
 * AC...) are the same throughout and its arithmetic flags come back.
 */
	.globl	x87_proxy_call_flags
x87_proxy_call_flags:
	push	%rbx
	push	%r12
	push	%r13
	mov	%rdi, %rbx
	pushfq
	pop	%r12                    /* the hypervisor's RFLAGS */
	mov	%r12, %rax
	and	$~0x8d5, %rax
	and	$0x8d5, %esi
	or	%rsi, %rax
	push	%rax
	popfq
	mov	8(%rbx), %rdi
	call	*0(%rbx)
	pushfq
	pop	%r13                    /* the guest's, as the stub left them */
	push	%r12
	popfq
	fnstenv	16(%rbx)
	fnclex
	mov	%r13, %rax
	pop	%r13
	pop	%r12
	pop	%rbx
	ret

/* void x87_load_env(const void *env): FLDENV of a 28-byte image. */
	.globl	x87_load_env
x87_load_env:
	fldenv	(%rdi)
	ret

/* uint16_t x87_status(void): FNSTSW, which waits for nothing. */
	.globl	x87_status
x87_status:
	xor	%eax, %eax
	fnstsw	%ax
	ret

/* MXCSR: void x87_ldmxcsr(const uint32_t *), void x87_stmxcsr(uint32_t *),
 * void x87_fxsave(void *area) (512 bytes, 16-byte aligned). */
	.globl	x87_ldmxcsr, x87_stmxcsr, x87_fxsave
x87_ldmxcsr:
	ldmxcsr	(%rdi)
	ret
x87_stmxcsr:
	stmxcsr	(%rdi)
	ret
x87_fxsave:
	fxsave	(%rdi)
	ret

/* The guest's FXSAVE/FXRSTOR (core/x87_proxy.c): void f(void *area), 512
 * bytes, 16-byte aligned; the 64 forms use the REX.W image. */
	.globl	x87_fxsave64, x87_fxrstor, x87_fxrstor64
x87_fxsave64:
	fxsave64 (%rdi)
	ret
x87_fxrstor:
	fxrstor	(%rdi)
	ret
x87_fxrstor64:
	fxrstor64 (%rdi)
	ret

	.section .note.GNU-stack, "", @progbits
