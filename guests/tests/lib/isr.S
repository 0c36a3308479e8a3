/*
 * Interrupt and exception stubs for lib/idt.c: one per vector, each pushes
 * a zero where the CPU pushes no error code (SDM Vol. 3A 6.13: vectors 8,
 * 10-14, 17, 21, 29, 30 have one), then the vector, and joins the common
 * path, which saves the caller-saved registers, calls
 * isr_dispatch(struct isr_frame *) and returns with IRET. Assembled -m32
 * and -m64 (struct isr_frame in guest.h matches both layouts).
 */
	.text
	.altmacro

.macro stub n
	.p2align 4
isr_\n:
	.if (\n == 8) || ((\n >= 10) && (\n <= 14)) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
	.else
	push	$0
	.endif
	push	$\n
	jmp	isr_common
.endm

.macro stub_address n
#ifdef __x86_64__
	.quad	isr_\n
#else
	.long	isr_\n
#endif
.endm

	.set	vec, 0
	.rept	256
	stub	%vec
	.set	vec, vec + 1
	.endr

isr_common:
#ifdef __x86_64__
	push	%rax
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	mov	%rsp, %rdi
	cld
	call	isr_dispatch
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rax
	add	$16, %rsp               /* vector, error code */
	iretq
#else
	pushal
	mov	%esp, %eax
	push	%eax
	cld
	call	isr_dispatch
	add	$4, %esp
	popal
	add	$8, %esp                /* vector, error code */
	iret
#endif

	.section .rodata
	.globl	isr_stubs
	.p2align 3
isr_stubs:
	.set	vec, 0
	.rept	256
	stub_address %vec
	.set	vec, vec + 1
	.endr

	.section .note.GNU-stack, "", @progbits
