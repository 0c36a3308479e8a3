/*
 * The control partition's entry point (abi/ctl_boot.h, docs/control-partition.md).
 *
 * The hypervisor jumps here in 64-bit mode, CPL 0, interrupts off, SSE
 * enabled, identity mapped, with RDI = GPA of struct ctl_boot_info and RSP on
 * a temporary stack inside RAM. We:
 *   1. keep the boot info GPA in R12 (callee-saved: survives the calls below),
 *   2. zero .bss with REP STOSB, which needs no stack (our stack is in .bss),
 *   3. switch to our own 16-byte-aligned stack, clear RBP (ends backtraces),
 *   4. put the x87 and SSE control state in its reset configuration,
 *   5. ctl_runtime_init(info): UART, boot-info checks, heap, hypercalls,
 *   6. __libc_init_array() (constructors, if anyone adds some),
 *   7. exit(ctl_main(info)): newlib flushes stdio and calls _exit, which
 *      is ctl_shutdown.
 * Every call is made with RSP 16-byte aligned, as the SysV ABI requires
 * (newlib's printf spills SSE registers with MOVAPS).
 */
#define CTL_STACK_BYTES  (128 * 1024)

	.section .text.entry, "ax", @progbits
	.globl	_start
	.type	_start, @function
_start:
	cld
	mov	%rdi, %r12

	lea	__bss_start(%rip), %rdi
	lea	__bss_end(%rip), %rcx
	sub	%rdi, %rcx
	xor	%eax, %eax
	rep stosb

	lea	ctl_stack_top(%rip), %rsp
	xor	%ebp, %ebp

	fninit
	ldmxcsr	mxcsr_reset(%rip)

	mov	%r12, %rdi
	call	ctl_runtime_init
	call	__libc_init_array
	mov	%r12, %rdi
	call	ctl_main
	mov	%eax, %edi
	call	exit
	ud2                             /* exit does not return */
	.size	_start, . - _start

/* newlib's __libc_init_array/__libc_fini_array call _init/_fini around the
 * .init_array/.fini_array walks; there is no crti/crtn here, so they are
 * empty. */
	.text
	.globl	_init
	.type	_init, @function
_init:
	ret
	.size	_init, . - _init

	.globl	_fini
	.type	_fini, @function
_fini:
	ret
	.size	_fini, . - _fini

	.section .rodata
	.balign	4
mxcsr_reset:
	.long	0x1f80                  /* all exceptions masked, round to nearest */

	.section .bss.stack, "aw", @nobits
	.balign	16
	.globl	ctl_stack_bottom
ctl_stack_bottom:
	.skip	CTL_STACK_BYTES
	.globl	ctl_stack_top
ctl_stack_top:

	.section .note.GNU-stack, "", @progbits
