/*
 * mbhello.elf: the multiboot (v1) header and entry (docs/test-guests.md,
 * "mbhello.elf"; Multiboot Specification 0.6.96, sections 3.1 and 3.2).
 *
 * The loader enters _start in 32-bit protected mode, paging off, flat
 * segments, EAX = 0x2BADB002, EBX = physical address of the multiboot
 * information; ESP is undefined. We set our stack (in .bss, which the loader
 * zeroes), record EFLAGS as the loader left it, and call
 * mb_main(magic, info); its result is the exit status.
 */
#define MB_HEADER_MAGIC   0x1BADB002
#define MB_PAGE_ALIGN     (1 << 0)      /* modules on 4 KiB boundaries */
#define MB_MEMORY_INFO    (1 << 1)      /* mem_lower/mem_upper (and mmap) */
#define MB_HEADER_FLAGS   (MB_PAGE_ALIGN | MB_MEMORY_INFO)
#define STACK_BYTES       8192

	/* mbhello.ld puts this first: inside the first 8 KiB of the file,
	 * 4-byte aligned, as the loader searches for it. */
	.section .multiboot, "a", @progbits
	.balign	4
	.long	MB_HEADER_MAGIC
	.long	MB_HEADER_FLAGS
	.long	-(MB_HEADER_MAGIC + MB_HEADER_FLAGS)

	.code32
	.section .text.entry, "ax", @progbits
	.globl	_start
	.type	_start, @function
_start:
	mov	$stack_top, %esp
	pushfl
	popl	entry_eflags
	cld
	push	%ebx                    /* info */
	push	%eax                    /* magic */
	call	mb_main
	push	%eax
	call	guest_exit
	.size	_start, . - _start

	.section .bss
	.balign	16
stack:
	.skip	STACK_BYTES
stack_top:

	.section .note.GNU-stack, "", @progbits
