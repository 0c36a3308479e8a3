/*
 * prot32.bin entry (docs/test-guests.md, "prot32.bin"). The VMM loads the
 * flat image at GPA 0x100000 and starts it at its first byte in 32-bit
 * protected mode: paging off, flat 4 GiB code (D = 1) and data segments,
 * interrupts off. ESP is ours to choose, so the first instruction sets it.
 * EFLAGS is recorded as the VMM left it (main checks it), .bss, which is not
 * in the file, is zeroed, and main's result becomes the exit status.
 */
#define STACK_TOP 0x80000       /* grows down into [0x70000, 0x80000) */

	.code32
	.section .text.entry, "ax", @progbits
	.globl	_start
	.type	_start, @function
_start:
	mov	$STACK_TOP, %esp
	pushfl
	popl	entry_eflags
	cld
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	xor	%eax, %eax
	rep stosb
	call	main
	push	%eax
	call	guest_exit
	.size	_start, . - _start

	.section .note.GNU-stack, "", @progbits
