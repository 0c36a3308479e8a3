/*
 * hostile.bin entry (docs/test-guests.md, "hostile.bin"): long64.bin's
 * entry, except that RBX as the VMM left it (`set N rbx M`) is kept in
 * hostile_mode before .bss is zeroed: it selects what the guest does.
 */
#define STACK_TOP 0x80000       /* grows down into [0x70000, 0x80000) */

	.code64
	.section .text.entry, "ax", @progbits
	.globl	_start
	.type	_start, @function
_start:
	mov	$STACK_TOP, %esp
	mov	%rbx, hostile_mode(%rip)
	cld
	lea	__bss_start(%rip), %rdi
	lea	__bss_end(%rip), %rcx
	sub	%rdi, %rcx
	xor	%eax, %eax
	rep stosb
	call	main
	mov	%eax, %edi
	call	guest_exit
	.size	_start, . - _start

	.data
	.globl	hostile_mode
	.p2align 3
hostile_mode:
	.quad	0

	.section .note.GNU-stack, "", @progbits
