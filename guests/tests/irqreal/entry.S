/*
 * irqreal.bin entry and interrupt stubs (docs/test-guests.md,
 * "irqreal.bin"). The VMM enters at CS:IP = 1000:0000 in real mode; we
 * make DS = ES = SS = CS (the C code, built with gcc -m16, assumes one
 * segment), set ESP below the top of it, zero .bss and call main, whose
 * result goes to the exit port.
 *
 * Real-mode interrupts go through the IVT at linear 0 (SDM Vol. 3A 20.1.4):
 * ivt_install() points all 256 entries at the stubs below, which push the
 * vector, save the registers and call irqreal_handler(vector) with our
 * segments, then IRET (16-bit: IP, CS, FLAGS).
 */
#define STACK_TOP 0xfff0

	.code16
	.section .text.entry, "ax", @progbits
	.globl	_start
_start:
	mov	%cs, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$STACK_TOP, %esp        /* MOV SS shadow covers this one */
	pushfw
	popw	entry_flags
	cld
	mov	$__bss_start, %di
	mov	$__bss_end, %cx
	sub	%di, %cx
	xor	%al, %al
	rep stosb
	calll	main
	pushl	%eax
	calll	guest_exit

	.text
	.altmacro
.macro stub n
isr16_\n:
	pushw	$\n
	jmp	isr16_common
.endm
.macro stub_offset n
	.word	isr16_\n
.endm

	.set	vec, 0
	.rept	256
	stub	%vec
	.set	vec, vec + 1
	.endr

/* Stack at entry: vector, IP, CS, FLAGS (2 bytes each). */
isr16_common:
	pushal
	push	%ds
	push	%es
	mov	%cs, %ax
	mov	%ax, %ds
	mov	%ax, %es
	movzwl	36(%esp), %eax          /* the vector, above es, ds, pushal */
	pushl	%eax
	calll	irqreal_handler
	addl	$4, %esp
	pop	%es
	pop	%ds
	popal
	add	$2, %sp                 /* the vector */
	iret

/* void ivt_install(void): every IVT entry -> CS:isr16_<n>. */
	.globl	ivt_install
ivt_install:
	push	%es
	push	%si
	push	%di
	xor	%ax, %ax
	mov	%ax, %es
	mov	$isr16_offsets, %si
	xor	%di, %di
	mov	$256, %cx
1:	lodsw
	mov	%ax, %es:(%di)
	mov	%cs, %es:2(%di)
	add	$4, %di
	loop	1b
	pop	%di
	pop	%si
	pop	%es
	retl

	.section .rodata
isr16_offsets:
	.set	vec, 0
	.rept	256
	stub_offset %vec
	.set	vec, vec + 1
	.endr

	.section .note.GNU-stack, "", @progbits
