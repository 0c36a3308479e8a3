/*
 * long64.bin entry (docs/test-guests.md, "long64.bin"). The VMM loads the
 * flat image at GPA 0x100000 and starts it at its first byte in 64-bit
 * mode, on its own identity map of the first 1 GiB, interrupts off. RSP is
 * ours to choose, so the first instruction sets it. RFLAGS is recorded as
 * the VMM left it (main checks it), .bss, which is not in the file, is
 * zeroed, and main's result becomes the exit status.
 */
#define STACK_TOP 0x80000       /* grows down into [0x70000, 0x80000) */

	.code64
	.section .text.entry, "ax", @progbits
	.globl	_start
	.type	_start, @function
_start:
	mov	$STACK_TOP, %esp        /* zero-extends into RSP */
	pushfq
	popq	entry_rflags(%rip)
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

	.section .note.GNU-stack, "", @progbits
