/*
 * The hypercall instructions (ctl.h, hypercall.c picks one).
 *
 *   long hypercall3_vmcall(nr, a0, a1, a2)    Intel VMX
 *   long hypercall3_vmmcall(nr, a0, a1, a2)   AMD SVM
 *
 * In:  SysV arguments RDI = nr, RSI = a0, RDX = a1, RCX = a2.
 * Hypercall ABI: RAX = nr, RDI = a0, RSI = a1, RDX = a2; result in RAX.
 * The hypervisor must preserve RBX, RBP, RSP and R12-R15 (the SysV
 * callee-saved registers); everything else may change, which costs nothing
 * here since the caller already treats those as clobbered. Being a real call,
 * each is a full compiler memory barrier, so mailbox writes made before the
 * call are visible to the hypervisor.
 */
	.text

	.globl	hypercall3_vmcall
	.type	hypercall3_vmcall, @function
hypercall3_vmcall:
	mov	%rdi, %rax
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	mov	%rcx, %rdx
	vmcall
	ret
	.size	hypercall3_vmcall, . - hypercall3_vmcall

	.globl	hypercall3_vmmcall
	.type	hypercall3_vmmcall, @function
hypercall3_vmmcall:
	mov	%rdi, %rax
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	mov	%rcx, %rdx
	vmmcall
	ret
	.size	hypercall3_vmmcall, . - hypercall3_vmmcall

	.section .note.GNU-stack, "", @progbits
